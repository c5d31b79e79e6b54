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
fn every_language_generates_with_version_hash_and_sizes() {
    let dir = tempfile::tempdir().unwrap();
    let c = canonical(dir.path());
    let c = c.to_str().unwrap();
    let checks: [(&str, &[&str]); 6] = [
        (
            "python",
            &[
                "class Opcode(IntEnum):",
                "    MOVI = 0x18",
                "Opcode.MOVI: 3,",
                "    Opcode.MOVI: b\"\\x18\",",
            ],
        ),
        (
            "go",
            &[
                "type Opcode uint8",
                "OpMovi Opcode = 0x18",
                "case OpMovi:\n\t\treturn 3",
                "case OpMovi:\n\t\treturn []byte{0x18}",
            ],
        ),
        (
            "typescript",
            &[
                "export enum Opcode {",
                "  MOVI = 0x18,",
                "mnemonic: \"MOVI\", format: \"D\", bytes: [0x18], size: 3",
            ],
        ),
        (
            "rust",
            &[
                "#[repr(u8)]",
                "    Movi = 0x18,",
                "Opcode::Movi => Some(3),",
                "Opcode::Movi => &[0x18],",
                "impl TryFrom<u8> for Opcode",
            ],
        ),
        (
            "c",
            &[
                "    OP_MOVI = 0x18,",
                "    X(MOVI, 0x18, \"D\", 3, \"MOVI\") \\",
                "    X(MOVI, 0x18, 1, \"\\030\") \\",
            ],
        ),
        (
            "markdown",
            &[
                "| 0x18 | `18` | MOVI | D | 3 |",
                "| 0xFE | RSV | reserved |",
                "| D | 3 | 3 bytes: op8 rd:reg8 imm8:imm8 |",
                "- Encoding: `escapes = []` (one byte per opcode)",
            ],
        ),
    ];
    for (lang, needles) in checks {
        let out = stdout_of(&["gen", "--lang", lang, c]);
        assert!(out.contains("2.0.0"), "{lang}: no version");
        assert!(out.contains("sha256:"), "{lang}: no content hash");
        assert!(out.contains("one byte per opcode"), "{lang}: no encoding");
        for n in needles {
            assert!(out.contains(n), "{lang}: missing {n:?} in\n{out}");
        }
        // Reserved numbers are documented, not emitted as instructions.
        assert!(
            !out.contains("= 0xFE"),
            "{lang}: emitted the reserved number"
        );
    }
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

#[test]
fn renamed_mnemonics_are_reported_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let c = canonical(dir.path());
    bin()
        .args(["gen", "--lang", "c", c.to_str().unwrap()])
        .assert()
        .success()
        .stdout(contains("OP_MEM_LOAD_0x22 = 0x22"))
        .stderr(contains(
            "note: renamed \"MEM_LOAD\" (0x22) -> OP_MEM_LOAD_0x22 (collision)",
        ))
        .stderr(contains(
            "note: renamed \"MEM.load\" (0x21) -> OP_MEM_LOAD (punctuation)",
        ));
}

#[test]
fn output_file_and_check_fresh_stale_and_unreadable() {
    let dir = tempfile::tempdir().unwrap();
    let c = canonical(dir.path());
    let c = c.to_str().unwrap();
    let out = dir.path().join("opcodes.h");
    // -o with the language implied by the extension.
    bin()
        .args(["gen", c, "-o", out.to_str().unwrap()])
        .assert()
        .success()
        .stdout("");
    let written = std::fs::read_to_string(&out).unwrap();
    assert_eq!(written, stdout_of(&["gen", "--lang", "c", c]));
    bin()
        .args(["gen", c, "--check", out.to_str().unwrap()])
        .assert()
        .code(0)
        .stdout(contains("is up to date"));
    // CRLF line endings from a checkout are not staleness.
    std::fs::write(&out, written.replace('\n', "\r\n")).unwrap();
    bin()
        .args(["gen", c, "--check", out.to_str().unwrap()])
        .assert()
        .code(0);
    // A new instruction in the canonical table makes the committed file stale.
    let newer = CANONICAL.replace(
        "  { opcode = 0x40,",
        "  { opcode = 0x41, mnemonic = \"JZ\", format = \"F\" },\n  { opcode = 0x40,",
    );
    let c2 = write(dir.path(), "canon2.toml", &newer);
    bin()
        .args([
            "gen",
            c2.to_str().unwrap(),
            "--check",
            out.to_str().unwrap(),
        ])
        .assert()
        .code(1)
        .stdout(contains("is stale"))
        .stdout(contains("regenerate: isa-authority gen --lang c"));
    // A hand edit is stale too, and the first differing line is named.
    std::fs::write(&out, written.replace("OP_ADD = 0x20", "OP_ADD = 0x21")).unwrap();
    let line = written
        .lines()
        .position(|l| l.contains("OP_ADD = 0x20"))
        .unwrap()
        + 1;
    bin()
        .args(["gen", c, "--check", out.to_str().unwrap()])
        .assert()
        .code(1)
        .stdout(contains(format!("from line {line} on")))
        .stdout(contains("committed:     OP_ADD = 0x21"));
    // A missing committed file is bad input.
    bin()
        .args([
            "gen",
            c,
            "--check",
            dir.path().join("gone.h").to_str().unwrap(),
        ])
        .assert()
        .code(2)
        .stderr(contains("gone.h: cannot read"))
        .stderr(contains("hint: create it with"));
}

#[test]
fn bad_input_exits_2_with_a_located_message() {
    let dir = tempfile::tempdir().unwrap();
    let c = canonical(dir.path());
    let c = c.to_str().unwrap();
    // No language and no file to infer it from.
    bin()
        .args(["gen", c])
        .assert()
        .code(2)
        .stderr(contains("no target language"));
    bin()
        .args(["gen", c, "-o", dir.path().join("x.txt").to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(contains("cannot tell the language"));
    // A malformed table names its file and line.
    let bad = write(
        dir.path(),
        "bad.toml",
        "implementation = \"x\"\nopcodes = [\n  { opcode = \"zero\" },\n]\n",
    );
    bin()
        .args(["gen", "--lang", "python", bad.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(contains("bad.toml:3"));
    // An ambiguous canonical table is refused with every problem and its location.
    let ambiguous = write(
        dir.path(),
        "amb.toml",
        "implementation = \"amb\"\nopcodes = [\n  { opcode = 1, mnemonic = \"A\" },\n  { opcode = 1, mnemonic = \"B\" },\n  { opcode = 2, mnemonic = \"a\" },\n]\n",
    );
    let out = dir.path().join("amb.py");
    bin()
        .args([
            "gen",
            ambiguous.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ])
        .assert()
        .code(2)
        .stderr(contains("cannot generate a python table"))
        .stderr(contains(
            "critical[duplicate-opcode]: amb lists opcode 0x01 2 times",
        ))
        .stderr(contains("amb.toml:4"));
    // Decodable but not canonical: one mnemonic at two numbers.
    let two = write(
        dir.path(),
        "two.toml",
        "implementation = \"two\"\nopcodes = [\n  { opcode = 1, mnemonic = \"A\" },\n  { opcode = 2, mnemonic = \"a\" },\n]\n",
    );
    bin()
        .args(["gen", "--lang", "c", two.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(contains("two is not a usable canonical table"))
        .stderr(contains("two.toml:4:3: mnemonic A has 2 numbers"));
    assert!(!out.exists(), "no file is written on error");
    bin()
        .args([
            "gen",
            "--lang",
            "go",
            dir.path().join("none.json").to_str().unwrap(),
        ])
        .assert()
        .code(2)
        .stderr(contains("none.json"));
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
                stderr.contains(&format!("critical[{kind}]: {message}")),
                "{what} ({lang}): {stderr}"
            );
            assert!(!out.exists(), "{what} ({lang}): nothing is written");
        }
    }
}

#[test]
fn generates_the_real_unified_table() {
    if shared_tables().is_none() {
        return; // explicitly skipped with ISA_AUTHORITY_NO_SHARED=1
    }
    let path = shared("flux-runtime-isa-unified");
    let out = stdout_of(&["gen", "--lang", "rust", path.to_str().unwrap()]);
    assert!(out.contains("pub const ALL: [Opcode; 247]"));
    assert!(out.contains("pub const RESERVED: [u8; 9]"));
    assert!(out.contains("    Add = 0x20,"));
}

#[test]
fn isa_version_override_changes_only_the_header() {
    let dir = tempfile::tempdir().unwrap();
    let c = canonical(dir.path());
    let a = stdout_of(&["gen", "--lang", "python", c.to_str().unwrap()]);
    let b = stdout_of(&[
        "gen",
        "--lang",
        "python",
        c.to_str().unwrap(),
        "--isa-version",
        "9.9.9",
    ]);
    assert!(b.contains("ISA_VERSION = \"9.9.9\""));
    assert_eq!(a.replace("2.0.0", "9.9.9"), b);
    assert!(predicate::str::contains("class Opcode").eval(&b));
}
