//! `arbitrate` through the binary: outputs, exit codes, error messages, determinism, and the
//! shared FLUX tables.

use std::path::PathBuf;

use predicates::prelude::*;
use predicates::str::contains;
use serde_json::Value;

mod common;
use common::*;

#[test]
fn json_report_has_the_documented_shape() {
    let dir = tempfile::tempdir().unwrap();
    let v = json_of(
        bin()
            .args(["arbitrate", "--strategy", "voting", "--format", "json"])
            .args(trio(dir.path())),
    );
    let top: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(top, ["canonical", "decisions", "cost"]);
    let d = &v["decisions"][0];
    let keys: Vec<&str> = d.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "mnemonic",
            "opcode",
            "strategy",
            "winner",
            "votes",
            "rationale",
            "cost",
            "layout",
            "layouts"
        ]
    );
    // Small tables fit one byte: the canonical table declares no encoding (the default).
    assert!(v["canonical"].get("encoding").is_none());
    assert_eq!(d["mnemonic"], "ADD");
    assert_eq!(d["opcode"], 1);
    assert_eq!(d["votes"]["c"], 2);
    assert_eq!(d["strategy"], "voting");
    // XOR wanted the reserved 0x07: it is moved, and 0x07 stays reserved.
    let xor = v["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["mnemonic"] == "XOR")
        .unwrap();
    assert_ne!(xor["opcode"], 7);
    assert!(xor["rationale"].as_str().unwrap().contains("reserved"));
    let reserved: Vec<&Value> = v["canonical"]["opcodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["reserved"] == true)
        .collect();
    assert_eq!(reserved.len(), 1);
    assert_eq!(reserved[0]["opcode"], 7);
    // c moves ADD and SUB (2), XOR moves in c (1).
    assert_eq!(v["cost"], 3);
}

#[test]
fn text_report_explains_each_decision_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = bin()
        .args(["arbitrate", "--strategy", "oldest"])
        .args(trio(dir.path()))
        .assert()
        .code(0);
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    // ADD, SUB, XOR, then the summary.
    assert_eq!(lines.len(), 4, "{text}");
    assert!(
        lines[0].starts_with("0x01")
            && lines[0].contains("SUB")
            && lines[0].contains("c is the oldest"),
        "{text}"
    );
    assert!(lines[3].contains("strategy oldest"));
}

#[test]
fn canonical_table_is_written_and_passes_check() {
    let dir = tempfile::tempdir().unwrap();
    for ext in ["toml", "json"] {
        let out = dir.path().join(format!("canonical.{ext}"));
        bin()
            .args([
                "arbitrate",
                "--strategy",
                "optimal",
                "--name",
                "flux-canonical",
                "-o",
            ])
            .arg(&out)
            .args(trio(dir.path()))
            .assert()
            .code(0)
            .stderr(contains("wrote the canonical table"));
        bin()
            .arg("check")
            .arg(&out)
            .assert()
            .code(0)
            .stdout(contains("0 conflicts"));
        let text = std::fs::read_to_string(&out).unwrap();
        assert!(text.contains("flux-canonical"));
    }
}

#[test]
fn same_bytes_for_any_input_order() {
    let dir = tempfile::tempdir().unwrap();
    let files = trio(dir.path());
    let mut reversed = files.clone();
    reversed.reverse();
    for strategy in ["oldest", "voting", "largest", "optimal"] {
        let run = |paths: &[PathBuf]| {
            bin()
                .args(["arbitrate", "--format", "json", "--strategy", strategy])
                .args(paths)
                .assert()
                .code(0)
                .get_output()
                .stdout
                .clone()
        };
        assert_eq!(run(&files), run(&reversed), "{strategy}");
    }
}

#[test]
fn spec_weights_usage_and_decisions() {
    let dir = tempfile::tempdir().unwrap();
    let files = trio(dir.path());
    let v = json_of(
        bin()
            .args([
                "arbitrate",
                "--format",
                "json",
                "--strategy",
                "spec",
                "--spec",
                "c",
            ])
            .args(&files),
    );
    let add = v["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["mnemonic"] == "ADD")
        .unwrap();
    assert_eq!(add["opcode"], 2);
    assert_eq!(add["winner"], "c");

    let v = json_of(
        bin()
            .args([
                "arbitrate",
                "--format",
                "json",
                "--strategy",
                "voting",
                "--weight",
                "c=5",
            ])
            .args(&files),
    );
    assert_eq!(v["decisions"][0]["mnemonic"], "SUB");
    assert_eq!(v["decisions"][0]["opcode"], 1);

    let usage = write(
        dir.path(),
        "usage.json",
        "{\"c\": {\"0x02\": 500, \"1\": 500}, \"a\": {}}\n",
    );
    let v = json_of(
        bin()
            .args(["arbitrate", "--format", "json", "--usage"])
            .arg(&usage)
            .args(&files),
    );
    let add = v["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["mnemonic"] == "ADD")
        .unwrap();
    assert_eq!(add["opcode"], 2, "c's heavy usage decides under optimal");

    let decisions = write(
        dir.path(),
        "decisions.toml",
        "[[decision]]\nmnemonic = \"add\"\nopcode = 0x10\nrationale = \"board ruling 7\"\n",
    );
    let v = json_of(
        bin()
            .args(["arbitrate", "--format", "json", "--decisions"])
            .arg(&decisions)
            .args(&files),
    );
    let add = v["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["mnemonic"] == "ADD")
        .unwrap();
    assert_eq!(add["opcode"], 16);
    assert_eq!(add["strategy"], "manual");
    assert_eq!(add["winner"], Value::Null);
    assert!(add["rationale"]
        .as_str()
        .unwrap()
        .starts_with("board ruling 7"));
    let json_decisions = write(
        dir.path(),
        "decisions.json",
        "{\"decisions\": [{\"mnemonic\": \"SUB\", \"opcode\": \"0x11\"}]}",
    );
    let v = json_of(
        bin()
            .args(["arbitrate", "--format", "json", "--decisions"])
            .arg(&json_decisions)
            .args(&files),
    );
    assert!(v["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["mnemonic"] == "SUB" && d["opcode"] == 17));
}

#[test]
fn aliases_merge_spellings() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(
        dir.path(),
        "a.toml",
        "implementation = \"a\"\nopcodes = [{ opcode = 1, mnemonic = \"IADD\" }]\n",
    );
    let b = write(
        dir.path(),
        "b.toml",
        "implementation = \"b\"\nopcodes = [{ opcode = 2, mnemonic = \"ADD\" }]\n",
    );
    let aliases = write(dir.path(), "aliases.toml", "IADD = \"ADD\"\n");
    let v = json_of(
        bin()
            .args(["arbitrate", "--format", "json", "--aliases"])
            .arg(&aliases)
            .arg(&a)
            .arg(&b),
    );
    assert_eq!(v["canonical"]["opcodes"].as_array().unwrap().len(), 1);
}

#[test]
fn bad_input_exits_2_with_a_located_message() {
    let dir = tempfile::tempdir().unwrap();
    let files = trio(dir.path());
    let cases: Vec<(Vec<String>, &str)> = vec![
        (vec!["--strategy".into(), "spec".into()], "--spec NAME"),
        (
            vec![
                "--strategy".into(),
                "spec".into(),
                "--spec".into(),
                "zz".into(),
            ],
            "--spec names `zz`",
        ),
        (
            vec!["--weight".into(), "zz=2".into()],
            "a weight names `zz`",
        ),
        (
            vec!["--weight".into(), "a=-1".into()],
            "must be a number from 0 to 1000000",
        ),
        (vec!["--weight".into(), "a".into()], "is not NAME=WEIGHT"),
        (
            vec![
                "-o".into(),
                dir.path().join("out.txt").display().to_string(),
            ],
            "use a .json or .toml extension",
        ),
    ];
    for (args, message) in cases {
        bin()
            .arg("arbitrate")
            .args(&args)
            .args(&files)
            .assert()
            .code(2)
            .stderr(contains(message));
    }
    let bad = write(
        dir.path(),
        "bad.toml",
        "[[decision]]\nmnemonic = \"ADD\"\n\n[[decision]]\nmnemonic = \"NOPE\"\nopcode = 9\n",
    );
    bin()
        .args(["arbitrate", "--decisions"])
        .arg(&bad)
        .args(&files)
        .assert()
        .code(2)
        .stderr(contains("bad.toml:1:1: a decision needs `opcode`"));
    let unknown = write(dir.path(), "unknown.toml", "[[decision]]\nmnemonic = \"ADD\"\nopcode = 3\n\n[[decision]]\nmnemonic = \"NOPE\"\nopcode = 9\n");
    bin()
        .args(["arbitrate", "--decisions"])
        .arg(&unknown)
        .args(&files)
        .assert()
        .code(2)
        .stderr(contains(
            "unknown.toml:5:1: manual decision for NOPE: no table has an instruction NOPE",
        ));
    let reserved = write(
        dir.path(),
        "reserved.json",
        "[{\"mnemonic\": \"ADD\", \"opcode\": 7}]",
    );
    bin()
        .args(["arbitrate", "--decisions"])
        .arg(&reserved)
        .args(&files)
        .assert()
        .code(2)
        .stderr(contains("0x07 is reserved"));
    let paged = write(
        dir.path(),
        "paged.toml",
        "[[decision]]\nmnemonic = \"ADD\"\nopcode = 0x01\n\n[[decision]]\nmnemonic = \"SUB\"\nopcode = 0x0105\n",
    );
    bin()
        .args(["arbitrate", "--decisions"])
        .arg(&paged)
        .args(&files)
        .assert()
        .code(2)
        .stderr(contains(
            "paged.toml:5:1: manual decision for SUB: 0x0105 is on the escape page of 0x01, but 0x01 is decided for ADD; an escape byte is never an instruction",
        ));
    let usage = write(dir.path(), "usage.json", "{\"a\": {\"0x01\": -3}}");
    bin()
        .args(["arbitrate", "--usage"])
        .arg(&usage)
        .args(&files)
        .assert()
        .code(2)
        .stderr(contains("usage.json:1:16: usage count -3"));
    let usage = write(dir.path(), "usage2.json", "{\"a\": {\"op\": 3}}");
    bin()
        .args(["arbitrate", "--usage"])
        .arg(&usage)
        .args(&files)
        .assert()
        .code(2)
        .stderr(contains("`op` is not an opcode number"));
    let broken = write(dir.path(), "broken.json", "{\"a\": ");
    bin()
        .args(["arbitrate", "--usage"])
        .arg(&broken)
        .args(&files)
        .assert()
        .code(2)
        .stderr(contains("broken.json:1"));
    let dup = write(
        dir.path(),
        "dup.toml",
        "implementation = \"a\"\nopcodes = []\n",
    );
    bin()
        .arg("arbitrate")
        .args(&files)
        .arg(&dup)
        .assert()
        .code(2)
        .stderr(contains("implementation `a` is already defined"));
    bin()
        .args(["arbitrate", "missing.json"])
        .assert()
        .code(2)
        .stderr(contains("missing.json: no such file"));
    // Nothing is written when the input is bad.
    let out = dir.path().join("never.toml");
    bin()
        .args(["arbitrate", "--strategy", "spec", "-o"])
        .arg(&out)
        .args(&files)
        .assert()
        .code(2);
    assert!(!out.exists());
}

#[test]
fn shared_tables_python_and_go_pair() {
    if shared_tables().is_none() {
        return;
    }
    let v = json_of(
        bin()
            .args(["arbitrate", "--format", "json", "--strategy", "optimal"])
            .arg(shared("flux-runtime-python"))
            .arg(shared("greenhorn-go-pkg-flux")),
    );
    // The pair collides on every number the Go VM uses: one of each pair moves.
    let canon = v["canonical"]["opcodes"].as_array().unwrap();
    let numbers: std::collections::BTreeSet<u64> = canon
        .iter()
        .map(|e| e["opcode"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers.len(), canon.len());
    assert!(v["cost"].as_u64().unwrap() >= 12);
}

#[test]
fn shared_tables_every_strategy_is_consistent_decodable_and_optimal_is_cheapest() {
    let Some(tables) = shared_tables() else {
        return; // explicitly skipped with ISA_AUTHORITY_NO_SHARED=1
    };
    let dir = tempfile::tempdir().unwrap();
    let mut costs = Vec::new();
    for strategy in ["optimal", "voting", "oldest", "largest", "spec"] {
        let out = dir.path().join(format!("{strategy}.json"));
        let v = json_of(
            bin()
                .args([
                    "arbitrate",
                    "--format",
                    "json",
                    "--strategy",
                    strategy,
                    "--spec",
                    "flux-spec-opcodes-md",
                    "-o",
                ])
                .arg(&out)
                .args(&tables),
        );
        costs.push((strategy, v["cost"].as_f64().unwrap()));
        // 1,432 instructions do not fit one byte: five escape bytes, the reserved 0xFA-0xFE
        // (vacating a reserved byte moves nothing), in the report and in the written table.
        let escapes = serde_json::json!({"escapes": [0xFA, 0xFB, 0xFC, 0xFD, 0xFE]});
        assert_eq!(v["canonical"]["encoding"], escapes, "{strategy}");
        let written: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        assert_eq!(written["encoding"], escapes, "{strategy}");
        let report = json_of(
            bin()
                .args(["check", "--format", "json", "--fail-on", "warning"])
                .arg(&out),
        );
        let kinds: Vec<&str> = report["conflicts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["kind"].as_str().unwrap())
            .collect();
        assert!(
            !kinds.contains(&"encoding-ambiguity"),
            "{strategy}: {kinds:?}"
        );
        assert!(
            !kinds.contains(&"duplicate-opcode"),
            "{strategy}: {kinds:?}"
        );
    }
    let optimal = costs[0].1;
    for (s, c) in &costs {
        assert!(optimal <= *c, "optimal {optimal} > {s} {c}");
    }
    // TOML output carries the encoding too, and `check` reads it back as decodable.
    let toml = dir.path().join("optimal.toml");
    bin()
        .args(["arbitrate", "-o"])
        .arg(&toml)
        .args(&tables)
        .assert()
        .code(0);
    let text = std::fs::read_to_string(&toml).unwrap();
    assert!(
        text.contains("[encoding]\nescapes = [0xFA, 0xFB, 0xFC, 0xFD, 0xFE]"),
        "{text}"
    );
    bin()
        .args(["check", "--fail-on", "warning"])
        .arg(&toml)
        .assert()
        .code(0);
}

#[test]
fn layout_verdicts_in_the_json_report() {
    let dir = tempfile::tempdir().unwrap();
    // NEG: 2 bytes against 4 bytes, sizes only — contradicting facts. ADD: a 4-byte size and
    // the unified E (4 bytes) — agreeing facts. NOP: a letter nothing defines — unknown.
    let a = write(
        dir.path(),
        "a.toml",
        "implementation = \"a\"\nopcodes = [\n  { opcode = 1, mnemonic = \"ADD\", size_bytes = 4 },\n  { opcode = 2, mnemonic = \"NEG\", size_bytes = 2 },\n  { opcode = 3, mnemonic = \"NOP\", format = \"Q\" },\n]\n",
    );
    let b = write(
        dir.path(),
        "b.toml",
        "implementation = \"b\"\nopcodes = [\n  { opcode = 4, mnemonic = \"ADD\", format = \"E\" },\n  { opcode = 5, mnemonic = \"NEG\", size_bytes = 4 },\n  { opcode = 6, mnemonic = \"NOP\", size_bytes = 1 },\n]\n",
    );
    let v = json_of(
        bin()
            .args(["arbitrate", "--format", "json", "--strategy", "voting"])
            .arg(&a)
            .arg(&b),
    );
    let decision = |m: &str| {
        v["decisions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["mnemonic"] == m)
            .unwrap()
            .clone()
    };
    assert_eq!(decision("NEG")["layout"], "differs");
    assert_eq!(
        decision("NEG")["layouts"],
        serde_json::json!([
            {"layout": "2 bytes (size only)", "implementations": ["a"]},
            {"layout": "4 bytes (size only)", "implementations": ["b"]}
        ])
    );
    assert!(decision("NEG")["rationale"]
        .as_str()
        .unwrap()
        .contains("layouts disagree"));
    assert_eq!(decision("ADD")["layout"], "same");
    assert_eq!(decision("ADD")["layouts"].as_array().unwrap().len(), 2);
    assert_eq!(decision("NOP")["layout"], "unknown");
    let text = String::from_utf8(
        bin()
            .args(["arbitrate", "--strategy", "voting"])
            .arg(&a)
            .arg(&b)
            .assert()
            .code(0)
            .get_output()
            .stdout
            .clone(),
    )
    .unwrap();
    assert_eq!(text.matches("[layout]").count(), 1, "{text}");
    assert!(text.contains("(1 layout disagreements)"), "{text}");
}

/// Weights and usage counts have a documented range, so weight × usage stays exact: above it
/// the command says so (exit 2) instead of overflowing into a wrong cost.
#[test]
fn weights_and_usage_counts_out_of_range_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let tables = trio(dir.path());
    bin()
        .arg("arbitrate")
        .args(&tables)
        .args(["--weight", "a=1e15"])
        .assert()
        .code(2)
        .stderr(contains("from 0 to 1000000"));
    bin()
        .arg("arbitrate")
        .args(&tables)
        .args(["--weight", "a=1000000"])
        .assert()
        .code(0);
    let usage = write(dir.path(), "usage.json", "{\"a\": {\"0x01\": 10000000000}}");
    bin()
        .arg("arbitrate")
        .args(&tables)
        .arg("--usage")
        .arg(&usage)
        .assert()
        .code(2)
        .stderr(contains("usage.json:1:").and(contains("from 0 to 1000000000")));
}

/// clap quotes a bad argument in its usage error; a control character in it (a pasted ESC or
/// C1 CSI) is printed escaped, and the exit code stays clap's usage code.
#[test]
fn usage_errors_escape_control_characters_in_arguments() {
    let dir = tempfile::tempdir().unwrap();
    let tables = trio(dir.path());
    let out = bin()
        .arg("arbitrate")
        .args(&tables)
        .args(["--weight", "a\u{1b}[2J\u{9b}b=abc"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        !stderr.contains('\u{1b}') && !stderr.contains('\u{9b}'),
        "{stderr:?}"
    );
    // (clap's plain rendering drops ANSI sequences itself; the C1 CSI is escaped.)
    assert!(stderr.contains("\\u{9b}b=abc"), "{stderr}");
    assert!(stderr.contains("is not a number"), "{stderr}");
}
