//! Translation between opcode encodings: escape pages, fixed widths in both byte orders, the
//! refusal of tables that cannot be decoded, and what `Translator::decode` and `coverage` report.
//! Every opcode byte the translator reads or writes is the one the core's resolve step gives.

use isa_core::{ConflictKind, OpBytes, Table};
use isa_io::TableFormat;
use isa_migrate::{ErrorKind, Outcome, Side, TranslateOptions, Translator};

fn toml(text: &str) -> Table {
    isa_io::parse_table("t.toml", text, TableFormat::Toml).unwrap()
}

/// A unified-lettered table: MOV (E, 4 bytes), HALT (A), JMP (F, branch imm16), at the given
/// numbers, plus `extra` entry lines and an `[encoding]` section.
fn vm(name: &str, numbers: [u32; 3], extra: &str, encoding: &str) -> Table {
    toml(&format!(
        r#"implementation = "{name}"
opcodes = [
  {{ opcode = {}, mnemonic = "MOV", format = "E" }},
  {{ opcode = {}, mnemonic = "HALT", format = "A" }},
  {{ opcode = {}, mnemonic = "JMP", format = "F", branch = "imm16" }},
  {extra}
]
{encoding}
"#,
        numbers[0], numbers[1], numbers[2]
    ))
}

/// The source of every case: MOV 0x05, HALT 0x00, JMP 0x43, one byte each.
fn source() -> Table {
    vm("src", [0x05, 0x00, 0x43], "", "")
}

fn opts() -> TranslateOptions {
    TranslateOptions::new()
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn unhex(text: &str) -> Vec<u8> {
    text.split_whitespace()
        .map(|b| u8::from_str_radix(b, 16).unwrap())
        .collect()
}

/// A table the translator must refuse, and what it must say.
struct Refusal {
    name: &'static str,
    from: Table,
    to: Table,
    side: Side,
    kind: ConflictKind,
    says: &'static [&'static str],
}

#[test]
fn undecodable_tables_are_refused_with_checks_words() {
    let cases = [
        Refusal {
            // Today's silent corruption: 0x100 has no bytes under a one-byte encoding, yet
            // `05 00 00 00 00` used to become `01 00 00 00 80`.
            name: "a wide number with no encoding declared",
            from: source(),
            to: vm(
                "dst",
                [0x01, 0x80, 0x43],
                r#"{ opcode = 0x100, mnemonic = "WIDE", size_bytes = 4 },"#,
                "",
            ),
            side: Side::Target,
            kind: ConflictKind::EncodingAmbiguity,
            says: &["WIDE", "0x0100", "does not fit one opcode byte", "escapes"],
        },
        Refusal {
            name: "an instruction on an escape prefix",
            from: source(),
            to: vm(
                "dst",
                [0x01, 0x80, 0x43],
                r#"{ opcode = 0x100, mnemonic = "WIDE", size_bytes = 4 },"#,
                "[encoding]\nescapes = [0x01]",
            ),
            side: Side::Target,
            kind: ConflictKind::EncodingAmbiguity,
            says: &["MOV", "0x01 is an escape prefix"],
        },
        Refusal {
            name: "one number for two instructions",
            from: source(),
            to: vm(
                "dst",
                [0x01, 0x80, 0x43],
                r#"{ opcode = 0x05, mnemonic = "X", format = "A" },
                   { opcode = 0x05, mnemonic = "Y", format = "A" },"#,
                "",
            ),
            side: Side::Target,
            kind: ConflictKind::DuplicateOpcode,
            says: &["opcode 0x05 2 times: X (", "Y ("],
        },
        Refusal {
            // A layout leaving 64 bits of opcode: the translator used to write it as 4 bytes
            // and corrupt the stream.
            name: "a 64-bit opcode",
            from: toml(
                "implementation = \"wide64\"\nopcodes = [{ opcode = 1, mnemonic = \"X\", format = \"Q\" }]\n[formats.Q]\nsize = 8\nfields = []\n",
            ),
            to: toml(
                "implementation = \"wide64b\"\nopcodes = [{ opcode = 2, mnemonic = \"X\", format = \"Q\" }]\n[formats.Q]\nsize = 8\nfields = []\n",
            ),
            side: Side::Source,
            kind: ConflictKind::EncodingAmbiguity,
            says: &["X", "8-byte opcode", "at most 4 bytes"],
        },
        Refusal {
            name: "an opcode that is a prefix of another",
            from: toml(
                "implementation = \"prefix\"\nopcodes = [\n  { opcode = 0xFF, mnemonic = \"ILLEGAL\", format = \"A\" },\n  { opcode = 0xFF05, mnemonic = \"MOVW\", format = \"W\" },\n]\n[formats.W]\nsize = 3\nfields = [{ name = \"rd\", bits = 8, kind = \"reg\" }]\n",
            ),
            to: source(),
            side: Side::Source,
            kind: ConflictKind::EncodingAmbiguity,
            says: &["ILLEGAL", "are a prefix of MOVW"],
        },
    ];
    for case in cases {
        let err = match Translator::new(&case.from, &case.to, &opts()) {
            Ok(_) => panic!("{}: compiled", case.name),
            Err(e) => e,
        };
        assert_eq!(err.side, case.side, "{}", case.name);
        let table = match case.side {
            Side::Source => &case.from,
            Side::Target => &case.to,
        };
        assert_eq!(err.table, table.implementation, "{}", case.name);
        assert!(
            err.problems.iter().any(|c| c.kind == case.kind),
            "{}: {err}",
            case.name
        );
        // The same conflicts `check` reports for the table, and nothing else.
        let check = isa_core::CheckOptions {
            hint_limit: 0,
            ..isa_core::CheckOptions::new()
        };
        assert_eq!(
            err.problems,
            isa_core::undecodable(table, &check),
            "{}",
            case.name
        );
        let text = err.to_string();
        for s in case.says {
            assert!(text.contains(s), "{}: {text:?} lacks {s:?}", case.name);
        }
    }
}

/// A program in the source numbering, the target's encoding and the bytes it becomes.
struct Case {
    name: &'static str,
    to: Table,
    input: &'static str,
    output: &'static str,
}

#[test]
fn programs_move_between_encodings_and_back() {
    // MOV r0, r0, r0; HALT — and JMP +4 over MOV r1, r2, r3 to HALT (the offset is recomputed
    // when the opcodes widen).
    let simple = "05 00 00 00 00";
    let jump = "43 00 04 00 05 01 02 03 00";
    let cases = [
        Case {
            name: "16-bit big-endian opcodes",
            to: vm(
                "be16",
                [0x01, 0x80, 0x43],
                r#"{ opcode = 0x100, mnemonic = "WIDE", size_bytes = 4 },"#,
                "[encoding]\nopcode_bytes = 2",
            ),
            input: simple,
            output: "00 01 00 00 00 00 80",
        },
        Case {
            name: "16-bit little-endian opcodes",
            to: vm(
                "le16",
                [0x01, 0x80, 0x43],
                "",
                "[encoding]\nopcode_bytes = 2\nbyte_order = \"little\"",
            ),
            input: simple,
            output: "01 00 00 00 00 80 00",
        },
        Case {
            name: "32-bit little-endian opcodes with a branch",
            to: vm(
                "le32",
                [0x0102_0304, 0x80, 0x43],
                "",
                "[encoding]\nopcode_bytes = 4\nbyte_order = \"little\"",
            ),
            input: jump,
            // JMP (7 bytes) ends at 7; HALT now starts at 7 + 7 = 14: offset 7.
            output: "43 00 00 00 00 07 00 04 03 02 01 01 02 03 80 00 00 00",
        },
        Case {
            name: "an escape page",
            to: vm(
                "esc",
                [0xFF05, 0x80, 0xFF43],
                "",
                "[encoding]\nescapes = [0xFF]",
            ),
            input: jump,
            // JMP (5 bytes) ends at 5; HALT at 5 + 5 = 10: offset 5.
            output: "ff 43 00 05 00 ff 05 01 02 03 80",
        },
        Case {
            name: "nested escape pages",
            to: vm(
                "x86ish",
                [0x000F_3805, 0x0F05, 0x43],
                "",
                "[encoding]\nescapes = [0x0F, 0x0F38]",
            ),
            input: jump,
            // JMP keeps 4 bytes and ends at 4; HALT at 4 + 6 = 10: offset 6.
            output: "43 00 06 00 0f 38 05 01 02 03 0f 05",
        },
    ];
    for case in cases {
        let input = unhex(case.input);
        let there = Translator::new(&source(), &case.to, &opts())
            .unwrap()
            .translate(&input)
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));
        assert_eq!(hex(&there.bytes), case.output, "{}", case.name);
        let back = Translator::new(&case.to, &source(), &opts()).unwrap();
        assert_eq!(
            back.translate(&there.bytes).unwrap().bytes,
            input,
            "{}",
            case.name
        );
        // The target bytes decode to the same instruction sequence.
        let names = |t: &Translator, bytes: &[u8]| -> Vec<String> {
            t.decode(bytes)
                .unwrap()
                .into_iter()
                .map(|i| i.mnemonic)
                .collect()
        };
        let home = Translator::new(&source(), &source(), &opts()).unwrap();
        assert_eq!(
            names(&back, &there.bytes),
            names(&home, &input),
            "{}",
            case.name
        );
    }
}

#[test]
fn decode_reports_escape_page_numbers_and_bytes() {
    let t = vm(
        "esc",
        [0xFF05, 0x80, 0xFF43],
        "",
        "[encoding]\nescapes = [0xFF]",
    );
    let d = Translator::new(&t, &t, &opts()).unwrap();
    let got: Vec<(usize, usize, u32, String, String)> = d
        .decode(&unhex("ff 43 00 05 00 ff 05 01 02 03 80"))
        .unwrap()
        .into_iter()
        .map(|i| {
            (
                i.offset,
                i.len,
                i.opcode,
                i.opcode_bytes.to_string(),
                i.mnemonic,
            )
        })
        .collect();
    let want = [
        (0, 5, 0xFF43, "ff 43", "JMP"),
        (5, 5, 0xFF05, "ff 05", "MOV"),
        (10, 1, 0x80, "80", "HALT"),
    ];
    let want: Vec<(usize, usize, u32, String, String)> = want
        .iter()
        .map(|&(o, l, n, b, m)| (o, l, n, b.to_string(), m.to_string()))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn bytes_that_are_no_opcode_are_named_by_the_sources_encoding() {
    let esc = vm(
        "esc",
        [0xFF05, 0x80, 0xFF43],
        "",
        "[encoding]\nescapes = [0xFE, 0xFF]",
    );
    let le = vm(
        "le16",
        [0x0105, 0x80, 0x43],
        "",
        "[encoding]\nopcode_bytes = 2\nbyte_order = \"little\"",
    );
    // Page 0xFF holds only the nested page 0xFF00, on which nothing is declared yet.
    let nested = vm(
        "nested",
        [0x05, 0x80, 0x43],
        "",
        "[encoding]\nescapes = [0xFF, 0xFF00]",
    );
    // (source, input, offset, error)
    let cases: [(&Table, &str, usize, ErrorKind); 7] = [
        (
            &esc,
            "80 ff 99",
            1,
            ErrorKind::UnknownOpcode {
                opcode: 0xFF99,
                table: "esc".into(),
            },
        ),
        // An escape page with no instruction on it yet.
        (
            &esc,
            "fe 01",
            0,
            ErrorKind::UnknownOpcode {
                opcode: 0xFE01,
                table: "esc".into(),
            },
        ),
        (
            &nested,
            "80 ff 07",
            1,
            ErrorKind::UnknownOpcode {
                opcode: 0xFF07,
                table: "nested".into(),
            },
        ),
        (
            &nested,
            "ff 00 99",
            0,
            ErrorKind::UnknownOpcode {
                opcode: 0x00FF_0099,
                table: "nested".into(),
            },
        ),
        (
            &esc,
            "80 ff",
            1,
            ErrorKind::Truncated {
                needed: 2,
                available: 1,
            },
        ),
        (
            &le,
            "05 01 00 00 00 07 00",
            5,
            ErrorKind::UnknownOpcode {
                opcode: 0x0007,
                table: "le16".into(),
            },
        ),
        (
            &le,
            "80 00 80",
            2,
            ErrorKind::Truncated {
                needed: 2,
                available: 1,
            },
        ),
    ];
    for (table, input, offset, kind) in cases {
        let t = Translator::new(table, table, &opts()).unwrap();
        let err = t.translate(&unhex(input)).unwrap_err();
        assert_eq!((err.offset, &err.kind), (offset, &kind), "{input}: {err}");
    }
}

#[test]
fn coverage_reports_opcode_bytes_and_width_changes() {
    let to = vm(
        "esc",
        [0xFF05, 0x00, 0x43],
        "",
        "[encoding]\nescapes = [0xFF]",
    );
    let cov = Translator::new(&source(), &to, &opts()).unwrap().coverage();
    let get = |m: &str| cov.iter().find(|r| r.mnemonic == m).unwrap().clone();
    let mov = get("MOV");
    assert_eq!(mov.from_bytes, OpBytes::new(&[0x05]));
    assert_eq!(mov.to_bytes, Some(OpBytes::new(&[0xFF, 0x05])));
    // Moved onto an escape page: the operands are copied, the instruction grows by a byte.
    assert_eq!(mov.outcome, Outcome::Renumbered { same_size: false });
    assert_eq!(get("HALT").outcome, Outcome::Unchanged);
    assert_eq!(get("JMP").outcome, Outcome::Unchanged);
}
