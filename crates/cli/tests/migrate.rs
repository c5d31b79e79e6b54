//! `migrate plan` and `migrate guide` through the binary.

use std::path::{Path, PathBuf};

use predicates::str::contains;

mod common;
use common::*;

fn tables(dir: &Path) -> (PathBuf, PathBuf) {
    let old = r#"{"implementation": "vm", "language": "Python", "opcodes": [
      {"opcode": 0, "mnemonic": "HALT", "format": "A", "source_name": "OP_HALT"},
      {"opcode": 8, "mnemonic": "INC", "format": "B", "source_name": "OP_INC"},
      {"opcode": 24, "mnemonic": "MOVI", "format": "D", "source_name": "OP_MOVI"},
      {"opcode": 48, "mnemonic": "OLDOP", "format": "A", "source_name": "OP_OLDOP"}]}"#;
    let new = r#"{"implementation": "canon", "isa_version": "1.0.0", "opcodes": [
      {"opcode": 0, "mnemonic": "HALT", "format": "A"},
      {"opcode": 9, "mnemonic": "INC", "format": "B"},
      {"opcode": 24, "mnemonic": "MOVI", "format": "F"},
      {"opcode": 32, "mnemonic": "ADD", "format": "E"}]}"#;
    (write(dir, "vm.json", old), write(dir, "canon.json", new))
}

#[test]
fn plan_json_lists_steps_by_identity() {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = tables(dir.path());
    let output = bin()
        .args(["migrate", "plan", "--format", "json"])
        .args([&old, &new])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let v: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let steps: Vec<(String, String, serde_json::Value, serde_json::Value)> = v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["kind"].as_str().unwrap().to_string(),
                s["mnemonic"].as_str().unwrap().to_string(),
                s["from"].clone(),
                s["to"].clone(),
            )
        })
        .collect();
    let j = serde_json::Value::from;
    assert_eq!(
        steps,
        [
            (
                "removed".into(),
                "OLDOP".into(),
                j(48),
                serde_json::Value::Null
            ),
            ("renumbered".into(), "INC".into(), j(8), j(9)),
            ("format-changed".into(), "MOVI".into(), j(24), j(24)),
            ("added".into(), "ADD".into(), serde_json::Value::Null, j(32)),
        ]
    );
    assert_eq!(v["unchanged"], 1);
    assert_eq!(v["bytecode"]["verdict"], "partial");
    assert_eq!(v["bytecode"]["resized"], serde_json::json!(["MOVI"]));
    assert_eq!(v["bytecode"]["untranslatable"][0]["mnemonic"], "OLDOP");
    assert!(v["steps"][1]["breaking"].as_bool().unwrap());
}

#[test]
fn plan_text_and_renames() {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = tables(dir.path());
    bin()
        .args(["migrate", "plan"])
        .args([&old, &new])
        .assert()
        .success()
        .stdout(contains("Migration plan: vm → canon"))
        .stdout(contains("renumbered"))
        .stdout(contains("0x08 → 0x09"))
        .stdout(contains("bytecode: partial"));
    // Declaring OLDOP → ADD a rename makes it one instruction, renamed and renumbered.
    let output = bin()
        .args([
            "migrate",
            "plan",
            "--format",
            "json",
            "--rename",
            "OLDOP=ADD",
        ])
        .args([&old, &new])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let kinds: Vec<&str> = v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    assert!(
        !kinds.contains(&"removed") && kinds.contains(&"renamed"),
        "{kinds:?}"
    );
    assert_eq!(v["bytecode"]["verdict"], "translate");
}

#[test]
fn plan_bad_inputs_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let (old, _) = tables(dir.path());
    let missing = dir.path().join("missing.json");
    bin()
        .args(["migrate", "plan"])
        .args([&old, &missing])
        .assert()
        .code(2)
        .stderr(contains("missing.json"));
    bin()
        .args(["migrate", "plan", "--rename", "OLDOP"])
        .args([&old, &old])
        .assert()
        .code(2)
        .stderr(contains("expected OLD=NEW"));
    let broken = write(dir.path(), "broken.toml", "implementation = \n");
    bin()
        .args(["migrate", "plan"])
        .args([&broken, &old])
        .assert()
        .code(2)
        .stderr(contains("broken.toml:1"));
}

#[test]
fn guide_in_the_implementations_spelling_with_code() {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = tables(dir.path());
    let output = bin()
        .args(["migrate", "guide"])
        .arg(&old)
        .arg("--to")
        .arg(&new)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let guide = String::from_utf8(output.stdout).unwrap();
    assert!(guide.starts_with("# Migrating vm to canon"), "{guide}");
    assert!(
        guide.contains("| `OP_INC` | renumber | `0x08` | `0x09` | `INC` |"),
        "{guide}"
    );
    assert!(
        guide.contains(&format!(
            "isa-authority translate --from {} --to {} program.bin program.canonical.bin",
            old.display(),
            new.display()
        )),
        "{guide}"
    );
    assert!(guide.contains("```python\n"), "{guide}");
    assert!(guide.contains("class Opcode(IntEnum):"), "{guide}");
    // -o writes the same text to a file and nothing to stdout.
    let file = dir.path().join("GUIDE.md");
    bin()
        .args(["migrate", "guide"])
        .arg(&old)
        .arg("--to")
        .arg(&new)
        .arg("-o")
        .arg(&file)
        .assert()
        .success()
        .stdout("");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), guide);
}

#[test]
fn guide_carries_schemes_into_the_translate_command() {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = tables(dir.path());
    bin()
        .args(["migrate", "guide", "--from-scheme", "flux-interpreter"])
        .arg(&old)
        .arg("--to")
        .arg(&new)
        .assert()
        .success()
        .stdout(contains(
            "--from-scheme flux-interpreter --to-scheme flux-unified program.bin",
        ));
    bin()
        .args(["migrate", "guide"])
        .arg(&old)
        .assert()
        .code(2)
        .stderr(contains("--to"));
}

#[test]
fn guide_for_real_tables() {
    if shared_tables().is_none() {
        return; // explicitly skipped with ISA_AUTHORITY_NO_SHARED=1
    }
    let output = bin()
        .args(["migrate", "guide", "--from-scheme", "flux-interpreter"])
        .arg(shared("flux-runtime-python"))
        .arg("--to")
        .arg(shared("flux-runtime-isa-unified"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let guide = String::from_utf8(output.stdout).unwrap();
    assert!(
        guide.contains("| `HALT` | renumber | `0x80` | `0x00` | `HALT` |"),
        "{guide}"
    );
    assert!(guide.contains("## New opcode table"), "{guide}");
}

/// The canonical table with INC on escape page 0xFF and (optionally) a second instruction at
/// INC's old number.
fn paged(dir: &Path, clash: bool) -> PathBuf {
    let extra = if clash {
        r#", {"opcode": 0, "mnemonic": "NOP", "format": "A"}"#
    } else {
        ""
    };
    let text = format!(
        r#"{{"implementation": "paged", "encoding": {{"escapes": [255]}}, "opcodes": [
      {{"opcode": 0, "mnemonic": "HALT", "format": "A"}},
      {{"opcode": 65285, "mnemonic": "INC", "format": "B"}},
      {{"opcode": 24, "mnemonic": "MOVI", "format": "D"}}{extra}]}}"#
    );
    write(dir, if clash { "clash.json" } else { "paged.json" }, text)
}

#[test]
fn plans_and_guides_show_escape_page_bytes_and_the_encoding_change() {
    let dir = tempfile::tempdir().unwrap();
    let (old, _) = tables(dir.path());
    let new = paged(dir.path(), false);
    let output = bin()
        .args(["migrate", "plan", "--format", "json"])
        .args([&old, &new])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let v: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let inc = v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["mnemonic"] == "INC")
        .unwrap();
    assert_eq!(inc["to"], 0xFF05);
    assert_eq!(inc["to_bytes"], "ff 05");
    assert_eq!(inc["from_bytes"], serde_json::Value::Null);
    assert_eq!(
        v["encoding_change"],
        serde_json::json!({"from": "one byte per opcode", "to": "one-byte opcodes with escape prefix 0xFF"})
    );
    // INC grows by its escape byte.
    assert_eq!(v["bytecode"]["resized"], serde_json::json!(["INC"]));
    bin()
        .args(["migrate", "plan"])
        .args([&old, &new])
        .assert()
        .success()
        .stdout(contains("0x08 → 0xFF05 (ff 05)"))
        .stdout(contains(
            "opcode encoding: one byte per opcode → one-byte opcodes with escape prefix 0xFF",
        ));
    bin()
        .args(["migrate", "guide"])
        .arg(&old)
        .arg("--to")
        .arg(&new)
        .assert()
        .success()
        .stdout(contains(
            "| `OP_INC` | renumber | `0x08` | `0xFF05` (`ff 05`) | `INC` |",
        ));
}

#[test]
fn an_undecodable_table_gets_the_undecodable_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let (old, _) = tables(dir.path());
    let new = paged(dir.path(), true);
    let output = bin()
        .args(["migrate", "plan", "--format", "json"])
        .args([&old, &new])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let v: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(v["bytecode"]["verdict"], "undecodable");
    let problem = v["bytecode"]["problems"][0].as_str().unwrap();
    assert!(
        problem.starts_with("[duplicate-opcode] paged lists opcode 0x00 2 times"),
        "{problem}"
    );
    bin()
        .args(["migrate", "guide"])
        .arg(&old)
        .arg("--to")
        .arg(&new)
        .assert()
        .success()
        .stdout(contains(
            "the target table paged cannot be decoded unambiguously",
        ))
        .stdout(contains("refuses the pair until these are fixed"));
}
