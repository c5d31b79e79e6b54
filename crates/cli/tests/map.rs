//! `map` through the binary: SVG and HTML pictures, references, determinism, bad extensions.

use predicates::str::contains;

mod common;
use common::*;

#[test]
fn map_writes_svg_and_html() {
    let dir = tempfile::tempdir().unwrap();
    let files = trio(dir.path());
    let svg = dir.path().join("map.svg");
    bin()
        .arg("map")
        .arg("-o")
        .arg(&svg)
        .args(&files)
        .assert()
        .code(0)
        .stderr(contains("wrote"));
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    // One grid per implementation, the heatmap with every pair.
    for name in ["a", "b", "c"] {
        assert!(text.contains(&format!("<title>{name} × c:")), "{name}");
    }
    // c's SUB sits where the majority has ADD: a differing cell with an explanation.
    assert!(text.contains("0x01 SUB (majority: ADD)"));
    let html = dir.path().join("map.html");
    let canonical = dir.path().join("canonical.toml");
    bin()
        .args(["arbitrate", "-o"])
        .arg(&canonical)
        .args(&files)
        .assert()
        .code(0);
    bin()
        .arg("map")
        .arg("--by")
        .arg("family")
        .arg("--against")
        .arg(&canonical)
        .arg("-o")
        .arg(&html)
        .args(&files)
        .assert()
        .code(0);
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("compared with the table `canonical`"));
    // Deterministic.
    let again = dir.path().join("again.svg");
    bin()
        .arg("map")
        .arg("-o")
        .arg(&again)
        .args(files.iter().rev())
        .assert()
        .code(0);
    assert_eq!(std::fs::read(&svg).unwrap(), std::fs::read(&again).unwrap());
    bin()
        .arg("map")
        .arg("-o")
        .arg(dir.path().join("x.png"))
        .args(&files)
        .assert()
        .code(2)
        .stderr(contains("use a .svg or .html extension"));
}

#[test]
fn map_of_the_shared_tables_has_every_grid_and_pair() {
    let Some(tables) = shared_tables() else {
        return; // explicitly skipped with ISA_AUTHORITY_NO_SHARED=1
    };
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("flux.svg");
    bin()
        .arg("map")
        .arg("-o")
        .arg(&svg)
        .args(&tables)
        .assert()
        .code(0);
    let text = std::fs::read_to_string(&svg).unwrap();
    let n = tables.len();
    // n² heatmap cells, each with a "row × column" tooltip.
    assert_eq!(text.matches(" × ").count(), n * n);
    assert!(text.contains("10 numbering families of two or more"));
    // Every implementation has a grid heading; 256-number cells for an 8-bit space.
    assert!(text.contains("one cell = one opcode"));
    assert!(text.contains(">greenhorn-go-pkg-flux</text>"));
    let family = dir.path().join("families.svg");
    bin()
        .args(["map", "--by", "family", "-o"])
        .arg(&family)
        .args(&tables)
        .assert()
        .code(0);
    let text = std::fs::read_to_string(&family).unwrap();
    assert!(text.contains("18 members · "));
    assert!(text.contains("1 member · "));
    // The canonical table of all 71 needs 16 bits; the grids keep the implementations' 8-bit
    // space instead of folding everything into one cell.
    let canonical = dir.path().join("canonical.json");
    bin()
        .arg("arbitrate")
        .arg("-o")
        .arg(&canonical)
        .args(&tables)
        .assert()
        .code(0);
    let against = dir.path().join("against.svg");
    bin()
        .arg("map")
        .arg("--against")
        .arg(&canonical)
        .arg("-o")
        .arg(&against)
        .args(&tables)
        .assert()
        .code(0);
    let text = std::fs::read_to_string(&against).unwrap();
    assert!(text.contains("8-bit opcode space; grids compared with the table `canonical`"));
}
