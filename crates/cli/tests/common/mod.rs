//! Helpers shared by the CLI integration tests (each test file is its own crate, so not every
//! helper is used by every file).
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

/// The binary, with no colour and no store chosen by the environment.
pub fn bin() -> Command {
    let mut cmd = Command::cargo_bin("isa-authority").unwrap();
    cmd.env("NO_COLOR", "1").env_remove("ISA_AUTHORITY_STORE");
    cmd
}

/// Writes a file into `dir` and returns its path.
pub fn write(dir: &Path, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

fn shared_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/flux/tables")
}

/// The 71 real FLUX tables in `../shared/flux/tables`, sorted. The data sits beside the
/// repository (in CI too); without it a test fails, unless `ISA_AUTHORITY_NO_SHARED=1` makes the
/// skip explicit — then this returns `None`.
pub fn shared_tables() -> Option<Vec<PathBuf>> {
    let Ok(entries) = std::fs::read_dir(shared_dir()) else {
        assert!(
            std::env::var_os("ISA_AUTHORITY_NO_SHARED").is_some(),
            "../shared/flux/tables not found beside the repository (set ISA_AUTHORITY_NO_SHARED=1 to skip)"
        );
        return None;
    };
    let mut paths: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
    paths.sort();
    Some(paths)
}

/// One shared table by name (`flux-runtime-python`).
pub fn shared(name: &str) -> PathBuf {
    shared_dir().join(format!("{name}.json"))
}

/// A table shipped in `examples/tables`.
pub fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/tables")
        .join(name)
}

/// Three small tables: a and b agree, c swaps ADD and SUB; a reserves 0x07.
pub fn trio(dir: &Path) -> Vec<PathBuf> {
    vec![
        write(
            dir,
            "a.toml",
            "implementation = \"a\"\nregistered = 2024-01-01\nopcodes = [\n  { opcode = 0, mnemonic = \"HALT\", format = \"A\" },\n  { opcode = 1, mnemonic = \"ADD\", format = \"E\", category = \"arith\" },\n  { opcode = 2, mnemonic = \"SUB\", format = \"E\" },\n  { opcode = 7, reserved = true },\n]\n",
        ),
        write(
            dir,
            "b.toml",
            "implementation = \"b\"\nopcodes = [\n  { opcode = 0, mnemonic = \"HALT\" },\n  { opcode = 1, mnemonic = \"ADD\" },\n  { opcode = 2, mnemonic = \"SUB\" },\n  { opcode = 3, mnemonic = \"MUL\" },\n]\n",
        ),
        write(
            dir,
            "c.toml",
            "implementation = \"c\"\nregistered = 2020-05-05\nopcodes = [\n  { opcode = 0, mnemonic = \"HALT\" },\n  { opcode = 2, mnemonic = \"ADD\" },\n  { opcode = 1, mnemonic = \"SUB\" },\n  { opcode = 7, mnemonic = \"XOR\" },\n]\n",
        ),
    ]
}

/// Runs a command that must exit 0 and parses its stdout as JSON.
pub fn json_of(cmd: &mut Command) -> Value {
    let out = cmd.assert().code(0).get_output().stdout.clone();
    serde_json::from_slice(&out).unwrap()
}
