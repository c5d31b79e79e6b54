//! `gen` through the binary: every language, stable bytes, `-o`, `--check` (fresh, stale,
//! unreadable), language inference, rename notes, and bad canonical tables.

use std::path::{Path, PathBuf};

use predicates::prelude::*;
use predicates::str::contains;

mod common;
use common::*;

const CANONICAL: &str = r#"implementation = "canon"
isa_version = "2.0.0"
opcodes = [
  { opcode = 0x00, mnemonic = "HALT", format = "A", description = "stop" },
  { opcode = 0x18, mnemonic = "MOVI", format = "D" },
  { opcode = 0x20, mnemonic = "ADD",  format = "E" },
  { opcode = 0x21, mnemonic = "MEM.load", format = "E" },
  { opcode = 0x22, mnemonic = "MEM_LOAD", format = "E" },
  { opcode = 0x40, mnemonic = "JMP",  format = "F" },
  { opcode = 0xFE, mnemonic = "RSV", reserved = true },
]
"#;

/// The same table, entries in another order and with other prose: same meaning, same hash.
const SHUFFLED: &str = r#"implementation = "canon-copy"
isa_version = "2.0.0"
opcodes = [
  { opcode = 0xFE, mnemonic = "RSV", reserved = true },
  { opcode = 0x40, mnemonic = "JMP",  format = "F" },
  { opcode = 0x22, mnemonic = "MEM_LOAD", format = "E" },
  { opcode = 0x21, mnemonic = "MEM.load", format = "E" },
  { opcode = 0x20, mnemonic = "ADD",  format = "E" },
  { opcode = 0x18, mnemonic = "MOVI", format = "D" },
  { opcode = 0x00, mnemonic = "HALT", format = "A", description = "stop" },
]
"#;

fn canonical(dir: &Path) -> PathBuf {
    write(dir, "canon.toml", CANONICAL)
}

fn stdout_of(args: &[&str]) -> String {
    let out = bin().args(args).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn output_is_stable_and_independent_of_entry_order_and_path() {
    let dir = tempfile::tempdir().unwrap();
    let a = canonical(dir.path());
    let b = write(dir.path(), "elsewhere.toml", SHUFFLED);
    for lang in ["python", "go", "typescript", "rust", "c", "markdown"] {
        let first = stdout_of(&["gen", "--lang", lang, a.to_str().unwrap()]);
        let second = stdout_of(&["gen", "--lang", lang, a.to_str().unwrap()]);
        let shuffled = stdout_of(&["gen", "--lang", lang, b.to_str().unwrap()]);
        assert_eq!(first, second, "{lang}");
        assert_eq!(first, shuffled, "{lang}");
    }
}

/// Tables whose bytecode cannot be decoded, with the `check` conflict kind that says why.
const UNDECODABLE: [(&str, &str, &str); 3] = [
    (
        "two instructions at one number",
        "opcodes = [\n  { opcode = 1, mnemonic = \"A\" },\n  { opcode = 1, mnemonic = \"B\" },\n]\n",
        "duplicate-opcode",
    ),
    (
        "a number no encoding writes",
        "opcodes = [\n  { opcode = 0, mnemonic = \"HALT\" },\n  { opcode = 0x105, mnemonic = \"WIDE\" },\n]\n",
        "encoding-ambiguity",
    ),
    (
        "an instruction on its own escape byte",
        "opcodes = [\n  { opcode = 0xFF, mnemonic = \"ESC\" },\n  { opcode = 0xFF05, mnemonic = \"VADD\" },\n]\n[encoding]\nescapes = [0xFF]\n",
        "encoding-ambiguity",
    ),
];

#[test]
fn undecodable_tables_are_refused_with_checks_explanation() {
    let dir = tempfile::tempdir().unwrap();
    for (i, (what, body, kind)) in UNDECODABLE.iter().enumerate() {
        let table = write(
            dir.path(),
            &format!("t{i}.toml"),
            format!("implementation = \"t{i}\"\n{body}"),
        );
        let table = table.to_str().unwrap();
        // `check`'s own words for the problem, which `gen` must repeat.
        let check = bin()
            .args(["check", table, "--format", "json"])
            .output()
            .unwrap();
        let report: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
        let message = report["conflicts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["kind"] == *kind)
            .unwrap_or_else(|| panic!("{what}: check reports no {kind}: {report:#}"))["message"]
            .as_str()
            .unwrap()
            .to_string();
        for lang in ["python", "go", "typescript", "rust", "c", "markdown"] {
            let out = dir.path().join(format!("t{i}.{lang}"));
            let run = bin()
                .args(["gen", "--lang", lang, table, "-o", out.to_str().unwrap()])
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&run.stderr);
            assert_eq!(run.status.code(), Some(2), "{what} ({lang}): {stderr}");
            assert!(
                stderr.contains("cannot be decoded unambiguously"),
                "{what} ({lang}): {stderr}"
            );
            assert!(
                stderr.contains(&format!("critical[{kind}] {message}")),
                "{what} ({lang}): {stderr}"
            );
            assert!(!out.exists(), "{what} ({lang}): nothing is written");
        }
    }
}
