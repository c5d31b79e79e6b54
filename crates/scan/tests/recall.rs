//! Recall and precision over (file, mnemonic, value) on fixtures in every source style the
//! FLUX ecosystem uses, each with distractor constants beside the opcode tables. The expected
//! triples live next to each fixture in `NAME.expected` (one `MNEMONIC VALUE` per line, for
//! instructions: reserved slots are not expected there); the
//! scanner's whole output for each fixture (every table's symbol and confidence, every entry's
//! mnemonic, value, reserved flag and line) is blessed in `NAME.snapshot` beside it, and
//! `ISA_BLESS=1` rewrites the snapshots from the actual output.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use isa_scan::{scan_paths, ScanOptions};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn expected() -> BTreeSet<(String, String, u32)> {
    let mut out = BTreeSet::new();
    let (files, _) = isa_scan::source_files(&[fixtures()]);
    assert!(files.len() >= 20, "fixtures missing: {}", files.len());
    for f in files {
        let exp = PathBuf::from(format!("{}.expected", f.display()));
        let text =
            std::fs::read_to_string(&exp).unwrap_or_else(|e| panic!("{}: {e}", exp.display()));
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let (m, v) = line.split_once(' ').expect("MNEMONIC VALUE");
            let v = isa_scan::eval::parse_int_literal(v).expect("value") as u32;
            out.insert((f.display().to_string(), m.to_string(), v));
        }
    }
    out
}

#[test]
fn recall_and_precision_on_fixtures() {
    let want = expected();
    let outcome = scan_paths(&[fixtures()], &ScanOptions::default());
    assert!(outcome.notes.is_empty(), "{:?}", outcome.notes);
    let mut got = BTreeSet::new();
    for t in &outcome.tables {
        // Reservations are not instructions (the snapshots pin them, flagged).
        for e in t.table.entries.iter().filter(|e| !e.reserved) {
            got.insert((
                t.table.source_path.clone().unwrap(),
                e.mnemonic.as_deref().unwrap().to_string(),
                e.opcode,
            ));
        }
    }
    // Per fixture: recall and precision of that file alone.
    let files: BTreeSet<&String> = want.iter().chain(&got).map(|(f, _, _)| f).collect();
    let root = fixtures().display().to_string();
    for f in files {
        let w: BTreeSet<_> = want.iter().filter(|t| &t.0 == f).collect();
        let g: BTreeSet<_> = got.iter().filter(|t| &t.0 == f).collect();
        let h = w.intersection(&g).count() as f64;
        println!(
            "fixture {:<34} expected {:4} found {:4} recall {:.3} precision {:.3}",
            f.strip_prefix(&root).unwrap_or(f).trim_start_matches('/'),
            w.len(),
            g.len(),
            h / w.len().max(1) as f64,
            if g.is_empty() {
                1.0
            } else {
                h / g.len() as f64
            }
        );
    }
    let hits = got.intersection(&want).count() as f64;
    let recall = hits / want.len() as f64;
    let precision = hits / got.len().max(1) as f64;
    for miss in want.difference(&got) {
        println!("missed:   {miss:?}");
    }
    for extra in got.difference(&want) {
        println!("spurious: {extra:?}");
    }
    println!(
        "fixtures: {} expected, {} found, recall {recall:.3}, precision {precision:.3}",
        want.len(),
        got.len()
    );
    assert!(recall >= 0.95, "recall {recall:.3}");
    assert!(precision >= 0.95, "precision {precision:.3}");
}

/// Specification sections that list mnemonics without a value column but announce their
/// block's range in the heading are numbered from that range; sections whose heading names
/// no range, two ranges, or fewer slots than rows stay unnumbered.
#[test]
fn heading_range_numbers_value_less_markdown_tables() {
    let file = fixtures().join("md").join("ranged.md");
    let want: BTreeSet<(String, String, u32)> = expected()
        .into_iter()
        .filter(|(f, _, _)| f == &file.display().to_string())
        .collect();
    assert_eq!(want.len(), 8, "fixture expectations");
    let outcome = scan_paths(std::slice::from_ref(&file), &ScanOptions::default());
    let got: BTreeSet<(String, String, u32)> = outcome
        .tables
        .iter()
        .flat_map(|t| {
            t.table.entries.iter().map(|e| {
                (
                    t.table.source_path.clone().unwrap(),
                    e.mnemonic.as_deref().unwrap().to_string(),
                    e.opcode,
                )
            })
        })
        .collect();
    assert_eq!(got, want);
}

/// Names are text: a string-keyed table entry whose name holds a control character (here an
/// ANSI escape) names no instruction and is dropped, so it can never reach a terminal.
#[test]
fn names_with_control_characters_are_dropped() {
    let text = "OPCODES = {\n  \"HALT\": 0x00,\n  \"NOP\": 0x01,\n  \"ADD\\x1b[2J\": 0x02,\n  \"SUB\": 0x03,\n  \"MUL\": 0x04,\n}\n";
    let tables = isa_scan::scan_source(
        std::path::Path::new("ops.py"),
        text,
        &isa_scan::ScanOptions::default(),
    )
    .unwrap();
    assert_eq!(tables.len(), 1);
    let names: Vec<&str> = tables[0]
        .table
        .entries
        .iter()
        .filter_map(|e| e.mnemonic.as_deref())
        .collect();
    assert_eq!(names, ["HALT", "NOP", "SUB", "MUL"]);
}

/// Nesting is bounded before any walk: a file nested thousands deep (which once took minutes,
/// quadratic in the depth, or overflowed the stack) is skipped at once with a reason.
#[test]
fn deeply_nested_files_are_skipped_not_walked() {
    let deep = format!("X = {}{}\n", "[".repeat(20_000), "]".repeat(20_000));
    let err = isa_scan::scan_source(
        std::path::Path::new("deep.py"),
        &deep,
        &isa_scan::ScanOptions::default(),
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("nested more than 400 levels"),
        "{err}"
    );
    let long = format!("X = {}\n", vec!["1"; 50_000].join(" + "));
    assert!(isa_scan::scan_source(
        std::path::Path::new("long.py"),
        &long,
        &isa_scan::ScanOptions::default()
    )
    .is_err());
}

/// Shapes that were quadratic: each member once asked tree-sitter for its parent (which walks
/// down from the root past every earlier sibling) or asked its container for a field (which
/// scans every member). Each is now linear; at these sizes the quadratic versions took from
/// half a minute to several minutes, so a regression shows as a stalled test, and the
/// `scan` benchmark times them.
#[test]
fn long_blocks_are_read_whole() {
    let n = 20_000;
    let cases = [
        // A Go const block whose specs chain through each other.
        (
            "chain.go",
            format!(
                "package vm\nconst (\n\tOp0 = 0\n{})\n",
                (1..n)
                    .map(|i| format!("\tOp{i} = Op{} + 1\n", i - 1))
                    .collect::<String>()
            ),
        ),
        // A TypeScript enum of 20,000 members.
        (
            "big.ts",
            format!(
                "export enum Opcode {{\n{}}}\n",
                (0..n)
                    .map(|i| format!("  OP{i} = {i},\n"))
                    .collect::<String>()
            ),
        ),
        // A Rust enum whose every variant carries doc comments (anonymous nodes in bulk).
        (
            "docs.rs",
            format!(
                "#[repr(u8)]\npub enum Op {{\n{}}}\n",
                (0..n)
                    .map(|i| format!(
                        "    /// Op {i}.\n    /// Format A.\n    Op{i} = {},\n",
                        i % 256
                    ))
                    .collect::<String>()
            ),
        ),
    ];
    for (name, text) in cases {
        let tables = isa_scan::scan_source(
            std::path::Path::new(name),
            &text,
            &isa_scan::ScanOptions {
                min_confidence: 0.0,
                ..isa_scan::ScanOptions::default()
            },
        )
        .unwrap();
        let entries: usize = tables.iter().map(|t| t.table.entries.len()).sum();
        assert!(entries >= n / 2, "{name}: {entries} entries");
    }
    // The chain's values are all resolved, in order.
    let text = format!(
        "package vm\nconst (\n\tOp0 = 0\n{})\n",
        (1..200)
            .map(|i| format!("\tOp{i} = Op{} + 1\n", i - 1))
            .collect::<String>()
    );
    let tables = isa_scan::scan_source(
        std::path::Path::new("chain.go"),
        &text,
        &isa_scan::ScanOptions {
            min_confidence: 0.0,
            ..isa_scan::ScanOptions::default()
        },
    )
    .unwrap();
    let values: Vec<u32> = tables[0].table.entries.iter().map(|e| e.opcode).collect();
    assert_eq!(values, (0..200).collect::<Vec<u32>>());
}

/// A grammar's error recovery on text in another language is super-linear inside tree-sitter
/// itself (100,000 `#define` lines saved as `.java` took minutes); the parse is stopped after
/// `parse_timeout` of CPU time and the file is skipped with a reason.
#[test]
fn a_parse_over_its_cpu_budget_is_abandoned_with_a_reason() {
    let text: String = (0..20_000)
        .map(|i| format!("#define OP_{i} (OP_{} + 1)\n", i.max(1) - 1))
        .collect();
    let options = isa_scan::ScanOptions {
        parse_timeout: std::time::Duration::from_millis(20),
        ..isa_scan::ScanOptions::default()
    };
    let err = isa_scan::scan_source(std::path::Path::new("ops.java"), &text, &options).unwrap_err();
    assert!(
        matches!(err, isa_scan::ScanError::ParseTimeout { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("gave up after 0.02 s"), "{err}");
    // The same text as what it is parses well inside the default budget.
    assert!(isa_scan::scan_source(
        std::path::Path::new("ops.h"),
        &text,
        &isa_scan::ScanOptions::default()
    )
    .is_ok());
}

/// The scanner's whole output for one file, as a snapshot reads it: one `table SYMBOL
/// CONFIDENCE` line per table (confidence to two decimals), then one `MNEMONIC VALUE LINE` line
/// per entry (value in hex; `reserved` appended for a reservation).
fn snapshot_text(tables: &[isa_scan::ScannedTable]) -> String {
    let mut out = String::new();
    for t in tables {
        out.push_str(&format!("table {} {:.2}\n", t.symbol, t.confidence));
        for e in &t.table.entries {
            out.push_str(&format!(
                "  {} 0x{:02X} {}{}\n",
                e.mnemonic.as_deref().unwrap_or("-"),
                e.opcode,
                e.location.as_ref().map_or(0, |l| l.line),
                if e.reserved { " reserved" } else { "" }
            ));
        }
    }
    if out.is_empty() {
        out.push_str("no tables\n");
    }
    out
}

/// Data-driven: each fixture's full scan output must equal its blessed `NAME.snapshot`, so any
/// change to what the scanner finds (a table more or less, a confidence moving, an entry's
/// value, line or reservation) shows as a diff to review. `ISA_BLESS=1` rewrites the snapshots.
#[test]
fn every_fixture_matches_its_snapshot() {
    let bless = std::env::var_os("ISA_BLESS").is_some();
    let (files, _) = isa_scan::source_files(&[fixtures()]);
    let mut failures = Vec::new();
    for f in &files {
        let outcome = scan_paths(std::slice::from_ref(f), &ScanOptions::default());
        assert!(outcome.notes.is_empty(), "{:?}", outcome.notes);
        let actual = snapshot_text(&outcome.tables);
        let snap = PathBuf::from(format!("{}.snapshot", f.display()));
        if bless {
            std::fs::write(&snap, &actual).unwrap();
            continue;
        }
        match std::fs::read_to_string(&snap) {
            Ok(want) if want == actual => {}
            Ok(want) => failures.push(format!(
                "{} differs (ISA_BLESS=1 to accept)\n{}",
                snap.display(),
                line_diff(&want, &actual)
            )),
            Err(_) => failures.push(format!(
                "{}: missing (ISA_BLESS=1 to create)\n{actual}",
                snap.display()
            )),
        }
    }
    // A snapshot whose fixture is gone is stale.
    for entry in walk(&fixtures()) {
        if let Some(src) = entry.to_str().and_then(|s| s.strip_suffix(".snapshot")) {
            if !Path::new(src).is_file() {
                failures.push(format!("{}: no fixture beside it", entry.display()));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Parsing in pieces (what a file larger than `chunk_bytes` gets) must not change what is
/// found: every fixture, cut at every place `scan` may cut it (pieces of one byte or more),
/// gives exactly its whole-file snapshot. The fixtures hold every style of table, so this
/// covers module-level constants cut in two, constants used pieces later, and records.
#[test]
fn every_fixture_parsed_in_pieces_matches_its_snapshot() {
    let (files, _) = isa_scan::source_files(&[fixtures()]);
    let pieces = ScanOptions {
        chunk_bytes: 1,
        ..ScanOptions::default()
    };
    let mut failures = Vec::new();
    let (mut cut_files, mut total_cuts) = (0, 0);
    for f in &files {
        let whole = scan_paths(std::slice::from_ref(f), &ScanOptions::default());
        let cut = scan_paths(std::slice::from_ref(f), &pieces);
        assert!(cut.notes.is_empty(), "{:?}", cut.notes);
        let (want, got) = (snapshot_text(&whole.tables), snapshot_text(&cut.tables));
        if want != got {
            failures.push(format!(
                "{} parsed in pieces differs\n{}",
                f.display(),
                line_diff(&want, &got)
            ));
        }
        let text = std::fs::read_to_string(f).unwrap();
        let cuts = isa_scan::piece_cuts(f, &text, 1).len();
        if cuts > 0 {
            cut_files += 1;
            total_cuts += cuts;
        }
    }
    // Most fixtures are cut (Markdown and JSON never are), most of them many times.
    assert!(
        cut_files >= 50 && total_cuts >= 150,
        "only {cut_files} fixtures cut, {total_cuts} cuts"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Lines only in the expected text (`-`) and only in the actual one (`+`), in order.
fn line_diff(want: &str, got: &str) -> String {
    let w: Vec<&str> = want.lines().collect();
    let g: Vec<&str> = got.lines().collect();
    // Longest common subsequence, enough for files of a few hundred lines.
    let mut lcs = vec![vec![0usize; g.len() + 1]; w.len() + 1];
    for i in (0..w.len()).rev() {
        for j in (0..g.len()).rev() {
            lcs[i][j] = if w[i] == g[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, String::new());
    while i < w.len() || j < g.len() {
        if i < w.len() && j < g.len() && w[i] == g[j] {
            i += 1;
            j += 1;
        } else if j < g.len() && (i == w.len() || lcs[i][j + 1] >= lcs[i + 1][j]) {
            out.push_str(&format!("+ {}\n", g[j]));
            j += 1;
        } else {
            out.push_str(&format!("- {}\n", w[i]));
            i += 1;
        }
    }
    out
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
