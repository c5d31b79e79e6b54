//! Where a store's bytes live: the [`Storage`] trait and its folder implementation.
//!
//! A store is a handful of named byte objects — `authority.json`, `proposals/<id hex>.json`,
//! `approvals/<id hex>.<maintainer>.json` and `history/<6-digit sequence>-<version>.json` —
//! and every governance rule (quorum, lifecycle, parents, renames, reserved numbers, the hash
//! chain, signatures, verification) is a function of those bytes. So the rules live once, in
//! [`crate::store::Store`], and a backend only keeps bytes: it lists and reads the objects of
//! one consistent view, writes a proposal or an approval, and appends the next history record
//! *only if* its sequence is still the next one. That compare-and-append is the one operation
//! whose atomicity the rules depend on (two declarations on one head must not both land); the
//! rest are plain writes whose names are content hashes or maintainer names.
//!
//! A backend is used one [`Session`] at a time per operation: a read session sees one
//! consistent view; a write session also excludes every other writer until it ends, so the
//! store's checks (the head, the approvals, the rules) are re-read under that exclusion and no
//! update is lost. The folder backend gets both from an exclusive lock on `lock` and atomic
//! renames; a database backend from a transaction and a unique constraint on the sequence.
//!
//! [`FolderStorage`] is the store on disk (see [`crate::store`] for the layout): every folder
//! and file is opened relative to its parent's directory handle without following links
//! (`folder.rs`), every write is a temporary file, fsync, rename and folder fsync, and its
//! compare-and-append checks, under the exclusive lock, that no record of that sequence is on
//! disk before the single rename that declares it.

use std::fmt;
use std::fs::File;
use std::path::{Path, PathBuf};

use crate::error::HistoryError;
use crate::folder::{Folder, Kind};
use crate::verify::{is_temp_name, Other, Snapshot, STORE_FOLDERS};

/// The name of the authority object, at the store's root.
pub const AUTHORITY: &str = "authority.json";
const LOCK: &str = "lock";

/// How a session holds the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Excluding every other writer, for operations that write.
    Write,
    /// A consistent view, for operations that only read.
    Read,
}

/// Where a store's named byte objects live (see the module documentation). Implementations
/// keep bytes exactly as given: hashes and signatures cover them.
pub trait Storage: fmt::Debug + Send + Sync {
    /// Opens one session. A store that is not there is [`HistoryError::NotAStore`].
    fn session(&self, access: Access) -> Result<Box<dyn Session + '_>, HistoryError>;

    /// Creates a store that holds only `authority` (the bytes of `authority.json`) and empty
    /// folders; [`HistoryError::AlreadyExists`] when one is there.
    fn create(&self, authority: &[u8]) -> Result<(), HistoryError>;

    /// Everything in the store, for [`crate::verify::verify`]: every object's bytes by its
    /// path (`proposals/<hex>.json`, …) and anything else that is there, without refusing
    /// anything, since a damaged store is verify's to report.
    fn snapshot(&self) -> Result<Snapshot, HistoryError>;

    /// Fills an empty store with exactly these objects (an export from another backend), in
    /// one step where the backend allows it, `authority.json` last where it does not, so a
    /// store exists exactly when it is whole. Refuses a store that already exists.
    fn restore(&self, snapshot: &Snapshot) -> Result<(), HistoryError>;

    /// Where a folder of the store is, for messages (`/path/to/store/proposals`).
    fn locate(&self, folder: &str) -> String;

    /// The store's folder on disk, for backends that have one.
    fn root(&self) -> Option<&Path> {
        None
    }

    /// The names of the history's records, in order, read as cheaply as the backend allows
    /// (no lock, no authority check) — or `None` when it has no cheaper way than a session.
    /// Records are only ever appended and each name carries its sequence, so an unchanged
    /// list means an unchanged history: a server uses it to know when a cached history is
    /// still current. Tampering is `verify`'s to find, not this.
    fn history_names(&self) -> Result<Option<Vec<String>>, HistoryError> {
        Ok(None)
    }
}

/// One operation's hold on a store (see [`Storage::session`]).
pub trait Session {
    /// The names of the objects in one of the store's folders (`proposals`, `approvals`,
    /// `history`), sorted, as they were when the session began; none when it has no such
    /// folder.
    fn names(&self, folder: &str) -> &[String];

    /// The bytes of an object of a folder; `None` when there is none.
    fn read(&self, folder: &str, name: &str) -> Result<Option<Vec<u8>>, HistoryError>;

    /// The bytes of `authority.json`.
    fn authority(&self) -> Result<Vec<u8>, HistoryError>;

    /// Writes (or rewrites) a proposal or approval object (`folder` is `proposals` or
    /// `approvals`). Only in a [`Access::Write`] session.
    fn put(&mut self, folder: &str, name: &str, bytes: &[u8]) -> Result<(), HistoryError>;

    /// Appends history record `sequence` as `name` — only if the history still holds exactly
    /// `sequence - 1` records; otherwise [`HistoryError::Refused`], and nothing is written.
    /// This is the store's compare-and-append. Only in a [`Access::Write`] session.
    fn append(&mut self, sequence: u64, name: &str, bytes: &[u8]) -> Result<(), HistoryError>;

    /// Everything in the store as this session sees it (see [`Storage::snapshot`]).
    fn snapshot(&self) -> Result<Snapshot, HistoryError>;

    /// Makes the session's writes durable and visible, for backends where they are not
    /// already (a database transaction). A session dropped without it writes nothing there.
    fn commit(self: Box<Self>) -> Result<(), HistoryError>;
}

/// The refusal of an append whose sequence is no longer the next one.
pub fn stale_append(sequence: u64) -> HistoryError {
    HistoryError::Refused(format!(
        "another declaration appended record {sequence} first; \
         propose the table again and collect approvals for the new proposal"
    ))
}

/// The last component of a store path (`proposals/x.json` → `x.json`).
pub fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// The store in a folder on disk (see the module documentation and [`crate::store`]).
#[derive(Debug, Clone)]
pub struct FolderStorage {
    root: PathBuf,
}

impl FolderStorage {
    /// The store in `dir` (nothing is read until a session opens).
    pub fn new(dir: impl AsRef<Path>) -> FolderStorage {
        FolderStorage {
            root: dir.as_ref().to_path_buf(),
        }
    }
}

impl Storage for FolderStorage {
    fn session(&self, access: Access) -> Result<Box<dyn Session + '_>, HistoryError> {
        Ok(Box::new(FolderSession::open(&self.root, access)?))
    }

    fn create(&self, authority: &[u8]) -> Result<(), HistoryError> {
        let dir = &self.root;
        std::fs::create_dir_all(dir).map_err(|e| HistoryError::io(dir, e))?;
        let root = Folder::open_root(dir)?;
        let lock = root.open_lock(LOCK, true)?.expect("created when missing");
        lock.lock()
            .map_err(|e| HistoryError::io(root.join(LOCK), e))?;
        match root.kind(AUTHORITY)? {
            None => {}
            Some(Kind::Symlink) => return Err(HistoryError::Symlink(root.join(AUTHORITY))),
            Some(_) => return Err(HistoryError::AlreadyExists(dir.to_path_buf())),
        }
        for sub in STORE_FOLDERS {
            root.create_folder(sub)?;
        }
        // authority.json is written last: a store exists exactly when it does.
        root.write(AUTHORITY, authority)
    }

    fn snapshot(&self) -> Result<Snapshot, HistoryError> {
        let root = Folder::open_root(&self.root)?;
        // The shared lock when there is one to take; a link (or anything else) in its place is
        // reported by verify, so it is no reason not to verify.
        let lock = match root.open_lock(LOCK, false) {
            Ok(Some(file)) => Some(file),
            _ => None,
        };
        if let Some(file) = &lock {
            file.lock_shared()
                .map_err(|e| HistoryError::io(root.join(LOCK), e))?;
        }
        snapshot_of(&root)
    }

    fn restore(&self, snapshot: &Snapshot) -> Result<(), HistoryError> {
        if let Some((path, _)) = snapshot.others.iter().next() {
            return Err(HistoryError::invalid(format!(
                "{path}: not a regular file, so it cannot be copied into a store"
            )));
        }
        let Some(authority) = snapshot.files.get(AUTHORITY) else {
            return Err(HistoryError::invalid(
                "the export holds no authority.json, so it is not a store",
            ));
        };
        let dir = &self.root;
        std::fs::create_dir_all(dir).map_err(|e| HistoryError::io(dir, e))?;
        let root = Folder::open_root(dir)?;
        let lock = root.open_lock(LOCK, true)?.expect("created when missing");
        lock.lock()
            .map_err(|e| HistoryError::io(root.join(LOCK), e))?;
        if root.kind(AUTHORITY)?.is_some() {
            return Err(HistoryError::AlreadyExists(dir.to_path_buf()));
        }
        let mut folders = std::collections::BTreeMap::new();
        for sub in STORE_FOLDERS {
            folders.insert(sub, root.create_folder(sub)?);
        }
        for (path, bytes) in &snapshot.files {
            if path == AUTHORITY || path == LOCK || is_temp_name(file_name(path)) {
                continue;
            }
            let target = path
                .split_once('/')
                .and_then(|(dir, name)| Some((folders.get(dir)?, name)))
                .filter(|(_, name)| !name.is_empty() && !name.contains('/'));
            let Some((folder, name)) = target else {
                return Err(HistoryError::invalid(format!(
                    "{path}: not a file of a store folder, so it cannot be copied into a store"
                )));
            };
            folder.write(name, bytes)?;
        }
        root.write(AUTHORITY, authority)
    }

    fn history_names(&self) -> Result<Option<Vec<String>>, HistoryError> {
        let root = Folder::open_root(&self.root)?;
        let Some(history) = root.folder("history")? else {
            return Ok(Some(Vec::new()));
        };
        let mut names: Vec<String> = history
            .entries()?
            .into_iter()
            .filter(|(name, kind)| {
                *kind == Kind::File && name.ends_with(".json") && !is_temp_name(name)
            })
            .map(|(name, _)| name)
            .collect();
        names.sort();
        Ok(Some(names))
    }

    fn locate(&self, folder: &str) -> String {
        self.root.join(folder).display().to_string()
    }

    fn root(&self) -> Option<&Path> {
        Some(&self.root)
    }
}

/// A folder store's session: the root's handle, the lock, and each folder's handle with the
/// names of its files, all read once under the lock after refusing every link.
struct FolderSession {
    root: Folder,
    /// Held, not read: closing the file releases the lock.
    _lock: Option<File>,
    folders: std::collections::BTreeMap<&'static str, (Folder, Vec<String>)>,
}

impl FolderSession {
    fn open(path: &Path, access: Access) -> Result<FolderSession, HistoryError> {
        let root = Folder::open_root(path)?;
        let lock = match access {
            Access::Write => {
                let file = root.open_lock(LOCK, true)?.expect("created when missing");
                file.lock()
                    .map_err(|e| HistoryError::io(root.join(LOCK), e))?;
                Some(file)
            }
            // A read-only checkout may have no lock file and no way to create one; reading
            // without the lock is still safe file by file, since every write is an atomic
            // rename. A link is another matter: it is refused.
            Access::Read => match root.open_lock(LOCK, false) {
                Ok(Some(file)) => {
                    file.lock_shared()
                        .map_err(|e| HistoryError::io(root.join(LOCK), e))?;
                    Some(file)
                }
                Err(e @ HistoryError::Symlink(_)) => return Err(e),
                Ok(None) | Err(_) => None,
            },
        };
        let mut session = FolderSession {
            root,
            _lock: lock,
            folders: std::collections::BTreeMap::new(),
        };
        session.scan(access)?;
        Ok(session)
    }

    /// Lists the root and the store's folders, refusing any link. Under the exclusive lock no
    /// other writer is running, so a temporary file is a leftover of an interrupted write and
    /// is removed, which keeps the store tidy.
    fn scan(&mut self, access: Access) -> Result<(), HistoryError> {
        let keep = |folder: &Folder, name: &str, kind: Kind| {
            if is_temp_name(name) {
                if access == Access::Write {
                    folder.remove(name);
                }
                return Ok(false);
            }
            match kind {
                Kind::Symlink => Err(HistoryError::Symlink(folder.join(name))),
                _ => Ok(true),
            }
        };
        for (name, kind) in self.root.entries()? {
            keep(&self.root, &name, kind)?;
        }
        for dir in STORE_FOLDERS {
            let Some(folder) = self.root.folder(dir)? else {
                continue;
            };
            let mut names = Vec::new();
            for (name, kind) in folder.entries()? {
                if keep(&folder, &name, kind)? && kind == Kind::File {
                    names.push(name);
                }
            }
            self.folders.insert(dir, (folder, names));
        }
        Ok(())
    }

    fn folder(&self, dir: &str) -> Result<&Folder, HistoryError> {
        match self.folders.get(dir) {
            Some((folder, _)) => Ok(folder),
            None => Err(HistoryError::io(
                self.root.join(dir),
                std::io::ErrorKind::NotFound.into(),
            )),
        }
    }
}

impl Session for FolderSession {
    fn names(&self, dir: &str) -> &[String] {
        self.folders.get(dir).map_or(&[], |(_, names)| names)
    }

    fn read(&self, dir: &str, name: &str) -> Result<Option<Vec<u8>>, HistoryError> {
        match self.folders.get(dir) {
            Some((folder, _)) => folder.read(name),
            None => Ok(None),
        }
    }

    fn authority(&self) -> Result<Vec<u8>, HistoryError> {
        self.root.read(AUTHORITY)?.ok_or_else(|| {
            HistoryError::io(
                self.root.join(AUTHORITY),
                std::io::ErrorKind::NotFound.into(),
            )
        })
    }

    fn put(&mut self, dir: &str, name: &str, bytes: &[u8]) -> Result<(), HistoryError> {
        self.folder(dir)?.write(name, bytes)
    }

    fn append(&mut self, sequence: u64, name: &str, bytes: &[u8]) -> Result<(), HistoryError> {
        let folder = self.folder("history")?;
        // Under the exclusive lock no other writer runs, so the listing taken when the session
        // began is still the history; look again anyway, since the check costs one listing and
        // makes the append's condition this function's own rather than its callers'.
        let prefix = format!("{sequence:06}-");
        let records = folder
            .entries()?
            .into_iter()
            .filter(|(n, _)| n.ends_with(".json") && !is_temp_name(n))
            .collect::<Vec<_>>();
        let next = records.len() as u64 + 1 == sequence;
        if !next || records.iter().any(|(n, _)| n.starts_with(&prefix)) {
            return Err(stale_append(sequence));
        }
        // The one write that declares the version: before the rename the history is the old
        // one, after it the new one.
        folder.write(name, bytes)
    }

    fn snapshot(&self) -> Result<Snapshot, HistoryError> {
        snapshot_of(&self.root)
    }

    fn commit(self: Box<Self>) -> Result<(), HistoryError> {
        // Every write was already durable at its rename and folder fsync.
        Ok(())
    }
}

/// Everything under the store's root: regular files read, the store's folders entered, and
/// anything else (links, other folders, special files) recorded, not followed or entered, so
/// that verify reports it.
fn snapshot_of(root: &Folder) -> Result<Snapshot, HistoryError> {
    fn add(
        snapshot: &mut Snapshot,
        folder: &Folder,
        rel: String,
        name: &str,
        kind: Kind,
    ) -> Result<(), HistoryError> {
        match kind {
            Kind::File => {
                // Gone since the listing (a writer's temporary file): nothing to check.
                if let Some(bytes) = folder.read(name)? {
                    snapshot.files.insert(rel, bytes);
                }
            }
            Kind::Symlink => {
                let target = folder.link_target(name);
                snapshot.others.insert(rel, Other::Symlink { target });
            }
            Kind::Folder => {
                snapshot.others.insert(format!("{rel}/"), Other::Folder);
            }
            Kind::Special => {
                snapshot.others.insert(rel, Other::Special);
            }
        }
        Ok(())
    }
    let mut snapshot = Snapshot::new();
    for (name, kind) in root.entries()? {
        let sub = match kind {
            Kind::Folder if STORE_FOLDERS.contains(&name.as_str()) => root.folder(&name)?,
            _ => None,
        };
        let Some(sub) = sub else {
            add(&mut snapshot, root, name.clone(), &name, kind)?;
            continue;
        };
        // One level only: a store has no deeper folders, and anything deeper is reported
        // without being read.
        for (child, kind) in sub.entries()? {
            add(&mut snapshot, &sub, format!("{name}/{child}"), &child, kind)?;
        }
    }
    Ok(snapshot)
}
