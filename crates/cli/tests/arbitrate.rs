//! `arbitrate` through the binary: outputs, exit codes, error messages, determinism, and the
//! shared FLUX tables.

use serde_json::Value;

mod common;
use common::*;

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
