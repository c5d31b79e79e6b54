//! `conform` through the binary: the gen → scan → conform round trip in every language, drifted
//! Go and Python sources named line by line, JSON and SARIF, `--fail-on`, and bad input.

use assert_cmd::Command;
use serde_json::Value;

mod common;
use common::*;

const CANONICAL: &str = r#"implementation = "canon"
isa_version = "2.0.0"
opcodes = [
  { opcode = 0x00, mnemonic = "HALT", format = "A" },
  { opcode = 0x01, mnemonic = "NOP",  format = "A" },
  { opcode = 0x18, mnemonic = "MOVI", format = "D" },
  { opcode = 0x20, mnemonic = "ADD",  format = "E" },
  { opcode = 0x21, mnemonic = "SUB",  format = "E" },
  { opcode = 0x22, mnemonic = "MUL",  format = "E" },
  { opcode = 0x23, mnemonic = "MEM.load", format = "E" },
  { opcode = 0x3C, mnemonic = "JZ",   format = "E" },
  { opcode = 0x40, mnemonic = "JMP",  format = "F" },
  { opcode = 0x69, mnemonic = "C_THRESH", format = "D" },
  { opcode = 0xFE, mnemonic = "RSV", reserved = true },
]
"#;

fn json_of(cmd: &mut Command) -> (i32, Value) {
    let out = cmd.output().unwrap();
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    (out.status.code().unwrap(), v)
}

/// Canonical tables whose generated files must conform to them. Together with the examples'
/// arbitrated table (built in the test), they cover declared formats that override the
/// scheme's letters, escape pages (with a layout that fixes a two-byte opcode and a field name
/// with a space), fixed-width opcodes in either byte order, numbers above 0x7FFFFFFF and
/// size-only entries.
const ROUND_TRIPS: [(&str, &str); 6] = [
    ("mnemonics needing renames", CANONICAL),
    (
        "declared formats override the scheme's letters",
        r#"implementation = "decl"
opcodes = [
  { opcode = 0x00, mnemonic = "HALT", format = "A" },
  { opcode = 0x18, mnemonic = "MOVI", format = "D" },
  { opcode = 0x20, mnemonic = "ADD",  format = "E" },
  { opcode = 0x40, mnemonic = "JMP",  format = "F" },
  { opcode = 0x41, mnemonic = "SEND", format = "G2" },
]
[formats.D]
size = 4
fields = [{ name = "rd", bits = 8, kind = "reg" }, { name = "imm", bits = 16, kind = "simm" }]
[formats.E]
size = 3
fields = [{ name = "rd", bits = 8, kind = "reg" }, { name = "rs", bits = 8, kind = "reg" }]
[formats.F]
size = 4
endian = "big"
fields = [{ name = "off", bits = 16, kind = "rel" }, { name = "c", bits = 8, kind = "imm" }]
[formats.G2]
size = 3
fields = [{ name = "len", bits = 16, kind = "len" }]
"#,
    ),
    (
        "escape pages",
        r#"implementation = "esc"
isa_version = "3.0.0"
opcodes = [
  { opcode = 0x00, mnemonic = "HALT", format = "A" },
  { opcode = 0x20, mnemonic = "ADD", format = "E" },
  { opcode = 0xFF05, mnemonic = "VLOAD", format = "E" },
  { opcode = 0xFF06, mnemonic = "VSTORE", format = "W" },
  { opcode = 0xFF07, mnemonic = "VSIZE", size_bytes = 4 },
  { opcode = 0xFE, mnemonic = "RSV", reserved = true },
]
[encoding]
escapes = [0xFF]
[formats.W]
size = 5
endian = "big"
fields = [{ name = "dst reg", bits = 8, kind = "reg" }, { name = "off", bits = 16, kind = "simm" }]
"#,
    ),
    (
        "size-only entries",
        r#"implementation = "sized"
opcodes = [
  { opcode = 0x00, mnemonic = "HALT", size_bytes = 1 },
  { opcode = 0x20, mnemonic = "ADD", size_bytes = 4 },
  { opcode = 0x21, mnemonic = "MOVI", size_bytes = 3 },
  { opcode = 0x22, mnemonic = "NOSIZE" },
]
"#,
    ),
    (
        "fixed two-byte little-endian opcodes",
        r#"implementation = "fixed"
opcodes = [
  { opcode = 0x0000, mnemonic = "HALT", format = "A" },
  { opcode = 0x0120, mnemonic = "ADD", format = "E" },
  { opcode = 0x0121, mnemonic = "SUB", size_bytes = 5 },
]
[encoding]
opcode_bytes = 2
byte_order = "little"
"#,
    ),
    (
        "four-byte opcodes above 0x7FFFFFFF",
        r#"implementation = "huge"
opcodes = [
  { opcode = 0x00000001, mnemonic = "HALT", format = "A" },
  { opcode = 0x80000001, mnemonic = "ADD", format = "E" },
  { opcode = 0xFFFFFFFE, mnemonic = "FAR" },
]
[encoding]
opcode_bytes = 4
"#,
    ),
];

/// What the one resolve step says about every instruction of a table: identity, number, opcode
/// bytes and comparable operand facts.
fn resolved_facts(table: &isa_core::Table) -> Vec<String> {
    let scheme = isa_core::Scheme::flux_unified();
    let aliases = isa_core::Aliases::new();
    let resolved = isa_core::resolve(table, &isa_core::ResolveOptions::new(&scheme, &aliases));
    let mut facts: Vec<String> = resolved
        .instructions
        .iter()
        .map(|i| {
            format!(
                "{} {:#x} {:?} {:?}",
                isa_core::normalize(i.entry.source_name().unwrap_or(&i.key)),
                i.opcode,
                i.bytes,
                i.fact_key()
            )
        })
        .collect();
    facts.sort();
    facts
}

#[test]
fn gen_then_conform_exits_0_for_every_language_and_table() {
    let dir = tempfile::tempdir().unwrap();
    // (a) the README's session: the examples arbitrated into one canonical table.
    let examples = write(dir.path(), "examples.toml", "");
    bin()
        .args(["arbitrate", example("").to_str().unwrap()])
        .args(["--aliases", example("../aliases.toml").to_str().unwrap()])
        .args(["--strategy", "optimal", "-o", examples.to_str().unwrap()])
        .assert()
        .success();
    let mut cases = vec![("the examples' canonical table".to_string(), examples)];
    for (i, (what, text)) in ROUND_TRIPS.iter().enumerate() {
        cases.push((
            what.to_string(),
            write(dir.path(), &format!("case{i}.toml"), text),
        ));
    }
    for (case, (what, table)) in cases.iter().enumerate() {
        let canonical = isa_io::load_table(table).unwrap();
        let instructions = canonical
            .instructions()
            .filter(|e| e.status != Some(isa_core::Status::Removed))
            .count();
        for lang in ["python", "go", "typescript", "rust", "c", "markdown"] {
            let sub = dir.path().join(format!("{case}-{lang}"));
            std::fs::create_dir(&sub).unwrap();
            let file = sub.join(format!(
                "opcodes.{}",
                isa_codegen::Lang::parse(lang).unwrap().extension()
            ));
            bin()
                .args(["gen", "--lang", lang, table.to_str().unwrap()])
                .args(["-o", file.to_str().unwrap()])
                .assert()
                .success();
            let (code, v) = json_of(
                bin()
                    .args([
                        "conform",
                        sub.to_str().unwrap(),
                        "--against",
                        table.to_str().unwrap(),
                    ])
                    .args(["--fail-on", "warning", "--format", "json"]),
            );
            assert_eq!(
                code,
                0,
                "{what}, {lang}: {v:#}\n{}",
                std::fs::read_to_string(&file).unwrap()
            );
            assert_eq!(v["divergences"], serde_json::json!([]), "{what}, {lang}");
            // The whole table was read back (Python's MNEMONIC map may be read as a second,
            // conforming table).
            assert!(
                v["tables"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|t| t["instructions"] == instructions),
                "{what}, {lang}: {v:#}"
            );
            if lang == "markdown" {
                // The specification carries its formats, sizes and encoding, so the scanned
                // copy resolves every instruction exactly as the canonical table does: the
                // round trip compares real facts, not unknowns.
                let outcome = isa_scan::scan_paths(
                    std::slice::from_ref(&file),
                    &isa_scan::ScanOptions::default(),
                );
                let scanned = outcome
                    .tables
                    .iter()
                    .find(|t| t.symbol == "Instructions")
                    .unwrap_or_else(|| panic!("{what}: no instruction table scanned"));
                assert_eq!(scanned.table.encoding, canonical.encoding, "{what}");
                assert_eq!(
                    resolved_facts(&scanned.table),
                    resolved_facts(&canonical),
                    "{what}"
                );
            }
        }
    }
}

/// One instruction as two tables describe it: the canonical table's entry fields, the
/// implementation's, and whether their layouts contradict under the one comparison rule.
/// `check` (format-mismatch between the two tables) and `conform` (layout-mismatch against
/// the canonical one) must give the same verdict on each.
type Facts = fn(Table) -> Table;

const LAYOUT_VERDICTS: [(&str, Facts, Facts, bool); 12] = [
    (
        "sizes only, 2 and 4 bytes",
        |t| t.size(2),
        |t| t.size(4),
        true,
    ),
    ("sizes only, equal", |t| t.size(4), |t| t.size(4), false),
    (
        "size 4 against letter E (4 bytes)",
        |t| t.format("E"),
        |t| t.size(4),
        false,
    ),
    (
        "size 3 against letter E",
        |t| t.format("E"),
        |t| t.size(3),
        true,
    ),
    (
        "letters E and E",
        |t| t.format("E"),
        |t| t.format("E"),
        false,
    ),
    (
        "letters E and D",
        |t| t.format("E"),
        |t| t.format("D"),
        true,
    ),
    (
        "letter E against a letter nothing defines",
        |t| t.format("E"),
        |t| t.format("Z"),
        false,
    ),
    ("letter E against nothing", |t| t.format("E"), |t| t, false),
    (
        "a payload against a fixed size",
        |t| t.format("P"),
        |t| t.size(3),
        true,
    ),
    (
        "a payload against the same payload",
        |t| t.format("P"),
        |t| t.format("P"),
        false,
    ),
    (
        "an escape-page size against letter E",
        |t| t.format("E").field("opcode", "0xFF20"),
        |t| t.size(5).field("opcode", "0xFF20"),
        false,
    ),
    (
        "an escape-page size one byte short",
        |t| t.format("E").field("opcode", "0xFF20"),
        |t| t.size(4).field("opcode", "0xFF20"),
        true,
    ),
];

#[test]
fn conform_and_check_agree_on_every_layout_verdict() {
    let dir = tempfile::tempdir().unwrap();
    // Both tables declare the escape page and a payload format, so every row can use them.
    let table = |name: &str, facts: Facts| {
        facts(Table::new(name).op("HALT", 0).format("A").op("ADD", 0x20))
            .escapes(&[0xFF])
            .declare_format("P", 3, &[("len", 16, "len")])
    };
    for (i, (what, canon, imp, differs)) in LAYOUT_VERDICTS.iter().enumerate() {
        let c = table("canon", *canon).write(dir.path(), &format!("canon{i}.toml"));
        let m = table("impl", *imp).write(dir.path(), &format!("impl{i}.toml"));
        let (_, report) = json_of(bin().args([
            "check",
            c.to_str().unwrap(),
            m.to_str().unwrap(),
            "--format",
            "json",
        ]));
        let check_differs = report["conflicts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["kind"] == "format-mismatch" && c["mnemonic"] == "ADD");
        let (code, v) = json_of(bin().args([
            "conform",
            m.to_str().unwrap(),
            "--against",
            c.to_str().unwrap(),
            "--format",
            "json",
        ]));
        let conform_differs = v["divergences"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["kind"] == "layout-mismatch" && d["mnemonic"] == "ADD");
        assert_eq!(check_differs, *differs, "check: {what}: {report:#}");
        assert_eq!(conform_differs, *differs, "conform: {what}: {v:#}");
        assert_eq!(code, if *differs { 1 } else { 0 }, "{what}: {v:#}");
    }
}
