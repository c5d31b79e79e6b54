//! Every real FLUX table in `../shared/flux/tables` must load. The shared data sits beside the
//! repository (in CI too); a developer without it sets `ISA_AUTHORITY_NO_SHARED=1` to skip, and
//! the skip is then explicit rather than silent.

mod common;

use common::shared_tables;

#[test]
fn every_shared_table_loads() {
    let Some(paths) = shared_tables() else {
        return;
    };
    assert_eq!(paths.len(), 71);
    let tables = isa_io::load_tables(&paths).unwrap_or_else(|errors| {
        panic!(
            "{}",
            errors
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        )
    });
    let entries: usize = tables.iter().map(|t| t.entries.len()).sum();
    assert_eq!(entries, 5181);
    let go = tables
        .iter()
        .find(|t| t.implementation == "greenhorn-go-pkg-flux")
        .unwrap();
    assert_eq!(go.entries.len(), 37);
    assert_eq!(go.language.as_deref(), Some("Go"));
    assert!(go
        .entries
        .iter()
        .all(|e| e.location.as_ref().unwrap().line > 0));
}
