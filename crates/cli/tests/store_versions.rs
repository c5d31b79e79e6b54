//! Subcommands that take "a table or a store version" (gen, migrate, translate, conform) resolve
//! declared versions from a store: `VERSION` in the default store, `DIR@VERSION` explicitly.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::str::contains;

mod common;
use common::*;

fn bin() -> Command {
    let mut cmd = Command::cargo_bin("isa-authority").unwrap();
    cmd.env_remove("ISA_AUTHORITY_STORE");
    cmd
}

/// A store with one declared version (1.0.0, the unified spec example), signed by one maintainer.
fn store_with_one_version(dir: &Path) -> PathBuf {
    let store = dir.join("store");
    let keys = dir.join("keys");
    bin()
        .args(["keygen", "alice", "-o"])
        .arg(&keys)
        .assert()
        .code(0);
    bin()
        .arg("init")
        .arg("--store")
        .arg(&store)
        .arg("--maintainer")
        .arg(format!("alice={}", keys.join("alice.pub").display()))
        .args(["--quorum", "1"])
        .assert()
        .code(0);
    let out = bin()
        .arg("propose")
        .arg(example("unified-spec.toml"))
        .args(["--version", "1.0.0", "--format", "json", "--store"])
        .arg(&store)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    bin()
        .args(["approve", &id, "--key"])
        .arg(keys.join("alice.key"))
        .arg("--store")
        .arg(&store)
        .assert()
        .code(0);
    bin()
        .args(["declare", &id, "--store"])
        .arg(&store)
        .assert()
        .code(0);
    store
}

#[test]
fn versions_resolve_from_the_default_and_an_explicit_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_one_version(dir.path());
    let from_file = bin()
        .args(["gen", "--lang", "python"])
        .arg(example("unified-spec.toml"))
        .output()
        .unwrap();
    let from_env = bin()
        .env("ISA_AUTHORITY_STORE", &store)
        .args(["gen", "--lang", "python", "1.0.0"])
        .output()
        .unwrap();
    assert_eq!(
        from_env.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&from_env.stderr)
    );
    assert!(String::from_utf8_lossy(&from_env.stdout).contains("STRIPCONF"));
    let explicit = bin()
        .args(["gen", "--lang", "python"])
        .arg(format!("{}@v1.0.0", store.display()))
        .output()
        .unwrap();
    assert_eq!(explicit.status.code(), Some(0));
    assert_eq!(explicit.stdout, from_env.stdout);
    // The declared table generates the same opcode numbers as the file it came from.
    let numbers = |out: &[u8]| -> Vec<String> {
        String::from_utf8_lossy(out)
            .lines()
            .filter(|l| l.contains(" = 0x"))
            .map(String::from)
            .collect()
    };
    assert_eq!(numbers(&from_env.stdout), numbers(&from_file.stdout));
    // A plan from the declared version to another table.
    bin()
        .args(["migrate", "plan"])
        .arg(format!("{}@latest", store.display()))
        .arg(example("greenhorn-go.json"))
        .assert()
        .code(0);
}

#[test]
fn unknown_versions_and_names_are_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_one_version(dir.path());
    bin()
        .env("ISA_AUTHORITY_STORE", &store)
        .args(["gen", "--lang", "python", "9.9.9"])
        .assert()
        .code(2)
        .stderr(contains("9.9.9: version 9.9.9 of the store"));
    bin()
        .args(["gen", "--lang", "python", "no-such-table"])
        .assert()
        .code(2)
        .stderr(contains("no such table file, and not a store version"));
    bin()
        .args(["gen", "--lang", "python"])
        .arg(format!("{}@1.0.0", dir.path().join("nowhere").display()))
        .assert()
        .code(2)
        .stderr(contains("cannot open the store"));
}
