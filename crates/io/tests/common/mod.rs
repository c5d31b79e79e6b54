//! Helpers shared by this crate's integration tests.

use std::path::PathBuf;

/// The real FLUX tables in `../shared/flux/tables` beside the repository, sorted; `None` when
/// the folder is not there (the callers then require `ISA_AUTHORITY_NO_SHARED=1`).
pub fn shared_tables() -> Option<Vec<PathBuf>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/flux/tables");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    Some(paths)
}
