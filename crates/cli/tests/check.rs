//! `check` through the binary: exit codes, error messages, colour, and the shared FLUX tables.

use std::path::{Path, PathBuf};

use predicates::prelude::*;
use predicates::str::contains;

mod common;
use common::*;

/// The input tables of a data-driven case (its `expected.*` files are not tables).
fn case(name: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/cases")
        .join(name);
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            (name.ends_with(".json") || name.ends_with(".toml")) && !name.starts_with("expected")
        })
        .collect();
    files.sort();
    files
}

#[test]
fn exit_0_when_tables_agree() {
    bin()
        .arg("check")
        .args(case("agreement"))
        .assert()
        .code(0)
        .stdout(contains("0 conflicts"));
}

#[test]
fn exit_1_on_conflicts_at_or_above_fail_on() {
    let dir = case("python-go-pair");
    bin()
        .arg("check")
        .args(&dir)
        .assert()
        .code(1)
        .stdout(contains("FAIL"));
    bin()
        .args(["check", "--fail-on", "never"])
        .args(&dir)
        .assert()
        .code(0);
    bin()
        .args(["check", "--fail-on", "critical"])
        .args(&dir)
        .assert()
        .code(1);
    // Only a warning and an info there: passes at error, fails at warning and info.
    let layouts = case("layouts");
    bin().arg("check").args(&layouts).assert().code(0);
    bin()
        .args(["check", "--fail-on", "warning"])
        .args(&layouts)
        .assert()
        .code(1);
    // Only critical duplicates... and a warning: --fail-on critical still fails.
    bin()
        .args(["check", "--fail-on", "critical"])
        .args(case("duplicates"))
        .assert()
        .code(1);
}

#[test]
fn fail_on_info_and_no_info() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(
        dir.path(),
        "a.toml",
        "implementation = \"a\"\nopcodes = [{ opcode = 1, mnemonic = \"MOVI\", format = \"Q\" }]\n",
    );
    bin()
        .args(["check", "--fail-on", "info"])
        .arg(&a)
        .assert()
        .code(1)
        .stdout(contains("unknown-format"));
    bin()
        .args([
            "check",
            "--fail-on",
            "info",
            "--no-info",
            "--format",
            "json",
        ])
        .arg(&a)
        .assert()
        .code(0)
        .stdout(contains("\"conflicts\": []"));
}

#[test]
fn broken_json_names_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "broken.json",
        "{\n  \"implementation\": \"x\",\n  \"opcodes\": [\n    {\"opcode\": 1,}\n  ]\n}\n",
    );
    bin()
        .arg("check")
        .arg(&p)
        .assert()
        .code(2)
        .stdout("")
        .stderr(contains("broken.json:4:").and(contains("invalid JSON")));
}

#[test]
fn broken_toml_names_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "broken.toml",
        "implementation = \"x\"\nopcodes = [\n  { opcode = 1, mnemonic = \"A\" \n]\n",
    );
    bin()
        .arg("check")
        .arg(&p)
        .assert()
        .code(2)
        .stderr(contains("broken.toml:4:1").and(contains("invalid TOML")));
}

#[test]
fn negative_and_non_numeric_opcodes() {
    let dir = tempfile::tempdir().unwrap();
    let neg = write(
        dir.path(),
        "neg.json",
        "{\"implementation\": \"x\", \"opcodes\": [\n  {\"opcode\": -3, \"mnemonic\": \"A\"}\n]}",
    );
    bin()
        .arg("check")
        .arg(&neg)
        .assert()
        .code(2)
        .stderr(contains(
            "neg.json:2:14: `opcode` of opcodes[0] is negative (-3)",
        ));
    let hex = write(
        dir.path(),
        "hex.json",
        "{\"implementation\": \"x\", \"opcodes\": [{\"opcode\": \"0x2A\", \"mnemonic\": \"A\"}]}",
    );
    bin().arg("check").arg(&hex).assert().code(2).stderr(
        contains("must be an integer, found the string \"0x2A\"")
            .and(contains("hint: JSON has no hex literals")),
    );
    let word = write(
        dir.path(),
        "word.toml",
        "implementation = \"x\"\nopcodes = [{ opcode = \"ten\" }]\n",
    );
    bin()
        .arg("check")
        .arg(&word)
        .assert()
        .code(2)
        .stderr(contains("word.toml:2:23"));
}

#[test]
fn missing_opcodes_list() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "empty.json", "{\"implementation\": \"x\"}");
    bin()
        .arg("check")
        .arg(&p)
        .assert()
        .code(2)
        .stderr(contains("empty.json:1:1: missing `opcodes` list"));
}

#[test]
fn same_implementation_in_two_files() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(
        dir.path(),
        "a.json",
        "{\"implementation\": \"vm\", \"opcodes\": []}",
    );
    let b = write(
        dir.path(),
        "b.toml",
        "implementation = \"vm\"\nopcodes = []\n",
    );
    bin().arg("check").arg(&a).arg(&b).assert().code(2).stderr(
        contains("b.toml:1:1: implementation `vm` is already defined by")
            .and(contains("a.json:1:1")),
    );
}

#[test]
fn every_bad_input_is_reported_not_just_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.json", "{");
    let b = write(dir.path(), "b.toml", "implementation = 3\nopcodes = []\n");
    bin()
        .arg("check")
        .arg(&a)
        .arg(&b)
        .assert()
        .code(2)
        .stderr(contains("a.json:").and(contains("b.toml:1:18")));
}

#[test]
fn missing_files_unknown_extensions_and_bad_aliases() {
    bin()
        .args(["check", "no/such/table.json"])
        .assert()
        .code(2)
        .stderr(contains("no/such/table.json: no such file"));
    let dir = tempfile::tempdir().unwrap();
    let src = write(dir.path(), "vm.xyz", "whatever");
    bin()
        .arg("check")
        .arg(&src)
        .assert()
        .code(2)
        .stderr(contains("vm.xyz"));
    let aliases = write(dir.path(), "aliases.toml", "A = \"B\"\nB = \"A\"\n");
    bin()
        .arg("check")
        .args(case("agreement"))
        .arg("--aliases")
        .arg(&aliases)
        .assert()
        .code(2)
        .stderr(contains("aliases.toml:2:1").and(contains("cycle")));
}

#[test]
fn usage_errors_exit_2() {
    bin().arg("check").assert().code(2);
    bin()
        .args(["check", "--fail-on", "sometimes", "x.json"])
        .assert()
        .code(2);
    bin()
        .args(["check", "--format", "xml", "x.json"])
        .assert()
        .code(2);
    bin().arg("frobnicate").assert().code(2);
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let dir = case("python-go-pair");
    // Piped: no escape codes.
    bin()
        .arg("check")
        .args(&dir)
        .assert()
        .stdout(contains("\x1b[").not());
    bin()
        .args(["check", "--color", "always"])
        .args(&dir)
        .assert()
        .stdout(contains("\x1b[1;31m"));
    bin()
        .args(["check", "--color", "never"])
        .args(&dir)
        .assert()
        .stdout(contains("\x1b[").not());
}

#[test]
fn shared_tables_report_is_order_independent_and_fails() {
    let Some(paths) = shared_tables() else {
        return; // explicitly skipped with ISA_AUTHORITY_NO_SHARED=1
    };
    let run = |paths: &[PathBuf]| {
        let out = bin()
            .arg("check")
            .args(paths)
            .args(["--format", "json"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        out.stdout
    };
    let forward = run(&paths);
    let mut reversed = paths.clone();
    reversed.reverse();
    assert_eq!(forward, run(&reversed));
    let report: serde_json::Value = serde_json::from_slice(&forward).unwrap();
    assert_eq!(report["summary"]["tables"], 71);
    assert_eq!(report["summary"]["entries"], 5181);
    let conflicts = report["conflicts"].as_array().unwrap();
    assert!(conflicts
        .iter()
        .all(|c| c["id"].is_string() && c["entries"].as_array().is_some_and(|e| !e.is_empty())));
}

#[test]
fn python_interpreter_and_go_vm_disagree_everywhere() {
    let Some(paths) = shared_tables() else {
        return; // explicitly skipped with ISA_AUTHORITY_NO_SHARED=1
    };
    let pick = |name: &str| {
        paths
            .iter()
            .find(|p| p.file_stem().unwrap() == name)
            .unwrap()
            .clone()
    };
    let out = bin()
        .arg("check")
        .arg(pick("flux-runtime-python"))
        .arg(pick("greenhorn-go-pkg-flux"))
        .args(["--format", "json"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // The README of the data: they collide on all 37 numbers the Go VM uses, and all 12 shared
    // mnemonics have different numbers.
    assert_eq!(report["summary"]["by_kind"]["number-collision"], 37);
    assert_eq!(report["summary"]["by_kind"]["mnemonic-divergence"], 12);
    let located = report["conflicts"][0]["entries"][0]["location"]["line"]
        .as_u64()
        .unwrap();
    assert!(located > 0);
}

#[test]
fn sarif_is_well_formed() {
    let out = bin()
        .arg("check")
        .args(case("python-go-pair"))
        .args(["--format", "sarif"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 7);
    let first = &results[0];
    assert_eq!(first["level"], "error");
    assert!(
        first["locations"][0]["physicalLocation"]["region"]["startLine"]
            .as_u64()
            .unwrap()
            > 0
    );
    assert_eq!(first["relatedLocations"].as_array().unwrap().len(), 1);
}

#[test]
fn version_and_help() {
    bin()
        .arg("--version")
        .assert()
        .code(0)
        .stdout(contains("isa-authority"));
    bin()
        .args(["check", "--help"])
        .assert()
        .code(0)
        .stdout(contains("--fail-on"));
}

#[test]
fn a_closed_pipe_ends_quietly() {
    use std::io::Read;
    use std::process::Stdio;
    let Some(paths) = shared_tables() else {
        return; // explicitly skipped with ISA_AUTHORITY_NO_SHARED=1
    };
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("isa-authority"))
        .arg("check")
        .args(&paths)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap(); // then the pipe closes
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_ne!(status.code(), Some(101), "a panic exits 101");
}

/// A mnemonic or implementation name of 65,536 characters or more once made the text renderer
/// panic ("Formatting argument out of range"): padding is capped, long names print in full.
#[test]
fn huge_names_are_printed_not_panicked_on() {
    let dir = tempfile::tempdir().unwrap();
    let long = "A".repeat(70_000);
    let table = format!(
        "{{\"implementation\": \"{}\", \"opcodes\": [{{\"opcode\": 1, \"mnemonic\": \"{long}\"}}, {{\"opcode\": 1, \"mnemonic\": \"B\"}}]}}",
        "x".repeat(70_000)
    );
    let path = common::write(dir.path(), "long.json", table);
    // Names over the documented bound are refused with the position, not printed.
    let out = common::bin().arg("check").arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("long.json:1:"), "{stderr}");
    assert!(stderr.contains("names are at most 1024 bytes"), "{stderr}");
    // At the bound, long names are printed in full, unpadded (padding stops at 48).
    let long = "A".repeat(1024);
    let table = format!(
        "{{\"implementation\": \"{}\", \"opcodes\": [{{\"opcode\": 1, \"mnemonic\": \"{long}\"}}, {{\"opcode\": 1, \"mnemonic\": \"B\"}}]}}",
        "x".repeat(1024)
    );
    let path = common::write(dir.path(), "long.json", table);
    let out = common::bin().arg("check").arg(&path).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains(&long));
}

/// Nesting deeper than the documented limit is an error at the bracket, in every JSON file the
/// tool reads (the table here, and an alias file) — never a stack overflow.
#[test]
fn deep_json_is_an_error_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let deep = format!(
        "{{\"implementation\": \"x\", \"opcodes\": [], \"junk\": {}{}}}",
        "[".repeat(20_000),
        "]".repeat(20_000)
    );
    let table = common::write(dir.path(), "deep.json", &deep);
    bin()
        .arg("check")
        .arg(&table)
        .assert()
        .code(2)
        .stderr(contains("deep.json:1:").and(contains("nested more than 128 levels")));
    let ok = common::write(
        dir.path(),
        "ok.json",
        "{\"implementation\": \"y\", \"opcodes\": []}",
    );
    let aliases = common::write(dir.path(), "aliases.json", &deep);
    bin()
        .arg("check")
        .arg(&ok)
        .arg("--aliases")
        .arg(&aliases)
        .assert()
        .code(2)
        .stderr(contains("aliases.json:1:"));
}

/// JSON written by editors that add a byte-order mark is read like TOML with one.
#[test]
fn a_json_byte_order_mark_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let table = common::write(
        dir.path(),
        "bom.json",
        "\u{feff}{\"implementation\": \"x\", \"opcodes\": [{\"opcode\": 1, \"mnemonic\": \"A\"}, {\"opcode\": 1, \"mnemonic\": \"B\"}]}",
    );
    bin()
        .arg("check")
        .arg(&table)
        .assert()
        .code(1)
        .stdout(contains("bom.json:1:"));
}

/// `-` reads a table from standard input (JSON or TOML, told apart by the first character).
#[test]
fn a_table_from_standard_input() {
    bin()
        .args(["check", "-", "--format", "json"])
        .write_stdin("{\"implementation\": \"x\", \"opcodes\": [{\"opcode\": 1, \"mnemonic\": \"A\"}, {\"opcode\": 1, \"mnemonic\": \"B\"}]}")
        .assert()
        .code(1)
        .stdout(contains("\"file\": \"<stdin>\""));
    bin()
        .args(["check", "-"])
        .write_stdin("implementation = \"t\"\nopcodes = [{ opcode = 1, mnemonic = \"A\" }]\n")
        .assert()
        .code(0);
}

/// Inputs over the documented size limit are refused before they are read.
#[test]
fn inputs_over_the_size_limit_are_refused() {
    bin()
        .env("ISA_AUTHORITY_MAX_INPUT", "100")
        .arg("check")
        .arg(example("greenhorn-go.json"))
        .assert()
        .code(2)
        .stderr(contains("over the 100-byte limit"));
}
