//! The golden store: `tests/golden/store/` was built once, by the code of its first commit, and
//! is never rebuilt. Every later build must verify it and reproduce it byte for byte.
//!
//! Why: every byte of a store is hashed into something signed, so a store written today must
//! verify with every future build. A change to how tables, proposals, records or
//! `authority.json` are serialised — a new optional field written as `null`, a reordered key,
//! another escape for a control character — would make every existing store fail `verify`.
//! This test catches such a change before it ships. When it fails, do not rewrite the golden
//! files: make the change keep the old bytes (see the rules in `isa_history::canonical`), or
//! give it a new format version that is decoded beside the old one.
//!
//! The store covers every field a table can hold today, strings that need JSON escapes
//! (quotes, backslashes, control characters, non-ASCII), renames, an override, a removal by
//! status, and a pending proposal with one approval. Keys come from fixed seeds, and ed25519
//! signatures are deterministic, so the whole store is a function of the inputs below.
//!
//! `ISA_HISTORY_GOLDEN_CREATE=1` writes the golden store when it does not exist yet; it never
//! overwrites one.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use isa_core::{Date, Endian, Entry, Field, FieldKind, Layout, Status, Table};
use isa_history::{Authority, KeyPair, Maintainer, Override, ProposeOptions, Rename, Store};
use semver::Version;

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/store")
}

/// alice, bob and carol from fixed seeds.
fn keys() -> Vec<KeyPair> {
    ["alice", "bob", "carol"]
        .iter()
        .zip([0x11u8, 0x22, 0x33])
        .map(|(name, seed)| KeyPair::from_seed(name, [seed; 32]))
        .collect()
}

fn entry(opcode: u32, mnemonic: &str, format: &str, category: &str) -> Entry {
    let mut e = Entry::new(opcode, mnemonic).with_format(format);
    e.category = Some(category.into());
    e
}

/// Version 1.0.0: every table field that exists, set at least once.
fn table_v1() -> Table {
    let mut t = Table::new("canonical \"golden\"");
    t.language = Some("Rust".into());
    t.isa_version = Some("FLUX ISA v1.0".into());
    t.registered = Some(Date::new(2026, 1, 15).unwrap());
    t.source_repo = Some("https://example.invalid/flux".into());
    t.source_path = Some("spec/opcodes.toml".into());
    let layout =
        |size, fields: Vec<Field>, endian| Layout::with_endian(size, fields, endian).unwrap();
    t.formats
        .insert("A".into(), layout(1, vec![], Endian::Little));
    t.formats.insert(
        "E".into(),
        layout(
            4,
            vec![
                Field::new("rd", 8, FieldKind::Register),
                Field::new("rs1", 8, FieldKind::Register),
                Field::new("rs2", 8, FieldKind::Register),
            ],
            Endian::Little,
        ),
    );
    t.formats.insert(
        "J".into(),
        layout(
            4,
            vec![
                Field::new("cond", 4, FieldKind::Immediate),
                Field::new("pad", 4, FieldKind::Immediate),
                Field::new("off", 16, FieldKind::RelativeOffset),
            ],
            Endian::Big,
        ),
    );
    t.formats.insert(
        "S".into(),
        layout(
            3,
            vec![Field::new("imm", 16, FieldKind::SignedImmediate)],
            Endian::Little,
        ),
    );
    t.formats.insert(
        "V".into(),
        layout(
            2,
            vec![Field::new("n", 8, FieldKind::PayloadLength)],
            Endian::Little,
        ),
    );
    let mut halt = entry(0x00, "HALT", "A", "control");
    halt.details.make_mut().description = Some("stop the VM".into());
    halt.status = Some(Status::Stable);
    let mut add = entry(0x01, "ADD", "E", "arith");
    add.details.make_mut().operands = Some("rd, rs1, rs2".into());
    add.details.make_mut().source_name = Some("OpAdd".into());
    let mut jz = entry(0x02, "JZ", "J", "control");
    jz.details.make_mut().branch = Some("off".into());
    let stripcf = entry(0x03, "STRIPCF", "V", "a2a");
    let mut old = entry(0x04, "OLD", "A", "misc");
    old.status = Some(Status::Deprecated);
    old.size_bytes = Some(1);
    let mut movi = entry(0x05, "MOVI", "S", "data");
    movi.status = Some(Status::Proposed);
    movi.details.make_mut().description = Some(
        "quote \" backslash \\ slash / newline \n tab \t cr \r control \u{1} del \u{7f} \
         non-ASCII é ✓ 𝄞"
            .into(),
    );
    let reserved = Entry {
        opcode: 0x7F,
        reserved: true,
        size_bytes: Some(2),
        ..Entry::default()
    };
    let nameless = Entry {
        opcode: 0x80,
        ..Entry::default()
    };
    let wide = entry(0x1234, "WIDE", "E", "ext");
    t.entries = vec![halt, add, jz, stripcf, old, movi, reserved, nameless, wide];
    t
}

/// Version 1.1.0: STRIPCF renamed, OLD removed by status, MUL added.
fn table_v1_1() -> Table {
    let mut t = table_v1();
    for e in &mut t.entries {
        match e.mnemonic.as_deref() {
            Some("STRIPCF") => e.mnemonic = Some("STRIPCONF".into()),
            Some("OLD") => e.status = Some(Status::Removed),
            _ => {}
        }
    }
    t.entries.push(entry(0x06, "MUL", "E", "arith"));
    t
}

/// Version 2.0.0: OLD is gone and its number goes to NEWOP, by an override.
fn table_v2() -> Table {
    let mut t = table_v1_1();
    t.entries.retain(|e| e.mnemonic.as_deref() != Some("OLD"));
    t.entries.insert(4, entry(0x04, "NEWOP", "A", "misc"));
    t
}

/// 2.1.0, proposed and approved once, not declared.
fn table_v2_1() -> Table {
    let mut t = table_v2();
    t.entries.push(entry(0x07, "DIV", "E", "arith"));
    t
}

fn options(version: &str, message: &str) -> ProposeOptions {
    let mut o = ProposeOptions::new(Version::parse(version).unwrap());
    o.message = message.to_string();
    o
}

/// Builds the golden store in `dir` through the public API.
fn build(dir: &Path) {
    let keys = keys();
    let maintainers = keys
        .iter()
        .map(|k| Maintainer {
            name: k.name.clone(),
            public_key: k.public().to_hex(),
        })
        .collect();
    let store = Store::init(dir, &Authority::new(maintainers, 2).unwrap()).unwrap();
    let (alice, bob, carol) = (&keys[0], &keys[1], &keys[2]);
    let declare = |table: Table, o: ProposeOptions, by: [&KeyPair; 2]| {
        let id = store.propose(table, o).unwrap();
        for k in by {
            store.approve(&id, k).unwrap();
        }
        store.declare(&id).unwrap();
    };
    declare(
        table_v1(),
        options("1.0.0", "first canonical ISA\nsecond line, \"quoted\""),
        [alice, bob],
    );
    let mut o = options("1.1.0", "rename STRIPCF, retire OLD");
    o.renames.push(Rename {
        from: "STRIPCF".into(),
        to: "STRIPCONF".into(),
    });
    declare(table_v1_1(), o, [bob, carol]);
    let mut o = options("2.0.0", "");
    o.overrides.push(Override {
        opcode: 4,
        reason: "OLD never shipped in any VM".into(),
    });
    declare(table_v2(), o, [carol, alice]);
    let pending = store
        .propose(table_v2_1(), options("2.1.0-rc.1", "pending"))
        .unwrap();
    store.approve(&pending, bob).unwrap();
}

/// Every file under `dir`: path relative to it (with `/`) → bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).unwrap().to_string_lossy();
                out.insert(rel.replace('\\', "/"), std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn copy_into(files: &BTreeMap<String, Vec<u8>>, dir: &Path) {
    for (rel, bytes) in files {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
}

#[test]
fn the_golden_store_verifies_and_is_reproduced_byte_for_byte() {
    let scratch = tempfile::tempdir().unwrap();
    let built_dir = scratch.path().join("store");
    build(&built_dir);
    let built = files(&built_dir);
    let golden = golden_dir();
    if !golden.exists() {
        assert!(
            std::env::var_os("ISA_HISTORY_GOLDEN_CREATE").is_some(),
            "{} is missing (ISA_HISTORY_GOLDEN_CREATE=1 creates it, once)",
            golden.display()
        );
        copy_into(&built, &golden);
    }
    let expected = files(&golden);

    // The golden store verifies as it is (a copy, so that nothing, not even a lock, touches the
    // checked-in files).
    let copy = scratch.path().join("golden");
    copy_into(&expected, &copy);
    let report = Store::open(&copy).unwrap().verify().unwrap();
    assert!(report.is_ok(), "{:#?}", report.findings);
    assert_eq!(report.versions.len(), 3);
    assert_eq!(report.proposals, 4);
    assert_eq!(report.approvals, 7);

    // And today's code writes exactly the same bytes from the same inputs.
    let names = |m: &BTreeMap<String, Vec<u8>>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        names(&built),
        names(&expected),
        "the golden store's file names changed: ids are content hashes, so some encoding changed"
    );
    for (rel, bytes) in &expected {
        assert!(
            built[rel] == *bytes,
            "{rel}: today's build writes other bytes than the golden store holds. Every store \
             written before would fail verify: keep the old bytes, or add a new format version \
             decoded beside the old one. Do not rewrite the golden files.\n--- golden\n{}\n--- built\n{}",
            String::from_utf8_lossy(bytes),
            String::from_utf8_lossy(&built[rel])
        );
    }
}

/// Source locations are where a table was read from, not part of it.
fn without_locations(mut t: Table) -> Table {
    t.location = None;
    for e in &mut t.entries {
        e.location = None;
    }
    t
}

#[test]
fn golden_tables_come_back_whole() {
    let scratch = tempfile::tempdir().unwrap();
    copy_into(&files(&golden_dir()), scratch.path());
    let store = Store::open(scratch.path()).unwrap();
    for (version, table) in [
        ("1.0.0", table_v1()),
        ("1.1.0", table_v1_1()),
        ("2.0.0", table_v2()),
    ] {
        let shown = without_locations(store.show(version).unwrap());
        assert_eq!(shown, table, "{version}");
    }
}
