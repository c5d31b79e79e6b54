//! Opcode-space comparison against a reference numbering, summarised per grid cell (the model
//! behind `map`'s pictures; rendering lives in `isa-viz`).
//!
//! The reference is a consistent table — every instruction at one number — so that a number is
//! drawn as agreeing only where the reference really puts that instruction: by default the
//! voting arbitration of the tables being compared ([`Reference::voting`]), or any canonical
//! table ([`Reference::from_table`]). (A per-number majority is not a reference: it can put one
//! instruction at several numbers and calls each of them agreeing.)
//!
//! Grids show one *page* of numbers each: page 0 is the one-byte numbers `0x00`–`0xFF`, page
//! `P` the 256 numbers `(P << 8) | sub` (an escape page of a prefixed encoding, or the numbers
//! of a fixed-width encoding with those leading bytes); cell `sub` is the number
//! `(P << 8) | sub`, so a grid never mixes numbers.

use std::collections::{BTreeMap, BTreeSet};

use isa_core::conflict::hex_opcode;
use isa_core::{Aliases, Table};

use crate::arbiter::{arbitrate, Options, Strategy};
use crate::error::ArbitrateError;

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
    /// Escape prefixes of the reference's encoding (never instructions).
    pub escapes: BTreeSet<u32>,
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
            escapes: table.encoding.escape_list().iter().copied().collect(),
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

    /// The canonical table of the voting arbitration of `tables` (each number by the most
    /// weighted votes, every weight 1) as the reference, named `name`; the table is returned
    /// too, for its size and encoding.
    pub fn voting(
        tables: &[Table],
        aliases: &Aliases,
        name: &str,
    ) -> Result<(Reference, Table), ArbitrateError> {
        let mut options = Options::new(Strategy::Voting);
        options.aliases = aliases.clone();
        options.name = name.to_string();
        let canonical = arbitrate(tables, &options)?.canonical;
        Ok((Reference::from_table(&canonical, aliases), canonical))
    }

    /// The pages the reference uses: 0 (one-byte numbers) and each page with a number on it.
    pub fn pages(&self) -> Vec<u32> {
        let mut pages: BTreeSet<u32> = BTreeSet::from([0]);
        pages.extend(self.by_number.keys().map(|&n| page_of(n)));
        pages.into_iter().collect()
    }
}

/// The page of a number: 0 for one-byte numbers, else everything but its last byte.
pub fn page_of(number: u32) -> u32 {
    number >> 8
}

/// The pages `tables` use: 0 (one-byte numbers, always) and each page holding one of their
/// numbers, ascending.
pub fn pages(tables: &[&Table]) -> Vec<u32> {
    let mut pages: BTreeSet<u32> = BTreeSet::from([0]);
    for t in tables {
        pages.extend(t.entries.iter().map(|e| page_of(e.opcode)));
    }
    pages.into_iter().collect()
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

/// What a set of tables does at one number of a grid.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CellSummary {
    /// The number the cell shows.
    pub number: u32,
    /// Uses that agree with the reference.
    pub agree: usize,
    /// Uses that differ.
    pub differ: usize,
    /// Uses the reference does not know.
    pub extra: usize,
    /// Reservations (and, in a grid of the reference itself, its escape prefixes).
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

/// The numbers of a reference's instructions, for a tooltip: `0x00`, or `0xFA05`.
fn numbers_text(numbers: &BTreeSet<u32>) -> String {
    numbers
        .iter()
        .map(|n| hex_opcode(*n))
        .collect::<Vec<_>>()
        .join(", ")
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
            (CellKind::Differ, Some(r)) => match reference.by_key.get(&key) {
                Some(at) => format!(
                    "{key} ({}: {r}; {key} is at {})",
                    reference.name,
                    numbers_text(at)
                ),
                None => format!("{key} ({}: {r})", reference.name),
            },
            (CellKind::Differ, None) => format!(
                "{key} ({} has it at {})",
                reference.name,
                numbers_text(&reference.by_key[&key])
            ),
            (CellKind::Extra, _) => format!("{key} (not in {})", reference.name),
            _ => key,
        };
        out.push((e.opcode, kind, note));
    }
    out
}

/// Summarises `tables` against `reference` on one page: a 16×16 grid whose cell `sub` is the
/// number `(page << 8) | sub`. Numbers on other pages are left out (they have grids of their
/// own).
pub fn grid(
    tables: &[&Table],
    reference: &Reference,
    aliases: &Aliases,
    page: u32,
) -> Vec<CellSummary> {
    grids(tables, reference, aliases, &[page])
        .pop()
        .unwrap_or_else(|| empty_page(page))
}

/// [`grid`] for several pages at once, in the order given: each table is classified once and
/// its numbers go to their pages' grids (a grid per page, each classifying every table, was
/// quadratic in the number of pages).
pub fn grids(
    tables: &[&Table],
    reference: &Reference,
    aliases: &Aliases,
    pages: &[u32],
) -> Vec<Vec<CellSummary>> {
    let index: BTreeMap<u32, usize> = pages.iter().enumerate().map(|(i, &p)| (p, i)).collect();
    let mut all: Vec<Vec<CellSummary>> = pages.iter().map(|&p| empty_page(p)).collect();
    for t in tables {
        for (n, kind, note) in classify(t, reference, aliases) {
            let Some(&i) = index.get(&page_of(n)) else {
                continue;
            };
            let cell = &mut all[i][(n & 0xFF) as usize];
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
    all
}

fn empty_page(page: u32) -> Vec<CellSummary> {
    (0..256u32)
        .map(|sub| CellSummary {
            number: page << 8 | sub,
            ..CellSummary::default()
        })
        .collect()
}

/// The reference's own page: at each of its numbers, how many of `tables` that have the
/// instruction already number it so (`agree`) and how many number it elsewhere (`differ`);
/// reservations and escape prefixes count as `reserved`.
pub fn reference_grid(
    reference: &Reference,
    tables: &[&Table],
    aliases: &Aliases,
    page: u32,
) -> Vec<CellSummary> {
    reference_grids(reference, tables, aliases, &[page])
        .pop()
        .unwrap_or_else(|| empty_page(page))
}

/// [`reference_grid`] for several pages at once, indexing the tables once.
pub fn reference_grids(
    reference: &Reference,
    tables: &[&Table],
    aliases: &Aliases,
    pages: &[u32],
) -> Vec<Vec<CellSummary>> {
    // Instruction key → (table, numbers) for the tables that have it.
    let mut numbers: BTreeMap<String, Vec<(usize, BTreeSet<u32>)>> = BTreeMap::new();
    for (t, table) in tables.iter().enumerate() {
        let mut mine: BTreeMap<String, BTreeSet<u32>> = BTreeMap::new();
        for e in table.instructions() {
            let key = aliases.key(e.mnemonic.as_deref().unwrap_or_default());
            mine.entry(key).or_default().insert(e.opcode);
        }
        for (key, ns) in mine {
            numbers.entry(key).or_default().push((t, ns));
        }
    }
    pages
        .iter()
        .map(|&page| reference_page(reference, &numbers, page))
        .collect()
}

fn reference_page(
    reference: &Reference,
    numbers: &BTreeMap<String, Vec<(usize, BTreeSet<u32>)>>,
    page: u32,
) -> Vec<CellSummary> {
    let mut cells = empty_page(page);
    for cell in &mut cells {
        let n = cell.number;
        if reference.escapes.contains(&n) {
            cell.reserved += 1;
            cell.examples.push(format!(
                "{}: escape prefix (its page has a grid of its own)",
                hex_opcode(n)
            ));
            continue;
        }
        if reference.reserved.contains(&n) {
            cell.reserved += 1;
            cell.examples.push(format!("{} reserved", hex_opcode(n)));
            continue;
        }
        let Some(key) = reference.by_number.get(&n) else {
            continue;
        };
        let users = numbers.get(key).map(Vec::as_slice).unwrap_or_default();
        let elsewhere: BTreeSet<u32> = users
            .iter()
            .filter(|(_, ns)| !ns.contains(&n))
            .flat_map(|(_, ns)| ns.iter().copied())
            .collect();
        cell.agree = users.iter().filter(|(_, ns)| ns.contains(&n)).count();
        cell.differ = users.len() - cell.agree;
        let mut note = format!(
            "{} {key}: {} of {} tables number it so",
            hex_opcode(n),
            cell.agree,
            users.len()
        );
        if !elsewhere.is_empty() {
            let shown: Vec<String> = elsewhere.iter().take(4).map(|m| hex_opcode(*m)).collect();
            let more = if elsewhere.len() > shown.len() {
                ", …"
            } else {
                ""
            };
            note.push_str(&format!(" (others: {}{more})", shown.join(", ")));
        }
        cell.examples.push(note);
    }
    cells
}

#[cfg(test)]
mod tests {
    use super::*;
    use isa_core::{Encoding, Entry};

    fn table(name: &str, ops: &[(u32, &str)]) -> Table {
        let mut t = Table::new(name);
        t.entries = ops.iter().map(|(n, m)| Entry::new(*n, m)).collect();
        t
    }

    #[test]
    fn the_voting_reference_is_consistent_and_classifies() {
        let a = table("a", &[(0, "HALT"), (1, "ADD")]);
        let b = table("b", &[(0, "HALT"), (1, "ADD")]);
        let c = table("c", &[(0, "HALT"), (1, "SUB"), (2, "ADD"), (3, "ODD")]);
        let (r, canonical) =
            Reference::voting(&[a.clone(), b, c.clone()], &Aliases::new(), "voting").unwrap();
        assert_eq!(canonical.implementation, "voting");
        assert_eq!(r.by_number[&1], "ADD");
        let kinds: Vec<CellKind> = classify(&c, &r, &Aliases::new())
            .into_iter()
            .map(|x| x.1)
            .collect();
        // HALT agrees; SUB sits where the reference has ADD; c's ADD at 2 differs (the
        // reference has ADD at 1 — a per-number majority would have called it agreeing, only
        // c votes at 2); ODD is wherever the arbitration put it (3, unclaimed).
        assert_eq!(
            kinds,
            vec![
                CellKind::Agree,
                CellKind::Differ,
                CellKind::Differ,
                CellKind::Agree
            ]
        );
        let g = grid(&[&a, &c], &r, &Aliases::new(), 0);
        assert_eq!((g[1].agree, g[1].differ), (1, 1));
        assert_eq!(g[0].agree, 2);
        assert_eq!(g[2].number, 2);
    }

    #[test]
    fn pages_keep_numbers_apart() {
        let mut a = table(
            "a",
            &[(0x05, "NOP"), (0xFF00, "A"), (0xFF05, "B"), (0xFE01, "C")],
        );
        a.encoding = Encoding::escapes([0xFE, 0xFF]).unwrap();
        let r = Reference::from_table(&a, &Aliases::new());
        assert_eq!(pages(&[&a]), vec![0, 0xFE, 0xFF]);
        assert_eq!(r.pages(), vec![0, 0xFE, 0xFF]);
        let g = grid(&[&a], &r, &Aliases::new(), 0xFF);
        assert_eq!((g[0].agree, g[5].agree, g[1].used()), (1, 1, 0));
        assert_eq!(g[5].number, 0xFF05);
        // NOP at 0x05 stays on page 0.
        assert_eq!(grid(&[&a], &r, &Aliases::new(), 0)[5].agree, 1);
        // The reference's own page 0 shows its escape bytes.
        let own = reference_grid(&r, &[&a], &Aliases::new(), 0);
        assert_eq!(own[0xFF].reserved, 1);
        assert!(own[0xFF].examples[0].contains("escape prefix"));
        assert_eq!((own[5].agree, own[5].differ), (1, 0));
    }

    #[test]
    fn the_reference_grid_counts_who_already_numbers_it_so() {
        let a = table("a", &[(0, "HALT"), (1, "ADD")]);
        let c = table("c", &[(0, "HALT"), (2, "ADD")]);
        let r = Reference::from_table(&a, &Aliases::new());
        let g = reference_grid(&r, &[&a, &c], &Aliases::new(), 0);
        assert_eq!((g[0].agree, g[0].differ), (2, 0));
        assert_eq!((g[1].agree, g[1].differ), (1, 1));
        assert!(
            g[1].examples[0].contains("1 of 2 tables"),
            "{:?}",
            g[1].examples
        );
        assert!(
            g[1].examples[0].contains("others: 0x02"),
            "{:?}",
            g[1].examples
        );
    }
}
