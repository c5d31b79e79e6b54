//! Replays the fuzz regression corpus on the stable toolchain: every file in
//! `fuzz/regressions/<target>/` goes through that target's body — the very code the fuzz target
//! runs, included from `fuzz/bodies.rs` — and must not panic. A crash found by `cargo fuzz` is
//! kept by copying its input into the target's folder (see `fuzz/README.md`).
//!
//! `cargo test -p isa-authority --test fuzz_regressions -- --ignored write_generated_seeds`
//! rewrites the generated seeds in `fuzz/seeds/` (translate programs and modules, store files,
//! the fixed translation tables).

#[allow(dead_code)]
#[path = "../../../fuzz/bodies.rs"]
mod bodies;

use std::collections::BTreeSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

/// The files of a folder, sorted; none when it does not exist.
fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .map(|e| e.expect("a readable folder entry").path())
        .filter(|p| p.is_file())
        .collect();
    out.sort();
    out
}

/// Runs a target's body over every input, and fails naming each input that panicked.
fn replay(target: &str, inputs: impl IntoIterator<Item = (String, Vec<u8>)>) -> usize {
    let body = bodies::TARGETS
        .iter()
        .find(|(name, _)| *name == target)
        .unwrap_or_else(|| panic!("no target {target}"))
        .1;
    let mut count = 0;
    let mut failed = Vec::new();
    for (name, bytes) in inputs {
        count += 1;
        if catch_unwind(AssertUnwindSafe(|| body(&bytes))).is_err() {
            failed.push(name);
        }
    }
    assert!(
        failed.is_empty(),
        "{target}: {} of {count} inputs panicked (the panic messages are above):\n  {}",
        failed.len(),
        failed.join("\n  ")
    );
    count
}

fn replay_folder(target: &str) {
    let dir = fuzz_dir().join("regressions").join(target);
    let inputs: Vec<(String, Vec<u8>)> = files(&dir)
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            (format!("fuzz/regressions/{target}/{name}"), bytes)
        })
        .collect();
    assert!(
        !inputs.is_empty(),
        "{} holds no regression inputs",
        dir.display()
    );
    let count = replay(target, inputs);
    println!("{target}: {count} regression inputs replayed");
}

macro_rules! replay_tests {
    ($($target:ident),* $(,)?) => {
        $(
            #[test]
            fn $target() {
                replay_folder(stringify!($target));
            }
        )*

        /// Every target has a test above, a regression folder and a seed folder, and nothing
        /// else is in those folders.
        #[test]
        fn every_target_is_replayed() {
            let tested: BTreeSet<&str> = [$(stringify!($target)),*].into_iter().collect();
            let targets: BTreeSet<&str> = bodies::TARGETS.iter().map(|(n, _)| *n).collect();
            assert_eq!(tested, targets);
            for folder in ["regressions", "seeds"] {
                let found: BTreeSet<String> = std::fs::read_dir(fuzz_dir().join(folder))
                    .unwrap()
                    .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                    .collect();
                let expected: BTreeSet<String> = targets.iter().map(|t| t.to_string()).collect();
                assert_eq!(found, expected, "fuzz/{folder}/ has one folder per target");
            }
        }
    };
}

replay_tests!(
    decode_message,
    handshake,
    json_tree,
    read_table_json,
    read_table_toml,
    scan_source,
    translate_raw,
    translate_module,
    verify_store,
    import_store,
    semantics,
);

/// The generated seeds pass through their bodies (so they stay valid inputs), and the ones that
/// are valid programs, modules and stores are accepted as such, not only survived.
#[test]
fn generated_seeds_pass() {
    let seeds = bodies::seed_inputs();
    for (target, _) in bodies::TARGETS {
        replay(
            target,
            seeds
                .iter()
                .filter(|(t, _, _)| t == target)
                .map(|(_, name, bytes)| (name.clone(), bytes.clone())),
        );
    }
    let translators = bodies::translators();
    for (target, name, bytes) in &seeds {
        let translator = &translators[usize::from(bytes[0]) % bodies::PAIRS.len()];
        match *target {
            "translate_raw" => {
                let t = translator.translate(&bytes[1..]).unwrap();
                assert!(t.stats.instructions >= 13, "{name}");
            }
            "translate_module" => {
                isa_migrate::translate_module(translator, &bytes[1..]).unwrap();
            }
            _ => {}
        }
    }
    assert!(isa_history::verify::verify(bodies::base_store()).is_ok());
}

/// `scan_source` reaches every language the scanner reads.
#[test]
fn scan_extensions_name_every_language() {
    let langs: BTreeSet<isa_scan::Lang> = bodies::SCAN_EXTENSIONS
        .iter()
        .map(|ext| {
            isa_scan::Lang::from_path(Path::new(&format!("x.{ext}")))
                .unwrap_or_else(|| panic!(".{ext} names no language"))
        })
        .collect();
    assert_eq!(langs, isa_scan::Lang::ALL.into_iter().collect());
}

/// Writes the generated seeds into `fuzz/seeds/<target>/` (run by hand, see the module docs).
#[test]
#[ignore]
fn write_generated_seeds() {
    for (target, name, bytes) in bodies::seed_inputs() {
        let dir = fuzz_dir().join("seeds").join(target);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(&name), bytes).unwrap();
    }
}
