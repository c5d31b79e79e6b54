//! Unit tests of conflict detection: every kind, its grouping and messages, aliases, order
//! independence of ids, and the decodability subset.

use super::*;
use crate::table::{Entry, Table};

fn table(name: &str, entries: &[(u32, &str)]) -> Table {
    Table {
        entries: entries.iter().map(|&(n, m)| Entry::new(n, m)).collect(),
        ..Table::new(name)
    }
}

fn names(c: &Conflict) -> Vec<&str> {
    c.implementations.iter().map(|s| &**s).collect()
}

fn kinds(report: &Report) -> Vec<ConflictKind> {
    report.conflicts.iter().map(|c| c.kind).collect()
}

#[test]
fn python_and_go_style_collision() {
    let a = table("py", &[(0x00, "NOP"), (0x08, "IADD"), (0x20, "MOV")]);
    let b = table(
        "go",
        &[(0x00, "HALT"), (0x08, "INC"), (0x20, "ADD"), (0x30, "NOP")],
    );
    let r = detect(&[a, b], &CheckOptions::new());
    let collisions: Vec<u32> = r
        .conflicts
        .iter()
        .filter(|c| c.kind == ConflictKind::NumberCollision)
        .filter_map(|c| c.opcode)
        .collect();
    assert_eq!(collisions, vec![0x00, 0x08, 0x20]);
    let div: Vec<&str> = r
        .conflicts
        .iter()
        .filter(|c| c.kind == ConflictKind::MnemonicDivergence)
        .filter_map(|c| c.mnemonic.as_deref())
        .collect();
    assert_eq!(div, vec!["NOP"]);
}

#[test]
fn one_conflict_per_number_lists_everyone() {
    let tables = vec![
        table("a", &[(1, "ADD")]),
        table("b", &[(1, "ADD")]),
        table("c", &[(1, "SUB")]),
    ];
    let r = detect(&tables, &CheckOptions::new());
    let c: Vec<&Conflict> = r
        .conflicts
        .iter()
        .filter(|c| c.kind == ConflictKind::NumberCollision)
        .collect();
    assert_eq!(c.len(), 1);
    assert_eq!(names(c[0]), vec!["a", "b", "c"]);
    assert!(c[0]
        .message
        .starts_with("opcode 0x01 means different instructions: ADD in 2 implementations"));
}

#[test]
fn agreement_is_not_a_conflict_and_case_is_ignored() {
    let r = detect(
        &[table("a", &[(1, "add")]), table("b", &[(1, "ADD")])],
        &CheckOptions::new(),
    );
    assert!(r.conflicts.is_empty());
}

#[test]
fn aliases_merge_spellings() {
    let tables = [table("a", &[(1, "IADD")]), table("b", &[(1, "ADD")])];
    assert_eq!(
        kinds(&detect(&tables, &CheckOptions::new())),
        vec![ConflictKind::NumberCollision]
    );
    let mut aliases = Aliases::new();
    aliases.insert("IADD", "ADD").unwrap();
    assert!(detect(&tables, &CheckOptions::with_aliases(aliases))
        .conflicts
        .is_empty());
}

#[test]
fn reserved_and_nameless_entries_take_no_part() {
    let mut a = table("a", &[(1, "ADD")]);
    let mut r = Entry::new(1, "RESERVED_1");
    r.reserved = true;
    a.entries.push(r);
    a.entries.push(Entry {
        opcode: 1,
        ..Entry::default()
    });
    let b = table("b", &[(1, "ADD")]);
    assert!(detect(&[a, b], &CheckOptions::new()).conflicts.is_empty());
}

#[test]
fn duplicates_inside_one_table() {
    let a = table("a", &[(1, "ADD"), (1, "SUB"), (2, "MUL"), (3, "MUL")]);
    let r = detect(&[a], &CheckOptions::new());
    assert_eq!(
        kinds(&r),
        vec![
            ConflictKind::DuplicateOpcode,
            ConflictKind::DuplicateMnemonic
        ]
    );
    assert_eq!(r.conflicts[0].entries.len(), 2);
    assert_eq!(
        r.conflicts[1].message,
        "a lists MUL at 2 numbers: 0x02, 0x03"
    );
}

#[test]
fn format_mismatch_compares_layouts_not_letters() {
    let mut a = table("a", &[(1, "MOVI")]);
    a.entries[0].format = Some("D".into());
    let mut b = table("b", &[(1, "MOVI")]);
    b.entries[0].format = Some("F".into());
    // c calls its layout "F" but declares it as the unified D layout: same shape, no conflict.
    let mut c = table("c", &[(1, "MOVI")]);
    c.entries[0].format = Some("F".into());
    c.formats
        .insert("F".into(), Scheme::flux_unified().get("D").unwrap().clone());
    let r = detect(&[a.clone(), c.clone()], &CheckOptions::new());
    assert!(r.conflicts.is_empty(), "{:?}", r.conflicts);
    let r = detect(&[a, b, c], &CheckOptions::new());
    assert_eq!(kinds(&r), vec![ConflictKind::FormatMismatch]);
    assert_eq!(names(&r.conflicts[0]), vec!["a", "b", "c"]);
}

#[test]
fn unknown_letters_are_not_compared_but_reported() {
    let mut a = table("a", &[(1, "MOVI")]);
    a.entries[0].format = Some("X(2)".into());
    let mut b = table("b", &[(1, "MOVI")]);
    b.entries[0].format = Some("D".into());
    let r = detect(&[a, b], &CheckOptions::new());
    assert_eq!(kinds(&r), vec![ConflictKind::UnknownFormat]);
}

#[test]
fn alias_hints_for_near_misses() {
    let r = detect(
        &[
            table("a", &[(5, "STRIPCF")]),
            table("b", &[(5, "STRIPCONF")]),
        ],
        &CheckOptions::new(),
    );
    assert_eq!(
        kinds(&r),
        vec![ConflictKind::NumberCollision, ConflictKind::AliasHint]
    );
    assert_eq!(
        r.conflicts[1].mnemonic.as_deref(),
        Some("STRIPCF/STRIPCONF")
    );
}

#[test]
fn ids_are_content_derived_and_order_free() {
    let t = vec![
        table("a", &[(1, "ADD"), (2, "SUB")]),
        table("b", &[(1, "SUB"), (2, "ADD")]),
        table("c", &[(1, "X")]),
    ];
    let r1 = detect(&t, &CheckOptions::new());
    let rev: Vec<Table> = t.iter().rev().cloned().collect();
    let r2 = detect(&rev, &CheckOptions::new());
    assert_eq!(r1, r2);
    assert!(r1.conflicts.iter().all(|c| c.id.len() == 15));
}

fn sized(opcode: u32, name: &str, size: u32) -> Entry {
    let mut e = Entry::new(opcode, name);
    e.size_bytes = Some(size);
    e
}

#[test]
fn size_only_entries_take_part_in_format_mismatch() {
    let two = Table {
        entries: vec![sized(1, "ADD", 2)],
        ..Table::new("two")
    };
    let four = Table {
        entries: vec![sized(1, "ADD", 4)],
        ..Table::new("four")
    };
    let lettered = Table {
        entries: vec![Entry::new(1, "ADD").with_format("E")],
        ..Table::new("lettered")
    };
    let r = detect(&[two.clone(), four.clone()], &CheckOptions::new());
    assert_eq!(kinds(&r), vec![ConflictKind::FormatMismatch]);
    assert!(r.conflicts[0].message.contains("2 bytes (size only)"));
    let r = detect(&[four, lettered.clone()], &CheckOptions::new());
    assert!(r.conflicts.is_empty(), "4 bytes and E (4 bytes) agree");
    let r = detect(&[two, lettered], &CheckOptions::new());
    assert_eq!(kinds(&r), vec![ConflictKind::FormatMismatch]);
}

#[test]
fn prefixes_and_unencodable_numbers_are_encoding_ambiguities() {
    let mut t = Table {
        entries: vec![
            Entry::new(0x01, "MOV").with_format("E"),
            Entry::new(0x80, "HALT").with_format("A"),
            sized(0x100, "WIDE", 4),
        ],
        ..Table::new("t")
    };
    let r = detect(std::slice::from_ref(&t), &CheckOptions::new());
    assert_eq!(kinds(&r), vec![ConflictKind::EncodingAmbiguity]);
    assert!(
        r.conflicts[0].message.contains("WIDE 0x0100"),
        "{}",
        r.conflicts[0].message
    );
    assert_eq!(undecodable(&t, &CheckOptions::new()).len(), 1);

    // Two-byte opcodes make it decodable ...
    t.encoding = crate::Encoding::fixed(2, crate::Endian::Big).unwrap();
    assert!(detect(std::slice::from_ref(&t), &CheckOptions::new())
        .conflicts
        .is_empty());
    // ... and an escape page on MOV's byte makes MOV sit on an escape.
    t.encoding = crate::Encoding::escapes([0x01]).unwrap();
    let r = detect(std::slice::from_ref(&t), &CheckOptions::new());
    assert_eq!(kinds(&r), vec![ConflictKind::EncodingAmbiguity]);
    assert!(r.conflicts[0].message.contains("MOV 0x01"));

    // A layout that leaves a 16-bit opcode is big-endian bytes, and prefix-checked.
    let mut w = Table {
        entries: vec![
            Entry::new(0x01, "ONE").with_format("A"),
            Entry::new(0x0102, "TWO").with_format("W"),
        ],
        ..Table::new("w")
    };
    w.formats.insert(
        "W".into(),
        crate::Layout::new(
            3,
            vec![crate::Field::new("x", 8, crate::FieldKind::Immediate)],
        )
        .unwrap(),
    );
    let r = detect(std::slice::from_ref(&w), &CheckOptions::new());
    assert_eq!(kinds(&r), vec![ConflictKind::EncodingAmbiguity]);
    let c = &r.conflicts[0];
    assert!(
        c.message
            .contains("ONE 0x01 (bytes 01) are a prefix of TWO 0x0102 (bytes 01 02)"),
        "{}",
        c.message
    );
    assert_eq!(c.entries.len(), 2);
}

#[test]
fn undecodable_counts_duplicates_only_between_different_instructions() {
    let same = table("same", &[(5, "X"), (5, "x")]);
    assert!(undecodable(&same, &CheckOptions::new()).is_empty());
    let two = table("two", &[(5, "X"), (5, "Y")]);
    let problems = undecodable(&two, &CheckOptions::new());
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].kind, ConflictKind::DuplicateOpcode);
}

/// A table given twice under one name (two files naming one implementation) lists that name
/// once in a conflict's implementations, in the report and in the lazy detection alike: the
/// names are deduplicated by name, not by table.
#[test]
fn a_name_given_twice_is_listed_once() {
    let tables = [
        table("b", &[(0x01, "ADD")]),
        table("a", &[(0x01, "SUB")]),
        table("b", &[(0x01, "MUL")]),
    ];
    let options = CheckOptions::new();
    let report = detect(&tables, &options);
    let collision = report
        .conflicts
        .iter()
        .find(|c| c.kind == ConflictKind::NumberCollision)
        .expect("0x01 collides");
    assert_eq!(names(collision), ["a", "b"]);
    assert_eq!(collision.entries.len(), 3);
    let detection = Detection::run(&tables, &options);
    let lazy = detection
        .conflicts()
        .find(|c| c.kind() == ConflictKind::NumberCollision)
        .expect("0x01 collides");
    assert_eq!(lazy.implementations().collect::<Vec<_>>(), ["a", "b"]);
    for c in detection.conflicts() {
        let made = report.conflicts.iter().find(|m| m.id == c.id()).unwrap();
        assert_eq!(c.implementations().collect::<Vec<_>>(), names(made));
    }
}

/// The id is the documented derivation (docs/reference/json-contracts.md), spelled out here
/// byte by byte: the kind's prefix and the first 48 bits of XXH3-128 over the conflict's
/// length-prefixed fields and one fixed-width record per entry.
#[test]
fn the_id_is_xxh3_of_the_documented_fields() {
    use xxhash_rust::xxh3::{xxh3_128, xxh3_64};
    let tables = vec![table("a", &[(1, "ADD")]), table("b", &[(1, "SUB")])];
    let r = detect(&tables, &CheckOptions::new());
    let c = r
        .conflicts
        .iter()
        .find(|c| c.kind == ConflictKind::NumberCollision)
        .unwrap();
    let mut bytes = Vec::new();
    for field in [&b"number-collision"[..], &[0, 1, 0, 0, 0], b"\0"] {
        // The kind, the number (a zero byte, then little-endian; no number is five 0xFF), the
        // mnemonic (a NUL when there is none).
        bytes.extend_from_slice(&(field.len() as u32).to_le_bytes());
        bytes.extend_from_slice(field);
    }
    for (name, key) in [("a", "ADD"), ("b", "SUB")] {
        bytes.extend_from_slice(&xxh3_64(name.as_bytes()).to_le_bytes());
        bytes.extend_from_slice(&1u32.to_le_bytes());
        bytes.extend_from_slice(&xxh3_64(key.as_bytes()).to_le_bytes());
        bytes.extend_from_slice(&xxh3_64(b"").to_le_bytes()); // no layout
    }
    let digest = xxh3_128(&bytes).to_be_bytes();
    let hex: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(c.id, format!("NC-{hex}"));
}

/// Equal interned ids are equal strings, and the other way round, across every view of a
/// detection: what a writer that lays out each id once relies on.
#[test]
fn entry_ids_are_equal_exactly_when_the_strings_are() {
    let located = |opcode, name: &str, format: Option<&str>, file: Option<&str>| {
        let mut e = Entry::new(opcode, name);
        e.format = format.map(Into::into);
        e.location = file.map(|f| crate::table::Location::new(f, opcode + 1, 3));
        e
    };
    let tables = vec![
        Table {
            entries: vec![
                located(1, "ADD", Some("A"), Some("a.json")),
                located(2, "SUB", Some("B"), Some("a.json")),
                located(3, "JMP", None, None),
            ],
            ..Table::new("a")
        },
        Table {
            entries: vec![
                located(2, "ADD", Some("A"), Some("b.json")),
                located(1, "SUB", Some("A"), Some("b.json")),
                located(3, "jmp", Some("Z"), None),
            ],
            ..Table::new("b")
        },
        Table {
            entries: vec![
                located(1, "ADD", Some("B"), Some("a.json")),
                located(3, "SUB", Some("B"), None),
            ],
            ..Table::new("c")
        },
        // A name given twice: one implementation, whichever table an entry is from.
        Table {
            entries: vec![located(2, "MUL", Some("A"), Some("d.json"))],
            ..Table::new("b")
        },
    ];
    let detection = Detection::run(&tables, &CheckOptions::new());
    let mut views = Vec::new();
    for c in detection.conflicts() {
        let ids: Vec<EntryIds> = c.entry_ids().expect("a detection's ids").collect();
        assert_eq!(ids.len(), c.entries().len());
        for (k, (id, e)) in ids.into_iter().zip(c.entries()).enumerate() {
            assert_eq!(c.entry(k), Some(e));
            assert_eq!(id.opcode, e.opcode);
            assert_eq!(id.file.is_some(), e.location.is_some());
            if let Some(l) = e.location {
                assert_eq!((id.line, id.column), (l.line, l.column));
            }
            views.push((id, e));
        }
    }
    assert!(views.len() > 8, "the tables conflict");
    fn body<'a>(e: &EntryRef<'a>) -> (Option<&'a str>, Option<&'a str>, Option<&'a str>) {
        (e.mnemonic, e.format, e.layout)
    }
    for (a, ea) in &views {
        for (b, eb) in &views {
            assert_eq!(
                a.implementation == b.implementation,
                ea.implementation == eb.implementation
            );
            assert_eq!(a.body == b.body, body(ea) == body(eb), "{ea:?} {eb:?}");
            assert_eq!(
                a.file == b.file,
                ea.location.map(|l| l.file) == eb.location.map(|l| l.file)
            );
        }
    }
    // A report's own entries have no ids.
    let report = detect(&tables, &CheckOptions::new());
    assert!(report.conflicts[0].as_ref().entry_ids().is_none());
}
