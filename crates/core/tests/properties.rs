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
            mnemonic: (!nameless).then(|| MNEMONICS[m].into()),
            format: letter.map(|l| LETTERS[l].into()),
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

/// Random numbers drawn so that prefixes are likely: one-byte values, escape pages and a few
/// wider numbers sharing leading bytes.
fn wide_number() -> impl Strategy<Value = u32> {
    prop_oneof![
        0u32..8,
        (0xFEu32..=0xFF, 0u32..4).prop_map(|(p, s)| (p << 8) | s),
        (0x01u32..3, 0u32..3).prop_map(|(p, s)| (p << 8) | s),
        (0x0Fu32..=0x0F, 0x38u32..=0x39, 0u32..2).prop_map(|(a, b, c)| (a << 16) | (b << 8) | c),
    ]
}

fn encoding() -> impl Strategy<Value = isa_core::Encoding> {
    use isa_core::{Encoding, Endian};
    prop_oneof![
        Just(Encoding::default()),
        Just(Encoding::escapes([0xFF]).unwrap()),
        Just(Encoding::escapes([0xFE, 0xFF, 0x01]).unwrap()),
        Just(Encoding::escapes([0x0F, 0x0F38]).unwrap()),
        Just(Encoding::fixed(2, Endian::Big).unwrap()),
        Just(Encoding::fixed(3, Endian::Little).unwrap()),
    ]
}

proptest! {
    /// The linear prefix check finds exactly the pairs a brute-force comparison of every two
    /// instructions finds, and `check` reports one `encoding-ambiguity` per finding.
    #[test]
    fn the_prefix_check_matches_brute_force(
        numbers in prop::collection::vec(wide_number(), 0..24),
        encoding in encoding(),
    ) {
        let table = Table {
            entries: numbers.iter().enumerate().map(|(i, &n)| Entry::new(n, &format!("I{i}"))).collect(),
            encoding,
            ..Table::new("t")
        };
        let (scheme, aliases) = (isa_core::Scheme::flux_unified(), isa_core::Aliases::new());
        let resolved = isa_core::resolve(&table, &isa_core::ResolveOptions::new(&scheme, &aliases));
        let mut expected = std::collections::BTreeSet::new();
        let mut unencodable = 0;
        for (i, a) in resolved.instructions.iter().enumerate() {
            let Ok(x) = &a.bytes else { unencodable += 1; continue };
            for (j, b) in resolved.instructions.iter().enumerate() {
                if let Ok(y) = &b.bytes {
                    if x.len() < y.len() && x.is_prefix_of(y) {
                        expected.insert((i, j));
                    }
                }
            }
        }
        let mut found = std::collections::BTreeSet::new();
        let mut found_unencodable = 0;
        let ambiguities = resolved.ambiguities();
        for a in &ambiguities {
            match a {
                isa_core::resolve::Ambiguity::Prefix { short, longer } => {
                    for &s in short { for &l in longer { found.insert((s, l)); } }
                }
                isa_core::resolve::Ambiguity::Unencodable { .. } => found_unencodable += 1,
            }
        }
        prop_assert_eq!(&found, &expected);
        prop_assert_eq!(found_unencodable, unencodable);
        let report = detect(std::slice::from_ref(&table), &CheckOptions::new());
        let reported = report.conflicts.iter().filter(|c| c.kind == ConflictKind::EncodingAmbiguity).count();
        prop_assert_eq!(reported, ambiguities.len());
    }
}
