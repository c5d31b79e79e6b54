//! Turning mnemonics into identifiers.
//!
//! A mnemonic is free text (`MEM.load`, `2D_SCALE`, `COMPRESSED ADD rd, rs1, rs2`), an
//! identifier is not. Every target language gets one [`Style`]; [`assign`] applies it to all
//! instructions of a table at once, because only the whole table shows collisions (`MEM.load`
//! and `MEM_LOAD` both become `MEM_LOAD`). The rules are deterministic — the instruction with the
//! lowest opcode keeps a contested name, the others get their opcode as a suffix — and every
//! change that is more than case conversion is returned as a [`Rename`], so the CLI can report it
//! and the generated file can document it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// How a language spells instruction identifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// `MEM_LOAD` (Python, TypeScript, C macro arguments).
    UpperSnake,
    /// `MemLoad` (Rust enum variants).
    UpperCamel,
    /// `OpMemLoad` (Go exported constants).
    GoConst,
    /// `OP_MEM_LOAD` (C enumerators, which share one global namespace).
    CEnum,
}

isa_core::named_enum! {
    /// Why an identifier differs from the mnemonic spelled in the language's case convention.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum RenameReason {
        /// Characters that cannot appear in an identifier were replaced or dropped.
        Punctuation => "punctuation",
        /// The mnemonic starts with a digit, so a prefix was added.
        LeadingDigit => "leading-digit",
        /// Nothing usable was left (an empty or all-punctuation mnemonic); the name comes from the
        /// opcode.
        Empty => "empty",
        /// The name is a keyword or reserved word of the language; a `_` was appended.
        Keyword => "keyword",
        /// Another instruction with a lower opcode already had the name; the opcode was appended.
        Collision => "collision",
}
}

impl RenameReason {}

/// One mnemonic that could not be used as an identifier as it stands.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Rename {
    /// The instruction's opcode.
    pub opcode: u32,
    /// The mnemonic as the table spells it.
    pub mnemonic: String,
    /// The identifier the generated code uses.
    pub identifier: String,
    /// Every reason that applied, in a fixed order.
    pub reasons: Vec<RenameReason>,
}

impl fmt::Display for Rename {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let reasons: Vec<&str> = self.reasons.iter().map(|r| r.as_str()).collect();
        write!(
            f,
            "{:?} (0x{:02X}) -> {} ({})",
            self.mnemonic,
            self.opcode,
            self.identifier,
            reasons.join(", ")
        )
    }
}

/// Words that cannot be identifiers, per style. Only spellings the style can produce matter
/// (every style capitalises), but the lists are complete for the capitalised reserved words of
/// each language so a future style change cannot silently produce a keyword.
fn reserved_words(style: Style) -> &'static [&'static str] {
    match style {
        // Python's capitalised keywords; TypeScript has none capitalised, but the global
        // `Infinity`/`NaN` spellings are upper-cased away anyway.
        Style::UpperSnake => &[
            "None", "True", "False", "NONE", "TRUE", "FALSE", "NULL", "EOF",
        ],
        // `Self` is the one capitalised Rust keyword; the prelude names would shadow
        // `Option`/`Result` inside the generated impls if a variant took them.
        Style::UpperCamel => &["Self", "Some", "None", "Ok", "Err", "Option", "Result"],
        // `Op` prefixed names cannot be Go keywords (all lower-case) or predeclared names.
        Style::GoConst => &[],
        // `OP_` prefixed enumerators cannot be C keywords.
        Style::CEnum => &[],
    }
}

/// Splits a mnemonic into ASCII alphanumeric words; everything else separates words.
fn words(mnemonic: &str) -> Vec<&str> {
    mnemonic
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect()
}

fn camel_word(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    for (i, c) in word.chars().enumerate() {
        if i == 0 {
            out.push(c.to_ascii_uppercase());
        } else {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// The identifier a style gives a mnemonic, before collision handling, with the reasons it
/// differs from a plain case conversion.
pub fn base_identifier(mnemonic: &str, opcode: u32, style: Style) -> (String, Vec<RenameReason>) {
    let mut reasons = Vec::new();
    let ws = words(mnemonic);
    // Anything but ASCII letters, digits and single inner underscores is punctuation to drop.
    let clean = ws.join("_");
    if clean != mnemonic.trim_matches('_') || mnemonic.contains("__") {
        reasons.push(RenameReason::Punctuation);
    }
    if ws.is_empty() {
        reasons.push(RenameReason::Empty);
    } else if ws[0].starts_with(|c: char| c.is_ascii_digit()) {
        reasons.push(RenameReason::LeadingDigit);
    }
    let empty = ws.is_empty();
    let leading_digit = reasons.contains(&RenameReason::LeadingDigit);
    let hex = format!("{opcode:02X}");
    let mut id = match style {
        Style::UpperSnake | Style::CEnum => {
            let body = if empty {
                format!("OP_{hex}")
            } else {
                clean.to_ascii_uppercase()
            };
            // C enumerators always carry the prefix (one global namespace); elsewhere it only
            // rescues a leading digit.
            if style == Style::CEnum || leading_digit {
                format!("OP_{body}")
            } else {
                body
            }
        }
        Style::UpperCamel | Style::GoConst => {
            let body: String = if empty {
                format!("Op{hex}")
            } else {
                ws.iter().map(|w| camel_word(w)).collect()
            };
            if style == Style::GoConst {
                if empty {
                    body
                } else {
                    format!("Op{body}")
                }
            } else if leading_digit {
                format!("Op{body}")
            } else {
                body
            }
        }
    };
    if reserved_words(style).contains(&id.as_str()) {
        id.push('_');
        reasons.push(RenameReason::Keyword);
    }
    (id, reasons)
}

/// Assigns identifiers to `(opcode, mnemonic)` pairs, which must be sorted by opcode. Returns
/// one identifier per pair, in order, and the renames worth reporting.
pub fn assign(items: &[(u32, &str)], style: Style) -> (Vec<String>, Vec<Rename>) {
    let bases: Vec<(String, Vec<RenameReason>)> = items
        .iter()
        .map(|(op, m)| base_identifier(m, *op, style))
        .collect();
    // Every base name is claimed up front, so a suffixed name can never take the plain name of
    // a later instruction.
    let mut taken: BTreeSet<String> = BTreeSet::new();
    let mut count: BTreeMap<&str, usize> = BTreeMap::new();
    for (id, _) in &bases {
        *count.entry(id.as_str()).or_default() += 1;
    }
    for (id, _) in &bases {
        taken.insert(id.clone());
    }
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let mut out = Vec::with_capacity(items.len());
    let mut renames = Vec::new();
    for ((opcode, mnemonic), (base, reasons)) in items.iter().zip(&bases) {
        let mut reasons = reasons.clone();
        let id = if seen.insert(base.as_str()) {
            base.clone()
        } else {
            reasons.push(RenameReason::Collision);
            let sep = match style {
                Style::UpperSnake | Style::CEnum => "_",
                Style::UpperCamel | Style::GoConst => "",
            };
            let mut candidate = format!("{base}{sep}0x{opcode:02X}");
            while taken.contains(&candidate) {
                candidate.push('_');
            }
            taken.insert(candidate.clone());
            candidate
        };
        if !reasons.is_empty() {
            renames.push(Rename {
                opcode: *opcode,
                mnemonic: (*mnemonic).to_string(),
                identifier: id.clone(),
                reasons,
            });
        }
        out.push(id);
    }
    (out, renames)
}

/// The comparison form of a name that ignores everything an identifier cannot carry: ASCII
/// letters and digits only, upper-cased (`MEM.load`, `MEM_LOAD`, `MemLoad` → `MEMLOAD`).
pub fn squash(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn styles() {
        let id = |m, s| base_identifier(m, 0x2A, s).0;
        assert_eq!(id("MEM.load", Style::UpperSnake), "MEM_LOAD");
        assert_eq!(id("MEM.load", Style::UpperCamel), "MemLoad");
        assert_eq!(id("MEM.load", Style::GoConst), "OpMemLoad");
        assert_eq!(id("MEM.load", Style::CEnum), "OP_MEM_LOAD");
        assert_eq!(id("2D_SCALE", Style::UpperSnake), "OP_2D_SCALE");
        assert_eq!(id("2D_SCALE", Style::UpperCamel), "Op2dScale");
        assert_eq!(id("???", Style::UpperSnake), "OP_2A");
        assert_eq!(id("", Style::GoConst), "Op2A");
        assert_eq!(id("SELF", Style::UpperCamel), "Self_");
        assert_eq!(id("none", Style::UpperSnake), "NONE_");
        assert_eq!(id("C_THRESH", Style::UpperCamel), "CThresh");
    }

    #[test]
    fn reasons_only_for_real_changes() {
        assert!(base_identifier("HALT", 0, Style::UpperCamel).1.is_empty());
        assert!(base_identifier("MOVI16", 0, Style::UpperSnake).1.is_empty());
        assert!(base_identifier("C_THRESH", 0, Style::GoConst).1.is_empty());
        assert_eq!(
            base_identifier("A  B", 0, Style::UpperSnake).1,
            vec![RenameReason::Punctuation]
        );
        assert_eq!(
            base_identifier("__x", 0, Style::UpperSnake).1,
            vec![RenameReason::Punctuation]
        );
    }

    #[test]
    fn collisions_are_deterministic_and_keep_the_lowest_opcode() {
        let items = [
            (1, "MEM.load"),
            (2, "MEM_LOAD"),
            (3, "mem-load"),
            (4, "MEM_LOAD_0x02"),
        ];
        let (ids, renames) = assign(&items, Style::UpperCamel);
        assert_eq!(
            ids,
            ["MemLoad", "MemLoad0x02_", "MemLoad0x03", "MemLoad0x02"]
        );
        let set: BTreeSet<&String> = ids.iter().collect();
        assert_eq!(set.len(), ids.len());
        // The fourth mnemonic is a clean identifier; only the first three were changed.
        assert_eq!(renames.len(), 3);
        assert_eq!(renames[1].reasons, vec![RenameReason::Collision]);
        assert_eq!(
            renames[2].reasons,
            vec![RenameReason::Punctuation, RenameReason::Collision]
        );
        let (snake, _) = assign(&items, Style::UpperSnake);
        assert_eq!(
            snake,
            [
                "MEM_LOAD",
                "MEM_LOAD_0x02",
                "MEM_LOAD_0x03",
                "MEM_LOAD_0X02"
            ]
        );
    }

    #[test]
    fn squash_ignores_case_and_punctuation() {
        assert_eq!(squash("MEM.load"), squash("MemLoad"));
        assert_eq!(squash("C_THRESH"), "CTHRESH");
    }
}
