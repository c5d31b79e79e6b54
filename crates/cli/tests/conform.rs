//! `conform` through the binary: the gen → scan → conform round trip in every language, drifted
//! Go and Python sources named line by line, JSON and SARIF, `--fail-on`, and bad input.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::str::contains;
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

/// A Go VM whose table drifted: ADD and JMP renumbered, an instruction the ISA lacks, MUL and
/// others missing.
const DRIFTED_GO: &str = r#"package vm

// Opcode is one VM instruction.
type Opcode byte

const (
	OpHalt    Opcode = 0x00
	OpNop     Opcode = 0x01
	OpMovi    Opcode = 0x18
	OpAdd     Opcode = 0x21
	OpSub     Opcode = 0x22
	OpJmp     Opcode = 0x43
	OpFrob    Opcode = 0x99
)
"#;

const DRIFTED_PY: &str = r#"from enum import IntEnum


class Op(IntEnum):
    HALT = 0x00
    NOP = 0x01
    MOVI = 0x18
    ADD = 0x20
    SUB = 0x21
    MUL = 0x22
    MEM_LOAD = 0x23
    JZ = 0x3D
    JMP = 0x40
    C_THRESH = 0x69
    RSV = 0xFE
"#;

fn canonical(dir: &Path) -> PathBuf {
    write(dir, "canon.toml", CANONICAL)
}

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
                isa_core::normalize(&i.entry.source_name.clone().unwrap_or(i.key.clone())),
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

#[test]
fn a_drifted_go_file_fails_naming_each_line() {
    let dir = tempfile::tempdir().unwrap();
    let c = canonical(dir.path());
    let go = write(dir.path(), "vm.go", DRIFTED_GO);
    let name = go.to_str().unwrap();
    bin()
        .args(["conform", name, "--against", c.to_str().unwrap()])
        .assert()
        .code(1)
        .stdout(contains(format!(
            "{name}:10:2: error[wrong-opcode]: OpAdd is 0x21 here but canonical ADD is 0x20; canonical 0x21 is SUB"
        )))
        .stdout(contains(format!("{name}:11:2: error[wrong-opcode]: OpSub is 0x22 here")))
        .stdout(contains(format!("{name}:12:2: error[wrong-opcode]: OpJmp is 0x43 here but canonical JMP is 0x40")))
        .stdout(contains(format!(
            "{name}:13:2: error[unknown-instruction]: OpFrob = 0x99 is not a canonical instruction; canonical 0x99 is unassigned"
        )))
        .stdout(contains("warning[missing-instruction]: 4 canonical instructions are missing"))
        .stdout(contains("MUL, MEM.load, JZ, C_THRESH"))
        .stdout(contains("FAIL: diverges"));
}

#[test]
fn a_drifted_python_file_fails_and_json_lists_every_divergence() {
    let dir = tempfile::tempdir().unwrap();
    let c = canonical(dir.path());
    let py = write(dir.path(), "ops.py", DRIFTED_PY);
    let (code, v) = json_of(bin().args([
        "conform",
        py.to_str().unwrap(),
        "--against",
        c.to_str().unwrap(),
        "--format",
        "json",
    ]));
    assert_eq!(code, 1);
    let d = v["divergences"].as_array().unwrap();
    // JZ is the only drift: MEM_LOAD matches MEM.load, C_THRESH matches, RSV is the reserved
    // placeholder at its canonical number.
    assert_eq!(d.len(), 1, "{v:#}");
    assert_eq!(d[0]["kind"], "wrong-opcode");
    assert_eq!(d[0]["mnemonic"], "JZ");
    assert_eq!(d[0]["opcode"], 0x3D);
    assert_eq!(d[0]["canonical_opcode"], 0x3C);
    assert_eq!(d[0]["location"]["line"], 12);
    assert!(d[0]["location"]["file"]
        .as_str()
        .unwrap()
        .ends_with("ops.py"));
    assert_eq!(d[0]["canonical_location"]["line"], 11);
    assert_eq!(v["summary"]["conforms"], false);
    assert_eq!(v["summary"]["by_kind"]["wrong-opcode"], 1);
    assert_eq!(v["tables"][0]["symbol"], "Op");
    assert_eq!(v["canonical"]["isa_version"], "2.0.0");
    assert!(v["canonical"]["content_hash"]
        .as_str()
        .unwrap()
        .starts_with("sha256:"));
}

#[test]
fn sarif_locates_results_in_the_source_and_the_canonical_table() {
    let dir = tempfile::tempdir().unwrap();
    let c = canonical(dir.path());
    let go = write(dir.path(), "vm.go", DRIFTED_GO);
    let (code, v) = json_of(bin().args([
        "conform",
        go.to_str().unwrap(),
        "--against",
        c.to_str().unwrap(),
        "--format",
        "sarif",
    ]));
    assert_eq!(code, 1);
    assert_eq!(v["version"], "2.1.0");
    let run = &v["runs"][0];
    let rules: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"wrong-opcode") && rules.contains(&"missing-instruction"));
    let results = run["results"].as_array().unwrap();
    let first = &results[0];
    assert_eq!(first["ruleId"], "wrong-opcode");
    assert_eq!(first["level"], "error");
    let loc = &first["locations"][0]["physicalLocation"];
    assert!(loc["artifactLocation"]["uri"]
        .as_str()
        .unwrap()
        .ends_with("vm.go"));
    assert_eq!(loc["region"]["startLine"], 10);
    assert_eq!(
        first["relatedLocations"][0]["physicalLocation"]["region"]["startLine"],
        7
    );
    let missing = results
        .iter()
        .filter(|r| r["ruleId"] == "missing-instruction")
        .count();
    assert_eq!(missing, 4);
    assert!(results
        .iter()
        .all(|r| r["partialFingerprints"]["isaAuthorityDivergence/v1"].is_string()));
}

#[test]
fn fail_on_decides_whether_missing_instructions_fail() {
    let dir = tempfile::tempdir().unwrap();
    let c = canonical(dir.path());
    // A partial but correct table: only missing instructions.
    let partial = write(
        dir.path(),
        "partial.py",
        "from enum import IntEnum\n\n\nclass Opcode(IntEnum):\n    HALT = 0x00\n    NOP = 0x01\n    ADD = 0x20\n",
    );
    let args = [
        "conform",
        partial.to_str().unwrap(),
        "--against",
        c.to_str().unwrap(),
    ];
    bin()
        .args(args)
        .assert()
        .code(0)
        .stdout(contains("7 canonical instructions are missing"))
        .stdout(contains("ok: conforms"));
    bin()
        .args(args)
        .args(["--fail-on", "warning"])
        .assert()
        .code(1);
    let go = write(dir.path(), "vm.go", DRIFTED_GO);
    bin()
        .args([
            "conform",
            go.to_str().unwrap(),
            "--against",
            c.to_str().unwrap(),
        ])
        .args(["--fail-on", "never"])
        .assert()
        .code(0);
}

#[test]
fn aliases_rename_before_matching() {
    let dir = tempfile::tempdir().unwrap();
    let c = canonical(dir.path());
    let py = write(
        dir.path(),
        "ops.py",
        "from enum import IntEnum\n\n\nclass Opcode(IntEnum):\n    HALT = 0x00\n    NOP = 0x01\n    IADD = 0x20\n",
    );
    let args = [
        "conform",
        py.to_str().unwrap(),
        "--against",
        c.to_str().unwrap(),
    ];
    bin()
        .args(args)
        .assert()
        .code(1)
        .stdout(contains("error[unknown-instruction]: IADD = 0x20"));
    let aliases = write(dir.path(), "aliases.toml", "IADD = \"ADD\"\n");
    bin()
        .args(args)
        .args(["--aliases", aliases.to_str().unwrap()])
        .assert()
        .code(0);
}

#[test]
fn table_selects_among_several_tables() {
    let dir = tempfile::tempdir().unwrap();
    let c = canonical(dir.path());
    write(dir.path(), "vm.go", DRIFTED_GO);
    write(dir.path(), "ops.py", DRIFTED_PY);
    let d = dir.path().to_str().unwrap();
    let cs = c.to_str().unwrap();
    // Both tables are checked by default, in path order.
    bin()
        .args(["conform", d, "--against", cs])
        .assert()
        .code(1)
        .stdout(contains("ops.py#Op"))
        .stdout(contains("vm.go#Opcode"));
    bin()
        .args(["conform", d, "--against", cs, "--table", "NoSuchSymbol"])
        .assert()
        .code(2)
        .stderr(contains("--table NoSuchSymbol: no table with that symbol"))
        .stderr(contains("hint: tables found:"));
}

#[test]
fn bad_input_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let c = canonical(dir.path());
    let cs = c.to_str().unwrap();
    // No table in the source.
    let empty = write(dir.path(), "util.py", "def add(a, b):\n    return a + b\n");
    bin()
        .args(["conform", empty.to_str().unwrap(), "--against", cs])
        .assert()
        .code(2)
        .stderr(contains("no opcode table found in"))
        .stderr(contains("hint: conform reads enums"));
    // A table, but of something else entirely.
    let colours = write(
        dir.path(),
        "colours.py",
        "from enum import IntEnum\n\n\nclass Opcode(IntEnum):\n    RED = 1\n    GREEN = 2\n    BLUE = 3\n    CYAN = 4\n",
    );
    let out = bin()
        .args(["conform", colours.to_str().unwrap(), "--against", cs])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("none of the 1 table(s) found shares an instruction with"),
        "{stderr}"
    );
    assert!(stderr.contains("note: ignored Opcode"), "{stderr}");
    // Missing source path, missing canonical, ambiguous canonical.
    bin()
        .args([
            "conform",
            dir.path().join("nope").to_str().unwrap(),
            "--against",
            cs,
        ])
        .assert()
        .code(2)
        .stderr(contains("nope: no such file or directory"));
    let py = write(dir.path(), "ops.py", DRIFTED_PY);
    bin()
        .args([
            "conform",
            py.to_str().unwrap(),
            "--against",
            dir.path().join("x.json").to_str().unwrap(),
        ])
        .assert()
        .code(2)
        .stderr(contains("x.json"));
    let amb = write(
        dir.path(),
        "amb.toml",
        "implementation = \"amb\"\nopcodes = [\n  { opcode = 1, mnemonic = \"A\" },\n  { opcode = 1, mnemonic = \"B\" },\n]\n",
    );
    bin()
        .args([
            "conform",
            py.to_str().unwrap(),
            "--against",
            amb.to_str().unwrap(),
        ])
        .assert()
        .code(2)
        .stderr(contains(
            "the canonical table amb cannot be decoded unambiguously",
        ))
        .stderr(contains(
            "critical[duplicate-opcode]: amb lists opcode 0x01 2 times",
        ));
}

#[test]
fn a_table_file_can_stand_for_the_implementation() {
    let dir = tempfile::tempdir().unwrap();
    let c = canonical(dir.path());
    let impl_table = write(
        dir.path(),
        "impl.toml",
        "implementation = \"impl\"\nopcodes = [\n  { opcode = 0, mnemonic = \"HALT\" },\n  { opcode = 0x18, mnemonic = \"MOVI\", format = \"F\" },\n]\n",
    );
    bin()
        .args([
            "conform",
            impl_table.to_str().unwrap(),
            "--against",
            c.to_str().unwrap(),
        ])
        .assert()
        .code(1)
        .stdout(contains("impl.toml:4"))
        .stdout(contains(
            "error[layout-mismatch]: MOVI (MOVI): layout [4 bytes",
        ));
    // In JSON a verdict is keyed by the canonical name, whatever the implementation calls it.
    let spelled = write(
        dir.path(),
        "spelled.toml",
        "implementation = \"spelled\"\nopcodes = [\n  { opcode = 0x23, mnemonic = \"mem_load\", format = \"D\" },\n]\n",
    );
    let (code, v) = json_of(bin().args([
        "conform",
        spelled.to_str().unwrap(),
        "--against",
        c.to_str().unwrap(),
        "--format",
        "json",
    ]));
    assert_eq!(code, 1);
    let d = &v["divergences"][0];
    assert_eq!(d["kind"], "layout-mismatch", "{v:#}");
    assert_eq!(d["mnemonic"], "mem_load");
    assert_eq!(d["canonical_mnemonic"], "MEM.load");
    assert_eq!(
        d["message"],
        "mem_load (MEM.load): layout [3 bytes: op8 rd:reg8 imm8:imm8] here, canonical [4 bytes: op8 rd:reg8 rs1:reg8 rs2:reg8]"
    );
}

/// One instruction as two tables describe it: the canonical table's entry fields, the
/// implementation's, and whether their layouts contradict under the one comparison rule.
/// `check` (format-mismatch between the two tables) and `conform` (layout-mismatch against
/// the canonical one) must give the same verdict on each.
const LAYOUT_VERDICTS: [(&str, &str, &str, bool); 12] = [
    (
        "sizes only, 2 and 4 bytes",
        "size_bytes = 2",
        "size_bytes = 4",
        true,
    ),
    (
        "sizes only, equal",
        "size_bytes = 4",
        "size_bytes = 4",
        false,
    ),
    (
        "size 4 against letter E (4 bytes)",
        "format = \"E\"",
        "size_bytes = 4",
        false,
    ),
    (
        "size 3 against letter E",
        "format = \"E\"",
        "size_bytes = 3",
        true,
    ),
    ("letters E and E", "format = \"E\"", "format = \"E\"", false),
    ("letters E and D", "format = \"E\"", "format = \"D\"", true),
    (
        "letter E against a letter nothing defines",
        "format = \"E\"",
        "format = \"Z\"",
        false,
    ),
    ("letter E against nothing", "format = \"E\"", "", false),
    (
        "a payload against a fixed size",
        "format = \"P\"",
        "size_bytes = 3",
        true,
    ),
    (
        "a payload against the same payload",
        "format = \"P\"",
        "format = \"P\"",
        false,
    ),
    (
        "an escape-page size against letter E",
        "format = \"E\", opcode = 0xFF20",
        "size_bytes = 5, opcode = 0xFF20",
        false,
    ),
    (
        "an escape-page size one byte short",
        "format = \"E\", opcode = 0xFF20",
        "size_bytes = 4, opcode = 0xFF20",
        true,
    ),
];

#[test]
fn conform_and_check_agree_on_every_layout_verdict() {
    let dir = tempfile::tempdir().unwrap();
    // Both tables declare the escape page and a payload format, so every row can use them.
    let table = |name: &str, facts: &str| {
        let mut add = vec!["mnemonic = \"ADD\""];
        if !facts.is_empty() {
            add.push(facts);
        }
        if !facts.contains("opcode") {
            add.push("opcode = 0x20");
        }
        let add = add.join(", ");
        format!(
            "implementation = \"{name}\"\nopcodes = [\n  {{ opcode = 0x00, mnemonic = \"HALT\", format = \"A\" }},\n  {{ {add} }},\n]\n[encoding]\nescapes = [0xFF]\n[formats.P]\nsize = 3\nfields = [{{ name = \"len\", bits = 16, kind = \"len\" }}]\n"
        )
    };
    for (i, (what, canon, imp, differs)) in LAYOUT_VERDICTS.iter().enumerate() {
        let c = write(dir.path(), &format!("canon{i}.toml"), table("canon", canon));
        let m = write(dir.path(), &format!("impl{i}.toml"), table("impl", imp));
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

#[test]
fn a_markdown_specification_is_read_with_its_own_formats_sizes_and_encoding() {
    let dir = tempfile::tempdir().unwrap();
    let canon = write(
        dir.path(),
        "canon.toml",
        "implementation = \"canon\"\nopcodes = [\n  { opcode = 0x00, mnemonic = \"HALT\", format = \"A\" },\n  { opcode = 0x18, mnemonic = \"MOVI\", format = \"D\" },\n  { opcode = 0x20, mnemonic = \"ADD\", size_bytes = 4 },\n  { opcode = 0xFF05, mnemonic = \"VADD\", format = \"E\" },\n]\n[encoding]\nescapes = [0xFF]\n",
    );
    // A hand-written specification that states MOVI's format D as four bytes (the scheme's D
    // is three), ADD as 2 bytes, and the escape page VADD is on.
    let spec = |encoding: &str, d_layout: &str, add_size: &str| {
        format!(
            "# Spec\n\n- Encoding: `{encoding}`\n\n## Instructions\n\n| Opcode | Mnemonic | Format | Size |\n|---|---|---|---|\n| 0x00 | HALT | A | 1 |\n| 0x18 | MOVI | D | - |\n| 0x20 | ADD | - | {add_size} |\n| 0xFF05 | VADD | E | - |\n\n## Formats\n\n| Format | Size | Layout |\n|---|---|---|\n| A | 1 | 1 byte: op8 |\n| D | {d_layout} |\n| E | 4 | 4 bytes: op8 rd:reg8 rs1:reg8 rs2:reg8 |\n"
        )
    };
    let cases = [
        (
            "what the canonical table says",
            "escapes = [0xFF]",
            "3 | 3 bytes: op8 rd:reg8 imm8:imm8",
            "4",
            vec![],
        ),
        (
            "its own format D",
            "escapes = [0xFF]",
            "4 | 4 bytes: op8 rd:reg8 imm:simm16",
            "4",
            vec!["MOVI"],
        ),
        (
            "its own size for ADD",
            "escapes = [0xFF]",
            "3 | 3 bytes: op8 rd:reg8 imm8:imm8",
            "2",
            vec!["ADD"],
        ),
        // Two-byte opcodes everywhere: ADD's 4 bytes leave 2 operand bytes, the canonical 3.
        (
            "its own encoding",
            "opcode_bytes = 2",
            "3 | 3 bytes: op8 rd:reg8 imm8:imm8",
            "4",
            vec!["ADD"],
        ),
    ];
    for (i, (what, encoding, d_layout, add_size, mismatched)) in cases.iter().enumerate() {
        let sub = dir.path().join(format!("spec{i}"));
        std::fs::create_dir(&sub).unwrap();
        write(&sub, "SPEC.md", spec(encoding, d_layout, add_size));
        let (_, v) = json_of(bin().args([
            "conform",
            sub.to_str().unwrap(),
            "--against",
            canon.to_str().unwrap(),
            "--format",
            "json",
        ]));
        let found: Vec<&str> = v["divergences"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["kind"] == "layout-mismatch")
            .map(|d| d["mnemonic"].as_str().unwrap())
            .collect();
        assert_eq!(&found, mismatched, "{what}: {v:#}");
        assert_eq!(
            v["summary"]["divergences"],
            mismatched.len(),
            "{what}: {v:#}"
        );
    }
}

/// A gate that cannot read part of the implementation must not report "conforms": a source
/// file that is not UTF-8 (its content unknown) makes `conform` exit 2, naming it.
#[test]
fn an_unreadable_source_is_an_error_not_a_pass() {
    let dir = tempfile::tempdir().unwrap();
    let canon = example("unified-spec.toml");
    let generated = bin()
        .args(["gen", "--lang", "go"])
        .arg(&canon)
        .output()
        .unwrap();
    assert_eq!(generated.status.code(), Some(0));
    write(dir.path(), "good.go", &generated.stdout);
    bin()
        .arg("conform")
        .arg(dir.path())
        .arg("--against")
        .arg(&canon)
        .assert()
        .code(0);
    write(dir.path(), "bad.go", b"package x\n\xff\xfe const");
    bin()
        .arg("conform")
        .arg(dir.path())
        .arg("--against")
        .arg(&canon)
        .assert()
        .code(2)
        .stderr(predicates::prelude::PredicateBooleanExt::and(
            contains("bad.go"),
            contains("could not be read"),
        ));
}
