//! How long `verify` takes on stores with many versions: the pure check over an in-memory
//! snapshot, and the whole command path (reading every file from disk, then checking).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use isa_core::{Entry, Table};
use isa_history::model::content_hash;
use isa_history::verify::{verify, Snapshot};
use isa_history::{Approval, Authority, KeyPair, Maintainer, Proposal, Record, Store};

/// Instructions per version's table (the FLUX tables have 100–250).
const INSTRUCTIONS: u32 = 128;

/// A valid store of `versions` versions, each approved by two of three maintainers, built
/// directly from the model (declaring one by one would re-verify the store every time).
fn store_snapshot(versions: usize) -> Snapshot {
    let keys: Vec<KeyPair> = ["alice", "bob", "carol"]
        .iter()
        .enumerate()
        .map(|(i, n)| KeyPair::from_seed(n, [i as u8 + 1; 32]))
        .collect();
    let authority = Authority::new(
        keys.iter()
            .map(|k| Maintainer {
                name: k.name.clone(),
                public_key: k.public().to_hex(),
            })
            .collect(),
        2,
    )
    .unwrap();
    let mut snapshot = Snapshot::new();
    let authority_bytes = authority.to_bytes();
    let mut previous = content_hash(&authority_bytes);
    snapshot.insert("authority.json", authority_bytes);
    snapshot.insert("lock", Vec::new());
    for n in 0..versions {
        let mut table = Table::new("canonical");
        for op in 0..INSTRUCTIONS {
            // Each version adds one instruction past the base set, so tables differ.
            table
                .entries
                .push(Entry::new(op, &format!("OP{op}")).with_format("E"));
        }
        table
            .entries
            .push(Entry::new(INSTRUCTIONS + n as u32, &format!("EXT{n}")).with_format("B"));
        for i in 0..n {
            table
                .entries
                .push(Entry::new(INSTRUCTIONS + i as u32, &format!("EXT{i}")).with_format("B"));
        }
        table.entries.truncate(INSTRUCTIONS as usize + 16);
        let proposal = Proposal {
            version: isa_history::semver::Version::new(1, n as u64, 0),
            parent: previous.clone(),
            message: format!("version {n}"),
            renames: vec![],
            overrides: vec![],
            table,
        };
        let id = proposal.id();
        let approvals: Vec<Approval> = keys[n % 2..n % 2 + 2]
            .iter()
            .map(|k| Approval {
                proposal: id.clone(),
                maintainer: k.name.clone(),
                public_key: k.public().to_hex(),
                signature: k.sign_approval(&id),
            })
            .collect();
        let hex = id.strip_prefix("sha256:").unwrap().to_string();
        snapshot.insert(format!("proposals/{hex}.json"), proposal.to_bytes());
        for a in &approvals {
            snapshot.insert(
                format!("approvals/{hex}.{}.json", a.maintainer),
                a.to_bytes(),
            );
        }
        let record = Record {
            sequence: n as u64 + 1,
            previous: previous.clone(),
            proposal,
            approvals,
        };
        let bytes = record.to_bytes();
        previous = content_hash(&bytes);
        snapshot.insert(record.file_name(), bytes);
    }
    snapshot
}

fn bench_verify(c: &mut Criterion) {
    let mut group = c.benchmark_group("verify");
    group.sample_size(10);
    for versions in [10usize, 100, 300] {
        let snapshot = store_snapshot(versions);
        let report = verify(&snapshot);
        assert!(report.is_ok(), "{:?}", report.findings);
        group.throughput(Throughput::Elements(versions as u64));
        group.bench_with_input(BenchmarkId::new("snapshot", versions), &snapshot, |b, s| {
            b.iter(|| black_box(verify(black_box(s))))
        });
        let dir = tempfile::tempdir().unwrap();
        for (rel, bytes) in &snapshot.files {
            let path = dir.path().join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, bytes).unwrap();
        }
        let store = Store::open(dir.path()).unwrap();
        assert!(store.verify().unwrap().is_ok());
        group.bench_function(BenchmarkId::new("store", versions), |b| {
            b.iter(|| black_box(store.verify().unwrap()))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_verify);
criterion_main!(benches);
