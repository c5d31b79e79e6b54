//! Arbitration and lineage on synthetic drifted ecosystems: 50 implementations over a 256-slot
//! and a 65,536-slot opcode space.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use isa_arbitrate::{arbitrate, lineages, LineageOptions, Options, Strategy};
use isa_core::{Entry, Table};

/// A small deterministic generator (SplitMix64), so runs compare like with like.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// `impls` tables drawn from one base numbering of `vocabulary` instructions in a space of
/// `space` numbers: each keeps ~80% of the base, renumbers ~5% of what it keeps to random
/// numbers, and adds a few instructions of its own.
fn ecosystem(impls: usize, vocabulary: usize, space: u64, seed: u64) -> Vec<Table> {
    let mut rng = Rng(seed);
    let mut base: Vec<u32> = Vec::with_capacity(vocabulary);
    let mut used = std::collections::HashSet::new();
    while base.len() < vocabulary {
        let n = if space <= 256 {
            base.len() as u64
        } else {
            rng.below(space)
        } as u32;
        if used.insert(n) {
            base.push(n);
        }
    }
    (0..impls)
        .map(|i| {
            let mut t = Table::new(&format!("vm-{i:02}"));
            for (k, &n) in base.iter().enumerate() {
                if rng.below(100) < 80 {
                    let number = if rng.below(100) < 5 {
                        rng.below(space) as u32
                    } else {
                        n
                    };
                    t.entries.push(Entry::new(number, &format!("OP{k}")));
                }
            }
            for j in 0..3 {
                t.entries
                    .push(Entry::new(rng.below(space) as u32, &format!("X{i}_{j}")));
            }
            t
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let small = ecosystem(50, 200, 256, 1);
    let large = ecosystem(50, 5000, 65_536, 2);
    let mut group = c.benchmark_group("arbitrate");
    for (name, tables) in [("256-slot", &small), ("65536-slot", &large)] {
        for strategy in [Strategy::Optimal, Strategy::Voting, Strategy::Oldest] {
            group.bench_with_input(
                BenchmarkId::new(strategy.as_str(), name),
                tables,
                |b, tables| b.iter(|| arbitrate(tables, &Options::new(strategy)).unwrap()),
            );
        }
    }
    group.finish();
    let mut group = c.benchmark_group("lineage");
    for (name, tables) in [("256-slot", &small), ("65536-slot", &large)] {
        group.bench_with_input(BenchmarkId::from_parameter(name), tables, |b, tables| {
            b.iter(|| lineages(tables, &LineageOptions::default()).unwrap())
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = bench
}
criterion_main!(benches);
