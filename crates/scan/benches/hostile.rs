//! `scan_source` on hostile files (`tests/support/hostile.rs`): time must grow linearly with
//! nesting depth and with file size.
//!
//! ```sh
//! cargo bench -p isa-scan --bench hostile -- --warm-up-time 1 --measurement-time 2
//! ```
//!
//! Depth 1k–16k: brackets (refused by the bracket pre-check before parsing), a call chain and
//! an operator chain (one bracket deep, a tree as deep as the chain: parsed, then refused by
//! the walk that lays the tree out), Ruby `begin … end` blocks (no brackets at all). Size
//! 256 kB–2 MB: a Go `const` block of one constant a line, and a C enum on one line; both
//! are read in full (the tables are checked once before timing). (8 MB would be twice the
//! default size limit, and at ten samples each would take minutes.)

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use isa_scan::{scan_source, ScanError, ScanOptions};

#[path = "../tests/support/hostile.rs"]
mod hostile;

use hostile::{chain, flat_table, nest, wrap};

/// A shape's name, the file name that picks its language, and its text at a depth.
type Shape = (&'static str, &'static str, fn(usize) -> String);

fn depth(c: &mut Criterion) {
    let options = ScanOptions::default();
    let shapes: [Shape; 4] = [
        ("c_parens", "x.c", |d| {
            wrap("c", &nest("(", "1", ")", d, false))
        }),
        ("ts_calls", "x.ts", |d| {
            wrap("ts", &format!("a{}", ".f()".repeat(d)))
        }),
        ("py_plus", "x.py", |d| wrap("py", &chain("a", " + ", d))),
        ("rb_blocks", "x.rb", |d| {
            nest("begin\n", "1\n", "end\n", d, false)
        }),
    ];
    let mut g = c.benchmark_group("scan_depth");
    g.sample_size(10);
    for (name, file, make) in shapes {
        for d in [1_000, 2_000, 4_000, 8_000, 16_000] {
            let text = make(d);
            let path = std::path::Path::new(file);
            // Every one of these is past the depth limit and refused, not read.
            assert!(
                matches!(
                    scan_source(path, &text, &options),
                    Err(ScanError::TooDeep { .. })
                ),
                "{name} at {d}"
            );
            g.throughput(Throughput::Bytes(text.len() as u64));
            g.bench_with_input(BenchmarkId::new(name, d), &text, |b, text| {
                b.iter(|| scan_source(path, text, &options))
            });
        }
    }
    g.finish();
}

fn size(c: &mut Criterion) {
    let options = ScanOptions::default();
    let mut g = c.benchmark_group("scan_size");
    g.sample_size(10);
    for (name, ext, one_line) in [
        ("go_const_block", "go", false),
        ("c_enum_one_line", "c", true),
    ] {
        // Members per kilobyte, from a sample.
        let per_kb = 1_000 * 1_000 / flat_table(ext, 1_000, one_line).len();
        for kb in [256, 512, 1024, 2048] {
            let n = per_kb * kb;
            let text = flat_table(ext, n, one_line);
            let path = std::path::PathBuf::from(format!("x.{ext}"));
            let tables = scan_source(&path, &text, &options).unwrap();
            assert_eq!(tables.len(), 1, "{name} at {kb} kB");
            assert_eq!(tables[0].table.entries.len(), n, "{name} at {kb} kB");
            g.throughput(Throughput::Bytes(text.len() as u64));
            g.bench_with_input(
                BenchmarkId::new(name, format!("{kb}kB")),
                &text,
                |b, text| b.iter(|| scan_source(&path, text, &options).unwrap()),
            );
        }
    }
    g.finish();
}

criterion_group!(benches, depth, size);
criterion_main!(benches);
