//! `check` through the binary: exit codes, error messages, colour, and the shared FLUX tables.

use std::path::PathBuf;

use predicates::prelude::*;
use predicates::str::contains;

mod common;
use common::*;

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

/// The binary writes `check --format json` from a detection whose entry views are made as
/// they are written; the library's report, every view made first, gives the same document,
/// and each conflict's borrowed views are its report entries, field for field.
#[test]
fn shared_tables_json_from_the_detection_is_the_reports() {
    let Some(paths) = shared_tables() else {
        return; // explicitly skipped with ISA_AUTHORITY_NO_SHARED=1
    };
    let tables = isa_io::load_tables(&paths).unwrap();
    let options = isa_core::CheckOptions::new();
    let fail_on = isa_report::check::FailOn::Error;
    let mut report = isa_core::detect(&tables, &options);
    let mut detection = isa_core::Detection::run(&tables, &options);
    for no_info in [false, true] {
        if no_info {
            report.drop_info();
            detection.drop_info();
        }
        assert_eq!(detection.len(), report.conflicts.len());
        assert_eq!(detection.summary(), &report.summary);
        for (lazy, made) in detection.conflicts().zip(&report.conflicts) {
            assert_eq!(lazy.id(), made.id);
            assert_eq!(lazy.message(), made.message);
            assert!(lazy
                .implementations()
                .eq(made.implementations.iter().map(|n| &**n)));
            assert_eq!(
                (lazy.kind(), lazy.severity(), lazy.opcode(), lazy.mnemonic()),
                (
                    made.kind,
                    made.severity,
                    made.opcode,
                    made.mnemonic.as_deref()
                )
            );
            let views: Vec<_> = lazy.entries().collect();
            let entries: Vec<_> = made.entries.iter().map(|e| e.as_ref()).collect();
            assert_eq!(views, entries);
        }
        let failed = report.count_at_least(isa_core::Severity::Error) > 0;
        assert_eq!(
            failed,
            detection.count_at_least(isa_core::Severity::Error) > 0
        );
        let mut from_report = Vec::new();
        isa_report::check::write_report_json(&mut from_report, &report, fail_on, failed).unwrap();
        let mut from_detection = Vec::new();
        isa_report::check::write_detection_json(&mut from_detection, &detection, fail_on, failed)
            .unwrap();
        assert!(from_report == from_detection, "the two documents differ");
        let mut args = vec!["check".to_string(), "--format".into(), "json".into()];
        if no_info {
            args.push("--no-info".into());
        }
        let out = bin().args(&args).args(&paths).output().unwrap();
        assert!(out.stdout == from_report, "the binary's document differs");
    }
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
