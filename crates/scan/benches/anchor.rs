//! `scan` against its anchor, tree-sitter parsing alone, on a real tree of source files.
//!
//! ```sh
//! cargo bench -p isa-scan --bench anchor -- DIR...            # both, alternating, 5 rounds
//! cargo bench -p isa-scan --bench anchor -- --rounds 3 DIR...
//! target/release/deps/anchor-HASH --parse-only DIR...       # one parse-only pass (for time -v)
//! ```
//!
//! The parse-only pass reads exactly the files `scan_paths` reads (`source_files`, the same
//! size limit), with the same grammars, in parallel with one parser per rayon thread, and
//! drops each tree: everything `scan` must do at the least. Both passes run in the same
//! process, alternating, so the ratio printed is measured under the same load. Whole-process
//! figures come from `/usr/bin/time -v isa-authority scan DIR` beside `--parse-only DIR`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use isa_scan::{scan_paths, source_files, Lang, ScanOptions};
use rayon::prelude::*;

/// Parses every file the scanner would read and returns (files parsed, bytes parsed).
fn parse_only(paths: &[PathBuf], options: &ScanOptions) -> (usize, u64) {
    let (files, _) = source_files(paths);
    files
        .par_iter()
        .map_init(tree_sitter::Parser::new, |parser, f| {
            let Some(lang) = Lang::from_path(f) else {
                return (0, 0);
            };
            let Ok(meta) = std::fs::metadata(f) else {
                return (0, 0);
            };
            if meta.len() > options.max_file_bytes {
                return (0, 0);
            }
            let Ok(text) = std::fs::read_to_string(f) else {
                return (0, 0);
            };
            if parser.set_language(&lang.grammar()).is_err() {
                return (0, 0);
            }
            let tree = parser.parse(&text, None);
            if std::env::var_os("ANCHOR_NODES").is_some() {
                if let Some(t) = &tree {
                    eprintln!(
                        "{}: {} nodes",
                        f.display(),
                        t.root_node().descendant_count()
                    );
                }
            }
            (usize::from(tree.is_some()), text.len() as u64)
        })
        .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1))
}

/// CPU time of the whole process so far (all threads): robust to other load on the machine,
/// where wall time is not.
fn cpu() -> Duration {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ProcessCPUTime);
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let mut rounds = 5usize;
    let mut only_parse = false;
    let mut only_scan = false;
    let mut per_file = false;
    let mut paths = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--rounds" => rounds = args.next().and_then(|n| n.parse().ok()).unwrap_or(rounds),
            "--parse-only" => only_parse = true,
            "--scan-only" => only_scan = true,
            "--per-file" => per_file = true,
            // `cargo bench` passes `--bench`; other harness flags mean nothing here.
            a if a.starts_with("--") => {}
            a => paths.push(PathBuf::from(a)),
        }
    }
    if paths.is_empty() {
        eprintln!("usage: anchor [--rounds N] [--parse-only|--scan-only] DIR...");
        return;
    }
    let options = ScanOptions::default();
    if only_parse {
        let (n, bytes) = parse_only(&paths, &options);
        println!("parsed {n} files, {bytes} bytes");
        return;
    }
    if per_file {
        // The ten files that take `scan` longest, each beside its parse alone.
        let (files, _) = source_files(&paths);
        let mut rows = Vec::new();
        for f in &files {
            let Ok(text) = std::fs::read_to_string(f) else {
                continue;
            };
            let Some(lang) = Lang::from_path(f) else {
                continue;
            };
            let t = Instant::now();
            let _ = isa_scan::scan_source(f, &text, &options);
            let scan = t.elapsed();
            let mut parser = tree_sitter::Parser::new();
            parser.set_language(&lang.grammar()).unwrap();
            let t = Instant::now();
            let _ = parser.parse(&text, None);
            rows.push((scan, t.elapsed(), text.len(), f.clone()));
        }
        rows.sort();
        for (s, p, n, f) in rows.iter().rev().take(10) {
            println!(
                "{:8.3} s scan {:8.3} s parse {n:9} bytes {}",
                s.as_secs_f64(),
                p.as_secs_f64(),
                f.display()
            );
        }
        return;
    }
    if only_scan {
        let out = scan_paths(&paths, &options);
        println!("{} tables, {} notes", out.tables.len(), out.notes.len());
        return;
    }
    let (mut parse, mut scan) = (Vec::new(), Vec::new());
    let (mut parse_cpu, mut scan_cpu) = (Vec::new(), Vec::new());
    let (mut files, mut bytes, mut tables) = (0, 0, 0);
    for _ in 0..rounds {
        let (t, c) = (Instant::now(), cpu());
        (files, bytes) = parse_only(&paths, &options);
        parse.push(t.elapsed());
        parse_cpu.push(cpu() - c);
        let (t, c) = (Instant::now(), cpu());
        tables = scan_paths(&paths, &options).tables.len();
        scan.push(t.elapsed());
        scan_cpu.push(cpu() - c);
    }
    let (p, s) = (median(parse), median(scan));
    let (pc, sc) = (median(parse_cpu), median(scan_cpu));
    let mb = bytes as f64 / 1e6;
    println!(
        "{files} files, {mb:.1} MB, {tables} tables; median of {rounds}:\n  \
         parse only: wall {:.3} s ({:.1} MB/s), CPU {:.3} s\n  \
         scan:       wall {:.3} s ({:.1} MB/s), CPU {:.3} s\n  \
         scan / parse: wall {:.2}, CPU {:.2}",
        p.as_secs_f64(),
        mb / p.as_secs_f64(),
        pc.as_secs_f64(),
        s.as_secs_f64(),
        mb / s.as_secs_f64(),
        sc.as_secs_f64(),
        s.as_secs_f64() / p.as_secs_f64(),
        sc.as_secs_f64() / pc.as_secs_f64(),
    );
}
