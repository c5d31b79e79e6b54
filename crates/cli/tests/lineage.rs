//! `lineage` through the binary: the families of the shared FLUX tables, JSON shape, order
//! independence, option validation.

use predicates::str::contains;

mod common;
use common::*;

#[test]
fn lineage_families_on_the_shared_tables() {
    let Some(tables) = shared_tables() else {
        return; // explicitly skipped with ISA_AUTHORITY_NO_SHARED=1
    };
    let v = json_of(bin().args(["lineage", "--format", "json"]).args(&tables));
    let families = v["lineages"].as_array().unwrap();
    let family_of = |name: &str| -> String {
        families
            .iter()
            .find(|f| {
                f["members"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|m| m["implementation"] == name)
            })
            .map(|f| f["name"].as_str().unwrap().to_string())
            .unwrap()
    };
    let groups = families
        .iter()
        .filter(|f| f["members"].as_array().unwrap().len() > 1)
        .count();
    assert!((8..=16).contains(&groups), "{groups} families");
    // Every greenhorn VM follows one numbering (the unified ISA's).
    let greenhorn: std::collections::BTreeSet<String> = tables
        .iter()
        .map(|p| p.file_stem().unwrap().to_string_lossy().to_string())
        .filter(|n| n.starts_with("greenhorn-"))
        .map(|n| family_of(&n))
        .collect();
    assert_eq!(greenhorn.len(), 1, "{greenhorn:?}");
    assert_eq!(
        family_of("flux-runtime-isa-unified"),
        family_of("flux-spec-opcodes-md")
    );
    assert_eq!(
        family_of("flux-runtime-python"),
        family_of("flux-runtime-asm-compat")
    );
    assert_eq!(
        family_of("flux-runtime-python"),
        family_of("flux-core-rust")
    );
    assert_eq!(family_of("flux-py"), family_of("flux-vm-agent"));
    assert_ne!(
        family_of("flux-runtime-python"),
        family_of("flux-runtime-isa-unified")
    );
    // Members carry their agreement with the head; the head is listed first at 1.0.
    let head = &families[0]["members"][0];
    assert_eq!(head["agreement"], 1.0);
    assert_eq!(families[0]["name"], head["implementation"]);
    // Text output lists singletons and a count.
    bin()
        .arg("lineage")
        .args(&tables)
        .assert()
        .code(0)
        .stdout(contains("families of two or more"));
}
