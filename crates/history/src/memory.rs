//! A store kept in memory: [`MemoryStorage`], the [`Storage`] backend over a [`Snapshot`].
//!
//! What it is for. A registry's client fetches the store's export (every object's bytes, see
//! [`crate::export`]) and runs the very same [`crate::Store`] code over it that runs over a
//! folder, so `log`, `show`, `diff` and `verify` print byte for byte what they print against
//! the folder, and `verify` checks the bytes itself rather than trusting the server's verdict.
//! It is also a complete backend for tests and for tools that build a store before writing it
//! anywhere: proposals, approvals and declarations work, with the same compare-and-append as
//! the other backends.
//!
//! Sessions. A read session works on a copy of the objects taken when it begins, so it is one
//! consistent view however long it lasts. A write session holds the storage's lock until it
//! ends, which excludes every other session (readers wait too, for the copy they take), and
//! keeps its writes to itself until [`Session::commit`]: a session dropped without committing
//! changes nothing, like a database transaction. Within one thread, do not open a second
//! session, or call the storage's own methods, while a write session is open: the lock is not
//! re-entrant. [`crate::Store`] never does.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};

use crate::error::HistoryError;
use crate::storage::{file_name, stale_append, Access, Session, Storage, AUTHORITY};
use crate::verify::{is_temp_name, Snapshot, STORE_FOLDERS};

/// The objects of a store, in memory (see the module documentation).
#[derive(Debug)]
pub struct MemoryStorage {
    /// What messages call the store (`http://host/` for a registry's export).
    label: String,
    /// The objects; `None` until the store is created or restored.
    state: Mutex<Option<Snapshot>>,
}

impl MemoryStorage {
    /// An empty backend, holding no store yet ([`Storage::create`] or [`Storage::restore`]
    /// makes one); `label` names it in messages.
    pub fn new(label: impl Into<String>) -> MemoryStorage {
        MemoryStorage {
            label: label.into(),
            state: Mutex::new(None),
        }
    }

    /// A backend holding exactly these objects (an export read with
    /// [`crate::export::import_json`]), kept as they are, without checking them: a damaged
    /// store is [`crate::Store::verify`]'s to report. Without an `authority.json` it is not a
    /// store, and sessions fail with [`HistoryError::NotAStore`].
    pub fn from_snapshot(label: impl Into<String>, snapshot: Snapshot) -> MemoryStorage {
        MemoryStorage {
            label: label.into(),
            state: Mutex::new(Some(snapshot)),
        }
    }

    /// What messages call the store.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The objects as they are now (an empty snapshot when there is no store).
    pub fn to_snapshot(&self) -> Snapshot {
        self.lock().clone().unwrap_or_default()
    }

    fn lock(&self) -> MutexGuard<'_, Option<Snapshot>> {
        // A panic in another session cannot leave the objects half-written (writes go to the
        // session's own copy until commit), so a poisoned lock still guards whole objects.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn not_a_store(&self) -> HistoryError {
        HistoryError::NotAStore(PathBuf::from(&self.label))
    }
}

impl Storage for MemoryStorage {
    fn session(&self, access: Access) -> Result<Box<dyn Session + '_>, HistoryError> {
        let guard = self.lock();
        let view = match guard.as_ref() {
            Some(snapshot) if snapshot.files.contains_key(AUTHORITY) => snapshot.clone(),
            _ => return Err(self.not_a_store()),
        };
        let guard = match access {
            Access::Write => Some(guard),
            Access::Read => {
                drop(guard);
                None
            }
        };
        let names = STORE_FOLDERS
            .iter()
            .map(|folder| (*folder, names_in(&view, folder)))
            .collect();
        Ok(Box::new(MemorySession {
            guard,
            view,
            names,
            label: &self.label,
        }))
    }

    fn create(&self, authority: &[u8]) -> Result<(), HistoryError> {
        let mut guard = self.lock();
        if guard
            .as_ref()
            .is_some_and(|s| s.files.contains_key(AUTHORITY))
        {
            return Err(HistoryError::AlreadyExists(PathBuf::from(&self.label)));
        }
        let mut snapshot = Snapshot::new();
        snapshot.insert(AUTHORITY, authority.to_vec());
        *guard = Some(snapshot);
        Ok(())
    }

    fn snapshot(&self) -> Result<Snapshot, HistoryError> {
        // Whatever is there, store or not: verify reports a missing authority.json.
        Ok(self.to_snapshot())
    }

    fn restore(&self, snapshot: &Snapshot) -> Result<(), HistoryError> {
        if let Some((path, _)) = snapshot.others.iter().next() {
            return Err(HistoryError::invalid(format!(
                "{path}: not a regular file, so it cannot be copied into a store"
            )));
        }
        if !snapshot.files.contains_key(AUTHORITY) {
            return Err(HistoryError::invalid(
                "the export holds no authority.json, so it is not a store",
            ));
        }
        let mut copy = Snapshot::new();
        for (path, bytes) in &snapshot.files {
            if path == "lock" || is_temp_name(file_name(path)) {
                continue;
            }
            let in_folder = path
                .split_once('/')
                .is_some_and(|(dir, name)| STORE_FOLDERS.contains(&dir) && valid_name(name));
            if path != AUTHORITY && !in_folder {
                return Err(HistoryError::invalid(format!(
                    "{path}: not a file of a store folder, so it cannot be copied into a store"
                )));
            }
            copy.insert(path.clone(), bytes.clone());
        }
        let mut guard = self.lock();
        if guard
            .as_ref()
            .is_some_and(|s| s.files.contains_key(AUTHORITY))
        {
            return Err(HistoryError::AlreadyExists(PathBuf::from(&self.label)));
        }
        *guard = Some(copy);
        Ok(())
    }

    fn locate(&self, folder: &str) -> String {
        format!("{}{folder}", with_slash(&self.label))
    }
}

/// `label/`, unless it already ends in a slash.
fn with_slash(label: &str) -> String {
    if label.ends_with('/') {
        label.to_string()
    } else {
        format!("{label}/")
    }
}

/// A name an object of a store folder can have: one path component, not a temporary file.
fn valid_name(name: &str) -> bool {
    !name.is_empty() && !name.contains('/') && name != "." && name != ".." && !is_temp_name(name)
}

/// The names of the objects directly in `folder`, sorted (the snapshot's order), without
/// temporary files, as a folder listing shows them.
fn names_in(snapshot: &Snapshot, folder: &str) -> Vec<String> {
    let prefix = format!("{folder}/");
    snapshot
        .files
        .keys()
        .filter_map(|path| path.strip_prefix(&prefix))
        .filter(|name| valid_name(name))
        .map(str::to_string)
        .collect()
}

/// One session over a [`MemoryStorage`] (see the module documentation).
struct MemorySession<'a> {
    /// Held by a write session until it ends: the exclusion of every other session.
    guard: Option<MutexGuard<'a, Option<Snapshot>>>,
    /// The objects as this session sees them, its own writes included.
    view: Snapshot,
    /// Each folder's names when the session began.
    names: BTreeMap<&'static str, Vec<String>>,
    label: &'a str,
}

impl MemorySession<'_> {
    fn writable(&self, what: &str) -> Result<(), HistoryError> {
        match self.guard {
            Some(_) => Ok(()),
            None => Err(HistoryError::Storage(format!(
                "{}: {what} in a read-only session",
                self.label
            ))),
        }
    }
}

impl Session for MemorySession<'_> {
    fn names(&self, folder: &str) -> &[String] {
        self.names.get(folder).map_or(&[], Vec::as_slice)
    }

    fn read(&self, folder: &str, name: &str) -> Result<Option<Vec<u8>>, HistoryError> {
        Ok(self.view.files.get(&format!("{folder}/{name}")).cloned())
    }

    fn authority(&self) -> Result<Vec<u8>, HistoryError> {
        self.view
            .files
            .get(AUTHORITY)
            .cloned()
            .ok_or_else(|| HistoryError::NotAStore(PathBuf::from(self.label)))
    }

    fn put(&mut self, folder: &str, name: &str, bytes: &[u8]) -> Result<(), HistoryError> {
        self.writable("a write")?;
        if !matches!(folder, "proposals" | "approvals") || !valid_name(name) {
            return Err(HistoryError::invalid(format!(
                "{folder}/{name}: not a proposal or approval object"
            )));
        }
        self.view.insert(format!("{folder}/{name}"), bytes.to_vec());
        Ok(())
    }

    fn append(&mut self, sequence: u64, name: &str, bytes: &[u8]) -> Result<(), HistoryError> {
        self.writable("an append")?;
        if !valid_name(name) {
            return Err(HistoryError::invalid(format!(
                "history/{name}: not a history record name"
            )));
        }
        // The same condition as the folder's: exactly `sequence - 1` records, none of this
        // sequence. Under the lock no other writer ran, but the condition is this function's
        // own either way.
        let records = names_in(&self.view, "history");
        let records: Vec<&String> = records.iter().filter(|n| n.ends_with(".json")).collect();
        let prefix = format!("{sequence:06}-");
        if records.len() as u64 + 1 != sequence || records.iter().any(|n| n.starts_with(&prefix)) {
            return Err(stale_append(sequence));
        }
        self.view.insert(format!("history/{name}"), bytes.to_vec());
        Ok(())
    }

    fn snapshot(&self) -> Result<Snapshot, HistoryError> {
        Ok(self.view.clone())
    }

    fn commit(self: Box<Self>) -> Result<(), HistoryError> {
        let MemorySession {
            guard, mut view, ..
        } = *self;
        if let Some(mut guard) = guard {
            view.others.clear();
            *guard = Some(view);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::{Authority, KeyPair, Maintainer, ProposeOptions, Store};

    fn table(extra: bool) -> isa_core::Table {
        let mut text = String::from(
            "implementation = \"t\"\nopcodes = [\n  { opcode = 0x00, mnemonic = \"HALT\", format = \"A\" },\n",
        );
        if extra {
            text.push_str("  { opcode = 0x01, mnemonic = \"NOP\", format = \"A\" },\n");
        }
        text.push_str("]\n");
        isa_io::parse_table("t.toml", &text, isa_io::TableFormat::Toml).unwrap()
    }

    fn store_with_keys() -> (Store, Vec<KeyPair>) {
        let keys: Vec<KeyPair> = ["ada", "bob"]
            .iter()
            .map(|n| KeyPair::generate(n).unwrap())
            .collect();
        let maintainers = keys
            .iter()
            .map(|k| Maintainer {
                name: k.name.clone(),
                public_key: k.public().to_hex(),
            })
            .collect();
        let authority = Authority::new(maintainers, 2).unwrap();
        let storage = Arc::new(MemoryStorage::new("memory"));
        (Store::init_in(storage, &authority).unwrap(), keys)
    }

    fn version(text: &str) -> ProposeOptions {
        ProposeOptions::new(semver::Version::parse(text).unwrap())
    }

    #[test]
    fn the_whole_governance_flow_runs_in_memory_and_verifies() {
        let (store, keys) = store_with_keys();
        let id = store.propose(table(false), version("1.0.0")).unwrap();
        let refused = store.declare(&id).unwrap_err();
        assert!(refused.is_refusal(), "{refused}");
        for key in &keys {
            store.approve(&id, key).unwrap();
        }
        let declared = store.declare(&id).unwrap();
        assert_eq!(declared.version().to_string(), "1.0.0");
        let id = store.propose(table(true), version("1.1.0")).unwrap();
        for key in &keys {
            store.approve(&id, key).unwrap();
        }
        store.declare(&id).unwrap();
        assert_eq!(store.log().unwrap().len(), 2);
        assert_eq!(store.show("latest").unwrap().entries.len(), 2);
        let report = store.verify().unwrap();
        assert!(report.is_ok(), "{:?}", report.findings);
        assert_eq!(report.versions.len(), 2);
    }

    #[test]
    fn an_export_round_trips_through_a_folder_byte_for_byte() {
        let (store, keys) = store_with_keys();
        let id = store.propose(table(false), version("1.0.0")).unwrap();
        for key in &keys {
            store.approve(&id, key).unwrap();
        }
        store.declare(&id).unwrap();
        let snapshot = store.snapshot().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let folder = Arc::new(crate::FolderStorage::new(dir.path().join("s")));
        let copy = Store::restore(folder, &snapshot).unwrap();
        let mut back = copy.snapshot().unwrap();
        back.files.remove("lock");
        assert_eq!(back, snapshot);
        // And back into memory, through the export document.
        let text = serde_json::to_string(&crate::export::export_json(&back).unwrap()).unwrap();
        let imported = crate::export::import_json("export", &text).unwrap();
        let again = Store::with_storage(Arc::new(MemoryStorage::from_snapshot("m", imported)));
        assert_eq!(again.log().unwrap()[0].hash, copy.log().unwrap()[0].hash);
        assert!(again.verify().unwrap().is_ok());
    }

    #[test]
    fn no_authority_is_no_store_and_create_refuses_twice() {
        let storage = MemoryStorage::new("http://example/");
        let e = Store::with_storage(Arc::new(MemoryStorage::new("x")))
            .log()
            .unwrap_err();
        assert!(matches!(e, HistoryError::NotAStore(_)), "{e}");
        storage.create(b"{}\n").unwrap();
        let e = storage.create(b"{}\n").unwrap_err();
        assert!(matches!(e, HistoryError::AlreadyExists(_)), "{e}");
        assert_eq!(storage.locate("proposals"), "http://example/proposals");
        // A damaged store is verify's to report, not a reason to fail.
        let mut s = Snapshot::new();
        s.insert("history/000001-1.0.0.json", b"junk".to_vec());
        let report = Store::with_storage(Arc::new(MemoryStorage::from_snapshot("m", s)))
            .verify()
            .unwrap();
        assert!(!report.is_ok());
    }

    #[test]
    fn writes_need_a_write_session_and_a_commit() {
        let storage = MemoryStorage::new("m");
        storage.create(b"{}\n").unwrap();
        {
            let mut read = storage.session(Access::Read).unwrap();
            let e = read.put("proposals", "a.json", b"x").unwrap_err();
            assert!(e.to_string().contains("read-only"), "{e}");
        }
        {
            let mut write = storage.session(Access::Write).unwrap();
            write.put("proposals", "a.json", b"x").unwrap();
            assert_eq!(
                write.read("proposals", "a.json").unwrap(),
                Some(b"x".to_vec())
            );
            // Dropped without commit.
        }
        let read = storage.session(Access::Read).unwrap();
        assert!(read.names("proposals").is_empty());
        drop(read);
        let mut write = storage.session(Access::Write).unwrap();
        write.put("approvals", "a.ada.json", b"y").unwrap();
        assert!(write.put("history", "x.json", b"z").is_err());
        assert!(write.put("proposals", "../x", b"z").is_err());
        write.commit().unwrap();
        let read = storage.session(Access::Read).unwrap();
        assert_eq!(read.names("approvals"), ["a.ada.json".to_string()]);
    }

    #[test]
    fn append_is_a_compare_and_append() {
        let storage = MemoryStorage::new("m");
        storage.create(b"{}\n").unwrap();
        let mut s = storage.session(Access::Write).unwrap();
        assert!(s
            .append(2, "000002-2.0.0.json", b"r")
            .unwrap_err()
            .is_refusal());
        s.append(1, "000001-1.0.0.json", b"r1").unwrap();
        // The same sequence again is stale, even within the session.
        assert!(s
            .append(1, "000001-1.0.1.json", b"r")
            .unwrap_err()
            .is_refusal());
        s.append(2, "000002-2.0.0.json", b"r2").unwrap();
        s.commit().unwrap();
        let snapshot = storage.to_snapshot();
        assert_eq!(
            snapshot.files.keys().collect::<Vec<_>>(),
            [
                "authority.json",
                "history/000001-1.0.0.json",
                "history/000002-2.0.0.json"
            ]
        );
    }

    #[test]
    fn a_write_session_excludes_other_sessions() {
        let storage = Arc::new(MemoryStorage::new("m"));
        storage.create(b"{}\n").unwrap();
        let mut write = storage.session(Access::Write).unwrap();
        let other = Arc::clone(&storage);
        let reader = std::thread::spawn(move || {
            let s = other.session(Access::Read).unwrap();
            s.names("proposals").to_vec()
        });
        std::thread::sleep(std::time::Duration::from_millis(50));
        write.put("proposals", "p.json", b"x").unwrap();
        write.commit().unwrap();
        // The reader waited for the writer, so it sees the committed write.
        assert_eq!(reader.join().unwrap(), ["p.json".to_string()]);
    }

    #[test]
    fn restore_refuses_what_is_not_a_store() {
        let storage = MemoryStorage::new("m");
        let mut s = Snapshot::new();
        s.insert("history/x.json", b"x".to_vec());
        assert!(storage.restore(&s).is_err());
        s.insert(AUTHORITY, b"{}\n".to_vec());
        s.insert("elsewhere/x", b"x".to_vec());
        let e = storage.restore(&s).unwrap_err().to_string();
        assert!(e.contains("not a file of a store folder"), "{e}");
        s.files.remove("elsewhere/x");
        s.insert("lock", Vec::new());
        storage.restore(&s).unwrap();
        assert!(!storage.to_snapshot().files.contains_key("lock"));
        assert!(matches!(
            storage.restore(&s).unwrap_err(),
            HistoryError::AlreadyExists(_)
        ));
    }
}
