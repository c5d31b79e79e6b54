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

#[test]
fn generated_tables_round_trip_through_the_scanner_in_every_language() {
    let dir = tempfile::tempdir().unwrap();
    let c = canonical(dir.path());
    for file in [
        "opcodes.h",
        "opcodes.py",
        "opcodes.go",
        "opcodes.ts",
        "opcodes.rs",
        "OPCODES.md",
    ] {
        let sub = dir.path().join(file.replace('.', "_"));
        std::fs::create_dir(&sub).unwrap();
        let target = sub.join(file);
        bin()
            .args(["gen", c.to_str().unwrap(), "-o", target.to_str().unwrap()])
            .assert()
            .success();
        bin()
            .args([
                "conform",
                sub.to_str().unwrap(),
                "--against",
                c.to_str().unwrap(),
            ])
            .args(["--fail-on", "warning"])
            .assert()
            .code(0)
            .stdout(contains("0 divergences"))
            .stdout(contains("ok: conforms"));
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
        .stderr(contains("the canonical table amb cannot be decoded unambiguously"))
        .stderr(contains("critical[duplicate-opcode] amb lists opcode 0x01 2 times"));
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
}
