//! Conformance: every way an implementation's table diverges from the canonical one.
//!
//! An implementation's table is matched to the canonical table *by instruction name*, because a
//! wrong number is exactly what the gate must catch. Source code cannot spell every mnemonic
//! (`MEM.load` becomes `MEM_LOAD`, `C_THRESH` becomes `OpCThresh`), so a name matches in three
//! steps: the normalised mnemonic (after the alias map); then the identifier-insensitive form
//! ([`squash`]: letters and digits only); then any identifier [`crate::generate`] would give the
//! instruction in some language (so generated tables with renamed identifiers round-trip). A
//! squashed form that two canonical instructions share is never used to match.
//!
//! Divergences, each located at the implementation's line: a known instruction at the wrong
//! number ([`DivergenceKind::WrongOpcode`]), an instruction the canonical table does not have
//! ([`DivergenceKind::UnknownInstruction`]), one the ISA removed
//! ([`DivergenceKind::RemovedInstruction`]), a size or layout that disagrees where both sides
//! know it ([`DivergenceKind::LayoutMismatch`]), and — at warning level, because a table
//! scanned from a dispatch `switch` may legitimately cover a subset — canonical instructions the
//! table lacks ([`DivergenceKind::MissingInstruction`]).
//!
//! Layouts are compared by the core's one rule, the one `check`'s format-mismatch follows: both
//! entries go through [`isa_core::resolve()`] (each table's own formats and encoding, then the
//! scheme) and [`isa_core::compare`] decides. `Differs` is a layout-mismatch; `Unknown` — one
//! side knows nothing comparable, as a scanned enum knows no formats — is no divergence; a
//! size-only entry compares its operand bytes (size minus its real opcode bytes), so 4 bytes
//! against format E's four is the same and 2 bytes against 4 is a mismatch.

use std::collections::BTreeMap;

use isa_core::resolve;
use isa_core::{
    Agreement, Aliases, Entry, Instruction, Location, ResolveOptions, Scheme, Severity, Status,
    Table,
};

use crate::ident::{self, squash};
use crate::Lang;

pub use isa_core::DivergenceKind;

/// One divergence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Divergence {
    /// What kind.
    pub kind: DivergenceKind,
    /// How serious ([`DivergenceKind::severity`]).
    pub severity: Severity,
    /// The implementation table's name.
    pub implementation: String,
    /// The mnemonic concerned (the implementation's, or the canonical one for a missing
    /// instruction).
    pub mnemonic: String,
    /// The name as the source spells it, when the table came from a scanner.
    pub source_name: Option<String>,
    /// The implementation's number, when it has the instruction.
    pub opcode: Option<u32>,
    /// The canonical number, when the canonical table has the instruction.
    pub canonical_opcode: Option<u32>,
    /// The canonical table's mnemonic for the instruction, when it has one: the name to key
    /// results by, since the implementation may spell it otherwise (`MEM_LOAD` for `MEM.load`).
    pub canonical_mnemonic: Option<String>,
    /// Where in the implementation (the entry's line; for a missing instruction, the table's
    /// first entry).
    pub location: Option<Location>,
    /// Where in the canonical table, when known.
    pub canonical_location: Option<Location>,
    /// A sentence saying what is wrong and what the canonical table says.
    pub message: String,
}

impl Divergence {
    /// This divergence in the one diagnostic shape: located at the implementation's line, the
    /// canonical entry as a related location, and a fingerprint derived from what diverges (not
    /// from where, so it survives edits elsewhere in the file).
    pub fn diagnostic(&self) -> isa_core::Diagnostic {
        let fingerprint = isa_core::hash::sha256_hex(
            format!(
                "{}\0{}\0{}\0{:?}\0{:?}",
                self.kind.as_str(),
                self.implementation,
                self.mnemonic,
                self.opcode,
                self.canonical_opcode
            )
            .as_bytes(),
        );
        isa_core::Diagnostic {
            rule: self.kind.as_str(),
            severity: self.severity,
            message: self.message.clone(),
            location: self.location.clone(),
            location_message: None,
            related: self
                .canonical_location
                .iter()
                .map(|l| isa_core::diagnostic::Related {
                    location: l.clone(),
                    message: Some("canonical entry".into()),
                })
                .collect(),
            hint: None,
            fingerprint: Some(isa_core::diagnostic::Fingerprint {
                key: "isaAuthorityDivergence/v1",
                value: fingerprint[..32].to_string(),
            }),
            properties: vec![(
                "implementation",
                isa_core::diagnostic::Property::Text(self.implementation.clone()),
            )],
        }
    }
}

/// Settings of a comparison.
#[derive(Debug, Clone, Default)]
pub struct ConformOptions {
    /// Alternative spellings, applied to both sides before matching.
    pub aliases: Aliases,
    /// Scheme for format letters neither table declares.
    pub scheme: Scheme,
}

/// The canonical table indexed for matching; build once, compare many tables.
#[derive(Debug)]
pub struct Canonical<'a> {
    table: &'a Table,
    aliases: &'a Aliases,
    exact: BTreeMap<String, &'a Entry>,
    loose: BTreeMap<String, Option<&'a Entry>>,
    removed: BTreeMap<String, &'a Entry>,
    reserved: BTreeMap<String, &'a Entry>,
    by_number: BTreeMap<u32, &'a Entry>,
    /// Index in `table.entries` of each entry, by address (the maps hold references, and
    /// resolving an entry records its index).
    index_of: BTreeMap<usize, usize>,
}

fn insert_loose<'a>(map: &mut BTreeMap<String, Option<&'a Entry>>, key: String, e: &'a Entry) {
    if key.is_empty() {
        return;
    }
    map.entry(key)
        .and_modify(|v| {
            // Two canonical instructions sharing a loose form make it useless for matching.
            if v.is_some_and(|old| !std::ptr::eq(old, e)) {
                *v = None;
            }
        })
        .or_insert(Some(e));
}

impl<'a> Canonical<'a> {
    /// Indexes a canonical table.
    pub fn new(table: &'a Table, aliases: &'a Aliases) -> Canonical<'a> {
        let mut exact = BTreeMap::new();
        let mut loose = BTreeMap::new();
        let mut removed = BTreeMap::new();
        let mut reserved = BTreeMap::new();
        let mut by_number = BTreeMap::new();
        let mut index_of = BTreeMap::new();
        let mut items: Vec<(u32, &str, &Entry)> = Vec::new();
        for (i, e) in table.entries.iter().enumerate() {
            index_of.insert(std::ptr::from_ref(e) as usize, i);
            let Some(m) = e.mnemonic.as_deref() else {
                continue;
            };
            let key = aliases.key(m);
            if e.status == Some(Status::Removed) {
                removed.insert(key, e);
                continue;
            }
            if e.reserved {
                reserved.insert(key, e);
                continue;
            }
            exact.entry(key.clone()).or_insert(e);
            by_number.entry(e.opcode).or_insert(e);
            items.push((e.opcode, m, e));
        }
        items.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        for (_, m, e) in &items {
            insert_loose(&mut loose, squash(&aliases.key(m)), e);
        }
        // The identifiers `gen` gives each instruction in every language, so a generated file
        // whose identifiers had to be renamed still matches.
        let pairs: Vec<(u32, &str)> = items.iter().map(|(op, m, _)| (*op, *m)).collect();
        for lang in Lang::ALL {
            if let Some(style) = lang.style() {
                let (ids, _) = ident::assign(&pairs, style);
                for (id, (_, _, e)) in ids.iter().zip(&items) {
                    insert_loose(&mut loose, squash(id), e);
                    // Scanners strip the `OP_`/`Op` prefixes they know; match that form too.
                    for prefix in ["OP_", "Op"] {
                        if let Some(rest) = id.strip_prefix(prefix) {
                            insert_loose(&mut loose, squash(rest), e);
                        }
                    }
                }
            }
        }
        Canonical {
            table,
            aliases,
            exact,
            loose,
            removed,
            reserved,
            by_number,
            index_of,
        }
    }

    /// A canonical entry through the core's resolve step.
    fn resolve(&self, e: &'a Entry, options: &ResolveOptions<'a>) -> Instruction<'a> {
        let index = self.index_of[&(std::ptr::from_ref(e) as usize)];
        resolve::resolve_entry(self.table, index, e, options)
    }

    /// The canonical instruction a name denotes, if any.
    pub fn find(&self, mnemonic: &str) -> Option<&'a Entry> {
        let key = self.aliases.key(mnemonic);
        if let Some(e) = self.exact.get(&key) {
            return Some(e);
        }
        self.loose.get(&squash(&key)).copied().flatten()
    }

    /// Number of the table's instructions that name a canonical instruction.
    pub fn shared(&self, table: &Table) -> usize {
        table
            .instructions()
            .filter(|e| e.mnemonic.as_deref().and_then(|m| self.find(m)).is_some())
            .count()
    }
}

fn hex(n: u32) -> String {
    isa_core::conflict::hex_opcode(n)
}

/// Every divergence of `table` from the canonical table, in the table's entry order followed by
/// missing instructions in canonical opcode order.
pub fn compare(canonical: &Canonical, table: &Table, options: &ConformOptions) -> Vec<Divergence> {
    let mut out = Vec::new();
    let mut seen: BTreeMap<u32, ()> = BTreeMap::new();
    let first_location = table
        .entries
        .iter()
        .find_map(|e| e.location.clone())
        .or_else(|| table.location.clone());
    let canon_options = ResolveOptions::new(&options.scheme, canonical.aliases);
    let resolved = isa_core::resolve(
        table,
        &ResolveOptions::new(&options.scheme, &options.aliases),
    );
    let mut instructions: Vec<&Instruction> = resolved.instructions.iter().collect();
    // Source order is line order; sorting makes the report independent of how the scanner
    // listed entries.
    instructions.sort_by(|a, b| {
        let (a, b) = (a.entry, b.entry);
        (&a.location, a.opcode, &a.mnemonic).cmp(&(&b.location, b.opcode, &b.mnemonic))
    });
    for inst in instructions {
        let e = inst.entry;
        let m = e.mnemonic.as_deref().unwrap_or_default();
        let shown = e.source_name().unwrap_or(m);
        let base = |kind: DivergenceKind, canon: Option<&Entry>, message: String| Divergence {
            kind,
            severity: kind.severity(),
            implementation: table.implementation.clone(),
            mnemonic: m.to_string(),
            source_name: e.source_name().map(str::to_string),
            opcode: Some(e.opcode),
            canonical_opcode: canon.map(|c| c.opcode),
            canonical_mnemonic: canon.and_then(|c| c.mnemonic.as_deref().map(str::to_string)),
            location: e.location.clone(),
            canonical_location: canon.and_then(|c| c.location.clone()),
            message,
        };
        match canonical.find(m) {
            Some(c) => {
                seen.insert(c.opcode, ());
                let cm = c.mnemonic.as_deref().unwrap_or_default();
                if c.opcode != e.opcode {
                    let there = match canonical.by_number.get(&e.opcode) {
                        Some(other) => format!(
                            "; canonical {} is {}",
                            hex(e.opcode),
                            other.mnemonic.as_deref().unwrap_or("-")
                        ),
                        None => String::new(),
                    };
                    out.push(base(
                        DivergenceKind::WrongOpcode,
                        Some(c),
                        format!(
                            "{shown} is {} here but canonical {cm} is {}{there}",
                            hex(e.opcode),
                            hex(c.opcode)
                        ),
                    ));
                }
                // Both sides through the core's one resolve step and its one comparison rule,
                // the rule `check`'s format-mismatch follows: only known facts that contradict
                // are a divergence, so a side that knows nothing (a scanned enum has no formats)
                // never diverges.
                let canon = canonical.resolve(c, &canon_options);
                let mismatch = (isa_core::compare(inst, &canon) == Agreement::Differs).then(|| {
                    format!(
                        "layout [{}] here, canonical [{}]",
                        inst.layout_text().unwrap_or_default(),
                        canon.layout_text().unwrap_or_default()
                    )
                });
                if let Some(what) = mismatch {
                    out.push(base(
                        DivergenceKind::LayoutMismatch,
                        Some(c),
                        format!("{shown} ({cm}): {what}"),
                    ));
                }
            }
            None => {
                let key = canonical.aliases.key(m);
                // A placeholder for a reserved number (`RESERVED_DF = 0xDF`) is what the
                // canonical table says too; at another number it is misplaced.
                if let Some(r) = canonical.reserved.get(&key) {
                    if r.opcode != e.opcode {
                        out.push(base(
                            DivergenceKind::WrongOpcode,
                            Some(r),
                            format!(
                                "{shown} is {} here but the canonical table reserves {} as {}",
                                hex(e.opcode),
                                hex(r.opcode),
                                r.mnemonic.as_deref().unwrap_or("-")
                            ),
                        ));
                    }
                    continue;
                }
                if let Some(r) = canonical.removed.get(&key) {
                    out.push(base(
                        DivergenceKind::RemovedInstruction,
                        Some(r),
                        format!(
                            "{shown} was removed from the ISA; its number {} stays reserved",
                            hex(r.opcode)
                        ),
                    ));
                    continue;
                }
                let there = match canonical.by_number.get(&e.opcode) {
                    Some(other) => format!(
                        "; canonical {} is {}",
                        hex(e.opcode),
                        other.mnemonic.as_deref().unwrap_or("-")
                    ),
                    None if canonical
                        .table
                        .entries
                        .iter()
                        .any(|r| r.opcode == e.opcode && r.reserved) =>
                    {
                        format!("; canonical {} is reserved", hex(e.opcode))
                    }
                    None => format!("; canonical {} is unassigned", hex(e.opcode)),
                };
                out.push(base(
                    DivergenceKind::UnknownInstruction,
                    None,
                    format!(
                        "{shown} = {} is not a canonical instruction{there}",
                        hex(e.opcode)
                    ),
                ));
            }
        }
    }
    let mut missing: Vec<&Entry> = canonical
        .exact
        .values()
        .filter(|c| !seen.contains_key(&c.opcode))
        .copied()
        .collect();
    missing.sort_by_key(|c| (c.opcode, c.mnemonic.clone()));
    for c in missing {
        let cm = c.mnemonic.as_deref().unwrap_or_default();
        out.push(Divergence {
            kind: DivergenceKind::MissingInstruction,
            severity: DivergenceKind::MissingInstruction.severity(),
            implementation: table.implementation.clone(),
            mnemonic: cm.to_string(),
            source_name: None,
            opcode: None,
            canonical_opcode: Some(c.opcode),
            canonical_mnemonic: Some(cm.to_string()),
            location: first_location.clone(),
            canonical_location: c.location.clone(),
            message: format!(
                "canonical {cm} ({}) is missing from {}",
                hex(c.opcode),
                table.implementation
            ),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(e: Entry, line: u32) -> Entry {
        Entry {
            location: Some(Location::new("vm.go", line, 1)),
            ..e
        }
    }

    fn canonical() -> Table {
        let mut t = Table::new("canon");
        let mut rsv = Entry::new(0xFE, "RSV");
        rsv.reserved = true;
        let mut gone = Entry::new(0x30, "OLD");
        gone.status = Some(Status::Removed);
        t.entries = vec![
            Entry::new(0x00, "HALT").with_format("A"),
            Entry::new(0x18, "MOVI").with_format("D"),
            Entry::new(0x20, "ADD").with_format("E"),
            Entry::new(0x21, "MEM.load").with_format("E"),
            Entry::new(0x69, "C_THRESH").with_format("D"),
            rsv,
            gone,
        ];
        t
    }

    fn run(entries: Vec<Entry>) -> Vec<Divergence> {
        let canon = canonical();
        let aliases = Aliases::new();
        let index = Canonical::new(&canon, &aliases);
        let mut t = Table::new("impl");
        t.entries = entries;
        compare(&index, &t, &ConformOptions::default())
    }

    #[test]
    fn a_conforming_table_has_no_divergence() {
        let d = run(vec![
            Entry::new(0x00, "HALT"),
            Entry::new(0x18, "MOVI"),
            Entry::new(0x20, "ADD"),
            Entry::new(0x21, "MEM_LOAD"),
            Entry::new(0x69, "CTHRESH"),
        ]);
        assert_eq!(d, vec![]);
    }

    #[test]
    fn every_kind_is_found_with_its_line() {
        let mut sized = at(Entry::new(0x18, "MOVI"), 4);
        sized.size_bytes = Some(4);
        let d = run(vec![
            at(Entry::new(0x00, "HALT"), 2),
            at(Entry::new(0x22, "ADD"), 3),
            sized,
            at(Entry::new(0xFE, "WAT"), 5),
            at(Entry::new(0x30, "OLD"), 6),
        ]);
        let kinds: Vec<(DivergenceKind, u32)> = d
            .iter()
            .map(|d| (d.kind, d.location.as_ref().map_or(0, |l| l.line)))
            .collect();
        assert_eq!(
            kinds,
            vec![
                (DivergenceKind::WrongOpcode, 3),
                (DivergenceKind::LayoutMismatch, 4),
                (DivergenceKind::UnknownInstruction, 5),
                (DivergenceKind::RemovedInstruction, 6),
                (DivergenceKind::MissingInstruction, 2),
                (DivergenceKind::MissingInstruction, 2),
            ]
        );
        assert_eq!(d[0].message, "ADD is 0x22 here but canonical ADD is 0x20");
        assert_eq!(d[0].canonical_opcode, Some(0x20));
        assert_eq!(d[4].canonical_mnemonic.as_deref(), Some("MEM.load"));
        assert_eq!(
            d[2].canonical_mnemonic, None,
            "WAT is no canonical instruction"
        );
        assert_eq!(
            d[1].message,
            "MOVI (MOVI): layout [4 bytes (size only)] here, canonical [3 bytes: op8 rd:reg8 imm8:imm8]"
        );
        assert!(d[2].message.ends_with("canonical 0xFE is reserved"));
        assert_eq!(d[4].mnemonic, "MEM.load");
        assert_eq!(d[4].severity, Severity::Warning);
    }

    #[test]
    fn reserved_placeholders_conform_only_at_their_number() {
        let d = run(vec![
            at(Entry::new(0x00, "HALT"), 1),
            at(Entry::new(0x18, "MOVI"), 2),
            at(Entry::new(0x20, "ADD"), 3),
            at(Entry::new(0x21, "MEM_LOAD"), 4),
            at(Entry::new(0x69, "C_THRESH"), 5),
            at(Entry::new(0xFE, "RSV"), 6),
        ]);
        assert_eq!(d, vec![]);
        let d = run(vec![at(Entry::new(0xFD, "RSV"), 9)]);
        assert_eq!(d[0].kind, DivergenceKind::WrongOpcode);
        assert_eq!(d[0].location.as_ref().map(|l| l.line), Some(9));
        assert!(d[0].message.contains("reserves 0xFE"), "{}", d[0].message);
    }

    #[test]
    fn ambiguous_loose_forms_do_not_match() {
        let mut canon = Table::new("c");
        canon.entries = vec![Entry::new(1, "A_B"), Entry::new(2, "AB")];
        let aliases = Aliases::new();
        let index = Canonical::new(&canon, &aliases);
        assert_eq!(index.find("ab").map(|e| e.opcode), Some(2));
        assert_eq!(index.find("a.b"), None);
        assert_eq!(index.find("A_B").map(|e| e.opcode), Some(1));
    }
}
