//! The built-in semantics on the shared FLUX vectors: every vector passes except the ones
//! listed in `tests/vectors/*.failing`, with the cause the comparison gives (the README's
//! conformance section lists the same). A vector that starts passing, or a new failure, fails
//! this test; `ISA_BLESS=1` rewrites the lists.

use std::path::PathBuf;

use isa_core::Aliases;
use isa_semantics::conformance::{compare, read_vectors};
use isa_semantics::json::{apply_init, outcome_json};
use isa_semantics::{parse, Semantics, Stop};

fn flux(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/flux")
        .join(path)
}

fn outcomes(table: &str, vectors: &str) -> String {
    if std::env::var_os("ISA_AUTHORITY_NO_SHARED").is_some() && !flux("tables").exists() {
        eprintln!("SKIPPED: ../shared/flux not found and ISA_AUTHORITY_NO_SHARED is set");
        return String::new();
    }
    let table = isa_io::load_table(&flux(&format!("tables/{table}.json"))).unwrap();
    let (name, text) = isa_semantics::builtin(&table.implementation).unwrap();
    let sem = Semantics::attach(parse(name, text).unwrap(), &table, &Aliases::new()).unwrap();
    let text = std::fs::read_to_string(flux(&format!("vectors/{vectors}"))).unwrap();
    let (_, vectors) = read_vectors(&text).unwrap();
    let mut out = String::new();
    let (mut pass, mut fail, mut skip) = (0, 0, 0);
    let mut bad = 0;
    for v in &vectors {
        let v = match v {
            Ok(v) => v,
            Err(e) => {
                bad += 1;
                out.push_str(&format!("error {} #{}: {}\n", e.name, e.index, e.message));
                continue;
            }
        };
        let mut state = sem.initial_state();
        apply_init(&sem, &mut state, &v.initial).unwrap();
        let outcome = sem.run(&v.bytecode, state, 10_000);
        if let Stop::Unsupported(t) = &outcome.stop {
            skip += 1;
            out.push_str(&format!("skipped {} #{}: {t}\n", v.name, v.index));
            continue;
        }
        let diffs = compare(&v.expect, &outcome_json(&sem, &outcome));
        if diffs.is_empty() {
            pass += 1;
        } else {
            fail += 1;
            out.push_str(&format!(
                "fail {} #{}: {}\n",
                v.name,
                v.index,
                diffs.join("; ")
            ));
        }
    }
    out.push_str(&format!(
        "{pass} passed, {fail} failed, {bad} errors, {skip} skipped\n"
    ));
    out
}

fn check(table: &str, vectors: &str, expected: &str) {
    let got = outcomes(table, vectors);
    if got.is_empty() {
        return;
    }
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors")
        .join(expected);
    if std::env::var_os("ISA_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        got,
        want,
        "outcomes changed; ISA_BLESS=1 rewrites {}",
        path.display()
    );
}

#[test]
fn register_vectors() {
    check(
        "flux-runtime-python",
        "flux-runtime-python-vectors.json",
        "register.failing",
    );
}

#[test]
fn stack_vectors() {
    check(
        "flux-conformance-reference-vm",
        "flux-conformance-stack-vectors-v2.1.json",
        "stack.failing",
    );
}
