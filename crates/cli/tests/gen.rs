//! `gen` properties over several runs: output independent of entry order and path, and every
//! undecodable table refused in every language with `check`'s words (the rest of `gen` —
//! every language, `-o`, `--check`, bad input — is in `cases/gen/`).

mod common;
use common::*;

/// The canonical table of the `gen` cases (`cases/gen/*/canon.toml`), entries in the given
/// order: renames (MEM.load, MEM_LOAD), a reserved number, a description.
fn canonical(name: &str, reversed: bool) -> Table {
    let entries: [(&str, u64, &str); 6] = [
        ("HALT", 0x00, "A"),
        ("MOVI", 0x18, "D"),
        ("ADD", 0x20, "E"),
        ("MEM.load", 0x21, "E"),
        ("MEM_LOAD", 0x22, "E"),
        ("JMP", 0x40, "F"),
    ];
    let mut t = Table::new(name).isa_version("2.0.0");
    if reversed {
        t = t.reserved(0xFE).field("mnemonic", "\"RSV\"");
    }
    let ordered: Vec<_> = if reversed {
        entries.iter().rev().collect()
    } else {
        entries.iter().collect()
    };
    for &(m, op, f) in ordered {
        t = t.op(m, op).format(f);
        if m == "HALT" {
            t = t.field("description", "\"stop\"");
        }
    }
    if !reversed {
        t = t.reserved(0xFE).field("mnemonic", "\"RSV\"");
    }
    t
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
    // The same table, entries in another order and another name: same meaning, same hash.
    let a = canonical("canon", false).write(dir.path(), "canon.toml");
    let b = canonical("canon-copy", true).write(dir.path(), "elsewhere.toml");
    for lang in ["python", "go", "typescript", "rust", "c", "markdown"] {
        let first = stdout_of(&["gen", "--lang", lang, a.to_str().unwrap()]);
        let second = stdout_of(&["gen", "--lang", lang, a.to_str().unwrap()]);
        let shuffled = stdout_of(&["gen", "--lang", lang, b.to_str().unwrap()]);
        assert_eq!(first, second, "{lang}");
        assert_eq!(first, shuffled, "{lang}");
    }
}

/// Tables whose bytecode cannot be decoded, with the `check` conflict kind that says why.
type Undecodable = (&'static str, fn(Table) -> Table, &'static str);

const UNDECODABLE: [Undecodable; 3] = [
    (
        "two instructions at one number",
        |t| t.op("A", 1).op("B", 1),
        "duplicate-opcode",
    ),
    (
        "a number no encoding writes",
        |t| t.op("HALT", 0).op("WIDE", 0x105),
        "encoding-ambiguity",
    ),
    (
        "an instruction on its own escape byte",
        |t| t.op("ESC", 0xFF).op("VADD", 0xFF05).escapes(&[0xFF]),
        "encoding-ambiguity",
    ),
];

#[test]
fn undecodable_tables_are_refused_with_checks_explanation() {
    let dir = tempfile::tempdir().unwrap();
    for (i, (what, build, kind)) in UNDECODABLE.iter().enumerate() {
        let table = build(Table::new(&format!("t{i}"))).write(dir.path(), &format!("t{i}.toml"));
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
