//! Encode, decode, negotiation and a full three-message handshake on advertisements built from
//! two real 256-entry FLUX tables (247 and 256 instructions; read once, outside the timed loops).

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use isa_core::{Scheme, Table};
use isa_negotiate::wire::decode_advertisement;
use isa_negotiate::{
    build, category_groups, encode_advertisement, negotiate, usable_count, Advertisement,
    BuildOptions, Client, Server, Version, VersionClaim,
};

fn table(name: &str) -> Table {
    let path = format!(
        "{}/../../../shared/flux/tables/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    isa_io::load_table(std::path::Path::new(&path)).expect("fixture table loads")
}

fn ad(t: &Table) -> Advertisement<'static> {
    let scheme = Scheme::flux_unified();
    let hash = isa_core::hash::table_hash(t);
    let options = BuildOptions {
        scheme: &scheme,
        versions: vec![VersionClaim::from_hex(Version::new(2, 0, 0), &hash).unwrap()],
        registers: 16,
        groups: category_groups(t),
        mnemonics: true,
    };
    build(t, &options).expect("fixture table is decodable").0
}

fn benches(c: &mut Criterion) {
    let a = ad(&table("flux-runtime-isa-unified.json"));
    let b = ad(&table("flux-spec-opcodes-md.json"));
    let bytes = encode_advertisement(&a).unwrap();
    println!(
        "advertisement: {} instructions, {} bytes binary, {} bytes JSON",
        a.instructions.len(),
        bytes.len(),
        isa_negotiate::json::advertisement_to_json(&a).len()
    );

    c.bench_function("encode advertisement (247 instr)", |bench| {
        bench.iter(|| encode_advertisement(black_box(&a)).unwrap())
    });
    c.bench_function("decode advertisement (247 instr)", |bench| {
        bench.iter(|| decode_advertisement(black_box(&bytes)).unwrap())
    });
    c.bench_function("usable_count (no alloc)", |bench| {
        bench.iter(|| usable_count(black_box(&a), black_box(&b)))
    });
    c.bench_function("negotiate", |bench| {
        bench.iter(|| negotiate(black_box(&a), black_box(&b)))
    });
    c.bench_function("full handshake (offer+answer+confirm)", |bench| {
        bench.iter(|| {
            let client = Client::start(&a, [1; 32]).unwrap();
            let (server, answer) = Server::answer(&b, [2; 32], client.offer()).unwrap();
            let (agreement, confirm) = client.finish(&answer).unwrap();
            let done = server.confirm(&confirm).unwrap();
            black_box((agreement, done))
        })
    });
}

criterion_group!(negotiation, benches);
criterion_main!(negotiation);
