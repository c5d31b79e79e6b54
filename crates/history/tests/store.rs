//! The store through its library API: the whole flow, refusals, tampering with every byte,
//! concurrency, and every shared FLUX table surviving a round trip through a record.

use std::path::Path;

use isa_core::diff::ChangeKind;
use isa_core::{Aliases, Entry, Status, Table};
use isa_history::{
    Authority, HistoryError, KeyPair, Maintainer, Override, ProposeOptions, Rename, Store,
};
use semver::Version;

fn keys() -> Vec<KeyPair> {
    ["alice", "bob", "carol"]
        .iter()
        .enumerate()
        .map(|(i, n)| KeyPair::from_seed(n, [i as u8 + 1; 32]))
        .collect()
}

fn init(dir: &Path, quorum: usize) -> (Store, Vec<KeyPair>) {
    let keys = keys();
    let maintainers = keys
        .iter()
        .map(|k| Maintainer {
            name: k.name.clone(),
            public_key: k.public().to_hex(),
        })
        .collect();
    let store = Store::init(dir, &Authority::new(maintainers, quorum).unwrap()).unwrap();
    (store, keys)
}

fn table(entries: Vec<Entry>) -> Table {
    Table {
        entries,
        ..Table::new("canonical")
    }
}

fn v(s: &str) -> Version {
    Version::parse(s).unwrap()
}

fn declare(store: &Store, keys: &[KeyPair], t: Table, options: ProposeOptions) -> String {
    let id = store.propose(t, options).unwrap();
    for k in keys {
        store.approve(&id, k).unwrap();
    }
    store.declare(&id).unwrap().hash
}

/// A store with three versions exercising renames, removal, deprecation and an override.
fn populated(dir: &Path) -> (Store, Vec<KeyPair>) {
    let (store, keys) = init(dir, 2);
    let two = &keys[..2];
    let v1 = table(vec![
        Entry::new(0, "HALT").with_format("A"),
        Entry::new(1, "ADD").with_format("E"),
        Entry::new(2, "STRIPCF").with_format("B"),
        Entry::new(3, "OLD").with_format("A"),
    ]);
    declare(&store, two, v1, ProposeOptions::new(v("1.0.0")));
    let mut removed = Entry::new(3, "OLD").with_format("A");
    removed.status = Some(Status::Removed);
    let mut deprecated = Entry::new(1, "ADD").with_format("E");
    deprecated.status = Some(Status::Deprecated);
    let v2 = table(vec![
        Entry::new(0, "HALT").with_format("A"),
        deprecated,
        Entry::new(2, "STRIPCONF").with_format("B"),
        removed,
        Entry::new(4, "MUL").with_format("E"),
    ]);
    let mut o = ProposeOptions::new(v("1.1.0"));
    o.message = "rename STRIPCF, retire OLD".into();
    o.renames.push(Rename {
        from: "STRIPCF".into(),
        to: "STRIPCONF".into(),
    });
    declare(&store, two, v2, o);
    let v3 = table(vec![
        Entry::new(0, "HALT").with_format("A"),
        Entry::new(2, "STRIPCONF").with_format("B"),
        Entry::new(3, "NEWOP").with_format("A"),
        Entry::new(5, "MUL").with_format("F"),
    ]);
    let mut o = ProposeOptions::new(v("2.0.0"));
    o.overrides.push(Override {
        opcode: 3,
        reason: "OLD never shipped in any VM".into(),
    });
    declare(&store, &keys[1..], v3, o);
    (store, keys)
}

#[test]
fn the_whole_flow() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = populated(dir.path());
    let log = store.log().unwrap();
    let versions: Vec<String> = log.iter().map(|d| d.version().to_string()).collect();
    assert_eq!(versions, ["1.0.0", "1.1.0", "2.0.0"]);
    // The chain: each record names its predecessor's hash.
    for pair in log.windows(2) {
        assert_eq!(pair[1].record.previous, pair[0].hash);
    }
    let report = store.verify().unwrap();
    assert!(report.is_ok(), "{:?}", report.findings);
    assert_eq!(report.versions.len(), 3);
    assert_eq!(report.versions[2].hash, log[2].hash);

    let shown = store.show("1.1.0").unwrap();
    assert_eq!(shown.entries.len(), 5);
    assert_eq!(
        isa_core::hash::table_hash(&shown),
        log[1].record.proposal.table_hash()
    );
    assert_eq!(store.show("latest").unwrap().entries.len(), 4);
    assert_eq!(store.show("v1.0.0").unwrap().entries.len(), 4);

    // diff 1.0.0 → 2.0.0 follows the declared rename across versions.
    let d = store.diff("1.0.0", "2.0.0", &Aliases::new()).unwrap();
    let kinds: Vec<(ChangeKind, &str)> = d
        .changes
        .iter()
        .map(|c| (c.kind, c.mnemonic.as_str()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (ChangeKind::Removed, "ADD"),
            (ChangeKind::Removed, "OLD"),
            (ChangeKind::Added, "MUL"),
            (ChangeKind::Added, "NEWOP"),
            (ChangeKind::Renamed, "STRIPCONF"),
        ]
    );
    assert!(!d.backward && !d.forward);
    // And in the other direction the rename is inverted.
    let back = store.diff("2.0.0", "1.0.0", &Aliases::new()).unwrap();
    assert!(back
        .changes
        .iter()
        .any(|c| c.kind == ChangeKind::Renamed && c.mnemonic == "STRIPCF"));
    let d = store.diff("1.1.0", "2.0.0", &Aliases::new()).unwrap();
    assert!(d
        .changes
        .iter()
        .any(|c| c.kind == ChangeKind::Renumbered && c.mnemonic == "MUL"));
    assert!(d
        .changes
        .iter()
        .any(|c| c.kind == ChangeKind::FormatChanged && c.mnemonic == "MUL" && c.breaking));
}

#[test]
fn refusals_say_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let (store, keys) = init(dir.path(), 2);
    let id = store
        .propose(
            table(vec![Entry::new(0, "HALT")]),
            ProposeOptions::new(v("1.0.0")),
        )
        .unwrap();
    let err = store.declare(&id).unwrap_err();
    assert!(err.is_refusal());
    let msg = err.to_string();
    assert!(msg.contains("0 of 2 required approvals"), "{msg}");
    assert!(msg.contains("alice, bob, carol"), "{msg}");
    store.approve(&id, &keys[2]).unwrap();
    // Approving twice is idempotent: still one approval.
    store.approve(&id, &keys[2]).unwrap();
    let msg = store.declare(&id).unwrap_err().to_string();
    assert!(
        msg.contains("1 of 2") && msg.contains("approved by: carol"),
        "{msg}"
    );
    assert!(msg.contains("missing 1 more from: alice, bob"), "{msg}");
    // A key that belongs to nobody is refused.
    let stranger = KeyPair::from_seed("mallory", [9; 32]);
    assert!(store.approve(&id, &stranger).unwrap_err().is_refusal());
    // A unique prefix works as an id.
    store.approve(&id[7..20], &keys[0]).unwrap();
    let declared = store.declare(&id).unwrap();
    assert_eq!(declared.version(), &v("1.0.0"));
    // Declaring again is refused, and so is approving a declared proposal.
    assert!(store
        .declare(&id)
        .unwrap_err()
        .to_string()
        .contains("already declared"));
    assert!(store.approve(&id, &keys[1]).unwrap_err().is_refusal());
    // Versions strictly increase.
    let err = store
        .propose(
            table(vec![Entry::new(0, "HALT")]),
            ProposeOptions::new(v("0.9.0")),
        )
        .unwrap_err();
    assert!(err.is_refusal() && err.to_string().contains("does not increase"));
    // Unknown ids and versions are errors, not refusals.
    assert!(matches!(
        store.declare("sha256:0000000000"),
        Err(HistoryError::UnknownProposal(_))
    ));
    assert!(matches!(
        store.show("3.0.0"),
        Err(HistoryError::UnknownVersion(_))
    ));
    assert!(matches!(store.show("three"), Err(HistoryError::Invalid(_))));
}

#[test]
fn a_stale_proposal_cannot_be_declared() {
    let dir = tempfile::tempdir().unwrap();
    let (store, keys) = init(dir.path(), 1);
    let a = store
        .propose(
            table(vec![Entry::new(0, "HALT")]),
            ProposeOptions::new(v("1.0.0")),
        )
        .unwrap();
    let b = store
        .propose(
            table(vec![Entry::new(0, "HALT"), Entry::new(1, "NOP")]),
            ProposeOptions::new(v("1.1.0")),
        )
        .unwrap();
    store.approve(&a, &keys[0]).unwrap();
    store.approve(&b, &keys[0]).unwrap();
    store.declare(&a).unwrap();
    let msg = store.declare(&b).unwrap_err().to_string();
    assert!(msg.contains("propose the table again"), "{msg}");
    assert!(store.verify().unwrap().is_ok());
}

#[test]
fn reused_numbers_are_refused_at_propose_time() {
    let dir = tempfile::tempdir().unwrap();
    let (store, keys) = populated(dir.path());
    // 0x01 was ADD's (deprecated in 1.1.0, gone in 2.0.0); it stays reserved.
    let t = table(vec![Entry::new(0, "HALT"), Entry::new(1, "SUB")]);
    let err = store
        .propose(t.clone(), ProposeOptions::new(v("3.0.0")))
        .unwrap_err();
    assert!(err.is_refusal());
    assert!(
        err.to_string()
            .contains("0x01 was declared for ADD in 1.0.0"),
        "{err}"
    );
    let mut o = ProposeOptions::new(v("3.0.0"));
    o.overrides.push(Override {
        opcode: 1,
        reason: "ADD moved to the extension space".into(),
    });
    declare(&store, &keys, t, o);
    assert!(store.verify().unwrap().is_ok());
}

/// Flips one bit at several offsets of every file in the store, and appends a byte; each
/// change must make verify fail and name that file.
#[test]
fn every_byte_of_every_file_is_covered() {
    let dir = tempfile::tempdir().unwrap();
    let (store, keys) = populated(dir.path());
    // An approved but undeclared proposal too, so that approval files exist on their own.
    let id = store
        .propose(
            table(vec![
                Entry::new(0, "HALT"),
                Entry::new(2, "STRIPCONF"),
                Entry::new(9, "X"),
            ]),
            ProposeOptions::new(v("2.1.0")),
        )
        .unwrap();
    store.approve(&id, &keys[0]).unwrap();
    assert!(store.verify().unwrap().is_ok());
    let snapshot = store.snapshot().unwrap();
    assert!(snapshot.files.keys().any(|k| k.starts_with("approvals/")));
    assert!(snapshot.files.keys().any(|k| k.starts_with("history/")));
    assert!(snapshot.files.keys().any(|k| k.starts_with("proposals/")));
    let mut checked = 0;
    for (rel, original) in &snapshot.files {
        let len = original.len();
        // Every byte of small files; a spread of offsets (a stride, and the last byte) of big
        // ones. Bit 0 changes a character; bit 5 flips the case of a letter (hex digits!).
        let offsets: Vec<usize> = if len <= 400 {
            (0..len).collect()
        } else {
            (0..len).step_by(len / 100).chain([len - 1]).collect()
        };
        for (i, &offset) in offsets.iter().enumerate() {
            for flip in [0x01u8, 0x20] {
                if flip == 0x20 && i % 2 == 1 {
                    continue;
                }
                let mut tampered = snapshot.clone();
                tampered.files.get_mut(rel).unwrap()[offset] ^= flip;
                let report = isa_history::verify::verify(&tampered);
                assert!(
                    report.findings.iter().any(|f| f.file == *rel),
                    "flipping {flip:#x} at byte {offset} of {rel} went unnoticed: {:?}",
                    report.findings
                );
                checked += 1;
            }
        }
        let mut longer = snapshot.clone();
        longer.files.get_mut(rel).unwrap().push(b' ');
        assert!(
            !isa_history::verify::verify(&longer).is_ok(),
            "appending to {rel}"
        );
    }
    // And on disk, through the store: one flip per file.
    for (rel, original) in &snapshot.files {
        if original.is_empty() {
            continue;
        }
        let path = dir.path().join(rel);
        let mut bytes = original.clone();
        bytes[original.len() / 2] ^= 0x01;
        std::fs::write(&path, &bytes).unwrap();
        assert!(!store.verify().unwrap().is_ok(), "{rel}");
        std::fs::write(&path, original).unwrap();
    }
    assert!(store.verify().unwrap().is_ok());
    assert!(checked > 1000, "{checked}");
}

#[test]
fn structural_tampering_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = populated(dir.path());
    let history = dir.path().join("history");
    let mut names: Vec<_> = std::fs::read_dir(&history)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    // Deleting a middle record breaks the sequence and the chain.
    let middle = history.join(&names[1]);
    let saved = std::fs::read(&middle).unwrap();
    std::fs::remove_file(&middle).unwrap();
    let report = store.verify().unwrap();
    assert!(report
        .findings
        .iter()
        .any(|f| f.message.contains("record 2 is missing")));
    assert!(report
        .findings
        .iter()
        .any(|f| f.message.contains("chain broken")));
    std::fs::write(&middle, saved).unwrap();
    // A record renamed to sequence 000000 (the store counts from 000001) is a bad file name, not a
    // record before the first one.
    let last = history.join(&names[names.len() - 1]);
    let zero = history.join(format!("000000{}", &names[names.len() - 1][6..]));
    std::fs::rename(&last, &zero).unwrap();
    let report = store.verify().unwrap();
    let zero_rel = format!("history/{}", zero.file_name().unwrap().to_string_lossy());
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.file == zero_rel && f.message.contains("from 000001")),
        "{:?}",
        report.findings
    );
    std::fs::rename(&zero, &last).unwrap();
    assert!(store.verify().unwrap().is_ok());
    // A stray file, and a non-empty lock file.
    std::fs::write(dir.path().join("notes.txt"), "hi").unwrap();
    std::fs::write(dir.path().join("lock"), "x").unwrap();
    let report = store.verify().unwrap();
    let files: Vec<&str> = report.findings.iter().map(|f| f.file.as_str()).collect();
    assert_eq!(files, ["lock", "notes.txt"], "{:?}", report.findings);
    std::fs::remove_file(dir.path().join("notes.txt")).unwrap();
    std::fs::write(dir.path().join("lock"), "").unwrap();
    // Temporary files of interrupted writes are ignored (and listed).
    std::fs::write(history.join(".000004-3.0.0.json.tmp-1-2"), "{").unwrap();
    let report = store.verify().unwrap();
    assert!(report.is_ok());
    assert_eq!(report.ignored.len(), 1);
    // …and removed by the next writer.
    store
        .propose(
            table(vec![Entry::new(0, "HALT")]),
            ProposeOptions::new(v("9.0.0")),
        )
        .ok();
    assert!(store.verify().unwrap().ignored.is_empty());
    // Replacing a maintainer's key in authority.json breaks the genesis link and signatures.
    let auth = dir.path().join("authority.json");
    let text = std::fs::read_to_string(&auth).unwrap();
    let mallory = KeyPair::from_seed("mallory", [9; 32]).public().to_hex();
    let alice = keys()[0].public().to_hex();
    std::fs::write(&auth, text.replace(&alice, &mallory)).unwrap();
    let report = store.verify().unwrap();
    assert!(report
        .findings
        .iter()
        .any(|f| f.message.contains("genesis")));
    assert!(report
        .findings
        .iter()
        .any(|f| f.message.contains("public key of `alice` differs")));
}

#[test]
fn parallel_declares_lose_no_update() {
    let dir = tempfile::tempdir().unwrap();
    let (store, keys) = init(dir.path(), 1);
    // Eight proposals against the same head: exactly one can be declared.
    let ids: Vec<String> = (0..8)
        .map(|i| {
            let id = store
                .propose(
                    table(vec![Entry::new(0, "HALT"), Entry::new(1 + i, "NOP")]),
                    ProposeOptions::new(v(&format!("1.{i}.0"))),
                )
                .unwrap();
            store.approve(&id, &keys[0]).unwrap();
            id
        })
        .collect();
    let results: Vec<Result<_, HistoryError>> = std::thread::scope(|s| {
        let handles: Vec<_> = ids
            .iter()
            .map(|id| {
                let store = Store::open(dir.path()).unwrap();
                s.spawn(move || store.declare(id))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let won = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(won, 1, "{results:?}");
    assert!(results.iter().all(|r| match r {
        Ok(_) => true,
        Err(e) => e.is_refusal(),
    }));
    assert_eq!(store.log().unwrap().len(), 1);
    assert!(store.verify().unwrap().is_ok());

    // Then a chain of proposals declared by racing threads, each re-proposing on refusal:
    // every version ends up declared exactly once, in a valid chain.
    std::thread::scope(|s| {
        for t in 0..4u32 {
            let dir = dir.path().to_path_buf();
            let key = keys[0].clone();
            s.spawn(move || {
                let store = Store::open(&dir).unwrap();
                for round in 0..3u32 {
                    loop {
                        let head = store.log().unwrap();
                        let next = head.last().unwrap().version().clone();
                        let version = Version::new(next.major + 1, 0, 0);
                        let mut tb = table(vec![
                            Entry::new(0, "HALT"),
                            Entry::new(100 + t * 10 + round, &format!("T{t}R{round}")),
                        ]);
                        let mut o = ProposeOptions::new(version);
                        o.message = format!("thread {t} round {round}");
                        // Keep the earlier instructions so that no number is reused.
                        for d in &head {
                            for e in d.record.proposal.table.instructions() {
                                if !tb.entries.iter().any(|x| x.opcode == e.opcode) {
                                    tb.entries.push(e.clone());
                                }
                            }
                        }
                        let Ok(id) = store.propose(tb, o) else {
                            continue;
                        };
                        if store.approve(&id, &key).is_err() {
                            continue;
                        }
                        match store.declare(&id) {
                            Ok(_) => break,
                            Err(e) => assert!(e.is_refusal(), "{e}"),
                        }
                    }
                }
            });
        }
    });
    let log = store.log().unwrap();
    assert_eq!(log.len(), 1 + 4 * 3);
    let report = store.verify().unwrap();
    assert!(report.is_ok(), "{:?}", report.findings);
}

#[test]
fn every_shared_table_round_trips_through_a_record() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/flux/tables");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return; // the shared data is not present in this checkout
    };
    let mut paths: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
    paths.sort();
    let mut checked = 0;
    for path in paths {
        let Ok(table) = isa_io::load_table(&path) else {
            continue;
        };
        let proposal = isa_history::Proposal {
            version: v("1.0.0"),
            parent: isa_history::model::content_hash(b"x"),
            message: String::new(),
            renames: vec![],
            overrides: vec![],
            table: table.clone(),
        };
        let bytes = proposal.to_bytes();
        let back = isa_history::Proposal::from_bytes(&bytes)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(back.to_bytes(), bytes, "{}", path.display());
        assert_eq!(
            isa_io::table_to_json(&back.table),
            isa_io::table_to_json(&table),
            "{}",
            path.display()
        );
        checked += 1;
    }
    assert!(checked >= 60, "only {checked} tables loaded");
}

#[test]
fn open_and_init_errors() {
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(
        Store::open(dir.path()),
        Err(HistoryError::NotAStore(_))
    ));
    let (_store, _) = init(dir.path(), 1);
    let keys = keys();
    let again = Authority::new(
        vec![Maintainer {
            name: "alice".into(),
            public_key: keys[0].public().to_hex(),
        }],
        1,
    )
    .unwrap();
    assert!(matches!(
        Store::init(dir.path(), &again),
        Err(HistoryError::AlreadyExists(_))
    ));
}

mod decoders {
    use isa_history::{Approval, Authority, KeyPair, Proposal, PublicKey, Record};
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Every decoder of store and key files is total: arbitrary bytes give an error, never
        /// a panic.
        #[test]
        fn decoders_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = Authority::from_bytes(&bytes);
            let _ = Proposal::from_bytes(&bytes);
            let _ = Approval::from_bytes(&bytes);
            let _ = Record::from_bytes(&bytes);
            let text = String::from_utf8_lossy(&bytes);
            let _ = KeyPair::parse("k", &text);
            let _ = PublicKey::parse("k", &text);
            let mut snapshot = isa_history::Snapshot::new();
            snapshot.insert("authority.json", bytes.clone());
            snapshot.insert("history/000001-1.0.0.json", bytes.clone());
            snapshot.insert(format!("proposals/{}.json", "a".repeat(64)), bytes.clone());
            snapshot.insert(format!("approvals/{}.x.json", "a".repeat(64)), bytes);
            prop_assert!(!isa_history::verify::verify(&snapshot).is_ok());
        }

        /// Structured JSON garbage that gets past the syntax check reaches the field checks.
        #[test]
        fn json_shaped_input_is_rejected_cleanly(
            version in "[0-9a-z.\\-]{0,12}",
            quorum in any::<i64>(),
            seq in any::<i64>(),
        ) {
            let authority = format!(
                "{{\"format\": \"isa-authority/authority/v1\", \"quorum\": {quorum}, \"maintainers\": []}}"
            );
            prop_assert!(Authority::from_bytes(authority.as_bytes()).is_err());
            let record = format!(
                "{{\"format\": \"isa-authority/record/v1\", \"sequence\": {seq}, \"version\": \"{version}\"}}"
            );
            prop_assert!(Record::from_bytes(record.as_bytes()).is_err());
        }
    }
}

#[test]
fn a_pending_proposal_pins_authority_json_before_the_first_declaration() {
    let dir = tempfile::tempdir().unwrap();
    let (store, keys) = init(dir.path(), 2);
    store
        .propose(
            table(vec![Entry::new(0, "HALT").with_format("A")]),
            ProposeOptions::new(v("1.0.0")),
        )
        .unwrap();
    assert!(store.verify().unwrap().is_ok());
    // Lower the quorum to 1, keeping authority.json in canonical form: only the pending
    // proposal, made against the original genesis hash, can tell.
    let maintainers = keys
        .iter()
        .map(|k| Maintainer {
            name: k.name.clone(),
            public_key: k.public().to_hex(),
        })
        .collect();
    let weaker = Authority::new(maintainers, 1).unwrap();
    std::fs::write(dir.path().join("authority.json"), weaker.to_bytes()).unwrap();
    let report = store.verify().unwrap();
    assert!(!report.is_ok());
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.file.starts_with("proposals/")
                && f.message.contains("neither the genesis hash")),
        "{:?}",
        report.findings
    );
}

#[test]
fn a_table_that_could_not_be_read_back_is_not_proposed() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = init(dir.path(), 1);
    // Layout's fields are public, so code can build one that breaks the layout rules (16 bits
    // of operands in a one-byte instruction). Written, it would be a proposal nobody can read.
    let mut t = table(vec![Entry::new(0, "HALT").with_format("X")]);
    t.formats.insert(
        "X".into(),
        isa_core::Layout {
            size: 1,
            fields: vec![isa_core::Field::new(
                "imm",
                16,
                isa_core::FieldKind::Immediate,
            )],
            endian: isa_core::Endian::Little,
        },
    );
    let err = store
        .propose(t, ProposeOptions::new(v("1.0.0")))
        .unwrap_err();
    assert!(matches!(err, HistoryError::Invalid(_)), "{err}");
    assert!(err.to_string().contains("cannot be stored"), "{err}");
    assert!(std::fs::read_dir(dir.path().join("proposals"))
        .unwrap()
        .next()
        .is_none());
    assert!(store.verify().unwrap().is_ok());
}

/// Moves `rel` out of the store to `outside` (keeping its contents there) and puts a link to
/// it in its place.
#[cfg(unix)]
fn replace_with_link(store: &Path, rel: &str, outside: &Path) {
    std::fs::rename(store.join(rel), outside).unwrap();
    std::os::unix::fs::symlink(outside, store.join(rel)).unwrap();
}

#[cfg(unix)]
fn undo_link(store: &Path, rel: &str, outside: &Path) {
    std::fs::remove_file(store.join(rel)).unwrap();
    std::fs::rename(outside, store.join(rel)).unwrap();
}

#[cfg(unix)]
fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[cfg(unix)]
fn refused_as_link<T: std::fmt::Debug>(result: Result<T, HistoryError>, path: &Path) {
    match result {
        Err(HistoryError::Symlink(p)) => {
            assert_eq!(p, path);
            let message = HistoryError::Symlink(p).to_string();
            assert!(message.contains("is a symbolic link"), "{message}");
        }
        other => panic!(
            "expected {} to be refused as a link: {other:?}",
            path.display()
        ),
    }
}

#[cfg(unix)]
fn link_finding(store: &Store, rel: &str) -> String {
    let report = store.verify().unwrap();
    let finding = report
        .findings
        .iter()
        .find(|f| f.file == rel)
        .unwrap_or_else(|| panic!("no finding for {rel}: {:?}", report.findings));
    assert!(finding.message.contains("a symbolic link"), "{finding}");
    finding.message.clone()
}

/// No command follows a link in the store: a folder, a file, the lock or authority.json that
/// is a link is refused (naming it) by every command, nothing is written or created where it
/// points, and verify reports it.
#[cfg(unix)]
#[test]
fn links_inside_the_store_are_refused_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    let (store, keys) = init(&root, 1);
    let v1 = table(vec![Entry::new(0, "HALT")]);
    declare(&store, &keys[..1], v1, ProposeOptions::new(v("1.0.0")));
    let next = || table(vec![Entry::new(0, "HALT"), Entry::new(1, "NOP")]);
    let pending = store
        .propose(next(), ProposeOptions::new(v("1.1.0")))
        .unwrap();
    assert!(store.verify().unwrap().is_ok());
    let outside = dir.path().join("outside");

    // proposals/ links elsewhere: propose neither writes there nor succeeds.
    replace_with_link(&root, "proposals", &outside);
    let before = names_in(&outside);
    refused_as_link(
        store.propose(next(), ProposeOptions::new(v("1.2.0"))),
        &root.join("proposals"),
    );
    assert_eq!(names_in(&outside), before);
    refused_as_link(store.log(), &root.join("proposals"));
    refused_as_link(store.show("1.0.0"), &root.join("proposals"));
    refused_as_link(store.declare(&pending), &root.join("proposals"));
    let message = link_finding(&store, "proposals");
    assert!(message.contains("proposals/ folder"), "{message}");
    undo_link(&root, "proposals", &outside);

    // approvals/ links elsewhere: approve neither writes there nor succeeds.
    replace_with_link(&root, "approvals", &outside);
    let before = names_in(&outside);
    refused_as_link(store.approve(&pending, &keys[1]), &root.join("approvals"));
    refused_as_link(store.status(&pending), &root.join("approvals"));
    assert_eq!(names_in(&outside), before);
    link_finding(&store, "approvals");
    undo_link(&root, "approvals", &outside);

    // history/ links elsewhere.
    replace_with_link(&root, "history", &outside);
    refused_as_link(store.log(), &root.join("history"));
    refused_as_link(
        store.diff("1.0.0", "1.0.0", &Aliases::new()),
        &root.join("history"),
    );
    link_finding(&store, "history");
    undo_link(&root, "history", &outside);

    // One file is a link (to a faithful copy, so only the link itself is wrong).
    let name = format!("proposals/{}.json", &pending[7..]);
    replace_with_link(&root, &name, &outside);
    refused_as_link(store.approve(&pending, &keys[1]), &root.join(&name));
    refused_as_link(store.log(), &root.join(&name));
    link_finding(&store, &name);
    undo_link(&root, &name, &outside);

    // lock links to a path that does not exist: nothing creates it.
    let missing = dir.path().join("missing-lock");
    std::fs::remove_file(root.join("lock")).unwrap();
    std::os::unix::fs::symlink(&missing, root.join("lock")).unwrap();
    refused_as_link(
        store.propose(next(), ProposeOptions::new(v("1.2.0"))),
        &root.join("lock"),
    );
    refused_as_link(store.approve(&pending, &keys[1]), &root.join("lock"));
    refused_as_link(store.log(), &root.join("lock"));
    assert!(
        !missing.exists(),
        "a command created the lock link's target"
    );
    link_finding(&store, "lock");
    assert!(!missing.exists(), "verify created the lock link's target");
    std::fs::remove_file(root.join("lock")).unwrap();
    std::fs::write(root.join("lock"), "").unwrap();

    // authority.json is a link: the store does not open, and verify says why (once).
    replace_with_link(&root, "authority.json", &outside);
    refused_as_link(Store::open(&root), &root.join("authority.json"));
    refused_as_link(store.log(), &root.join("authority.json"));
    let report = Store::open_unchecked(&root).verify().unwrap();
    let about: Vec<&str> = report
        .findings
        .iter()
        .filter(|f| f.file == "authority.json")
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(about.len(), 1, "{about:?}");
    assert!(about[0].contains("a symbolic link"), "{about:?}");
    undo_link(&root, "authority.json", &outside);

    // With every link gone the store is whole again, and works.
    assert!(store.verify().unwrap().is_ok());
    store.approve(&pending, &keys[1]).unwrap();
    store.declare(&pending).unwrap();
    assert!(store.verify().unwrap().is_ok());
}

/// A link that appears after a command opened a folder changes nothing: the write lands in the
/// folder the command opened, never where the link points. (Swapping a folder for a link is
/// what a check-then-use implementation could not survive.)
#[cfg(unix)]
#[test]
fn a_folder_swapped_for_a_link_during_a_command_is_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    let (store, _) = init(&root, 1);
    let outside = dir.path().join("outside");
    std::fs::create_dir(&outside).unwrap();
    // Race a swapper against proposals: whatever interleaving happens, no file may ever land
    // outside, and each propose either succeeds (into the store) or is refused.
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            let real = root.join("proposals");
            let aside = dir.path().join("aside");
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                if std::fs::rename(&real, &aside).is_ok() {
                    let _ = std::os::unix::fs::symlink(&outside, &real);
                    std::thread::yield_now();
                    let _ = std::fs::remove_file(&real);
                    let _ = std::fs::rename(&aside, &real);
                }
            }
        });
        for i in 0..200u32 {
            let t = table(vec![Entry::new(0, "HALT"), Entry::new(1 + i, "X")]);
            match store.propose(t, ProposeOptions::new(v(&format!("1.{i}.0")))) {
                Ok(_) => {}
                Err(HistoryError::Symlink(_)) | Err(HistoryError::Io { .. }) => {}
                Err(e) => panic!("{e}"),
            }
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
    });
    assert!(names_in(&outside).is_empty(), "{:?}", names_in(&outside));
}

/// Every command refuses a store whose authority.json fails what verify checks of it, so none
/// acts on maintainers or a quorum the history does not vouch for.
#[test]
fn every_command_refuses_a_store_whose_authority_json_fails_verification() {
    let dir = tempfile::tempdir().unwrap();
    let (store, keys) = init(dir.path(), 2);
    let next = |n: u32| table(vec![Entry::new(0, "HALT"), Entry::new(n, "NOP")]);
    declare(&store, &keys[..2], next(1), ProposeOptions::new(v("1.0.0")));
    let pending = store
        .propose(next(2), ProposeOptions::new(v("1.1.0")))
        .unwrap();
    store.approve(&pending, &keys[0]).unwrap();
    let path = dir.path().join("authority.json");
    let original = std::fs::read(&path).unwrap();
    let maintainers: Vec<Maintainer> = keys
        .iter()
        .map(|k| Maintainer {
            name: k.name.clone(),
            public_key: k.public().to_hex(),
        })
        .collect();
    // A canonical file with a lower quorum; the same file with a space; no JSON at all.
    let weaker = Authority::new(maintainers.clone(), 1).unwrap().to_bytes();
    let mut spaced = original.clone();
    spaced.insert(1, b' ');
    let cases: [(&[u8], &str); 3] = [
        (&weaker, "is not the genesis hash"),
        (&spaced, "not in canonical form"),
        (b"{", "not valid JSON"),
    ];
    for (bytes, why) in cases {
        std::fs::write(&path, bytes).unwrap();
        let expect = |what: &str, result: Result<(), HistoryError>| {
            let err = result.expect_err(what);
            assert!(err.is_refusal(), "{what}: {err}");
            let message = err.to_string();
            assert!(
                message.contains("authority.json fails verification") && message.contains(why),
                "{what}: {message}"
            );
        };
        expect(
            "propose",
            store
                .propose(next(3), ProposeOptions::new(v("1.2.0")))
                .map(drop),
        );
        expect("approve", store.approve(&pending, &keys[1]).map(drop));
        expect("declare", store.declare(&pending).map(drop));
        expect("status", store.status(&pending).map(drop));
        expect("log", store.log().map(drop));
        expect("show", store.show("1.0.0").map(drop));
        expect(
            "diff",
            store.diff("1.0.0", "1.0.0", &Aliases::new()).map(drop),
        );
        expect("authority", store.authority().map(drop));
        expect("proposal", store.proposal(&pending).map(drop));
        // verify agrees, naming the file.
        let report = store.verify().unwrap();
        assert!(
            report.findings.iter().any(|f| f.file == "authority.json"),
            "{why}: {:?}",
            report.findings
        );
    }
    std::fs::write(&path, &original).unwrap();
    assert!(store.verify().unwrap().is_ok());
    store.approve(&pending, &keys[1]).unwrap();
    store.declare(&pending).unwrap();

    // Before the first declaration a pending proposal is what pins authority.json.
    let dir = tempfile::tempdir().unwrap();
    let (store, keys) = init(dir.path(), 2);
    let first = store
        .propose(next(1), ProposeOptions::new(v("1.0.0")))
        .unwrap();
    std::fs::write(
        dir.path().join("authority.json"),
        Authority::new(maintainers.clone(), 1).unwrap().to_bytes(),
    )
    .unwrap();
    let err = store.approve(&first, &keys[0]).unwrap_err();
    assert!(err.is_refusal(), "{err}");
    let message = err.to_string();
    assert!(
        message.contains(&format!("that pending proposal {first} extends")),
        "{message}"
    );
    assert!(store.log().unwrap_err().is_refusal());
    // With nothing proposed yet there is nothing to check it against, for the commands as for
    // verify (the README says so): both accept it.
    let dir = tempfile::tempdir().unwrap();
    init(dir.path(), 2);
    std::fs::write(
        dir.path().join("authority.json"),
        Authority::new(maintainers, 1).unwrap().to_bytes(),
    )
    .unwrap();
    let store = Store::open(dir.path()).unwrap();
    assert!(store.verify().unwrap().is_ok());
    assert!(store.log().unwrap().is_empty());
}

/// init does not follow links either: a planted `proposals` or `lock` link is refused, and
/// nothing is created where it points.
#[cfg(unix)]
#[test]
fn init_refuses_links_where_the_store_goes() {
    let keys = keys();
    let authority = Authority::new(
        vec![Maintainer {
            name: "alice".into(),
            public_key: keys[0].public().to_hex(),
        }],
        1,
    )
    .unwrap();
    for planted in ["proposals", "lock"] {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("store");
        std::fs::create_dir(&root).unwrap();
        let target = dir.path().join("elsewhere");
        std::os::unix::fs::symlink(&target, root.join(planted)).unwrap();
        refused_as_link(Store::init(&root, &authority), &root.join(planted));
        assert!(
            !target.exists(),
            "{planted}: init created the link's target"
        );
        assert!(!root.join("authority.json").exists());
    }
}

#[test]
fn a_proposal_edited_to_rename_onto_a_held_name_is_reported_and_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (store, keys) = init(dir.path(), 1);
    let v1 = table(vec![
        Entry::new(0, "HALT").with_format("A"),
        Entry::new(1, "A").with_format("E"),
        Entry::new(2, "B").with_format("E"),
    ]);
    declare(&store, &keys[..1], v1, ProposeOptions::new(v("1.0.0")));
    // Proposing B = A is refused outright...
    let merged = table(vec![
        Entry::new(0, "HALT").with_format("A"),
        Entry::new(2, "A").with_format("E"),
    ]);
    let mut o = ProposeOptions::new(v("1.1.0"));
    o.renames.push(Rename {
        from: "B".into(),
        to: "A".into(),
    });
    let err = store.propose(merged, o).unwrap_err();
    assert!(err.is_refusal());
    assert!(
        err.to_string()
            .contains("rename B -> A: A is already a separate instruction of version 1.0.0"),
        "{err}"
    );
    // ...so take a valid proposal (B = C) and edit its file into one, filed under its new hash.
    let v2 = table(vec![
        Entry::new(0, "HALT").with_format("A"),
        Entry::new(1, "A").with_format("E"),
        Entry::new(2, "C").with_format("E"),
    ]);
    let mut o = ProposeOptions::new(v("1.1.0"));
    o.renames.push(Rename {
        from: "B".into(),
        to: "C".into(),
    });
    let id = store.propose(v2, o).unwrap();
    assert!(store.verify().unwrap().is_ok());
    let file = |id: &str| {
        dir.path().join(format!(
            "proposals/{}.json",
            id.trim_start_matches("sha256:")
        ))
    };
    let text = std::fs::read_to_string(file(&id)).unwrap();
    let edited = text.replacen("\"to\": \"C\"", "\"to\": \"A\"", 1);
    assert_ne!(edited, text);
    std::fs::remove_file(file(&id)).unwrap();
    let edited_id = isa_history::model::content_hash(edited.as_bytes());
    std::fs::write(file(&edited_id), &edited).unwrap();
    let report = store.verify().unwrap();
    let rel = format!("proposals/{}.json", edited_id.trim_start_matches("sha256:"));
    assert!(
        report.findings.iter().any(|f| {
            f.file == rel
            && f.subject.as_deref() == Some("proposal of 1.1.0")
            && f.message.starts_with(
                "breaks a rule: rename B -> A: A is already a separate instruction of version 1.0.0"
            )
        }),
        "{:?}",
        report.findings
    );
    // Approved or not, it is never declared.
    store.approve(&edited_id, &keys[0]).unwrap();
    let err = store.declare(&edited_id).unwrap_err();
    assert!(err.is_refusal());
    assert!(err.to_string().contains("rename B -> A"), "{err}");
    assert_eq!(store.log().unwrap().len(), 1);
}
