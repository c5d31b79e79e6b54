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

#[test]
fn advertise_writes_binary_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let t = write(dir.path(), "a.toml", UNIFIED);
    let bin_ad = advertise(dir.path(), &t, "a.ad", &[]);
    let bytes = std::fs::read(&bin_ad).unwrap();
    assert_eq!(&bytes[..6], b"FXNG\x02\x01");
    let json_ad = advertise(dir.path(), &t, "a.json", &["--format", "json"]);
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(json_ad).unwrap()).unwrap();
    assert_eq!(doc["format"], "isa-negotiate/advertisement/v2");
    assert_eq!(doc["instructions"][2]["bytes"], "20");
    assert_eq!(doc["instructions"][2]["operands"], 3);
    assert_eq!(doc["implementation"], "vm-a");
    assert_eq!(doc["versions"][0]["version"], "2.0.0");
    assert!(doc["versions"][0]["hash"]
        .as_str()
        .unwrap()
        .starts_with("sha256:"));
    assert_eq!(doc["instructions"].as_array().unwrap().len(), 4);
    assert_eq!(doc["instructions"][0]["mnemonic"], "HALT");
    let groups: Vec<&str> = doc["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert_eq!(groups, ["category:arith", "category:system"]);
    // JSON also goes to stdout, and --digest-only leaves the mnemonics out.
    let out = bin()
        .arg("advertise")
        .arg(&t)
        .args(["--format", "json", "--digest-only"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let doc: Value = serde_json::from_slice(&out).unwrap();
    assert!(doc["instructions"][0].get("mnemonic").is_none());
}

#[test]
fn identical_tables_are_compatible_on_every_instruction() {
    let dir = tempfile::tempdir().unwrap();
    let t = write(dir.path(), "a.toml", UNIFIED);
    let a = advertise(dir.path(), &t, "a.ad", &[]);
    let b = advertise(dir.path(), &t, "b.json", &["--format", "json"]);
    let doc = negotiate_json(&a, &b, 0);
    let keys: Vec<&String> = doc.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "compatible",
            "version",
            "features",
            "usable_opcodes",
            "instructions",
            "reasons"
        ]
    );
    assert_eq!(doc["compatible"], true);
    assert_eq!(doc["version"], "2.0.0");
    assert_eq!(
        doc["features"],
        serde_json::json!(["category:arith", "category:system"])
    );
    assert_eq!(doc["usable_opcodes"], 4);
    assert_eq!(
        doc["instructions"][2],
        serde_json::json!({"opcode": 32, "mnemonic": "ADD", "verdict": "usable"})
    );
    assert_eq!(doc["reasons"], serde_json::json!([]));
}

#[test]
fn same_label_different_content_is_incompatible_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let a = advertise(
        dir.path(),
        &write(dir.path(), "a.toml", UNIFIED),
        "a.ad",
        &[],
    );
    let b = advertise(
        dir.path(),
        &write(dir.path(), "b.toml", DRIFTED),
        "b.ad",
        &[],
    );
    let doc = negotiate_json(&a, &b, 1);
    assert_eq!(doc["compatible"], false);
    assert_eq!(doc["version"], Value::Null);
    assert_eq!(doc["usable_opcodes"], 3);
    assert_eq!(doc["features"], serde_json::json!(["category:system"]));
    let reasons: Vec<&str> = doc["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert!(reasons[0].starts_with(
        "no common ISA version with matching hashes: vm-a offers 2.0.0; vm-b offers 2.0.0"
    ));
    assert!(reasons[1].starts_with("version 2.0.0 is defined differently: vm-a has sha256:"));
    assert!(reasons.contains(&"SUB has a different number: 0x21 vs 0x22"));
    assert!(reasons
        .contains(&"feature `category:arith`: 1 of its 2 instruction(s) are not usable by both"));

    // The text report says the same for people.
    bin()
        .arg("negotiate")
        .arg(&a)
        .arg(&b)
        .assert()
        .code(1)
        .stdout(contains("vm-a ↔ vm-b: incompatible"))
        .stdout(contains("usable     3 of 4 / 4 instructions"))
        .stdout(contains("- SUB has a different number: 0x21 vs 0x22"));
}

#[test]
fn versions_compare_as_semver_not_strings() {
    let dir = tempfile::tempdir().unwrap();
    let t = write(dir.path(), "a.toml", UNIFIED);
    let nine = advertise(dir.path(), &t, "9.ad", &["--isa-version", "9.0.0"]);
    let ten = advertise(dir.path(), &t, "10.ad", &["--isa-version", "10.0.0"]);
    let doc = negotiate_json(&nine, &ten, 1);
    assert_eq!(
        doc["reasons"][0],
        "no common ISA version with matching hashes: vm-a (A) offers 9.0.0; vm-a (B) offers 10.0.0"
    );
    bin()
        .arg("advertise")
        .arg(&t)
        .args(["--isa-version", "ten", "-o"])
        .arg(dir.path().join("x.ad"))
        .assert()
        .code(2)
        .stderr(contains("--isa-version `ten` is not a semantic version"));
}

#[test]
fn malformed_advertisements_exit_2_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let good = advertise(
        dir.path(),
        &write(dir.path(), "a.toml", UNIFIED),
        "a.ad",
        &[],
    );
    let junk = write(dir.path(), "junk.ad", "not an advertisement");
    bin()
        .arg("negotiate")
        .arg(&good)
        .arg(&junk)
        .assert()
        .code(2)
        .stderr(contains(
            "junk.ad: malformed advertisement: byte 0: bad magic",
        ));

    let bytes = std::fs::read(&good).unwrap();
    let cut = dir.path().join("cut.ad");
    std::fs::write(&cut, &bytes[..bytes.len() - 3]).unwrap();
    bin()
        .arg("negotiate")
        .arg(&cut)
        .arg(&good)
        .assert()
        .code(2)
        .stderr(contains(
            "cut.ad: malformed advertisement: byte 10: truncated: message body needs",
        ));

    // An advertisement from before wire version 2 is refused by number, with a hint.
    let mut old = bytes.clone();
    old[4] = 1;
    let old_path = dir.path().join("old.ad");
    std::fs::write(&old_path, old).unwrap();
    bin()
        .arg("negotiate")
        .arg(&good)
        .arg(&old_path)
        .assert()
        .code(2)
        .stderr(contains(
            "old.ad: malformed advertisement: byte 4: unsupported wire version 1; this decoder reads version 2",
        ))
        .stderr(contains("run `advertise` again on the table"));

    let mut wrong_version = bytes.clone();
    wrong_version[4] = 9;
    let wv = dir.path().join("wv.ad");
    std::fs::write(&wv, wrong_version).unwrap();
    bin()
        .arg("negotiate")
        .arg(&good)
        .arg(&wv)
        .assert()
        .code(2)
        .stderr(contains(
            "wv.ad: malformed advertisement: byte 4: unsupported wire version 9",
        ));

    let bad_json = write(
        dir.path(),
        "bad.json",
        "{\n  \"format\": \"isa-negotiate/advertisement/v1\",\n  \"implementation\": 7\n}",
    );
    bin()
        .arg("negotiate")
        .arg(&bad_json)
        .arg(&good)
        .assert()
        .code(2)
        .stderr(contains("bad.json:3:"))
        .stderr(contains("malformed advertisement"));

    let mut lying = bytes.clone();
    let at = lying.windows(4).rposition(|w| w == b"HALT").unwrap();
    lying[at..at + 4].copy_from_slice(b"HACK");
    let lying_path = dir.path().join("lying.ad");
    std::fs::write(&lying_path, lying).unwrap();
    bin()
        .arg("negotiate")
        .arg(&good)
        .arg(&lying_path)
        .assert()
        .code(2)
        .stderr(contains(
            "lying.ad: malformed advertisement: mnemonic `HACK` does not match the name digest of instruction 0",
        ));

    bin()
        .arg("negotiate")
        .arg(&good)
        .arg(dir.path().join("missing.ad"))
        .assert()
        .code(2)
        .stderr(contains("missing.ad: cannot read"));
}

#[test]
fn feature_groups_come_from_a_declarations_file() {
    let dir = tempfile::tempdir().unwrap();
    let groups = write(
        dir.path(),
        "groups.toml",
        "[base]\nmnemonics = [\"halt\", \"nop\"]\n\n[arith]\nincludes = [\"base\"]\nmnemonics = [\"ADD\", \"SUB\"]\nexcludes = [\"nop\"]\n\n[float]\nmnemonics = [\"FADD\"]\n",
    );
    let g = groups.to_str().unwrap();
    let a = advertise(
        dir.path(),
        &write(dir.path(), "a.toml", UNIFIED),
        "a.ad",
        &["--groups", g],
    );
    let b = advertise(
        dir.path(),
        &write(dir.path(), "b.toml", DRIFTED),
        "b.ad",
        &["--groups", g, "--isa-version", "3.0.0"],
    );
    let a2 = advertise(
        dir.path(),
        &write(dir.path(), "a2.toml", UNIFIED),
        "a2.ad",
        &["--groups", g],
    );
    assert_eq!(
        negotiate_json(&a, &a2, 0)["features"],
        serde_json::json!(["arith", "base"])
    );
    // vm-b has SUB elsewhere: `arith` is claimed by both but not usable; FADD is nowhere.
    let doc = negotiate_json(&a, &b, 1);
    assert_eq!(doc["features"], serde_json::json!(["base"]));

    // The advertiser says which groups it could not claim.
    bin()
        .arg("advertise")
        .arg(dir.path().join("a.toml"))
        .args(["--groups", g, "--format", "json"])
        .assert()
        .code(0)
        .stderr(contains(
            "feature group `float` not claimed: 1 of its 1 instructions are missing (FADD)",
        ));

    let bad = write(
        dir.path(),
        "bad.toml",
        "[a]\nincludes = [\"b\"]\n[b]\nincludes = [\"a\"]\n",
    );
    bin()
        .arg("advertise")
        .arg(dir.path().join("a.toml"))
        .arg("--groups")
        .arg(&bad)
        .args(["--format", "json"])
        .assert()
        .code(2)
        .stderr(contains(
            "bad.toml: feature groups include each other in a cycle: a -> b -> a",
        ));
    let typo = write(dir.path(), "typo.toml", "[a]\nmnemonic = [\"HALT\"]\n");
    bin()
        .arg("advertise")
        .arg(dir.path().join("a.toml"))
        .arg("--groups")
        .arg(&typo)
        .args(["--format", "json"])
        .assert()
        .code(2)
        .stderr(contains("typo.toml:2:1: unknown field `mnemonic`"));
}

#[test]
fn advertise_notes_a_missing_version_and_rejects_a_bad_table() {
    let dir = tempfile::tempdir().unwrap();
    let t = write(
        dir.path(),
        "t.toml",
        "implementation = \"x\"\nopcodes = [ { opcode = 1, mnemonic = \"NOP\" } ]\n",
    );
    bin()
        .arg("advertise")
        .arg(&t)
        .args(["--format", "json"])
        .assert()
        .code(0)
        .stderr(contains(
            "no ISA version in the table (absent); claiming 0.0.0",
        ));
    let bad = write(dir.path(), "bad.toml", "implementation = \n");
    bin()
        .arg("advertise")
        .arg(&bad)
        .args(["--format", "json"])
        .assert()
        .code(2)
        .stderr(contains("bad.toml:1"));
}

#[test]
fn matrix_is_a_table_json_and_svg_independent_of_argument_order() {
    let dir = tempfile::tempdir().unwrap();
    let a = advertise(
        dir.path(),
        &write(dir.path(), "a.toml", UNIFIED),
        "a.ad",
        &[],
    );
    let a2 = advertise(
        dir.path(),
        &write(dir.path(), "a2.toml", UNIFIED.replace("vm-a", "vm-c")),
        "c.ad",
        &[],
    );
    let b = advertise(
        dir.path(),
        &write(dir.path(), "b.toml", DRIFTED),
        "b.ad",
        &["--format", "json"],
    );
    let run = |args: [&PathBuf; 3]| {
        bin()
            .arg("matrix")
            .args(args)
            .assert()
            .code(0)
            .get_output()
            .stdout
            .clone()
    };
    let one = String::from_utf8(run([&a, &b, &a2])).unwrap();
    let two = String::from_utf8(run([&a2, &a, &b])).unwrap();
    assert_eq!(one, two);
    let lines: Vec<&str> = one.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        ["#", "1", "2", "3"]
    );
    assert_eq!(
        lines[1].split_whitespace().collect::<Vec<_>>(),
        ["1", "vm-a", "4", "3", "4*"]
    );
    assert_eq!(
        lines[2].split_whitespace().collect::<Vec<_>>(),
        ["2", "vm-b", "3", "4", "3"]
    );
    assert!(one.contains("1 of 3 pairs compatible"));

    let svg = dir.path().join("fleet.svg");
    let out = bin()
        .args(["matrix", "--format", "json", "-o"])
        .arg(&svg)
        .args([&b, &a, &a2])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let doc: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(
        doc["implementations"],
        serde_json::json!(["vm-a", "vm-b", "vm-c"])
    );
    assert_eq!(doc["usable"][0], serde_json::json!([4, 3, 4]));
    assert_eq!(doc["compatible"][0], serde_json::json!([true, false, true]));
    let svg = std::fs::read_to_string(svg).unwrap();
    assert!(svg.starts_with("<svg"));
    assert!(svg.contains("vm-b"));

    let junk = write(dir.path(), "junk.ad", "FXNG");
    bin()
        .arg("matrix")
        .arg(&a)
        .arg(&junk)
        .assert()
        .code(2)
        .stderr(contains(
        "junk.ad: malformed advertisement: byte 4: truncated: wire version needs 1 bytes, 0 remain",
    ));
}

#[test]
fn real_fleet_matrix_runs() {
    if shared_tables().is_none() {
        return; // explicitly skipped with ISA_AUTHORITY_NO_SHARED=1
    }
    let dir = tempfile::tempdir().unwrap();
    let mut ads = Vec::new();
    for name in [
        "flux-runtime-isa-unified",
        "flux-spec-opcodes-md",
        "greenhorn-go-pkg-flux",
        "greenhorn-java",
    ] {
        ads.push(advertise(
            dir.path(),
            &shared(name),
            &format!("{name}.ad"),
            &["--isa-version", "2.0.0"],
        ));
    }
    let out = bin()
        .arg("matrix")
        .args(&ads)
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("flux-runtime-isa-unified"));
    assert!(text.contains("of 6 pairs compatible"));
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

/// A table `name` with HALT at 0 and `X` at `opcode` as `x` says (TOML entry keys), after `head`
/// (an `[encoding]` section, own `[formats.L]`).
fn case_table(name: &str, opcode: u32, x: &str, head: &str) -> String {
    format!(
        "implementation = \"{name}\"\nisa_version = \"1.0\"\nopcodes = [\n  {{ opcode = 0, mnemonic = \"HALT\", format = \"A\" }},\n  {{ opcode = {opcode:#x}, mnemonic = \"X\", {x} }},\n]\n{head}"
    )
}

#[test]
fn per_instruction_verdicts_follow_the_cores_comparison() {
    const ESCAPES: &str = "[encoding]\nescapes = [0xFF]\n";
    const Q_IS_E: &str = "[formats.Q]\nsize = 4\nfields = [{ name = \"dst\", bits = 8, kind = \"reg\" }, { name = \"a\", bits = 8, kind = \"reg\" }, { name = \"b\", bits = 8, kind = \"reg\" }]\n";
    const WIDE_D: &str = "[formats.D]\nsize = 4\nfields = [{ name = \"rd\", bits = 8, kind = \"reg\" }, { name = \"imm16\", bits = 16, kind = \"imm\" }]\n";
    const PAYLOAD: &str =
        "[formats.P]\nsize = 3\nfields = [{ name = \"len\", bits = 16, kind = \"len\" }]\n";
    // (what, opcode, (X in table a, head of a), (X in table b, head of b), verdict)
    let cases = [
        (
            "size-only 2 vs 4",
            0x10,
            ("size_bytes = 2", ""),
            ("size_bytes = 4", ""),
            "layout-differs",
        ),
        (
            "size-only 4 vs E",
            0x10,
            ("size_bytes = 4", ""),
            ("format = \"E\"", ""),
            "usable",
        ),
        (
            "own Q = E vs E",
            0x10,
            ("format = \"Q\"", Q_IS_E),
            ("format = \"E\"", ""),
            "usable",
        ),
        (
            "own D vs built-in D",
            0x10,
            ("format = \"D\"", WIDE_D),
            ("format = \"D\"", ""),
            "layout-differs",
        ),
        (
            "payload vs size 3",
            0x10,
            ("format = \"P\"", PAYLOAD),
            ("size_bytes = 3", ""),
            "layout-differs",
        ),
        (
            "escape page both",
            0xFF05,
            ("format = \"E\"", ESCAPES),
            ("format = \"E\"", ESCAPES),
            "usable",
        ),
        (
            "undefined letter vs E",
            0x10,
            ("format = \"Z\"", ""),
            ("format = \"E\"", ""),
            "layout-unknown",
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (i, (what, opcode, (xa, ha), (xb, hb), want)) in cases.into_iter().enumerate() {
        let ta = write(
            dir.path(),
            &format!("a{i}.toml"),
            case_table("vm-a", opcode, xa, ha),
        );
        let tb = write(
            dir.path(),
            &format!("b{i}.toml"),
            case_table("vm-b", opcode, xb, hb),
        );
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
        let code = if xa == xb && ha == hb { 0 } else { 1 };
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
    // The text report says which layouts are unchecked.
    let ta = write(
        dir.path(),
        "z.toml",
        case_table("vm-a", 0x10, "format = \"Z\"", ""),
    );
    let a = advertise(dir.path(), &ta, "z.ad", &[]);
    let tb = write(
        dir.path(),
        "e.toml",
        case_table("vm-b", 0x10, "format = \"E\"", ""),
    );
    let b = advertise(dir.path(), &tb, "e.ad", &[]);
    bin()
        .arg("negotiate")
        .arg(&a)
        .arg(&b)
        .assert()
        .code(1)
        .stdout(contains("usable     2 of 2 / 2 instructions (1 with layout unchecked)"))
        .stdout(contains("1 usable instruction(s) have no known layout or size on at least one side; their layouts are unchecked"));
}

#[test]
fn advertise_refuses_an_undecodable_table_with_checks_explanation() {
    let dir = tempfile::tempdir().unwrap();
    let two = write(
        dir.path(),
        "two.toml",
        "implementation = \"two\"\nopcodes = [\n  { opcode = 1, mnemonic = \"NOP\", format = \"A\" },\n  { opcode = 1, mnemonic = \"HALT\", format = \"A\" },\n]\n",
    );
    bin()
        .arg("advertise")
        .arg(&two)
        .args(["--format", "json"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(contains(
            "two.toml: cannot advertise: the table two cannot be decoded unambiguously (1 problem; `check` reports the same):",
        ))
        .stderr(contains("critical[duplicate-opcode]"))
        .stderr(contains("two.toml:3:"));
    // An instruction on the escape byte is a prefix of every instruction on its page.
    let esc = write(
        dir.path(),
        "esc.toml",
        "implementation = \"esc\"\nopcodes = [\n  { opcode = 0xFF, mnemonic = \"EXT\", format = \"A\" },\n  { opcode = 0xFF05, mnemonic = \"X\", format = \"A\" },\n]\n[encoding]\nescapes = [0xFF]\n",
    );
    bin()
        .arg("advertise")
        .arg(&esc)
        .args(["--format", "json"])
        .assert()
        .code(2)
        .stderr(contains("critical[encoding-ambiguity]"));
}

/// An advertisement saved as JSON by an editor that adds a byte-order mark is still read.
#[test]
fn a_json_advertisement_with_a_byte_order_mark_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let ad = dir.path().join("ad.json");
    bin()
        .args(["advertise", "--format", "json", "-o"])
        .arg(&ad)
        .arg(example("unified-spec.toml"))
        .assert()
        .code(0);
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(std::fs::read(&ad).unwrap());
    let bom = write(dir.path(), "bom.json", bytes);
    bin().arg("negotiate").arg(&bom).arg(&ad).assert().code(0);
}
