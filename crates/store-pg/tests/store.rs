//! The store over PostgreSQL, against a real server (`ISA_TEST_DATABASE_URL`, see
//! `tests/pg/start`): the governance flow, the compare-and-append under racing connections,
//! writer exclusion and read views, rollback, export between the folder and the database in
//! both directions, migrations, and error messages. Each test has a database of its own.

mod common;

use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use common::{authority, database, keys, table, v, with_dbname};
use isa_core::Entry;
use isa_history::storage::Access;
use isa_history::{
    verify::verify, FolderStorage, HistoryError, ProposeOptions, Rename, Snapshot, Storage, Store,
};
use isa_store_pg::{PgStorage, SCHEMA_VERSION};

fn connect(url: &str) -> Arc<PgStorage> {
    Arc::new(PgStorage::connect(url).unwrap())
}

fn approve_all(store: &Store, id: &str) {
    for k in &keys()[..2] {
        store.approve(id, k).unwrap();
    }
}

/// Two declared versions (the second renames an instruction) and a pending proposal that
/// only alice approved: every kind of object a store holds.
fn populate(store: &Store) -> String {
    let v1 = table(vec![
        Entry::new(0, "HALT").with_format("A"),
        Entry::new(1, "ADD").with_format("E"),
        Entry::new(2, "STRIPCF").with_format("B"),
    ]);
    let id = store.propose(v1, ProposeOptions::new(v("1.0.0"))).unwrap();
    approve_all(store, &id);
    store.declare(&id).unwrap();
    let v2 = table(vec![
        Entry::new(0, "HALT").with_format("A"),
        Entry::new(1, "ADD").with_format("E"),
        Entry::new(2, "STRIPCONF").with_format("B"),
        Entry::new(3, "MUL").with_format("E"),
    ]);
    let mut o = ProposeOptions::new(v("1.1.0"));
    o.message = "rename STRIPCF".into();
    o.renames.push(Rename {
        from: "STRIPCF".into(),
        to: "STRIPCONF".into(),
    });
    let id = store.propose(v2, o).unwrap();
    approve_all(store, &id);
    store.declare(&id).unwrap();
    let v3 = table(vec![
        Entry::new(0, "HALT").with_format("A"),
        Entry::new(2, "STRIPCONF").with_format("B"),
        Entry::new(3, "MUL").with_format("E"),
        Entry::new(4, "DIV").with_format("E"),
    ]);
    let pending = store.propose(v3, ProposeOptions::new(v("2.0.0"))).unwrap();
    store.approve(&pending, &keys()[0]).unwrap();
    pending
}

fn assert_verifies(snapshot: &Snapshot) {
    let report = verify(snapshot);
    assert!(report.is_ok(), "{:?}", report.findings);
}

/// The store's objects, without the folder store's `lock` file (a database has none).
fn objects(snapshot: &Snapshot) -> Vec<(String, Vec<u8>)> {
    snapshot
        .files
        .iter()
        .filter(|(p, _)| *p != "lock")
        .map(|(p, b)| (p.clone(), b.clone()))
        .collect()
}

#[test]
fn the_governance_flow_runs_on_postgres() {
    let Some(db) = database() else { return };
    let storage = connect(&db.url);
    let store = Store::init_in(storage.clone(), &authority()).unwrap();
    assert!(matches!(
        Store::init_in(storage.clone(), &authority()),
        Err(HistoryError::AlreadyExists(_))
    ));
    assert_eq!(store.authority().unwrap(), authority());

    let v1 = table(vec![Entry::new(0, "HALT"), Entry::new(1, "ADD")]);
    let id = store.propose(v1, ProposeOptions::new(v("1.0.0"))).unwrap();
    store.approve(&id, &keys()[0]).unwrap();
    let refused = store.declare(&id).unwrap_err();
    assert!(refused.is_refusal(), "{refused}");
    assert!(
        refused.to_string().contains("missing 1 more from: bob"),
        "{refused}"
    );
    // carol is no maintainer.
    assert!(store.approve(&id, &keys()[2]).is_err());
    store.approve(&id, &keys()[1]).unwrap();
    let status = store.status(&id).unwrap();
    assert_eq!(status.missing, 0);
    let first = store.declare(&id).unwrap();
    assert_eq!(first.record.sequence, 1);
    assert!(store.declare(&id).unwrap_err().is_refusal());

    let v2 = table(vec![
        Entry::new(0, "HALT"),
        Entry::new(1, "ADD"),
        Entry::new(2, "MUL"),
    ]);
    let id = store.propose(v2, ProposeOptions::new(v("1.1.0"))).unwrap();
    approve_all(&store, &id);
    let second = store.declare(&id).unwrap();
    assert_eq!(second.record.previous, first.hash);

    // A stale proposal: made on the head that another declaration then extended.
    let a = store
        .propose(
            table(vec![Entry::new(0, "HALT"), Entry::new(5, "A")]),
            ProposeOptions::new(v("1.2.0")),
        )
        .unwrap();
    let b = store
        .propose(
            table(vec![Entry::new(0, "HALT"), Entry::new(6, "B")]),
            ProposeOptions::new(v("1.3.0")),
        )
        .unwrap();
    approve_all(&store, &a);
    approve_all(&store, &b);
    store.declare(&a).unwrap();
    let stale = store.declare(&b).unwrap_err();
    assert!(stale.is_refusal() && stale.to_string().contains("propose the table again"));

    let log = store.log().unwrap();
    let versions: Vec<String> = log.iter().map(|d| d.version().to_string()).collect();
    assert_eq!(versions, ["1.0.0", "1.1.0", "1.2.0"]);
    assert_eq!(store.show("1.1.0").unwrap().entries.len(), 3);
    assert_eq!(store.show("latest").unwrap().entries.len(), 2);
    let report = store.verify().unwrap();
    assert!(report.is_ok(), "{:?}", report.findings);
    assert_eq!(report.versions.len(), 3);

    // The snapshot names every object by its store path.
    let snapshot = store.snapshot().unwrap();
    assert!(snapshot.files.contains_key("authority.json"));
    assert!(snapshot.files.contains_key("history/000001-1.0.0.json"));
    assert!(snapshot.files.contains_key("history/000003-1.2.0.json"));
    assert_eq!(
        snapshot
            .files
            .keys()
            .filter(|p| p.starts_with("proposals/"))
            .count(),
        4
    );
    assert_eq!(
        snapshot
            .files
            .keys()
            .filter(|p| p.starts_with("approvals/"))
            .count(),
        8
    );

    // Another instance (another process, as far as the database knows) sees the same store.
    let other = Store::with_storage(connect(&db.url));
    assert_eq!(other.log().unwrap().len(), 3);
    assert_eq!(other.snapshot().unwrap(), snapshot);
}

#[test]
fn a_database_without_a_store_is_not_a_store() {
    let Some(db) = database() else { return };
    let storage = connect(&db.url);
    let store = Store::with_storage(storage.clone());
    let e = store.log().unwrap_err();
    assert!(matches!(e, HistoryError::NotAStore(_)), "{e}");
    assert!(e.to_string().contains(&db.name), "{e}");
    assert!(storage.session(Access::Write).is_err());
    // verify reports the missing authority.json rather than failing.
    let report = store.verify().unwrap();
    assert!(!report.is_ok());
    assert_eq!(storage.snapshot().unwrap(), Snapshot::new());
}

#[test]
fn two_connections_declaring_on_one_head_exactly_one_wins() {
    let Some(db) = database() else { return };
    let store = Store::init_in(connect(&db.url), &authority()).unwrap();
    for round in 0..4u32 {
        let head = store.log().unwrap();
        let mut keep: Vec<Entry> = head
            .last()
            .map(|d| d.record.proposal.table.entries.clone())
            .unwrap_or_else(|| vec![Entry::new(0, "HALT")]);
        keep.retain(|e| e.opcode < 100);
        let ids: Vec<String> = (0..2u32)
            .map(|side| {
                let mut entries = keep.clone();
                entries.push(Entry::new(
                    100 + round * 2 + side,
                    &format!("R{round}S{side}"),
                ));
                let id = store
                    .propose(
                        table(entries),
                        ProposeOptions::new(v(&format!("{}.{side}.0", round + 1))),
                    )
                    .unwrap();
                approve_all(&store, &id);
                id
            })
            .collect();
        let barrier = Barrier::new(2);
        let results: Vec<Result<_, HistoryError>> = std::thread::scope(|s| {
            let handles: Vec<_> = ids
                .iter()
                .map(|id| {
                    // Each thread its own connection, as two processes would have.
                    let store = Store::with_storage(connect(&db.url));
                    let barrier = &barrier;
                    s.spawn(move || {
                        barrier.wait();
                        store.declare(id)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let won = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(won, 1, "round {round}: {results:?}");
        for r in &results {
            if let Err(e) = r {
                assert!(e.is_refusal(), "{e}");
                let m = e.to_string();
                assert!(
                    m.contains("propose the table again") || m.contains("appended record"),
                    "{m}"
                );
            }
        }
        assert_eq!(store.log().unwrap().len(), round as usize + 1);
        assert!(store.verify().unwrap().is_ok());
    }
}

#[test]
fn the_compare_and_append_refuses_any_sequence_but_the_next() {
    let Some(db) = database() else { return };
    let storage = connect(&db.url);
    let store = Store::init_in(storage.clone(), &authority()).unwrap();
    populate(&store);
    let before = store.snapshot().unwrap();
    for sequence in [0, 1, 2, 4, u64::MAX] {
        let mut s = storage.session(Access::Write).unwrap();
        let e = s
            .append(sequence, &format!("{sequence:06}-9.9.9.json"), b"junk")
            .unwrap_err();
        assert!(e.is_refusal(), "{sequence}: {e}");
        assert!(
            e.to_string().contains("another declaration appended"),
            "{e}"
        );
        // The session is still usable after a refusal, and commits nothing.
        assert_eq!(s.names("history").len(), 2);
        s.commit().unwrap();
    }
    assert_eq!(store.snapshot().unwrap(), before);
    // The next sequence is accepted (and undone here by dropping the session).
    let mut s = storage.session(Access::Write).unwrap();
    s.append(3, "000003-9.9.9.json", b"junk").unwrap();
    // …and a second record 3 in the same transaction is refused.
    assert!(s.append(3, "000003-9.9.10.json", b"junk").is_err());
    drop(s);
    assert_eq!(store.snapshot().unwrap(), before);

    // A read session writes nothing.
    let mut r = storage.session(Access::Read).unwrap();
    assert!(r.put("proposals", "x.json", b"x").is_err());
    assert!(r.append(3, "000003-9.9.9.json", b"x").is_err());
    // Names are parameters, never SQL: this one is stored and read back as it is.
    let mut w = storage.session(Access::Write).unwrap();
    let odd = "x'); DROP TABLE isa_history; --.json";
    w.put("proposals", odd, b"\x00\xff bytes").unwrap();
    assert!(w.put("proposals", "a/b", b"x").is_err());
    assert!(w.put("history", "000003-1.json", b"x").is_err());
    w.commit().unwrap();
    let s = storage.session(Access::Read).unwrap();
    assert_eq!(
        s.read("proposals", odd).unwrap().as_deref(),
        Some(&b"\x00\xff bytes"[..])
    );
    assert_eq!(s.names("history").len(), 2);
}

#[test]
fn writers_exclude_each_other_and_a_read_session_keeps_its_view() {
    let Some(db) = database() else { return };
    let storage = connect(&db.url);
    Store::init_in(storage.clone(), &authority()).unwrap();

    let mut first = storage.session(Access::Write).unwrap();
    first.put("approvals", "one.json", b"1").unwrap();
    let second_done = std::thread::scope(|s| {
        let other = connect(&db.url);
        let waiter = s.spawn(move || {
            let started = Instant::now();
            let mut session = other.session(Access::Write).unwrap();
            let waited = started.elapsed();
            // Under the lock, the first writer's commit is visible.
            let saw = session.read("approvals", "one.json").unwrap();
            session.put("approvals", "two.json", b"2").unwrap();
            session.commit().unwrap();
            (waited, saw)
        });
        std::thread::sleep(Duration::from_millis(600));
        assert!(
            !waiter.is_finished(),
            "a second writer ran while the first held the lock"
        );
        first.commit().unwrap();
        waiter.join().unwrap()
    });
    assert!(
        second_done.0 >= Duration::from_millis(500),
        "{second_done:?}"
    );
    assert_eq!(second_done.1.as_deref(), Some(&b"1"[..]));

    // A read session sees the store as it was when it began, whatever commits meanwhile.
    let reader = storage.session(Access::Read).unwrap();
    let before = reader.snapshot().unwrap();
    let writer_storage = connect(&db.url);
    let mut w = writer_storage.session(Access::Write).unwrap();
    w.put("approvals", "three.json", b"3").unwrap();
    w.put("approvals", "one.json", b"changed").unwrap();
    w.commit().unwrap();
    assert_eq!(reader.names("approvals"), ["one.json", "two.json"]);
    assert_eq!(reader.read("approvals", "three.json").unwrap(), None);
    assert_eq!(
        reader.read("approvals", "one.json").unwrap().as_deref(),
        Some(&b"1"[..])
    );
    assert_eq!(reader.snapshot().unwrap(), before);
    reader.commit().unwrap();
    let now = storage.session(Access::Read).unwrap();
    assert_eq!(
        now.names("approvals"),
        ["one.json", "three.json", "two.json"]
    );
}

#[test]
fn a_rolled_back_write_session_leaves_nothing() {
    let Some(db) = database() else { return };
    let storage = connect(&db.url);
    let store = Store::init_in(storage.clone(), &authority()).unwrap();
    populate(&store);
    let before = store.snapshot().unwrap();
    {
        let mut s = storage.session(Access::Write).unwrap();
        s.put("proposals", "junk.json", b"junk").unwrap();
        s.put("approvals", before_approval(&before), b"overwritten")
            .unwrap();
        s.append(3, "000003-9.9.9.json", b"junk").unwrap();
        assert_eq!(
            s.read("proposals", "junk.json").unwrap().as_deref(),
            Some(&b"junk"[..])
        );
        // Dropped without commit.
    }
    // A panic inside a session rolls it back too.
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut s = storage.session(Access::Write).unwrap();
        s.put("proposals", "panic.json", b"junk").unwrap();
        panic!("in the middle of a write");
    }));
    assert!(panicked.is_err());
    assert_eq!(store.snapshot().unwrap(), before);
    // The lock went with the transaction: the next writer gets it at once.
    let started = Instant::now();
    let s = storage.session(Access::Write).unwrap();
    assert!(started.elapsed() < Duration::from_secs(5));
    drop(s);
    assert_verifies(&store.snapshot().unwrap());
}

fn before_approval(snapshot: &Snapshot) -> &str {
    snapshot
        .files
        .keys()
        .find_map(|p| p.strip_prefix("approvals/"))
        .unwrap()
}

#[test]
fn export_folder_to_postgres_and_back_is_byte_identical() {
    let Some(db) = database() else { return };
    let dir = tempfile::tempdir().unwrap();
    let folder = Store::init(&dir.path().join("store"), &authority()).unwrap();
    let pending = populate(&folder);
    let exported = folder.snapshot().unwrap();
    assert_verifies(&exported);

    // folder → PostgreSQL
    let storage = connect(&db.url);
    let pg = Store::restore(storage.clone(), &exported).unwrap();
    let in_pg = pg.snapshot().unwrap();
    assert_eq!(objects(&in_pg), objects(&exported));
    assert_verifies(&in_pg);
    assert!(matches!(
        Store::restore(storage.clone(), &exported),
        Err(HistoryError::AlreadyExists(_))
    ));

    // PostgreSQL → folder: the same bytes, the lock file included.
    let back_dir = dir.path().join("back");
    let back = Store::restore(Arc::new(FolderStorage::new(&back_dir)), &in_pg).unwrap();
    let back_snapshot = back.snapshot().unwrap();
    assert_eq!(back_snapshot, exported);
    assert_verifies(&back_snapshot);

    // PostgreSQL → another PostgreSQL database.
    let db2 = db.another();
    let pg2 = Store::restore(connect(&db2.url), &in_pg).unwrap();
    assert_eq!(pg2.snapshot().unwrap(), in_pg);

    // The copy is a live store: the pending proposal can be finished there.
    pg.approve(&pending, &keys()[1]).unwrap();
    let declared = pg.declare(&pending).unwrap();
    assert_eq!(declared.record.sequence, 3);
    assert_eq!(pg.log().unwrap()[1].hash, folder.log().unwrap()[1].hash);
    assert!(pg.verify().unwrap().is_ok());

    // An export that is not a store, or one with a gap in its history, is refused whole.
    let db3 = db.another();
    let storage3 = connect(&db3.url);
    let mut gap = exported.clone();
    gap.files.remove("history/000001-1.0.0.json");
    assert!(storage3.restore(&gap).is_err());
    let mut stray = exported.clone();
    stray.insert("notes.txt", b"x".to_vec());
    assert!(storage3.restore(&stray).is_err());
    assert_eq!(storage3.snapshot().unwrap(), Snapshot::new());
}

#[test]
fn migrations_are_idempotent_and_safe_to_run_concurrently() {
    let Some(db) = database() else { return };
    // Four instances connecting at once to a database with no schema yet.
    let barrier = Barrier::new(4);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                s.spawn(|| {
                    barrier.wait();
                    PgStorage::connect(&db.url).map(|_| ())
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap().unwrap();
        }
    });
    // And twice more, one after the other.
    let first = PgStorage::connect(&db.url).unwrap();
    let second = PgStorage::connect(&db.url).unwrap();
    assert_eq!(first.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(second.schema_version().unwrap(), SCHEMA_VERSION);
    let mut client = db.client();
    let versions: Vec<i32> = client
        .query(
            "SELECT version FROM isa_schema_migrations ORDER BY version",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(versions, (1..=SCHEMA_VERSION).collect::<Vec<_>>());

    // A schema newer than this build is refused, not written.
    client
        .execute(
            "INSERT INTO isa_schema_migrations (version) VALUES ($1)",
            &[&(SCHEMA_VERSION + 1)],
        )
        .unwrap();
    let e = PgStorage::connect(&db.url).unwrap_err();
    assert!(matches!(e, HistoryError::Storage(_)), "{e}");
    assert!(e.to_string().contains("newer than this build"), "{e}");
}

#[test]
fn database_errors_name_the_database_and_never_the_password() {
    let Some(db) = database() else { return };
    // Nothing listens on port 1.
    let e = PgStorage::connect("postgres://isa:s3cret-pw@127.0.0.1:1/isa").unwrap_err();
    let m = e.to_string();
    assert!(matches!(e, HistoryError::Storage(_)), "{m}");
    assert!(m.contains("postgres://isa@127.0.0.1:1/isa"), "{m}");
    assert!(!m.contains("s3cret"), "{m}");

    // A database that does not exist on a server that does.
    let missing = with_dbname(&db.url, &format!("{}_missing", db.name));
    let e = PgStorage::connect(&missing).unwrap_err();
    let m = e.to_string();
    assert!(
        m.contains(&format!("{}_missing", db.name)) && m.contains("does not exist"),
        "{m}"
    );

    assert!(matches!(
        PgStorage::connect("postgres://isa@127.0.0.1:notaport/isa"),
        Err(HistoryError::Storage(_))
    ));
    assert!(PgStorage::connect("postgres://isa:pw@db.example.com/isa")
        .unwrap_err()
        .to_string()
        .contains("not a loopback address"));

    // A database dropped under a live backend: errors, no panic.
    let doomed = db.another();
    let storage = connect(&doomed.url);
    let store = Store::init_in(storage.clone(), &authority()).unwrap();
    drop(doomed);
    let e = store.log().unwrap_err();
    assert!(matches!(e, HistoryError::Storage(_)), "{e}");
    assert!(e.to_string().contains("PostgreSQL database"), "{e}");
}
