//! The store on disk: a directory of text files, written atomically under a lock.
//!
//! ```text
//! .isa-authority/
//!   authority.json                      maintainers and quorum (its hash is the genesis hash)
//!   lock                                empty; writers hold an exclusive lock on it
//!   proposals/<id hex>.json             proposals, named by their content hash
//!   approvals/<id hex>.<maintainer>.json  one signature each
//!   history/<6-digit seq>-<version>.json  declared versions, each naming its predecessor's hash
//! ```
//!
//! Every mutation is one [`isa_io::atomic_write`] of one new file (temporary file, fsync,
//! rename, directory fsync) made while holding an exclusive lock on `lock`, and every decision
//! (the head, the quorum, the rules) is re-read under that lock, so concurrent writers are
//! serialised and no update is lost. A declaration becomes visible at the single rename of its
//! record file: a process killed at any instant leaves the old history or the new one, plus at
//! most an ignored temporary file that the next writer removes. Readers take a shared lock so
//! they never see a writer's half-finished sequence of checks.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};

use isa_core::diff::{diff, Diff, DiffOptions};
use isa_core::{normalize, Aliases, Table};
use semver::Version;

use crate::error::HistoryError;
use crate::keys::KeyPair;
use crate::model::{content_hash, id_hex, Approval, Authority, Override, Proposal, Record, Rename};
use crate::policy::Ledger;
use crate::verify::{is_temp_name, verify, Snapshot, VerifyReport};

const AUTHORITY: &str = "authority.json";
const LOCK: &str = "lock";
const DIRS: [&str; 3] = ["proposals", "approvals", "history"];

/// What `propose` needs besides the table.
#[derive(Debug, Clone)]
pub struct ProposeOptions {
    /// The version to declare.
    pub version: Version,
    /// Free text recorded with the proposal.
    pub message: String,
    /// Declared renames (old name → new name).
    pub renames: Vec<Rename>,
    /// Explicit number-reuse overrides.
    pub overrides: Vec<Override>,
}

impl ProposeOptions {
    /// A proposal of `version` with no message, renames or overrides.
    pub fn new(version: Version) -> ProposeOptions {
        ProposeOptions {
            version,
            message: String::new(),
            renames: Vec::new(),
            overrides: Vec::new(),
        }
    }
}

/// A declared version as read from the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declared {
    /// The record.
    pub record: Record,
    /// Its hash (`sha256:` of its file).
    pub hash: String,
}

impl Declared {
    /// The version.
    pub fn version(&self) -> &Version {
        self.record.version()
    }
}

/// Where a proposal stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalStatus {
    /// The proposal id.
    pub id: String,
    /// The proposal.
    pub proposal: Proposal,
    /// Maintainers whose valid approval is on file, sorted.
    pub approved_by: Vec<String>,
    /// Approvals still needed for the quorum.
    pub missing: usize,
    /// Maintainers who have not approved, sorted.
    pub pending: Vec<String>,
    /// The version it was declared as, if it has been.
    pub declared: Option<Version>,
}

/// A held lock on the store; released on drop (closing the file releases it).
struct Lock(#[allow(dead_code)] Option<File>);

/// An opened store (see the module documentation).
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> HistoryError + '_ {
    move |e| HistoryError::io(path, e)
}

impl Store {
    /// The default store directory, relative to the working directory.
    pub const DEFAULT_DIR: &'static str = ".isa-authority";

    /// Creates a store in `dir` (created if needed) with these maintainers and quorum.
    /// Refuses when `dir` already holds one.
    pub fn init(dir: &Path, authority: &Authority) -> Result<Store, HistoryError> {
        fs::create_dir_all(dir).map_err(io(dir))?;
        let store = Store {
            root: dir.to_path_buf(),
        };
        let _lock = store.lock_exclusive()?;
        let path = dir.join(AUTHORITY);
        if path.exists() {
            return Err(HistoryError::AlreadyExists(dir.to_path_buf()));
        }
        for sub in DIRS {
            let p = dir.join(sub);
            fs::create_dir_all(&p).map_err(io(&p))?;
        }
        // authority.json is written last: a store exists exactly when it does.
        isa_io::atomic_write(&path, &authority.to_bytes()).map_err(io(&path))?;
        Ok(store)
    }

    /// Opens the store in `dir`; fails with [`HistoryError::NotAStore`] when there is none.
    pub fn open(dir: impl AsRef<Path>) -> Result<Store, HistoryError> {
        let root = dir.as_ref().to_path_buf();
        if !root.join(AUTHORITY).is_file() {
            return Err(HistoryError::NotAStore(root));
        }
        Ok(Store { root })
    }

    /// A handle on `dir` whether or not it holds a valid store: for [`Store::verify`], which
    /// reports a missing or damaged `authority.json` as a finding rather than failing.
    pub fn open_unchecked(dir: impl AsRef<Path>) -> Store {
        Store {
            root: dir.as_ref().to_path_buf(),
        }
    }

    /// The store directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn lock_exclusive(&self) -> Result<Lock, HistoryError> {
        let path = self.root.join(LOCK);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io(&path))?;
        file.lock().map_err(io(&path))?;
        // Under the exclusive lock no other writer is running, so any temporary file is a
        // leftover of an interrupted write: remove it so the store stays tidy.
        for dir in std::iter::once("").chain(DIRS) {
            let d = self.root.join(dir);
            if let Ok(entries) = fs::read_dir(&d) {
                for entry in entries.flatten() {
                    if is_temp_name(&entry.file_name().to_string_lossy()) {
                        let _ = fs::remove_file(entry.path());
                    }
                }
            }
        }
        Ok(Lock(Some(file)))
    }

    fn lock_shared(&self) -> Result<Lock, HistoryError> {
        let path = self.root.join(LOCK);
        // A read-only checkout may have no lock file and no way to create one; reading without
        // the lock is still safe file by file, since every write is an atomic rename.
        match File::open(&path) {
            Ok(file) => {
                file.lock_shared().map_err(io(&path))?;
                Ok(Lock(Some(file)))
            }
            Err(_) => Ok(Lock(None)),
        }
    }

    fn read(&self, rel: &str) -> Result<Vec<u8>, HistoryError> {
        let path = self.root.join(rel);
        fs::read(&path).map_err(io(&path))
    }

    fn write(&self, rel: &str, bytes: &[u8]) -> Result<(), HistoryError> {
        let path = self.root.join(rel);
        isa_io::atomic_write(&path, bytes).map_err(io(&path))
    }

    /// Every file of the store, for [`verify`].
    pub fn snapshot(&self) -> Result<Snapshot, HistoryError> {
        let mut files = Snapshot::new();
        collect(&self.root, "", 0, &mut files)?;
        Ok(files)
    }

    /// The maintainers and quorum.
    pub fn authority(&self) -> Result<Authority, HistoryError> {
        let bytes = self.read(AUTHORITY)?;
        Authority::from_bytes(&bytes).map_err(|e| HistoryError::corrupt(AUTHORITY, e))
    }

    fn genesis(&self) -> Result<String, HistoryError> {
        Ok(content_hash(&self.read(AUTHORITY)?))
    }

    /// The declared versions, oldest first.
    fn history(&self) -> Result<Vec<Declared>, HistoryError> {
        let dir = self.root.join("history");
        let mut names: Vec<String> = match fs::read_dir(&dir) {
            Ok(entries) => entries
                .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
                .collect::<Result<_, _>>()
                .map_err(io(&dir))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(HistoryError::io(&dir, e)),
        };
        names.retain(|n| !is_temp_name(n) && n.ends_with(".json"));
        // Six-digit sequence prefixes make name order history order.
        names.sort();
        let mut out = Vec::with_capacity(names.len());
        for name in names {
            let rel = format!("history/{name}");
            let bytes = self.read(&rel)?;
            let record = Record::from_bytes(&bytes).map_err(|e| HistoryError::corrupt(&rel, e))?;
            if record.sequence != out.len() as u64 + 1 {
                return Err(HistoryError::corrupt(
                    &rel,
                    format!(
                        "record {} where record {} was expected",
                        record.sequence,
                        out.len() + 1
                    ),
                ));
            }
            out.push(Declared {
                record,
                hash: content_hash(&bytes),
            });
        }
        Ok(out)
    }

    fn ledger(history: &[Declared]) -> Ledger {
        let mut ledger = Ledger::new();
        for d in history {
            ledger.apply(&d.record.proposal);
        }
        ledger
    }

    /// Records a proposal of `table` as the next version and returns its id. Refuses (with
    /// every reason) when the proposal breaks a lifecycle rule against the current history.
    /// Proposing the same thing twice gives the same id.
    pub fn propose(&self, table: Table, options: ProposeOptions) -> Result<String, HistoryError> {
        let _lock = self.lock_exclusive()?;
        let history = self.history()?;
        let parent = match history.last() {
            Some(d) => d.hash.clone(),
            None => self.genesis()?,
        };
        let mut renames = options.renames;
        renames.sort();
        renames.dedup();
        let mut overrides = options.overrides;
        overrides.sort();
        for pair in overrides.windows(2) {
            if pair[0].opcode == pair[1].opcode {
                return Err(HistoryError::invalid(format!(
                    "two overrides for opcode {}",
                    pair[0].opcode
                )));
            }
        }
        let proposal = Proposal {
            version: options.version,
            parent,
            message: options.message,
            renames,
            overrides,
            table,
        };
        let problems = Store::ledger(&history).check(&proposal);
        if !problems.is_empty() {
            return Err(HistoryError::Refused(format!(
                "proposal of {} refused:\n  - {}",
                proposal.version,
                problems.join("\n  - ")
            )));
        }
        let bytes = proposal.to_bytes();
        // Only the canonical decoder's rules stand between a table built in code and a store
        // no one can read back (a hand-made layout that breaks the layout rules, say): refuse
        // such a table here rather than write a proposal that fails verify.
        if let Err(e) = Proposal::from_bytes(&bytes) {
            return Err(HistoryError::invalid(format!(
                "the table cannot be stored: {e}"
            )));
        }
        let id = content_hash(&bytes);
        self.write(&format!("proposals/{}.json", id_hex(&id)), &bytes)?;
        Ok(id)
    }

    /// Resolves a proposal id, with or without `sha256:`, or a unique prefix of at least
    /// 8 hex digits, to the full id.
    pub fn resolve_proposal(&self, id: &str) -> Result<String, HistoryError> {
        let wanted = id_hex(id.trim()).to_ascii_lowercase();
        if wanted.len() < 8 || !wanted.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(HistoryError::UnknownProposal(format!(
                "`{id}` is not a proposal id (sha256:<hex>, or at least 8 hex digits of one)"
            )));
        }
        let dir = self.root.join("proposals");
        let mut matches = Vec::new();
        for entry in fs::read_dir(&dir).map_err(io(&dir))? {
            let name = entry.map_err(io(&dir))?.file_name();
            let name = name.to_string_lossy();
            if let Some(hex) = name.strip_suffix(".json") {
                if hex.starts_with(&wanted) && !is_temp_name(&name) {
                    matches.push(hex.to_string());
                }
            }
        }
        matches.sort();
        match matches.len() {
            1 => Ok(format!("sha256:{}", matches[0])),
            0 => Err(HistoryError::UnknownProposal(format!(
                "no proposal {id} in {}\n  hint: `isa-authority propose` prints the id",
                dir.display()
            ))),
            n => Err(HistoryError::UnknownProposal(format!(
                "proposal id prefix {id} is ambiguous: {n} proposals match"
            ))),
        }
    }

    /// The proposal with this id (full, or a unique prefix; see [`Store::resolve_proposal`]).
    pub fn proposal(&self, id: &str) -> Result<(String, Proposal), HistoryError> {
        let id = self.resolve_proposal(id)?;
        let rel = format!("proposals/{}.json", id_hex(&id));
        let bytes = self.read(&rel)?;
        if content_hash(&bytes) != id {
            return Err(HistoryError::corrupt(
                &rel,
                "content does not hash to the proposal id",
            ));
        }
        let proposal = Proposal::from_bytes(&bytes).map_err(|e| HistoryError::corrupt(&rel, e))?;
        Ok((id, proposal))
    }

    /// The valid approvals on file for a proposal id, sorted by maintainer. Files that do not
    /// verify are skipped here (and reported by `verify`).
    fn approvals_of(&self, id: &str, authority: &Authority) -> Result<Vec<Approval>, HistoryError> {
        let mut out = Vec::new();
        for m in &authority.maintainers {
            let rel = format!("approvals/{}.{}.json", id_hex(id), m.name);
            let path = self.root.join(&rel);
            let bytes = match fs::read(&path) {
                Ok(b) => b,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(HistoryError::io(&path, e)),
            };
            let Ok(approval) = Approval::from_bytes(&bytes) else {
                continue;
            };
            let valid = approval.proposal == id
                && approval.maintainer == m.name
                && approval.public_key == m.public_key
                && crate::keys::public_key_from_hex(&m.public_key)
                    .is_some_and(|k| crate::keys::verify_approval(&k, id, &approval.signature));
            if valid {
                out.push(approval);
            }
        }
        Ok(out)
    }

    fn status_of(
        &self,
        id: String,
        proposal: Proposal,
        authority: &Authority,
        history: &[Declared],
    ) -> Result<ProposalStatus, HistoryError> {
        let approvals = self.approvals_of(&id, authority)?;
        let approved_by: Vec<String> = approvals.iter().map(|a| a.maintainer.clone()).collect();
        let pending = authority
            .maintainers
            .iter()
            .filter(|m| !approved_by.contains(&m.name))
            .map(|m| m.name.clone())
            .collect();
        let declared = history
            .iter()
            .find(|d| d.record.proposal.id() == id)
            .map(|d| d.version().clone());
        Ok(ProposalStatus {
            id,
            proposal,
            missing: authority.quorum.saturating_sub(approved_by.len()),
            approved_by,
            pending,
            declared,
        })
    }

    /// Where a proposal stands: who approved, what is missing, whether it is declared.
    pub fn status(&self, id: &str) -> Result<ProposalStatus, HistoryError> {
        let _lock = self.lock_shared()?;
        let (id, proposal) = self.proposal(id)?;
        let authority = self.authority()?;
        let history = self.history()?;
        self.status_of(id, proposal, &authority, &history)
    }

    /// Adds `key`'s signature over the proposal id. The key must belong to a maintainer
    /// (matched by public key). Approving twice rewrites the same bytes (ed25519 signatures are
    /// deterministic).
    pub fn approve(&self, id: &str, key: &KeyPair) -> Result<Approval, HistoryError> {
        let _lock = self.lock_exclusive()?;
        let (id, _proposal) = self.proposal(id)?;
        let authority = self.authority()?;
        let public = key.public().to_hex();
        let Some(maintainer) = authority
            .maintainers
            .iter()
            .find(|m| m.public_key == public)
        else {
            return Err(HistoryError::Refused(format!(
                "the key of `{}` belongs to no maintainer of this store (maintainers: {})",
                key.name,
                authority
                    .maintainers
                    .iter()
                    .map(|m| m.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        };
        if let Some(d) = self
            .history()?
            .iter()
            .find(|d| d.record.proposal.id() == id)
        {
            return Err(HistoryError::Refused(format!(
                "{id} is already declared as version {}",
                d.version()
            )));
        }
        let approval = Approval {
            proposal: id.clone(),
            maintainer: maintainer.name.clone(),
            public_key: public,
            signature: key.sign_approval(&id),
        };
        self.write(
            &format!("approvals/{}.{}.json", id_hex(&id), maintainer.name),
            &approval.to_bytes(),
        )?;
        Ok(approval)
    }

    /// Appends the proposal to the history, if a quorum of maintainers approved it, it extends
    /// the current head, and it obeys the lifecycle rules; otherwise refuses, saying what is
    /// missing. Refuses too when the store does not verify, so nothing is ever built on a
    /// damaged history.
    pub fn declare(&self, id: &str) -> Result<Declared, HistoryError> {
        let _lock = self.lock_exclusive()?;
        let (id, proposal) = self.proposal(id)?;
        let report = verify(&self.snapshot()?);
        if !report.is_ok() {
            return Err(HistoryError::Refused(format!(
                "the store fails verification ({} problem{}; first: {}); nothing is declared on a damaged history",
                report.findings.len(),
                if report.findings.len() == 1 { "" } else { "s" },
                report.findings[0]
            )));
        }
        let authority = self.authority()?;
        let history = self.history()?;
        let status = self.status_of(id.clone(), proposal, &authority, &history)?;
        if let Some(v) = &status.declared {
            return Err(HistoryError::Refused(format!(
                "{id} is already declared as version {v}"
            )));
        }
        let proposal = status.proposal;
        let head = match history.last() {
            Some(d) => d.hash.clone(),
            None => self.genesis()?,
        };
        if proposal.parent != head {
            let at = history.last().map_or("the empty history".to_string(), |d| {
                format!("version {}", d.version())
            });
            return Err(HistoryError::Refused(format!(
                "proposal {id} extends {} but the history now ends at {at} ({head}); \
                 propose the table again and collect approvals for the new proposal",
                proposal.parent
            )));
        }
        let problems = Store::ledger(&history).check(&proposal);
        if !problems.is_empty() {
            return Err(HistoryError::Refused(format!(
                "declaration of {} refused:\n  - {}",
                proposal.version,
                problems.join("\n  - ")
            )));
        }
        if status.missing > 0 {
            let have = if status.approved_by.is_empty() {
                "none".to_string()
            } else {
                status.approved_by.join(", ")
            };
            return Err(HistoryError::Refused(format!(
                "declaration of {} refused: {} of {} required approvals (approved by: {have}); \
                 missing {} more from: {}",
                proposal.version,
                status.approved_by.len(),
                authority.quorum,
                status.missing,
                status.pending.join(", ")
            )));
        }
        let approvals = self.approvals_of(&id, &authority)?;
        let record = Record {
            sequence: history.len() as u64 + 1,
            previous: head,
            proposal,
            approvals,
        };
        let bytes = record.to_bytes();
        // The one write that declares the version: before the rename the history is the old
        // one, after it the new one.
        self.write(&record.file_name(), &bytes)?;
        Ok(Declared {
            record,
            hash: content_hash(&bytes),
        })
    }

    /// The declared versions, oldest first.
    pub fn log(&self) -> Result<Vec<Declared>, HistoryError> {
        let _lock = self.lock_shared()?;
        self.history()
    }

    /// The declared version `version` (semver, with or without a leading `v`; `latest` for the
    /// newest).
    pub fn record(&self, version: &str) -> Result<Declared, HistoryError> {
        let _lock = self.lock_shared()?;
        let history = self.history()?;
        find(&history, version).cloned()
    }

    /// The table of a declared version (see [`Store::record`] for the accepted spellings).
    pub fn show(&self, version: &str) -> Result<Table, HistoryError> {
        Ok(self.record(version)?.record.proposal.table)
    }

    /// The identity-based diff between two declared versions, using the renames declared by
    /// the versions in between (either order: a later-to-earlier diff inverts them).
    pub fn diff(&self, from: &str, to: &str, aliases: &Aliases) -> Result<Diff, HistoryError> {
        let _lock = self.lock_shared()?;
        let history = self.history()?;
        let (a, b) = (find(&history, from)?, find(&history, to)?);
        let (lo, hi) = if a.record.sequence <= b.record.sequence {
            (a.record.sequence, b.record.sequence)
        } else {
            (b.record.sequence, a.record.sequence)
        };
        let between: Vec<&Record> = history
            .iter()
            .map(|d| &d.record)
            .filter(|r| r.sequence > lo && r.sequence <= hi)
            .collect();
        let mut renames = composed_renames(&between);
        if a.record.sequence > b.record.sequence {
            renames = renames.into_iter().map(|(o, n)| (n, o)).collect();
        }
        let options = DiffOptions {
            aliases: aliases.clone(),
            renames,
            ..DiffOptions::new()
        };
        Ok(diff(
            &a.record.proposal.table,
            &b.record.proposal.table,
            &options,
        ))
    }

    /// Verifies every file of the store (see [`crate::verify`]).
    pub fn verify(&self) -> Result<VerifyReport, HistoryError> {
        let _lock = self.lock_shared()?;
        Ok(verify(&self.snapshot()?))
    }
}

fn find<'a>(history: &'a [Declared], version: &str) -> Result<&'a Declared, HistoryError> {
    if version == "latest" {
        return history.last().ok_or_else(|| {
            HistoryError::UnknownVersion("no version has been declared yet".into())
        });
    }
    let text = version.strip_prefix('v').unwrap_or(version);
    let wanted = Version::parse(text)
        .map_err(|e| HistoryError::invalid(format!("`{version}` is not a semver version: {e}")))?;
    history
        .iter()
        .find(|d| *d.version() == wanted)
        .ok_or_else(|| {
            let known: Vec<String> = history.iter().map(|d| d.version().to_string()).collect();
            HistoryError::UnknownVersion(format!(
                "version {wanted} has not been declared (declared: {})",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            ))
        })
}

/// The renames declared across consecutive records, composed: `A → B` then `B → C` gives
/// `A → C`. Keys and values are normalised.
pub fn composed_renames(records: &[&Record]) -> BTreeMap<String, String> {
    let mut map: BTreeMap<String, String> = BTreeMap::new();
    for record in records {
        for r in &record.proposal.renames {
            let (from, to) = (normalize(&r.from), normalize(&r.to));
            let mut followed = false;
            for current in map.values_mut() {
                if *current == from {
                    *current = to.clone();
                    followed = true;
                }
            }
            if !followed && !map.contains_key(&from) {
                map.insert(from, to);
            }
        }
    }
    map.retain(|o, n| o != n);
    map
}

/// Reads every file under `dir` into `files` (paths relative to the root, `/`-separated).
/// Depth is bounded: a store has one level of subdirectories, and anything deeper is reported
/// by `verify` as unexpected without being read further.
fn collect(dir: &Path, prefix: &str, depth: u32, files: &mut Snapshot) -> Result<(), HistoryError> {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .map_err(io(dir))?
        .collect::<Result<_, _>>()
        .map_err(io(dir))?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        let rel = format!("{prefix}{name}");
        let path = entry.path();
        let kind = entry.file_type().map_err(io(&path))?;
        if kind.is_dir() {
            if depth == 0 && DIRS.contains(&name.as_str()) {
                collect(&path, &format!("{rel}/"), depth + 1, files)?;
            } else {
                // A directory where none belongs: represent it as a file so verify flags it.
                files.insert(format!("{rel}/"), Vec::new());
            }
        } else if kind.is_file() {
            files.insert(rel, fs::read(&path).map_err(io(&path))?);
        } else {
            files.insert(rel, Vec::new());
        }
    }
    Ok(())
}
