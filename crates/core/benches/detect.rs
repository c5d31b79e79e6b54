//! Conflict detection throughput: 1,000 implementations × 256 opcodes, 64 × 65,536 (a 16-bit
//! space), and a size sweep that shows detection is linear in the number of entries.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use isa_core::{detect, CheckOptions, Entry, Table};

/// Deterministic synthetic ecosystem: every implementation starts from one base numbering and
/// drifts — with `drift` 1, about 1 in 16 instructions renumbered, 1 in 32 renamed, 1 in 64
/// with another layout, as the real tables do; larger `drift` divides those rates. With 64 or 1,000 drifting implementations almost every number
/// and mnemonic ends up in a conflict listing every implementation, so this also measures
/// building a very large report.
fn ecosystem(implementations: usize, slots: u32, drift: u64) -> Vec<Table> {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let letters = ["A", "B", "C", "D", "E", "F", "G"];
    (0..implementations)
        .map(|i| {
            let entries = (0..slots)
                .map(|op| {
                    let r = next();
                    let opcode = if r % (16 * drift) == 0 {
                        (r >> 8) as u32 % slots
                    } else {
                        op
                    };
                    let name = if r % (32 * drift) == 1 {
                        format!("OP{op}_{i}")
                    } else {
                        format!("OP{op}")
                    };
                    let mut e = Entry::new(opcode, &name);
                    let letter = if r % (64 * drift) == 2 {
                        (r >> 20) as usize
                    } else {
                        op as usize / 37
                    };
                    e.format = Some(letters[letter % 7].into());
                    e
                })
                .collect();
            Table {
                entries,
                ..Table::new(&format!("impl-{i:04}"))
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let options = CheckOptions::new();
    let mut group = c.benchmark_group("detect");
    group.sample_size(10);
    for (implementations, slots, drift) in
        [(1000usize, 256u32, 1u64), (64, 65_536, 1), (64, 65_536, 64)]
    {
        let tables = ecosystem(implementations, slots, drift);
        group.throughput(Throughput::Elements(
            implementations as u64 * u64::from(slots),
        ));
        group.bench_with_input(
            BenchmarkId::new(
                "ecosystem",
                format!("{implementations}x{slots}/drift-1-in-{}", 16 * drift),
            ),
            &tables,
            |b, t| b.iter(|| detect(t, &options)),
        );
    }
    group.finish();

    let mut sweep = c.benchmark_group("detect-linearity");
    sweep.sample_size(10);
    for implementations in [125usize, 250, 500, 1000] {
        let tables = ecosystem(implementations, 256, 1);
        sweep.throughput(Throughput::Elements(implementations as u64 * 256));
        sweep.bench_with_input(
            BenchmarkId::from_parameter(implementations * 256),
            &tables,
            |b, t| b.iter(|| detect(t, &options)),
        );
    }
    sweep.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
