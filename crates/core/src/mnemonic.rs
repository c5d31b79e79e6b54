//! Mnemonic identity: normalisation, alias maps and near-miss spellings.
//!
//! Two entries name the same instruction when their mnemonics are equal after upper-casing and
//! after following the alias map (`IADD = "ADD"`). Near-miss spellings (`STRIPCF`/`STRIPCONF`)
//! are not merged automatically — that would be a decision — but reported as alias hints.

use std::collections::BTreeMap;

/// The comparison form of a mnemonic: trimmed and upper-cased (ASCII).
pub fn normalize(mnemonic: &str) -> String {
    let mut out = String::new();
    normalize_into(mnemonic, &mut out);
    out
}

/// [`normalize`] into `buffer` (cleared first), the one place the rule is written.
fn normalize_into(mnemonic: &str, buffer: &mut String) {
    buffer.clear();
    buffer.push_str(mnemonic.trim());
    buffer.make_ascii_uppercase();
}

/// The one rule for names (implementation names, mnemonics, format letters, maintainer names):
/// they are text, so control characters (NUL, ESC, newline, …) are refused wherever a name is
/// read, and no output — a terminal, SARIF, SVG, generated code — ever receives one. Returns
/// why a name is not acceptable, naming the first offending character and its position.
pub fn check_name(name: &str) -> Result<(), String> {
    // A bound on names keeps every per-entry cost that includes a name (conflict ids hash the
    // implementation name once per entry, reports print it per row) linear in the input with
    // a small constant: a million entries under a 300,000-character name took 35 s to propose.
    if name.len() > MAX_NAME_BYTES {
        return Err(format!(
            "is {} bytes long; names are at most {MAX_NAME_BYTES} bytes",
            name.len()
        ));
    }
    // Printable ASCII, as nearly every name is, holds no control character: one pass over the
    // bytes instead of decoding and classifying each character (names are checked for every
    // entry of every table loaded).
    if name.bytes().all(|b| matches!(b, 0x20..=0x7E)) {
        return Ok(());
    }
    match name.char_indices().find(|(_, c)| c.is_control()) {
        None => Ok(()),
        Some((i, c)) => Err(format!(
            "contains the control character U+{:04X} at byte {i}; names are text",
            u32::from(c)
        )),
    }
}

/// The longest name [`check_name`] accepts, in bytes (real implementation names and mnemonics
/// are under 64).
pub const MAX_NAME_BYTES: usize = 1024;

/// The rule for a table's free text (descriptions, operands, branches, version labels): like
/// [`check_name`], no control characters, but a tab is allowed. No real table holds any other,
/// and a newline or ESC in a description would forge or hide lines of every text report.
pub fn check_text(text: &str) -> Result<(), String> {
    // The fast path of `check_name`, tabs allowed.
    if text.bytes().all(|b| matches!(b, 0x20..=0x7E | b'\t')) {
        return Ok(());
    }
    match text
        .char_indices()
        .find(|(_, c)| c.is_control() && *c != '\t')
    {
        None => Ok(()),
        Some((i, c)) => Err(format!(
            "contains the control character U+{:04X} at byte {i}; text fields hold no control \
             characters but tabs",
            u32::from(c)
        )),
    }
}

/// A map from alternative spellings to the canonical one; both sides are normalised.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Aliases {
    map: BTreeMap<String, String>,
}

impl Aliases {
    /// An empty map.
    pub fn new() -> Aliases {
        Aliases::default()
    }

    /// Adds `alias → canonical`. Fails when the alias already maps elsewhere or when the
    /// addition would make a cycle.
    pub fn insert(&mut self, alias: &str, canonical: &str) -> Result<(), String> {
        let (a, c) = (normalize(alias), normalize(canonical));
        if a == c {
            return Ok(());
        }
        if let Some(old) = self.map.get(&a) {
            if *old != c {
                return Err(format!("alias {a} already maps to {old}, not {c}"));
            }
        }
        if self.resolve(&c) == a {
            return Err(format!("alias {a} = {c} would make a cycle"));
        }
        self.map.insert(a, c);
        Ok(())
    }

    /// The canonical spelling of a normalised mnemonic (following chains `A→B→C`).
    pub fn resolve(&self, normalized: &str) -> String {
        self.resolve_str(normalized).to_string()
    }

    /// Like [`Aliases::resolve`], borrowing instead of allocating.
    pub fn resolve_str<'a>(&'a self, normalized: &'a str) -> &'a str {
        let mut current = normalized;
        // The insert check forbids cycles, so a chain ends within `len` steps.
        for _ in 0..=self.map.len() {
            match self.map.get(current) {
                Some(next) => current = next,
                None => break,
            }
        }
        current
    }

    /// The comparison key of a raw mnemonic: normalised, then resolved.
    pub fn key(&self, mnemonic: &str) -> String {
        self.resolve(&normalize(mnemonic))
    }

    /// [`Aliases::key`] without allocating: the mnemonic is normalised into `buffer` (cleared
    /// first; reuse one across calls) and the key borrowed from it or from the map. For the
    /// per-entry loops of detection and arbitration, where two strings per entry were a
    /// measurable part of a large run.
    pub fn key_in<'a>(&'a self, mnemonic: &str, buffer: &'a mut String) -> &'a str {
        normalize_into(mnemonic, buffer);
        self.resolve_str(buffer)
    }

    /// Number of aliases.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True when there are no aliases.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The pairs, sorted by alias.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.map.iter().map(|(a, c)| (a.as_str(), c.as_str()))
    }
}

/// Levenshtein distance over bytes, bounded: returns `None` once the distance exceeds `limit`.
fn bounded_edit_distance(a: &[u8], b: &[u8], limit: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > limit {
        return None;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, &ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        let mut row_min = cur[0];
        for (j, &cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
            row_min = row_min.min(cur[j + 1]);
        }
        if row_min > limit {
            return None;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    (prev[b.len()] <= limit).then_some(prev[b.len()])
}

/// True when `short` is an abbreviation of `long`: same first letter, every letter of `short`
/// appears in `long` in order, and at least half of `long` survives.
fn is_abbreviation(short: &[u8], long: &[u8]) -> bool {
    if short.len() < 3
        || short.len() >= long.len()
        || short[0] != long[0]
        || short.len() * 2 < long.len()
    {
        return false;
    }
    let mut it = long.iter();
    short.iter().all(|c| it.any(|l| l == c))
}

/// True when two different normalised mnemonics look like spellings of one instruction:
/// equal once `_`, `.` and `-` are dropped, one edit apart (for names of four or more letters),
/// or one an in-order abbreviation of the other (`STRIPCF`/`STRIPCONF`).
pub fn near_miss(a: &str, b: &str) -> bool {
    if a == b {
        return false;
    }
    let squash = |s: &str| -> Vec<u8> {
        s.bytes()
            .filter(|c| !matches!(c, b'_' | b'.' | b'-'))
            .collect()
    };
    let (x, y) = (squash(a), squash(b));
    if x == y {
        return true;
    }
    if x.len().min(y.len()) >= 4 && bounded_edit_distance(&x, &y, 1).is_some() {
        // Guard against mnemonics that differ only by a trailing width or index digit
        // (ADD8/ADD16, R1/R2): those are distinct instructions, not spellings.
        let digit_tail = |s: &[u8]| s.last().is_some_and(|c| c.is_ascii_digit());
        return !(digit_tail(&x) || digit_tail(&y));
    }
    let (short, long) = if x.len() < y.len() {
        (&x, &y)
    } else {
        (&y, &x)
    };
    is_abbreviation(short, long)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_resolve_chains_case_insensitively() {
        let mut a = Aliases::new();
        a.insert("iadd", "add").unwrap();
        a.insert("plus", "IADD").unwrap();
        assert_eq!(a.key("Plus"), "ADD");
        assert_eq!(a.key("iAdd"), "ADD");
        assert_eq!(a.key("sub"), "SUB");
    }

    #[test]
    fn the_buffered_key_is_the_key() {
        let mut a = Aliases::new();
        a.insert("iadd", "add").unwrap();
        a.insert("plus", "iadd").unwrap();
        let mut buffer = String::from("left over");
        for m in ["iadd", " Plus\t", "ADD", "halt", "  ", "ÄDD", "mov_i"] {
            assert_eq!(a.key_in(m, &mut buffer), a.key(m), "{m:?}");
        }
    }

    #[test]
    fn aliases_refuse_conflicts_and_cycles() {
        let mut a = Aliases::new();
        a.insert("X", "Y").unwrap();
        assert!(a.insert("X", "Z").is_err());
        assert!(a.insert("Y", "X").is_err());
        a.insert("x", "y").unwrap();
    }

    #[test]
    fn names_are_text() {
        assert!(check_name("HALT").is_ok());
        assert!(check_name("HÄLT").is_ok());
        assert!(check_name("A\u{1b}[31m")
            .unwrap_err()
            .contains("U+001B at byte 1"));
        assert!(check_name("A\nB").is_err());
        assert!(check_name("\0").is_err());
        assert!(check_text("adds\ttwo").is_ok());
        assert!(check_text("adds\u{9b}31m").is_err());
        assert!(check_text("two\nlines").is_err());
        assert!(check_name("DEL\u{7f}").is_err());
        assert!(check_text("tab\tDEL\u{7f}").is_err());
    }

    proptest::proptest! {
        /// The printable-ASCII fast paths decide as the character classification does, on
        /// ASCII, C1 controls and arbitrary text alike.
        #[test]
        fn the_fast_paths_agree_with_the_classification(
            s in "([ -~]|[\x00-\x1f\x7f]|[\u{80}-\u{a0}]|\\PC){0,24}",
        ) {
            let control = |tab_ok: bool| s.chars().any(|c| c.is_control() && !(tab_ok && c == '\t'));
            proptest::prop_assert_eq!(check_name(&s).is_ok(), !control(false));
            proptest::prop_assert_eq!(check_text(&s).is_ok(), !control(true));
        }
    }

    #[test]
    fn near_misses() {
        assert!(near_miss("STRIPCF", "STRIPCONF"));
        assert!(near_miss("MOV_I", "MOVI"));
        assert!(near_miss("BRANCH", "BRANCJ"));
        assert!(!near_miss("ADD", "SUB"));
        assert!(!near_miss("ADD8", "ADD16"));
        assert!(!near_miss("JMP", "JZ"));
        assert!(!near_miss("HALT", "HALT"));
        assert!(!near_miss("PUSH", "POP"));
    }
}
