//! Data-driven `check` cases: each folder under `tests/cases/` holds input tables (and
//! optionally an `args` file, one argument per line) and the expected reports
//! `expected.json`, `expected.txt` and `expected.sarif`. Run with `ISA_BLESS=1` to (re)write the
//! expectations after reviewing a change; without it, any difference fails with a diff-friendly
//! message. Each case also runs with its inputs reversed and must give the same bytes.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn case_dirs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut dirs: Vec<PathBuf> = fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn inputs(dir: &Path) -> (Vec<String>, bool) {
    if let Ok(text) = fs::read_to_string(dir.join("args")) {
        return (
            text.lines()
                .filter(|l| !l.trim().is_empty())
                .map(String::from)
                .collect(),
            false,
        );
    }
    let mut files: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| (n.ends_with(".json") || n.ends_with(".toml")) && !n.starts_with("expected"))
        .collect();
    files.sort();
    (files, true)
}

fn run(dir: &Path, args: &[String], format: &str) -> (String, i32) {
    let out = Command::cargo_bin("isa-authority")
        .unwrap()
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .arg("check")
        .args(args)
        .args(["--format", format])
        .output()
        .unwrap();
    assert!(
        out.stderr.is_empty(),
        "{}: unexpected stderr: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    (
        String::from_utf8(out.stdout).unwrap(),
        out.status.code().unwrap(),
    )
}

fn compare(dir: &Path, name: &str, actual: &str, failures: &mut Vec<String>) {
    let path = dir.join(name);
    if std::env::var_os("ISA_BLESS").is_some() {
        fs::write(&path, actual).unwrap();
        return;
    }
    match fs::read_to_string(&path) {
        Ok(expected) if expected == actual => {}
        Ok(expected) => failures.push(format!(
            "{}: output differs (ISA_BLESS=1 to accept)\n--- expected\n{expected}\n--- actual\n{actual}",
            path.display()
        )),
        Err(_) => failures.push(format!("{}: missing (run with ISA_BLESS=1 to create)", path.display())),
    }
}

#[test]
fn check_cases() {
    let mut failures = Vec::new();
    let dirs = case_dirs();
    assert!(dirs.len() >= 7, "expected the shipped cases");
    for dir in &dirs {
        let (args, reorderable) = inputs(dir);
        let (json, code) = run(dir, &args, "json");
        let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
        let failed = parsed["summary"]["failed"].as_bool().unwrap();
        assert_eq!(
            code,
            if failed { 1 } else { 0 },
            "{}: exit code disagrees with summary.failed",
            dir.display()
        );
        compare(dir, "expected.json", &json, &mut failures);
        let (text, text_code) = run(dir, &args, "text");
        assert_eq!(text_code, code);
        compare(dir, "expected.txt", &text, &mut failures);
        let (sarif, _) = run(dir, &args, "sarif");
        compare(dir, "expected.sarif", &sarif, &mut failures);
        if reorderable {
            let reversed: Vec<String> = args.iter().rev().cloned().collect();
            assert_eq!(
                run(dir, &reversed, "json").0,
                json,
                "{}: input order changed the report",
                dir.display()
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
