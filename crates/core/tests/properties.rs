//! Invariants of conflict detection over random tables.

use isa_core::{detect, CheckOptions, ConflictKind, Entry, Table};
use proptest::prelude::*;

const MNEMONICS: &[&str] = &[
    "HALT",
    "NOP",
    "ADD",
    "add",
    "SUB",
    "MOV",
    "MOVI",
    "JMP",
    "JZ",
    "PUSH",
    "POP",
    "STRIPCF",
    "STRIPCONF",
];
const LETTERS: &[&str] = &["A", "B", "D", "E", "F", "Z"];

fn entry() -> impl Strategy<Value = Entry> {
    (
        0u32..24,
        0..MNEMONICS.len(),
        proptest::option::of(0..LETTERS.len()),
        prop::bool::weighted(0.1),
        prop::bool::weighted(0.05),
    )
        .prop_map(|(opcode, m, letter, reserved, nameless)| Entry {
            opcode,
            mnemonic: (!nameless).then(|| MNEMONICS[m].to_string()),
            format: letter.map(|l| LETTERS[l].to_string()),
            reserved,
            ..Entry::default()
        })
}

fn tables() -> impl Strategy<Value = Vec<Table>> {
    prop::collection::vec(prop::collection::vec(entry(), 0..16), 1..6).prop_map(|sets| {
        sets.into_iter()
            .enumerate()
            .map(|(i, entries)| Table {
                entries,
                ..Table::new(&format!("impl-{i}"))
            })
            .collect()
    })
}

proptest! {
    #[test]
    fn input_order_never_changes_the_report(tables in tables(), seed in any::<u64>()) {
        let options = CheckOptions::new();
        let expected = detect(&tables, &options);
        let mut shuffled = tables.clone();
        // A deterministic Fisher-Yates driven by the seed: any permutation may come up.
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17;
            shuffled.swap(i, (state % (i as u64 + 1)) as usize);
        }
        prop_assert_eq!(detect(&shuffled, &options), expected);
    }

    #[test]
    fn a_table_against_itself_has_no_cross_table_conflict(tables in tables()) {
        let original = &tables[0];
        let mut copy = original.clone();
        copy.implementation = format!("{}-copy", original.implementation);
        let report = detect(&[original.clone(), copy], &CheckOptions::new());
        for c in &report.conflicts {
            prop_assert!(
                matches!(c.kind, ConflictKind::DuplicateOpcode | ConflictKind::DuplicateMnemonic | ConflictKind::UnknownFormat),
                "unexpected {:?}: {}", c.kind, c.message
            );
        }
    }

    #[test]
    fn every_instruction_entry_of_a_conflict_is_reported_with_its_implementation(tables in tables()) {
        let report = detect(&tables, &CheckOptions::new());
        for c in &report.conflicts {
            prop_assert!(!c.entries.is_empty());
            let mut names: Vec<&str> = c.entries.iter().map(|e| &*e.implementation).collect();
            names.dedup();
            prop_assert_eq!(names, c.implementations.iter().map(|s| &**s).collect::<Vec<_>>());
            if c.kind == ConflictKind::NumberCollision {
                // Every table holding that number (as an instruction) is listed.
                let holders = tables.iter().filter(|t| t.instructions().any(|e| Some(e.opcode) == c.opcode)).count();
                prop_assert_eq!(holders, c.implementations.len());
            }
        }
    }
}
