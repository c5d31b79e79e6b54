//! Loading tables: 65,536 and 1,000,000 entries, indented and minified JSON, and TOML. Loading
//! must be linear in the size of the text whatever its shape: every entry's line and column
//! comes from a line index with character counts per block, so a one-line (minified) file costs
//! what an indented one does. These tables are of the common shape, which `parse_table` reads in
//! one pass; `*-general-reader` times the value tree and its walker on the same text. The anchor is `serde_json` parsing the same text into an ignored
//! value — serde_json's syntax check alone, the least a strict reader does (the reader itself
//! no longer runs it first: its tree builder checks the syntax in the same pass).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use isa_core::{Entry, Table};
use isa_io::{parse_table, table_to_json, table_to_toml, TableFormat};

fn table(entries: usize) -> Table {
    let letters = ["A", "B", "C", "D", "E", "F", "G"];
    Table {
        entries: (0..entries)
            .map(|i| {
                let mut e = Entry::new((i % 256) as u32, &format!("OP_{i}"))
                    .with_format(letters[i % letters.len()]);
                e.category = Some("arith".into());
                e
            })
            .collect(),
        ..Table::new("bench")
    }
}

fn load(c: &mut Criterion) {
    let mut group = c.benchmark_group("load");
    group.sample_size(10);
    for entries in [65_536usize, 1_000_000] {
        let t = table(entries);
        let value = table_to_json(&t);
        let shapes = [
            (
                "json-indented",
                serde_json::to_string_pretty(&value).unwrap(),
                TableFormat::Json,
            ),
            (
                "json-minified",
                serde_json::to_string(&value).unwrap(),
                TableFormat::Json,
            ),
            ("toml", table_to_toml(&t), TableFormat::Toml),
        ];
        for (shape, text, format) in &shapes {
            group.throughput(Throughput::Bytes(text.len() as u64));
            group.bench_with_input(BenchmarkId::new(*shape, entries), text, |b, text| {
                b.iter(|| parse_table("bench", text, *format).unwrap())
            });
            if *format == TableFormat::Json {
                // The same text through the value tree and its walker alone, as every JSON
                // table was read before the one-pass reader of the common shape.
                group.bench_with_input(
                    BenchmarkId::new(format!("{shape}-general-reader"), entries),
                    text,
                    |b, text| {
                        b.iter(|| {
                            isa_io::read::parse_table_general("bench", text, *format).unwrap()
                        })
                    },
                );
                group.bench_with_input(
                    BenchmarkId::new(format!("{shape}-serde-syntax-only"), entries),
                    text,
                    |b, text| {
                        b.iter(|| serde_json::from_str::<serde::de::IgnoredAny>(text).unwrap())
                    },
                );
            }
        }
    }
    group.finish();
}

criterion_group!(benches, load);
criterion_main!(benches);
