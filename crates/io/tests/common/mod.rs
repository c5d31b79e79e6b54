//! Helpers shared by this crate's integration tests.

use std::path::PathBuf;

/// The real FLUX tables in `../shared/flux/tables` beside the repository, sorted. `None` only
/// when the folder is missing and `ISA_AUTHORITY_NO_SHARED=1` says to skip; missing without it
/// fails the test, so a skip is never silent.
pub fn shared_tables() -> Option<Vec<PathBuf>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/flux/tables");
    let Ok(read) = std::fs::read_dir(dir) else {
        assert!(
            std::env::var_os("ISA_AUTHORITY_NO_SHARED").is_some(),
            "../shared/flux/tables not found beside the repository (set ISA_AUTHORITY_NO_SHARED=1 to skip)"
        );
        return None;
    };
    let mut paths: Vec<PathBuf> = read.map(|e| e.unwrap().path()).collect();
    paths.sort();
    Some(paths)
}
