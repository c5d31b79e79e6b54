//! Opcode-space comparison against a reference numbering, summarised per grid cell (the model
//! behind `map`'s pictures; rendering lives in `isa-viz`).
//!
//! The reference is either a canonical table or the *majority* numbering: at each number, the
//! instruction most tables put there (ties by mnemonic). The majority numbering need not be
//! consistent — it is a yardstick, not a decision.

use std::collections::{BTreeMap, BTreeSet};

use isa_core::conflict::hex_opcode;
use isa_core::{Aliases, Table};

/// A numbering to compare against.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reference {
    /// What to call it in pictures.
    pub name: String,
    /// Number → instruction key.
    pub by_number: BTreeMap<u32, String>,
    /// Instruction key → its numbers.
    pub by_key: BTreeMap<String, BTreeSet<u32>>,
    /// Reserved numbers.
    pub reserved: BTreeSet<u32>,
}

impl Reference {
    fn insert(&mut self, number: u32, key: String) {
        self.by_key.entry(key.clone()).or_default().insert(number);
        self.by_number.insert(number, key);
    }

    /// A table as the reference (the first instruction listed at a number wins).
    pub fn from_table(table: &Table, aliases: &Aliases) -> Reference {
        let mut r = Reference {
            name: table.implementation.clone(),
            ..Reference::default()
        };
        for e in &table.entries {
            if e.reserved {
                r.reserved.insert(e.opcode);
            } else if let Some(m) = e.mnemonic.as_deref() {
                if !r.by_number.contains_key(&e.opcode) {
                    r.insert(e.opcode, aliases.key(m));
                }
            }
        }
        r
    }

    /// The majority numbering of `tables`: at each number, the instruction most tables place
    /// there (ties by mnemonic). Numbers only reserved stay reserved.
    pub fn majority(tables: &[&Table], aliases: &Aliases) -> Reference {
        let mut counts: BTreeMap<u32, BTreeMap<String, usize>> = BTreeMap::new();
        let mut reserved = BTreeSet::new();
        for t in tables {
            let mut mine: BTreeSet<(u32, String)> = BTreeSet::new();
            for e in &t.entries {
                if e.reserved {
                    reserved.insert(e.opcode);
                } else if let Some(m) = e.mnemonic.as_deref() {
                    mine.insert((e.opcode, aliases.key(m)));
                }
            }
            for (n, k) in mine {
                *counts.entry(n).or_default().entry(k).or_default() += 1;
            }
        }
        let mut r = Reference {
            name: "majority".to_string(),
            ..Reference::default()
        };
        for (n, keys) in counts {
            let (key, _) = keys
                .into_iter()
                .min_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)))
                .expect("non-empty");
            r.insert(n, key);
        }
        r.reserved = reserved
            .into_iter()
            .filter(|n| !r.by_number.contains_key(n))
            .collect();
        r
    }
}

/// How one table's use of one number compares with the reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CellKind {
    /// Same instruction as the reference.
    Agree,
    /// A different instruction from the reference's, or the reference numbers it elsewhere.
    Differ,
    /// An instruction the reference does not have, on a number the reference leaves empty.
    Extra,
    /// Reserved by the table.
    Reserved,
}

/// What a set of tables does within one grid cell (one number, or a block of numbers in
/// spaces wider than 8 bits).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CellSummary {
    /// First number the cell covers.
    pub first: u32,
    /// Numbers covered.
    pub width: u32,
    /// Uses that agree with the reference.
    pub agree: usize,
    /// Uses that differ.
    pub differ: usize,
    /// Uses the reference does not know.
    pub extra: usize,
    /// Reservations.
    pub reserved: usize,
    /// A few readable examples for tooltips (`0x2A ADD (reference: SUB)`).
    pub examples: Vec<String>,
}

impl CellSummary {
    /// Instruction uses in the cell.
    pub fn used(&self) -> usize {
        self.agree + self.differ + self.extra
    }
}

/// Classifies every use of a number by `table` against `reference`.
pub fn classify(
    table: &Table,
    reference: &Reference,
    aliases: &Aliases,
) -> Vec<(u32, CellKind, String)> {
    let mut out = Vec::new();
    for e in &table.entries {
        if e.reserved {
            out.push((e.opcode, CellKind::Reserved, "reserved".to_string()));
            continue;
        }
        let Some(m) = e.mnemonic.as_deref() else {
            continue;
        };
        let key = aliases.key(m);
        let kind = match reference.by_number.get(&e.opcode) {
            Some(k) if *k == key => CellKind::Agree,
            Some(_) => CellKind::Differ,
            None if reference.by_key.contains_key(&key) => CellKind::Differ,
            None => CellKind::Extra,
        };
        let note = match (kind, reference.by_number.get(&e.opcode)) {
            (CellKind::Differ, Some(r)) => format!("{key} ({}: {r})", reference.name),
            (CellKind::Differ, None) => {
                let at: Vec<String> = reference.by_key[&key]
                    .iter()
                    .map(|n| hex_opcode(*n))
                    .collect();
                format!("{key} ({} has it at {})", reference.name, at.join(", "))
            }
            (CellKind::Extra, _) => format!("{key} (not in {})", reference.name),
            _ => key,
        };
        out.push((e.opcode, kind, note));
    }
    out
}

/// Summarises `tables` against `reference` on a 16×16 grid of `2^space_bits` numbers: each of
/// the 256 cells covers `2^space_bits / 256` consecutive numbers.
pub fn grid(
    tables: &[&Table],
    reference: &Reference,
    aliases: &Aliases,
    space_bits: u32,
) -> Vec<CellSummary> {
    let width: u64 = (1u64 << space_bits.clamp(8, 32)) / 256;
    let mut cells: Vec<CellSummary> = (0..256u64)
        .map(|c| CellSummary {
            first: (c * width) as u32,
            width: width as u32,
            ..CellSummary::default()
        })
        .collect();
    for t in tables {
        for (n, kind, note) in classify(t, reference, aliases) {
            let cell = &mut cells[(u64::from(n) / width).min(255) as usize];
            match kind {
                CellKind::Agree => cell.agree += 1,
                CellKind::Differ => cell.differ += 1,
                CellKind::Extra => cell.extra += 1,
                CellKind::Reserved => cell.reserved += 1,
            }
            if cell.examples.len() < 4 {
                let who = if tables.len() > 1 {
                    format!("{}: ", t.implementation)
                } else {
                    String::new()
                };
                cell.examples.push(format!("{who}{} {note}", hex_opcode(n)));
            }
        }
    }
    cells
}

/// The widest space any table uses: 8, 16 or 32 bits.
pub fn space_bits(tables: &[&Table]) -> u32 {
    let max = tables
        .iter()
        .flat_map(|t| t.entries.iter().map(|e| e.opcode))
        .max()
        .unwrap_or(0);
    if max <= 0xFF {
        8
    } else if max <= 0xFFFF {
        16
    } else {
        32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use isa_core::Entry;

    fn table(name: &str, ops: &[(u32, &str)]) -> Table {
        let mut t = Table::new(name);
        t.entries = ops.iter().map(|(n, m)| Entry::new(*n, m)).collect();
        t
    }

    #[test]
    fn majority_and_classification() {
        let a = table("a", &[(0, "HALT"), (1, "ADD")]);
        let b = table("b", &[(0, "HALT"), (1, "ADD")]);
        let c = table("c", &[(0, "HALT"), (1, "SUB"), (2, "ADD"), (3, "ODD")]);
        let r = Reference::majority(&[&a, &b, &c], &Aliases::new());
        assert_eq!(r.by_number[&1], "ADD");
        let kinds: Vec<CellKind> = classify(&c, &r, &Aliases::new())
            .into_iter()
            .map(|x| x.1)
            .collect();
        // HALT agrees; SUB sits where the majority has ADD; ADD is at 2 where the majority also
        // has ADD (only c votes there) — agree; ODD at 3 likewise.
        assert_eq!(
            kinds,
            vec![
                CellKind::Agree,
                CellKind::Differ,
                CellKind::Agree,
                CellKind::Agree
            ]
        );
        let g = grid(&[&a, &c], &r, &Aliases::new(), 8);
        assert_eq!((g[1].agree, g[1].differ), (1, 1));
        assert_eq!(g[0].agree, 2);
    }

    #[test]
    fn wide_spaces_fold_blocks_into_cells() {
        let a = table("a", &[(0x0100, "A"), (0x01FF, "B"), (0xFF00, "C")]);
        let r = Reference::from_table(&a, &Aliases::new());
        let g = grid(&[&a], &r, &Aliases::new(), 16);
        assert_eq!(g[1].agree, 2);
        assert_eq!(g[255].agree, 1);
        assert_eq!(g[1].first, 0x100);
        assert_eq!(g[1].width, 256);
    }
}
