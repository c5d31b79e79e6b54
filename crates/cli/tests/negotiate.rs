//! `advertise`, `negotiate` and `matrix` through the binary: outputs, exit codes, error messages.

use std::path::{Path, PathBuf};

use predicates::str::contains;
use serde_json::Value;

mod common;
use common::*;

const UNIFIED: &str = r#"implementation = "vm-a"
isa_version = "FLUX ISA v2.0"
opcodes = [
  { opcode = 0x00, mnemonic = "HALT", format = "A", category = "system" },
  { opcode = 0x01, mnemonic = "NOP", format = "A", category = "system" },
  { opcode = 0x20, mnemonic = "ADD", format = "E", category = "arith" },
  { opcode = 0x21, mnemonic = "SUB", format = "E", category = "arith" },
]
"#;

/// Same label, same numbers for three of four instructions, SUB moved: a different ISA.
const DRIFTED: &str = r#"implementation = "vm-b"
isa_version = "2.0"
opcodes = [
  { opcode = 0x00, mnemonic = "HALT", format = "A", category = "system" },
  { opcode = 0x01, mnemonic = "NOP", format = "A", category = "system" },
  { opcode = 0x20, mnemonic = "ADD", format = "E", category = "arith" },
  { opcode = 0x22, mnemonic = "SUB", format = "E", category = "arith" },
]
"#;

fn advertise(dir: &Path, table: &Path, out: &str, extra: &[&str]) -> PathBuf {
    let path = dir.join(out);
    bin()
        .arg("advertise")
        .arg(table)
        .arg("-o")
        .arg(&path)
        .args(extra)
        .assert()
        .code(0);
    path
}

fn negotiate_json(a: &Path, b: &Path, code: i32) -> Value {
    let out = bin()
        .args(["negotiate", "--format", "json"])
        .arg(a)
        .arg(b)
        .assert()
        .code(code)
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).unwrap()
}

/// A store declaring 1.0.0 (HALT, NOP), 2.0.0 (+ ADD, SUB) and 3.0.0 (+ MUL).
fn store(dir: &Path) -> PathBuf {
    use isa_core::{Entry, Table};
    use isa_history::{Authority, KeyPair, Maintainer, ProposeOptions, Store};
    let root = dir.join("store");
    let key = KeyPair::from_seed("alice", [7; 32]);
    let authority = Authority::new(
        vec![Maintainer {
            name: key.name.clone(),
            public_key: key.public().to_hex(),
        }],
        1,
    )
    .unwrap();
    let store = Store::init(&root, &authority).unwrap();
    let all = [
        (0x00, "HALT", "A"),
        (0x01, "NOP", "A"),
        (0x20, "ADD", "E"),
        (0x21, "SUB", "E"),
        (0x22, "MUL", "E"),
    ];
    for (version, count) in [("1.0.0", 2), ("2.0.0", 4), ("3.0.0", 5)] {
        let mut t = Table::new("canonical");
        for &(op, m, f) in &all[..count] {
            t.entries.push(Entry::new(op, m).with_format(f));
        }
        let id = store
            .propose(
                t,
                ProposeOptions::new(isa_negotiate::Version::parse(version).unwrap()),
            )
            .unwrap();
        store.approve(&id, &key).unwrap();
        store.declare(&id).unwrap();
    }
    root
}

#[test]
fn with_a_store_implementations_claim_the_declared_versions_they_implement() {
    let dir = tempfile::tempdir().unwrap();
    let root = store(dir.path());
    let s = root.to_str().unwrap();
    let a = advertise(
        dir.path(),
        &write(dir.path(), "a.toml", UNIFIED),
        "a.json",
        &["--store", s, "--format", "json"],
    );
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&a).unwrap()).unwrap();
    let versions: Vec<&str> = doc["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_str().unwrap())
        .collect();
    assert_eq!(versions, ["1.0.0", "2.0.0"]);
    // The hash is the declared table's, not the implementation's own.
    let t = write(dir.path(), "a.toml", UNIFIED);
    let own = isa_core::hash::table_hash(&isa_io::load_table(&t).unwrap());
    assert_ne!(doc["versions"][1]["hash"], own.as_str());

    // The drifted table (SUB moved) still implements 1.0.0, so the two agree on it.
    let b = advertise(
        dir.path(),
        &write(dir.path(), "b.toml", DRIFTED),
        "b.ad",
        &["--store", s],
    );
    let agreed = negotiate_json(&a, &b, 0);
    assert_eq!(agreed["version"], "1.0.0");
    assert_eq!(agreed["compatible"], true);

    // A table that implements no declared version falls back to its own hash, with a note.
    let odd = write(dir.path(), "odd.toml", "implementation = \"odd\"\nopcodes = [ { opcode = 9, mnemonic = \"HALT\", format = \"A\" } ]\n");
    bin()
        .arg("advertise")
        .arg(&odd)
        .args(["--store", s, "--isa-version", "1.0.0", "--format", "json"])
        .assert()
        .code(0)
        .stderr(contains("implements no version declared in"));

    bin()
        .arg("advertise")
        .arg(&odd)
        .arg("--store")
        .arg(dir.path().join("nowhere"))
        .args(["--format", "json"])
        .assert()
        .code(2)
        .stderr(contains("nowhere: cannot open the store"));
}

/// How one side describes the instruction `X` (and declares what that needs).
type Side = fn(Table) -> Table;

/// A table `name` with HALT at 0 and `X` at `opcode`, as `side` describes it.
fn case_table(name: &str, opcode: u64, side: Side) -> Table {
    side(
        Table::new(name)
            .isa_version("1.0")
            .op("HALT", 0)
            .format("A")
            .op("X", opcode),
    )
}

#[test]
fn per_instruction_verdicts_follow_the_cores_comparison() {
    let e: Side = |t| t.format("E");
    // (what, opcode, X in table a, X in table b, verdict)
    let cases: [(&str, u64, Side, Side, &str); 7] = [
        (
            "size-only 2 vs 4",
            0x10,
            |t| t.size(2),
            |t| t.size(4),
            "layout-differs",
        ),
        ("size-only 4 vs E", 0x10, |t| t.size(4), e, "usable"),
        (
            "own Q = E vs E",
            0x10,
            |t| {
                t.format("Q").declare_format(
                    "Q",
                    4,
                    &[("dst", 8, "reg"), ("a", 8, "reg"), ("b", 8, "reg")],
                )
            },
            e,
            "usable",
        ),
        (
            "own D vs built-in D",
            0x10,
            |t| {
                t.format("D")
                    .declare_format("D", 4, &[("rd", 8, "reg"), ("imm16", 16, "imm")])
            },
            |t| t.format("D"),
            "layout-differs",
        ),
        (
            "payload vs size 3",
            0x10,
            |t| t.format("P").declare_format("P", 3, &[("len", 16, "len")]),
            |t| t.size(3),
            "layout-differs",
        ),
        (
            "escape page both",
            0xFF05,
            |t| t.format("E").escapes(&[0xFF]),
            |t| t.format("E").escapes(&[0xFF]),
            "usable",
        ),
        (
            "undefined letter vs E",
            0x10,
            |t| t.format("Z"),
            e,
            "layout-unknown",
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (i, (what, opcode, xa, xb, want)) in cases.into_iter().enumerate() {
        let ta = case_table("vm-a", opcode, xa).write(dir.path(), &format!("a{i}.toml"));
        let tb = case_table("vm-b", opcode, xb).write(dir.path(), &format!("b{i}.toml"));
        let a = advertise(
            dir.path(),
            &ta,
            &format!("a{i}.ad"),
            &["--isa-version", "1.0.0"],
        );
        let b = advertise(
            dir.path(),
            &tb,
            &format!("b{i}.json"),
            &["--format", "json"],
        );
        // Tables differing in content claim different hashes, so such a pair is incompatible
        // (exit 1); the verdicts hold either way.
        let same = case_table("vm", opcode, xa).toml() == case_table("vm", opcode, xb).toml();
        let code = if same { 0 } else { 1 };
        let doc = negotiate_json(&a, &b, code);
        let x: Vec<&Value> = doc["instructions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| v["mnemonic"] == "X")
            .collect();
        assert_eq!(x.len(), 1, "{what}: {doc}");
        assert_eq!(x[0]["opcode"], opcode, "{what}");
        assert_eq!(x[0]["verdict"], want, "{what}: {doc}");
        let usable = doc["usable_opcodes"].as_u64().unwrap();
        assert_eq!(
            usable,
            1 + u64::from(want.starts_with("usable") || want == "layout-unknown"),
            "{what}"
        );
    }
}
