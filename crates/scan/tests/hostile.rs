//! No hostile source file crashes `scan`, hangs it or is read wrong: deep nesting of every
//! bracket and block kind (past the depth limit), 100,000-deep lists, long expression chains,
//! huge flat tables and single lines, unclosed brackets, in every language the scanner reads
//! (`support/hostile.rs` generates them at test time). Each gives a clean result or a note
//! naming the file, and a flat table is read in full. A stack overflow would abort this test
//! binary; that the sizes stay linear is the bench's job (`benches/hostile.rs`).

mod support;

use std::collections::BTreeSet;

use isa_scan::{scan_paths, ScanOptions, MAX_SCAN_DEPTH};
use support::hostile::{corpus, Expect, EXTENSIONS};

/// Depth and chain length: well past the limit, small enough for a debug build.
const DEPTH: usize = 2_000;
/// Members of each flat table.
const MEMBERS: usize = 500;

#[test]
fn hostile_files_give_tables_or_notes_never_a_crash() {
    let cases = corpus(DEPTH, MEMBERS);
    // Every language is exercised.
    let exts: BTreeSet<&str> = cases
        .iter()
        .filter_map(|c| c.name.rsplit('.').next())
        .collect();
    assert_eq!(exts.len(), EXTENSIONS.len(), "{exts:?}");

    let dir = tempfile::tempdir().unwrap();
    for c in &cases {
        std::fs::write(dir.path().join(&c.name), &c.text).unwrap();
    }
    // Generous limits: the bound on a slow parse is the CPU budget, and a debug build on a
    // shared machine is slow; the size limit must not hide the large cases.
    let options = ScanOptions {
        max_file_bytes: 64 << 20,
        parse_timeout: std::time::Duration::from_secs(20),
        ..ScanOptions::default()
    };
    let outcome = scan_paths(&[dir.path().to_path_buf()], &options);

    let mut failures = Vec::new();
    for c in &cases {
        let path = dir.path().join(&c.name);
        let note = outcome.notes.iter().find(|n| n.path == path);
        let tables: Vec<_> = outcome
            .tables
            .iter()
            .filter(|t| t.table.source_path.as_deref() == Some(path.to_str().unwrap()))
            .collect();
        let ok = match c.expect {
            Expect::TooDeep => note.is_some_and(|n| {
                n.message
                    .contains(&format!("nested more than {MAX_SCAN_DEPTH} levels deep"))
            }),
            Expect::Table(n) => {
                note.is_none()
                    && tables.len() == 1
                    && tables[0].table.entries.len() == n
                    && tables[0].table.entries.iter().enumerate().all(|(i, e)| {
                        e.opcode == i as u32 && e.mnemonic.as_deref() == Some(&format!("OP{i}"))
                    })
            }
            // A note must say why, and never be "unreadable" (the text is plain UTF-8).
            Expect::Clean => {
                note.is_none_or(|n| n.message.starts_with("skipped: ") && !n.unreadable)
            }
        };
        // What each case gave, for `--nocapture`.
        println!(
            "{:<24} {:>9} bytes: {}",
            c.name,
            c.text.len(),
            match note {
                Some(n) => n.message.clone(),
                None => format!("{} tables", tables.len()),
            }
        );
        if !ok {
            failures.push(format!(
                "{}: expected {:?}, got note {:?} and {} tables ({:?} entries)",
                c.name,
                c.expect,
                note.map(|n| &n.message),
                tables.len(),
                tables
                    .iter()
                    .map(|t| t.table.entries.len())
                    .collect::<Vec<_>>()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
