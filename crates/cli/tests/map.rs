//! `map` through the binary: SVG and HTML pictures, references, determinism, bad extensions.

mod common;
use common::*;

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
    // The canonical table of all 71 has escape pages: the implementations keep their one-byte
    // grids, and the reference shows one grid per page.
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
    assert!(text.contains(
        "Reference: the table `canonical` (one-byte opcodes and escape pages 0xFA, 0xFB, 0xFC, 0xFD, 0xFE)"
    ));
    for page in ["one-byte", "page 0xFA", "page 0xFE"] {
        assert!(
            text.contains(&format!(">canonical · {page}</text>")),
            "{page}"
        );
    }
    assert!(!text.contains("page 0xFF"));
    assert!(text.contains("0xFA: escape prefix"));
    // The default reference is the voting arbitration; no implementation cell is green unless
    // that arbitration puts the instruction at that number.
    let default = std::fs::read_to_string(&svg).unwrap();
    let voting = dir.path().join("voting.json");
    bin()
        .args(["arbitrate", "--strategy", "voting", "-o"])
        .arg(&voting)
        .args(&tables)
        .assert()
        .code(0);
    let checked = assert_green_cells_agree(&default, &voting);
    assert!(checked > 1000, "{checked}");
}

/// The tooltips of the cells drawn green that name one use (`0x05 MOV`).
fn green_uses(svg: &str) -> Vec<(u32, String)> {
    let green = "fill=\"#1a9850\" stroke=\"#ffffff\" stroke-width=\"0.6\"><title>";
    svg.split(green)
        .skip(1)
        .filter_map(|rest| {
            let title = &rest[..rest.find("</title>").unwrap()];
            let (number, key) = title.split_once(' ')?;
            if key.contains(' ') || key.contains(':') {
                return None; // a reference cell ("… 3 of 3 tables …") or a mixed tooltip
            }
            let number = u32::from_str_radix(number.strip_prefix("0x")?, 16).ok()?;
            Some((number, key.to_string()))
        })
        .collect()
}

/// Every green single-use cell names an instruction the canonical table at `canonical` puts at
/// that number; returns how many were checked.
fn assert_green_cells_agree(svg: &str, canonical: &std::path::Path) -> usize {
    let table: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(canonical).unwrap()).unwrap();
    let at: std::collections::BTreeMap<u64, String> = table["opcodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| Some((e["opcode"].as_u64()?, e["mnemonic"].as_str()?.to_string())))
        .collect();
    let uses = green_uses(svg);
    for (number, key) in &uses {
        assert_eq!(
            at.get(&u64::from(*number)),
            Some(key),
            "0x{number:02X} {key} is green"
        );
    }
    uses.len()
}

#[test]
fn map_of_the_examples_draws_no_wrong_number_green() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("examples.svg");
    bin()
        .args(["map", "-o"])
        .arg(&svg)
        .arg(example(""))
        .assert()
        .code(0);
    let text = std::fs::read_to_string(&svg).unwrap();
    // The interpreter's HALT, RET and JMP sit elsewhere in the voting arbitration: red, and
    // the tooltip says where.
    let red = "fill=\"#d73027\" stroke=\"#ffffff\" stroke-width=\"0.6\"><title>";
    for cell in [
        "0x80 HALT (arbitrated has it at 0x00)",
        "0x28 RET (arbitrated has it at 0x02)",
        "0x04 JMP (arbitrated: IADD; JMP is at 0x43)",
    ] {
        assert!(text.contains(&format!("{red}{cell}</title>")), "{cell}");
    }
    assert!(!green_uses(&text)
        .iter()
        .any(|(n, k)| [(0x80, "HALT"), (0x28, "RET"), (0x04, "JMP")].contains(&(*n, k.as_str()))));
    // The grid's share is the share against the table `arbitrate --strategy voting` writes.
    let canonical = dir.path().join("voting.json");
    bin()
        .args(["arbitrate", "--strategy", "voting", "-o"])
        .arg(&canonical)
        .arg(example(""))
        .assert()
        .code(0);
    assert!(assert_green_cells_agree(&text, &canonical) > 30);
    let against = dir.path().join("against.svg");
    bin()
        .args(["map", "-o"])
        .arg(&against)
        .arg("--against")
        .arg(&canonical)
        .arg(example(""))
        .assert()
        .code(0);
    let share = |svg: &str| -> String {
        let heading = ">flux-interpreter</text><text x=\"0\" y=\"24\" font-size=\"9\" fill=\"#555555\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">";
        let rest = &svg[svg.find(heading).expect("the interpreter's grid") + heading.len()..];
        rest[..rest.find('<').unwrap()].to_string()
    };
    let against = std::fs::read_to_string(&against).unwrap();
    assert_eq!(share(&text), share(&against));
    // 2 of its 21 uses agree (STORE at 0x03, IMOD at 0x0A); the per-number majority said 62%.
    assert_eq!(share(&text), "10% agree · 21 ops");
}
