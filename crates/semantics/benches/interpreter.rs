//! Interpreter throughput and the conformance runner's cost per vector.
//!
//! * `interpret/countdown`: the built-in flux-runtime-python semantics on a loop (`DEC R1; JNZ
//!   R1, -6` from R1 = 500,000): 1,000,001 instructions per run, so the figure is instructions per
//!   second of decode + compiled-semantics execution.
//! * `interpret/arith`: straight-line arithmetic (MOVI, IADD, IMUL, ISUB with flags, repeated
//!   to 64 KiB of code), then HALT.
//! * `vectors/register`, `vectors/stack`: every vector of a shared file through the built-in
//!   runner's per-vector path (initial state, run, final state as JSON, comparison), semantics
//!   attached once — the in-process overhead per vector (`Throughput::Elements` = vectors).
//!
//! Needs `../shared/flux` beside the repository.

use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use isa_core::Aliases;
use isa_semantics::conformance::{compare, read_vectors};
use isa_semantics::json::{apply_init, outcome_json};
use isa_semantics::{parse, Semantics, Stop};

fn flux(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/flux")
        .join(path)
}

fn semantics(table: &str) -> Semantics {
    let table = isa_io::load_table(&flux(&format!("tables/{table}.json"))).unwrap();
    let (name, text) = isa_semantics::builtin(&table.implementation).unwrap();
    Semantics::attach(parse(name, text).unwrap(), &table, &Aliases::new()).unwrap()
}

fn interpret(c: &mut Criterion) {
    let sem = semantics("flux-runtime-python");
    // MOVI R1, 500000 does not fit imm16: start from 0x7A12 << 4 via ISHL.
    let mut countdown = vec![0x2b, 1, 0x12, 0x7a, 0x2b, 2, 4, 0, 0x14, 1, 1, 2];
    countdown.extend([0x0f, 1, 0x06, 1, 0xfa, 0xff, 0x80]);
    let out = sem.run(&countdown, sem.initial_state(), u64::MAX);
    assert_eq!(out.stop, Stop::Halted);
    let steps = out.state.steps;
    let mut g = c.benchmark_group("interpret");
    g.throughput(Throughput::Elements(steps));
    g.bench_function("countdown", |b| {
        b.iter(|| sem.run(&countdown, sem.initial_state(), u64::MAX))
    });
    let mut arith = Vec::new();
    while arith.len() < 65536 {
        arith.extend([
            0x2b, 1, 7, 0, 0x2b, 2, 6, 0, 0x08, 3, 1, 2, 0x0a, 4, 3, 1, 0x09, 5, 4, 2,
        ]);
    }
    arith.push(0x80);
    let steps = sem.run(&arith, sem.initial_state(), u64::MAX).state.steps;
    g.throughput(Throughput::Elements(steps));
    g.bench_function("arith", |b| {
        b.iter(|| sem.run(&arith, sem.initial_state(), u64::MAX))
    });
    g.finish();
}

fn vectors(c: &mut Criterion) {
    let mut g = c.benchmark_group("vectors");
    for (name, table, file) in [
        (
            "register",
            "flux-runtime-python",
            "flux-runtime-python-vectors.json",
        ),
        (
            "stack",
            "flux-conformance-reference-vm",
            "flux-conformance-stack-vectors-v2.1.json",
        ),
    ] {
        let sem = semantics(table);
        let text = std::fs::read_to_string(flux(&format!("vectors/{file}"))).unwrap();
        let vectors: Vec<_> = read_vectors(&text)
            .unwrap()
            .1
            .into_iter()
            .flatten()
            .collect();
        g.throughput(Throughput::Elements(vectors.len() as u64));
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut passed = 0;
                for v in &vectors {
                    let mut state = sem.initial_state();
                    apply_init(&sem, &mut state, &v.initial).unwrap();
                    let out = sem.run(&v.bytecode, state, 10_000);
                    passed += usize::from(compare(&v.expect, &outcome_json(&sem, &out)).is_empty());
                }
                passed
            })
        });
    }
    g.finish();
}

criterion_group!(benches, interpret, vectors);
criterion_main!(benches);
