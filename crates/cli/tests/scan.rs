//! `isa-authority scan` through the binary: formats, `-o`, exit codes, notes, and `check` on
//! source files.

use predicates::prelude::*;
use std::path::PathBuf;

mod common;
use common::*;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scan/tests/fixtures")
}

#[test]
fn json_lists_tables_with_lines_symbol_and_confidence() {
    let out = bin()
        .args(["scan", "--format", "json"])
        .arg(fixtures().join("c/opcodes.h"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let tables = v["tables"].as_array().unwrap();
    assert_eq!(tables.len(), 1, "{v:#}");
    let t = &tables[0];
    assert!(t["source_path"].as_str().unwrap().ends_with("c/opcodes.h"));
    assert_eq!(t["language"], "C");
    assert!(t["symbol"].as_str().unwrap().contains("OP"));
    assert!(t["confidence"].as_f64().unwrap() >= 0.5);
    let halt = &t["opcodes"][0];
    assert_eq!(halt["mnemonic"], "HALT");
    assert_eq!(halt["source_name"], "OP_HALT");
    assert_eq!(halt["opcode"], 0);
    assert_eq!(halt["line"], 20);
    let jeq = t["opcodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["mnemonic"] == "JEQ")
        .unwrap();
    assert_eq!(jeq["opcode"], 0x49, "(OP_JMP + 6) is evaluated");
}

#[test]
fn text_summary_names_tables_and_entries() {
    bin()
        .arg("scan")
        .arg(fixtures().join("go/opcodes.go"))
        .assert()
        .code(0)
        .stdout(predicate::str::contains("go/opcodes.go#Opcode"))
        .stdout(predicate::str::contains("0x13  JMP"))
        .stdout(predicate::str::contains("OpJmp line"));
}

#[test]
fn output_dir_feeds_check() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("tables");
    bin()
        .arg("scan")
        .arg(fixtures().join("python"))
        .arg(fixtures().join("go"))
        .arg("-o")
        .arg(&out)
        .assert()
        .code(0)
        .stderr(predicate::str::contains("wrote"));
    let mut files: Vec<PathBuf> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 6, "{files:?}");
    assert!(files.iter().all(|f| f.extension().unwrap() == "json"));
    // Deterministic names: a second run writes the same set of files with the same bytes.
    let again = dir.path().join("again");
    bin()
        .arg("scan")
        .arg(fixtures().join("go"))
        .arg(fixtures().join("python"))
        .arg("-o")
        .arg(&again)
        .assert()
        .code(0);
    for f in &files {
        let twin = again.join(f.file_name().unwrap());
        assert_eq!(std::fs::read(f).unwrap(), std::fs::read(twin).unwrap());
    }
    bin()
        .arg("check")
        .args(&files)
        .args(["--fail-on", "never"])
        .assert()
        .code(0);
}

#[test]
fn check_accepts_source_files_and_points_at_source_lines() {
    let out = bin()
        .args(["check", "--format", "json", "--fail-on", "never"])
        .arg(fixtures().join("go/swarm.go"))
        .arg(fixtures().join("java/FluxVM.java"))
        .arg(fixtures().join("python/conformance_core.py"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let locations: Vec<(String, u64)> = v["conflicts"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["entries"].as_array().unwrap().iter())
        .map(|e| {
            let l = &e["location"];
            (
                l["file"].as_str().unwrap().to_string(),
                l["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(!locations.is_empty(), "{v:#}");
    // HALT is 0x00 in conformance_core.py (line 26) and 0x80 in swarm.go (line 17).
    assert!(
        locations
            .iter()
            .any(|(f, l)| f.ends_with("conformance_core.py") && *l == 26),
        "{locations:?}"
    );
    assert!(
        locations
            .iter()
            .any(|(f, l)| f.ends_with("swarm.go") && *l == 17),
        "{locations:?}"
    );
}

#[test]
fn check_scans_a_directory_without_table_files() {
    bin()
        .args(["check", "--fail-on", "never"])
        .arg(fixtures().join("rust"))
        .assert()
        .code(0);
}

#[test]
fn binary_and_unparseable_files_are_notes_not_crashes() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("blob.c"), b"\x00\x01\x02binary").unwrap();
    std::fs::write(dir.path().join("latin1.py"), b"X = '\xff\xfe'\n").unwrap();
    std::fs::copy(fixtures().join("zig/main.zig"), dir.path().join("main.zig")).unwrap();
    bin()
        .arg("scan")
        .arg(dir.path())
        .assert()
        .code(0)
        .stderr(predicate::str::contains("blob.c: skipped: binary file"))
        .stderr(predicate::str::contains("latin1.py: skipped: not UTF-8"));
}

#[test]
fn nothing_found_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.py"), "MAX_STACK = 256\nNAME = 'x'\n").unwrap();
    bin()
        .arg("scan")
        .arg(dir.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains("0 table(s)"));
}

#[test]
fn bad_input_exits_2() {
    bin()
        .args(["scan", "/no/such/path.go"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "/no/such/path.go: no such file or directory",
        ));
    bin()
        .args(["scan", "--min-confidence", "1.5"])
        .arg(fixtures())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--min-confidence 1.5: must be between 0 and 1",
        ));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("f");
    std::fs::write(&file, "x").unwrap();
    bin()
        .arg("scan")
        .arg(fixtures().join("c/opcodes.h"))
        .arg("-o")
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot create output directory"));
    let empty = tempfile::tempdir().unwrap();
    bin()
        .arg("check")
        .arg(empty.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no .json or .toml table files and no source files",
        ));
}

#[test]
fn scan_limits_are_flags() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.py");
    std::fs::write(
        &big,
        (0..200)
            .map(|i| format!("OP_{i} = {i}\n"))
            .collect::<String>(),
    )
    .unwrap();
    // Over --max-file-size: skipped with a note naming the limit.
    bin()
        .args(["scan", "--max-file-size", "1K"])
        .arg(&big)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("over the 1024-byte limit"));
    bin()
        .args(["scan", "--max-file-size", "1M"])
        .arg(&big)
        .assert()
        .code(0);
    // Bad values are usage errors.
    bin()
        .args(["scan", "--max-file-size", "4MB"])
        .arg(&big)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("expected a size"));
    bin()
        .args(["scan", "--parse-timeout", "0"])
        .arg(&big)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("must be above 0"));
    // conform takes the same limits.
    bin()
        .args(["conform", "--max-file-size", "1K"])
        .arg(&big)
        .arg("--against")
        .arg(example("unified-spec.toml"))
        .assert()
        .stderr(predicate::str::contains("over the 1024-byte limit"));
}
