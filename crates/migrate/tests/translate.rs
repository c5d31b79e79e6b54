//! Translation behaviour on small hand-made tables: renumbering, re-encoding, branch fix-ups,
//! payloads, wide opcodes, sub-byte fields, every error, and the refusal of tables whose
//! bytecode cannot be decoded (tests/encodings.rs covers escape pages and fixed widths).

use isa_core::{Aliases, ConflictKind, Entry, Field, FieldKind, Layout, Scheme, Table};
use isa_migrate::{ErrorKind, Outcome, Side, TranslateOptions, Translator};

fn entry(opcode: u32, name: &str, letter: &str) -> Entry {
    Entry::new(opcode, name).with_format(letter)
}

fn branch(mut e: Entry, field: &str) -> Entry {
    e.details.make_mut().branch = Some(field.to_string());
    e
}

fn table(name: &str, entries: Vec<Entry>) -> Table {
    Table {
        entries,
        ..Table::new(name)
    }
}

fn unified() -> TranslateOptions {
    TranslateOptions::new()
}

/// A small unified-lettered table: HALT A, INC B, MOVI D, ADD E, JMP F (branch imm16).
fn small_unified(name: &str, numbers: [u32; 5]) -> Table {
    table(
        name,
        vec![
            entry(numbers[0], "HALT", "A"),
            entry(numbers[1], "INC", "B"),
            entry(numbers[2], "MOVI", "D"),
            entry(numbers[3], "ADD", "E"),
            branch(entry(numbers[4], "JMP", "F"), "imm16"),
        ],
    )
}

#[test]
fn renumbering_rewrites_only_opcodes() {
    let a = small_unified("a", [0x00, 0x08, 0x18, 0x20, 0x43]);
    let b = small_unified("b", [0x80, 0x09, 0x2B, 0x08, 0x04]);
    let program = [
        0x18, 0x01, 0x2A, // MOVI R1, 42
        0x08, 0x01, // INC R1
        0x43, 0x00, 0xF8, 0xFF, // JMP -8
        0x20, 0x01, 0x02, 0x03, // ADD R1, R2, R3
        0x00, // HALT
    ];
    let t = Translator::new(&a, &b, &unified())
        .unwrap()
        .translate(&program)
        .unwrap();
    assert_eq!(
        t.bytes,
        [0x2B, 0x01, 0x2A, 0x09, 0x01, 0x04, 0x00, 0xF8, 0xFF, 0x08, 0x01, 0x02, 0x03, 0x80]
    );
    assert_eq!(t.stats.instructions, 5);
    assert!(t.stats.same_size);
    assert_eq!(t.stats.branches_fixed, 0);
    let back = Translator::new(&b, &a, &unified())
        .unwrap()
        .translate(&t.bytes)
        .unwrap();
    assert_eq!(back.bytes, program);
}

#[test]
fn identity_translation_is_the_identity() {
    let a = small_unified("a", [0x00, 0x08, 0x18, 0x20, 0x43]);
    let t = Translator::new(&a, &a, &unified()).unwrap();
    let program = [0x18, 0x01, 0x2A, 0x43, 0x00, 0x00, 0x00, 0x00];
    assert_eq!(t.translate(&program).unwrap().bytes, program);
    assert!(t.coverage().iter().all(|r| r.outcome == Outcome::Unchanged));
}

/// Interpreter-lettered (MOVI = D = `[op][rd][imm16 signed]`, 4 bytes; MOV = C = 3 bytes) to
/// unified-lettered (MOVI = D = 3 bytes, MOV = E = 4 bytes): sizes change, so the branch over
/// them is recomputed.
#[test]
fn size_changes_fix_relative_branches() {
    let interp = table(
        "interp",
        vec![
            entry(0x80, "HALT", "A"),
            entry(0x2B, "MOVI", "D"),
            entry(0x01, "MOV", "C"),
            branch(entry(0x04, "JMP", "D"), "imm16"),
        ],
    );
    let unif = table(
        "unif",
        vec![
            entry(0x00, "HALT", "A"),
            entry(0x18, "MOVI", "D"),
            entry(0x3A, "MOV", "E"),
            branch(entry(0x43, "JMP", "F"), "imm16"),
        ],
    );
    let opts = TranslateOptions {
        aliases: Aliases::new(),
        from_scheme: Scheme::flux_interpreter(),
        to_scheme: Scheme::flux_unified(),
    };
    // 0: MOVI R0, 10   4: JMP +7 (→ 15)   8: MOVI R1, 99   12: MOV R2, R1   15: HALT
    // 16: JMP -12 (→ 8)
    let program = [
        0x2B, 0x00, 0x0A, 0x00, 0x04, 0x00, 0x07, 0x00, 0x2B, 0x01, 0x63, 0x00, 0x01, 0x02, 0x01,
        0x80, 0x04, 0x00, 0xF4, 0xFF,
    ];
    let t = Translator::new(&interp, &unif, &opts)
        .unwrap()
        .translate(&program)
        .unwrap();
    // 0: MOVI R0,10 (3)  3: JMP (4) → HALT at 14: offset 14 - 7 = 7  7: MOVI R1,99 (3)
    // 10: MOV R2,R1,R0 (4)  14: HALT  15: JMP → 7: offset 7 - 19 = -12
    assert_eq!(
        t.bytes,
        [
            0x18, 0x00, 0x0A, 0x43, 0x00, 0x07, 0x00, 0x18, 0x01, 0x63, 0x3A, 0x02, 0x01, 0x00,
            0x00, 0x43, 0x00, 0xF4, 0xFF
        ]
    );
    assert!(!t.stats.same_size);
    assert_eq!((t.stats.bytes_in, t.stats.bytes_out), (20, 19));
    assert_eq!(t.map_offset(8), Some(7));
    assert_eq!(t.map_offset(9), None);
    assert_eq!(t.map_offset(20), Some(19));
    let back_opts = TranslateOptions {
        aliases: Aliases::new(),
        from_scheme: Scheme::flux_unified(),
        to_scheme: Scheme::flux_interpreter(),
    };
    let back = Translator::new(&unif, &interp, &back_opts)
        .unwrap()
        .translate(&t.bytes)
        .unwrap();
    assert_eq!(back.bytes, program);
}

#[test]
fn a_branch_into_an_instruction_is_an_error_when_sizes_change() {
    let a = table(
        "a",
        vec![entry(1, "MOV", "C"), branch(entry(4, "JMP", "D"), "imm16")],
    );
    let b = table(
        "b",
        vec![entry(1, "MOV", "E"), branch(entry(4, "JMP", "F"), "imm16")],
    );
    let opts = TranslateOptions {
        aliases: Aliases::new(),
        from_scheme: Scheme::flux_interpreter(),
        to_scheme: Scheme::flux_unified(),
    };
    // JMP at byte 3 ends at 7; -3 lands on byte 4, inside the JMP itself.
    let program = [0x01, 0x02, 0x03, 0x04, 0x00, 0xFD, 0xFF];
    let err = Translator::new(&a, &b, &opts)
        .unwrap()
        .translate(&program)
        .unwrap_err();
    assert_eq!(err.offset, 3);
    assert!(
        matches!(err.kind, ErrorKind::BranchTarget { target: 4, .. }),
        "{err}"
    );
    let text = err.to_string();
    assert!(
        text.contains("byte offset 3") && text.contains("JMP (04 00 fd ff)"),
        "{text}"
    );
    assert!(text.contains("inside an instruction"), "{text}");
    // Outside the program.
    let program = [0x01, 0x02, 0x03, 0x04, 0x00, 0x40, 0x00];
    let err = Translator::new(&a, &b, &opts)
        .unwrap()
        .translate(&program)
        .unwrap_err();
    assert!(err.to_string().contains("outside the program"), "{err}");
    // With sizes unchanged the same offsets are carried as they are.
    let same = Translator::new(
        &a,
        &a,
        &TranslateOptions::new().with_scheme(Scheme::flux_interpreter()),
    )
    .unwrap();
    assert_eq!(same.translate(&program).unwrap().bytes, program);
}

#[test]
fn errors_name_the_offset_and_instruction() {
    let a = small_unified("a", [0x00, 0x08, 0x18, 0x20, 0x43]);
    let b = small_unified("b", [0x80, 0x09, 0x2B, 0x08, 0x04]);
    let t = Translator::new(&a, &b, &unified()).unwrap();

    let err = t.translate(&[0x00, 0x08, 0x01, 0x99, 0x00]).unwrap_err();
    assert_eq!(err.offset, 3);
    assert!(matches!(
        err.kind,
        ErrorKind::UnknownOpcode { opcode: 0x99, .. }
    ));
    assert!(err.to_string().contains("unknown opcode 0x99"), "{err}");

    let err = t.translate(&[0x00, 0x20, 0x01, 0x02]).unwrap_err();
    assert_eq!(err.offset, 1);
    assert_eq!(
        err.kind,
        ErrorKind::Truncated {
            needed: 4,
            available: 3
        }
    );
    assert!(err.to_string().contains("ADD (20 01 02)"), "{err}");

    // The decode error wins even when an earlier instruction would fail to encode.
    let c = table("c", vec![entry(0x00, "HALT", "A")]);
    let err = Translator::new(&a, &c, &unified())
        .unwrap()
        .translate(&[0x08, 0x01, 0x99])
        .unwrap_err();
    assert!(matches!(err.kind, ErrorKind::UnknownOpcode { .. }), "{err}");
    let err = Translator::new(&a, &c, &unified())
        .unwrap()
        .translate(&[0x00, 0x08, 0x01])
        .unwrap_err();
    assert_eq!(err.offset, 1);
    assert!(matches!(err.kind, ErrorKind::NoCounterpart { .. }), "{err}");
    assert!(
        err.to_string().contains("c has no instruction INC"),
        "{err}"
    );
}

#[test]
fn operands_must_fit_the_target_layout() {
    let interp = table("interp", vec![entry(0x2B, "MOVI", "D")]);
    let unif = table("unif", vec![entry(0x18, "MOVI", "D")]);
    let opts = TranslateOptions {
        aliases: Aliases::new(),
        from_scheme: Scheme::flux_interpreter(),
        to_scheme: Scheme::flux_unified(),
    };
    let t = Translator::new(&interp, &unif, &opts).unwrap();
    assert_eq!(
        t.translate(&[0x2B, 0x05, 0xFF, 0x00]).unwrap().bytes,
        [0x18, 0x05, 0xFF]
    );
    // 999 does not fit an unsigned imm8; -1 is not an unsigned value.
    for (program, value) in [
        ([0x2B, 0x05, 0xE7, 0x03], 999),
        ([0x2B, 0x05, 0xFF, 0xFF], -1),
    ] {
        let err = t.translate(&program).unwrap_err();
        assert_eq!(err.offset, 0);
        match &err.kind {
            ErrorKind::DoesNotFit {
                value: v, bits: 8, ..
            } => assert_eq!(*v, value),
            other => panic!("unexpected {other:?}"),
        }
        assert!(
            err.to_string()
                .contains(&format!("= {value} does not fit `imm8`")),
            "{err}"
        );
    }
}

#[test]
fn extra_fields_are_zero_filled_and_dropped_only_when_zero() {
    // MOV: C (interpreter, [rd][rs1]) ↔ E (unified, [rd][rs1][rs2]).
    let c = table("c", vec![entry(1, "MOV", "C")]);
    let e = table("e", vec![entry(2, "MOV", "E")]);
    let to_e = TranslateOptions {
        aliases: Aliases::new(),
        from_scheme: Scheme::flux_interpreter(),
        to_scheme: Scheme::flux_unified(),
    };
    let to_c = TranslateOptions {
        aliases: Aliases::new(),
        from_scheme: Scheme::flux_unified(),
        to_scheme: Scheme::flux_interpreter(),
    };
    let t = Translator::new(&c, &e, &to_e)
        .unwrap()
        .translate(&[1, 7, 8])
        .unwrap();
    assert_eq!(t.bytes, [2, 7, 8, 0]);
    let back = Translator::new(&e, &c, &to_c).unwrap();
    assert_eq!(back.translate(&t.bytes).unwrap().bytes, [1, 7, 8]);
    let err = back.translate(&[2, 7, 8, 9]).unwrap_err();
    assert!(
        matches!(err.kind, ErrorKind::DroppedOperand { value: 9, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("`rs2` = 9 has no place"), "{err}");
}

#[test]
fn payloads_travel_with_their_length() {
    // Interpreter G `[op][len:u16][data]` to a declared big-endian `[op][op2][len:u16][data]`.
    let a = table(
        "a",
        vec![entry(0x60, "TELL", "G"), entry(0x80, "HALT", "A")],
    );
    let mut b = table(
        "b",
        vec![entry(0xFF10, "TELL", "W"), entry(0x00, "HALT", "A")],
    );
    b.formats.insert(
        "W".into(),
        Layout::with_endian(
            4,
            vec![Field::new("n", 16, FieldKind::PayloadLength)],
            isa_core::Endian::Big,
        )
        .unwrap(),
    );
    let opts = TranslateOptions {
        aliases: Aliases::new(),
        from_scheme: Scheme::flux_interpreter(),
        to_scheme: Scheme::flux_unified(),
    };
    let program = [0x60, 0x03, 0x00, b'a', b'b', b'c', 0x80];
    let t = Translator::new(&a, &b, &opts)
        .unwrap()
        .translate(&program)
        .unwrap();
    assert_eq!(t.bytes, [0xFF, 0x10, 0x00, 0x03, b'a', b'b', b'c', 0x00]);
    let back = TranslateOptions {
        aliases: Aliases::new(),
        from_scheme: Scheme::flux_unified(),
        to_scheme: Scheme::flux_interpreter(),
    };
    let t2 = Translator::new(&b, &a, &back)
        .unwrap()
        .translate(&t.bytes)
        .unwrap();
    assert_eq!(t2.bytes, program);
    // A payload running past the end is a truncation at the instruction's offset.
    let err = Translator::new(&a, &b, &opts)
        .unwrap()
        .translate(&[0x80, 0x60, 0x09, 0x00, 1])
        .unwrap_err();
    assert_eq!(err.offset, 1);
    assert_eq!(
        err.kind,
        ErrorKind::Truncated {
            needed: 12,
            available: 4
        }
    );
    // A target without a length field cannot take a payload.
    let c = table("c", vec![entry(0x50, "TELL", "E")]);
    let err = Translator::new(&a, &c, &opts)
        .unwrap()
        .translate(&[0x60, 0x01, 0x00, 7])
        .unwrap_err();
    assert!(
        matches!(err.kind, ErrorKind::PayloadDropped { len: 1, .. }),
        "{err}"
    );
}

#[test]
fn sub_byte_fields_and_wide_opcodes() {
    // Source: escape-prefixed compressed MOVI `FF A0 [rd:4][imm4:4]` (its layout leaves a
    // 16-bit opcode); target: MOVI D.
    let mut a = table(
        "a",
        vec![entry(0xFFA0, "MOVI", "S"), entry(0xFE, "ILLEGAL", "A")],
    );
    a.formats.insert(
        "S".into(),
        Layout::new(
            3,
            vec![
                Field::new("rd", 4, FieldKind::Register),
                Field::new("imm4", 4, FieldKind::Immediate),
            ],
        )
        .unwrap(),
    );
    let b = table(
        "b",
        vec![entry(0x18, "MOVI", "D"), entry(0xFD, "ILLEGAL", "A")],
    );
    let t = Translator::new(&a, &b, &unified()).unwrap();
    let out = t.translate(&[0xFF, 0xA0, 0x5C, 0xFE]).unwrap();
    assert_eq!(out.bytes, [0x18, 0x05, 0x0C, 0xFD]);
    let back = Translator::new(&b, &a, &unified())
        .unwrap()
        .translate(&out.bytes)
        .unwrap();
    assert_eq!(back.bytes, [0xFF, 0xA0, 0x5C, 0xFE]);
    // A register above 15 does not fit the 4-bit field.
    let err = Translator::new(&b, &a, &unified())
        .unwrap()
        .translate(&[0x18, 0x10, 0x01])
        .unwrap_err();
    assert!(
        matches!(err.kind, ErrorKind::DoesNotFit { bits: 4, .. }),
        "{err}"
    );
    // An instruction at 0xFF itself would be a prefix of `FF A0`: no decoder could tell them
    // apart, so the table is refused rather than decoded longest-first.
    a.entries[1].opcode = 0xFF;
    let err = Translator::new(&a, &b, &unified()).unwrap_err();
    assert_eq!(err.side, Side::Source);
    assert_eq!(err.problems[0].kind, ConflictKind::EncodingAmbiguity);
    assert!(err.to_string().contains("are a prefix of MOVI"), "{err}");
}

#[test]
fn aliases_match_other_spellings() {
    let a = table("a", vec![entry(8, "IADD", "E")]);
    let b = table("b", vec![entry(0x20, "ADD", "E")]);
    let err = Translator::new(&a, &b, &unified())
        .unwrap()
        .translate(&[8, 1, 2, 3])
        .unwrap_err();
    assert!(matches!(err.kind, ErrorKind::NoCounterpart { .. }));
    let mut aliases = Aliases::new();
    aliases.insert("IADD", "ADD").unwrap();
    let opts = TranslateOptions {
        aliases,
        ..TranslateOptions::new()
    };
    let t = Translator::new(&a, &b, &opts)
        .unwrap()
        .translate(&[8, 1, 2, 3])
        .unwrap();
    assert_eq!(t.bytes, [0x20, 1, 2, 3]);
}

#[test]
fn a_number_given_to_two_instructions_is_refused_on_either_side() {
    let two = table(
        "two",
        vec![
            entry(1, "PUSH", "B"),
            entry(1, "POP", "C"),
            entry(2, "NOP", "A"),
        ],
    );
    let one = table(
        "one",
        vec![
            entry(1, "PUSH", "B"),
            entry(2, "POP", "C"),
            entry(3, "NOP", "A"),
        ],
    );
    for (from, to, side) in [(&two, &one, Side::Source), (&one, &two, Side::Target)] {
        let err = Translator::new(from, to, &unified()).unwrap_err();
        assert_eq!(err.side, side);
        assert_eq!(err.table, "two");
        assert_eq!(err.problems.len(), 1);
        assert_eq!(err.problems[0].kind, ConflictKind::DuplicateOpcode);
        assert!(
            err.to_string().contains("opcode 0x01 2 times: POP, PUSH"),
            "{err}"
        );
    }
}

#[test]
fn unknown_layouts_and_ambiguous_entries_fail_only_when_used() {
    // ODD's letter is defined nowhere; DUP is listed twice at one number with two layouts;
    // TWICE is listed twice, once with a letter nothing defines, which contradicts nothing.
    let a = table(
        "a",
        vec![
            entry(2, "NOP", "A"),
            entry(3, "ODD", "Q"),
            entry(4, "DUP", "B"),
            entry(4, "DUP", "E"),
            entry(6, "TWICE", "Q"),
            entry(6, "TWICE", "B"),
        ],
    );
    let b = table(
        "b",
        vec![
            entry(3, "NOP", "A"),
            entry(4, "ODD", "A"),
            entry(5, "DUP", "B"),
            entry(7, "TWICE", "B"),
        ],
    );
    let t = Translator::new(&a, &b, &unified()).unwrap();
    assert_eq!(t.translate(&[2, 2]).unwrap().bytes, [3, 3]);
    let err = t.translate(&[3]).unwrap_err();
    assert!(matches!(err.kind, ErrorKind::NoLayout { .. }), "{err}");
    assert!(err.to_string().contains("format letter `Q`"), "{err}");
    let err = t.translate(&[2, 4, 0]).unwrap_err();
    assert_eq!(err.offset, 1);
    assert!(
        matches!(err.kind, ErrorKind::Ambiguous { opcode: 4, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("DUP (2 bytes"), "{err}");
    assert_eq!(t.translate(&[6, 9]).unwrap().bytes, [7, 9]);
}

#[test]
fn size_only_entries_are_carried_as_raw_bytes() {
    let mut a = table("a", vec![Entry::new(5, "PUSH32")]);
    a.entries[0].size_bytes = Some(5);
    let mut b = table("b", vec![Entry::new(0x55, "PUSH32")]);
    b.entries[0].size_bytes = Some(5);
    let t = Translator::new(&a, &b, &unified()).unwrap();
    assert_eq!(
        t.translate(&[5, 0xDE, 0xAD, 0xBE, 0xEF]).unwrap().bytes,
        [0x55, 0xDE, 0xAD, 0xBE, 0xEF]
    );
    b.entries[0].size_bytes = Some(3);
    let err = Translator::new(&a, &b, &unified())
        .unwrap()
        .translate(&[5, 0xDE, 0xAD, 0xBE, 0xEF])
        .unwrap_err();
    assert!(matches!(err.kind, ErrorKind::OpaqueResize { .. }), "{err}");
}

#[test]
fn coverage_reports_each_instruction() {
    let a = small_unified("a", [0x00, 0x08, 0x18, 0x20, 0x43]);
    let mut b = small_unified("b", [0x00, 0x09, 0x18, 0x20, 0x43]);
    b.entries.retain(|e| e.mnemonic.as_deref() != Some("ADD"));
    b.entries[2].format = Some("F".into()); // MOVI becomes 4 bytes
    let cov = Translator::new(&a, &b, &unified()).unwrap().coverage();
    let get = |m: &str| {
        cov.iter()
            .find(|r| r.mnemonic == m)
            .unwrap()
            .outcome
            .clone()
    };
    assert_eq!(get("HALT"), Outcome::Unchanged);
    assert_eq!(get("INC"), Outcome::Renumbered { same_size: true });
    assert_eq!(get("MOVI"), Outcome::Reencoded { same_size: false });
    assert!(matches!(get("ADD"), Outcome::Untranslatable(_)));
}

#[test]
fn empty_input_translates_to_empty_output() {
    let a = small_unified("a", [0x00, 0x08, 0x18, 0x20, 0x43]);
    let t = Translator::new(&a, &a, &unified())
        .unwrap()
        .translate(&[])
        .unwrap();
    assert!(t.bytes.is_empty());
    assert_eq!(t.stats.instructions, 0);
}
