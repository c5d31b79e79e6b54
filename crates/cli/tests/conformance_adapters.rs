//! The example conformance adapters (`examples/conformance/`), run as plugins against the
//! shared vector files: the Python adapter (which wraps `isa-authority run`) must give exactly
//! the built-in interpreter's verdicts on both files, and the Node tiny VM (a VM of its own for
//! six instructions) must pass every vector it does not skip. A missing interpreter is skipped
//! with a `SKIPPED:` line, or fails under `ISA_CODEGEN_REQUIRE_TOOLS=1` (as CI sets).

mod common;

use std::path::{Path, PathBuf};

use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn vectors(name: &str) -> Option<PathBuf> {
    common::shared_tables()?;
    Some(repo().join("../shared/flux/vectors").join(name))
}

fn have(tool: &str) -> bool {
    let found = std::process::Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("ISA_CODEGEN_REQUIRE_TOOLS").is_none(),
            "`{tool}` is required (ISA_CODEGEN_REQUIRE_TOOLS is set)"
        );
        println!("SKIPPED: `{tool}` is not installed; this adapter check did not run");
    }
    found
}

/// The verdicts of a conformance run, as (index, verdict, reasons) and the exit code.
fn verdicts(args: &[&str]) -> (Vec<(u64, String, Value)>, i32) {
    let out = common::bin()
        .args(["conformance", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&out.stderr));
    });
    let list = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["index"].as_u64().unwrap(),
                r["verdict"].as_str().unwrap().to_string(),
                r["reasons"].clone(),
            )
        })
        .collect();
    (list, out.status.code().unwrap())
}

#[test]
fn the_python_adapter_agrees_with_the_built_in_interpreter() {
    let bin = assert_cmd::cargo::cargo_bin("isa-authority");
    for (file, table) in [
        ("flux-runtime-python-vectors.json", "flux-runtime-python"),
        (
            "flux-conformance-stack-vectors-v2.1.json",
            "flux-conformance-reference-vm",
        ),
    ] {
        let Some(v) = vectors(file) else { return };
        if !have("python3") {
            return;
        }
        let table = common::shared(table);
        let v = v.to_str().unwrap();
        let (builtin, code) = verdicts(&["--vectors", v, "--table", table.to_str().unwrap()]);
        let adapter = repo().join("examples/conformance/run_adapter.py");
        let plugin = format!(
            "python3 '{}' '{}' '{}'",
            adapter.display(),
            bin.display(),
            table.display()
        );
        let (plugged, plugged_code) = verdicts(&["--vectors", v, "--plugin", &plugin]);
        assert_eq!(plugged, builtin, "{file}");
        assert_eq!(plugged_code, code);
        assert!(builtin.iter().filter(|(_, v, _)| v == "pass").count() > 100);
    }
}

#[test]
fn the_node_tiny_vm_passes_what_it_does_not_skip() {
    let Some(v) = vectors("flux-runtime-python-vectors.json") else {
        return;
    };
    if !have("node") {
        return;
    }
    let plugin = format!(
        "node '{}'",
        repo().join("examples/conformance/tiny_vm.js").display()
    );
    let (results, code) = verdicts(&["--vectors", v.to_str().unwrap(), "--plugin", &plugin]);
    let count = |verdict: &str| results.iter().filter(|(_, v, _)| v == verdict).count();
    assert_eq!((count("fail"), count("error")), (0, 0), "{results:?}");
    assert_eq!(count("pass"), 26);
    assert_eq!(count("skipped"), 195);
    assert_eq!(code, 0);
}
