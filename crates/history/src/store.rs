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
//! Every mutation is one atomic write of one new file (temporary file, fsync, rename, folder
//! fsync) made while holding an exclusive lock on `lock`, and every decision (the head, the
//! quorum, the rules) is re-read under that lock, so concurrent writers are serialised and no
//! update is lost. A declaration becomes visible at the single rename of its record file: a
//! process killed at any instant leaves the old history or the new one, plus at most an ignored
//! temporary file that the next writer removes. Readers take a shared lock so they never see a
//! writer's half-finished sequence of checks.
//!
//! No command follows a symbolic link inside the store. Each one opens the root once, takes
//! the lock through that handle, and then lists the root and its folders and refuses the store
//! ([`HistoryError::Symlink`], naming the link) if any entry is a link; every folder and file
//! is opened relative to its parent's handle without following links, so a link that appears
//! later is refused by the open itself (see `folder.rs`). `verify` reports links as findings.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use isa_core::diff::{diff, Diff, DiffOptions};
use isa_core::{normalize, Aliases, Table};
use semver::Version;

use crate::error::HistoryError;
use crate::keys::KeyPair;
use crate::model::{content_hash, id_hex, Approval, Authority, Override, Proposal, Record, Rename};
use crate::policy::Ledger;
use crate::storage::{Access, FolderStorage, Storage};
use crate::verify::{genesis_problem, read_authority, verify, Snapshot, VerifyReport};

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

/// One command's hold on the store: a backend session, and the verified authority, read once
/// at its start.
struct Session<'a> {
    objects: Box<dyn crate::storage::Session + 'a>,
    storage: &'a dyn Storage,
    /// `authority.json` and its hash, once [`Session::verify_authority`] has passed them.
    authority: Option<(Authority, String)>,
}

impl<'a> Session<'a> {
    fn open(storage: &'a dyn Storage, access: Access) -> Result<Session<'a>, HistoryError> {
        let mut session = Session {
            objects: storage.session(access)?,
            storage,
            authority: None,
        };
        session.authority = Some(session.verify_authority()?);
        Ok(session)
    }

    /// `authority.json`, refused unless it passes what `verify` checks of it: it parses strictly,
    /// is in canonical form, and its hash is the genesis hash the history starts from — the
    /// first record's `previous` or, before any declaration, the parent of every pending
    /// proposal. Without this a command would act on maintainers or a quorum that the history
    /// does not vouch for (`propose` built on an edited file). The signatures that make those
    /// links unforgeable are checked by `verify`, and by `declare` before it appends.
    fn verify_authority(&self) -> Result<(Authority, String), HistoryError> {
        let refuse = |problem: String| {
            HistoryError::Refused(format!(
                "the store's authority.json fails verification, so no store command acts on it: {problem}\n  \
                 hint: `isa-authority verify` lists every problem in the store"
            ))
        };
        let bytes = self.authority_bytes()?;
        let (authority, problem) = read_authority(&bytes);
        if let Some(problem) = problem {
            return Err(refuse(problem));
        }
        let genesis = content_hash(&bytes);
        let records = self
            .names("history")
            .iter()
            .filter(|n| n.ends_with(".json"));
        match records.min() {
            Some(first) => {
                // A damaged first record pins nothing; reading the history reports it.
                let bytes = self.read("history", first)?.unwrap_or_default();
                if let Ok(record) = Record::from_bytes(&bytes) {
                    if record.sequence == 1 {
                        if let Some(p) = genesis_problem(&genesis, &record.previous, None) {
                            return Err(refuse(p));
                        }
                    }
                }
            }
            None => {
                for name in self.names("proposals") {
                    let Some(hex) = name.strip_suffix(".json") else {
                        continue;
                    };
                    let bytes = self.read("proposals", name)?.unwrap_or_default();
                    // Only a proposal that is what its name says can vouch for anything; any
                    // other is verify's to report.
                    if id_hex(&content_hash(&bytes)) != hex {
                        continue;
                    }
                    let Ok(proposal) = Proposal::from_bytes(&bytes) else {
                        continue;
                    };
                    let by = format!("pending proposal sha256:{hex}");
                    if let Some(p) = genesis_problem(&genesis, &proposal.parent, Some(&by)) {
                        return Err(refuse(p));
                    }
                }
            }
        }
        Ok((authority.expect("parsed when there is no problem"), genesis))
    }

    /// The names of the files in a store folder, sorted (none when the folder is missing).
    fn names(&self, dir: &str) -> &[String] {
        self.objects.names(dir)
    }

    /// A file of a store folder; `None` when it does not exist.
    fn read(&self, dir: &str, name: &str) -> Result<Option<Vec<u8>>, HistoryError> {
        self.objects.read(dir, name)
    }

    fn write(&mut self, dir: &str, name: &str, bytes: &[u8]) -> Result<(), HistoryError> {
        self.objects.put(dir, name, bytes)
    }

    /// Ends the session, making its writes durable (see [`crate::storage::Session::commit`]).
    fn commit(self) -> Result<(), HistoryError> {
        self.objects.commit()
    }

    fn authority_bytes(&self) -> Result<Vec<u8>, HistoryError> {
        self.objects.authority()
    }

    /// The verified authority and genesis hash.
    fn authority(&self) -> &(Authority, String) {
        self.authority
            .as_ref()
            .expect("Session::open verifies the authority")
    }

    /// The declared versions, oldest first.
    fn history(&self) -> Result<Vec<Declared>, HistoryError> {
        // Six-digit sequence prefixes make name order history order.
        let names = self
            .names("history")
            .iter()
            .filter(|n| n.ends_with(".json"));
        let mut out: Vec<Declared> = Vec::new();
        for name in names {
            let rel = format!("history/{name}");
            let Some(bytes) = self.read("history", name)? else {
                continue;
            };
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

    /// The hash the next declaration extends: the last record's, or the genesis hash.
    fn head(&self, history: &[Declared]) -> String {
        match history.last() {
            Some(d) => d.hash.clone(),
            None => self.authority().1.clone(),
        }
    }

    /// See [`Store::resolve_proposal`].
    fn resolve_proposal(&self, id: &str) -> Result<String, HistoryError> {
        let wanted = id_hex(id.trim()).to_ascii_lowercase();
        if wanted.len() < 8 || !wanted.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(HistoryError::UnknownProposal(format!(
                "`{id}` is not a proposal id (sha256:<hex>, or at least 8 hex digits of one)"
            )));
        }
        let matches: Vec<&str> = self
            .names("proposals")
            .iter()
            .filter_map(|name| name.strip_suffix(".json"))
            .filter(|hex| hex.starts_with(&wanted))
            .collect();
        match matches.len() {
            1 => Ok(format!("sha256:{}", matches[0])),
            0 => Err(HistoryError::UnknownProposal(format!(
                "no proposal {id} in {}\n  hint: `isa-authority propose` prints the id",
                self.storage.locate("proposals")
            ))),
            n => Err(HistoryError::UnknownProposal(format!(
                "proposal id prefix {id} is ambiguous: {n} proposals match"
            ))),
        }
    }

    /// See [`Store::proposal`].
    fn proposal(&self, id: &str) -> Result<(String, Proposal), HistoryError> {
        let id = self.resolve_proposal(id)?;
        let name = format!("{}.json", id_hex(&id));
        let rel = format!("proposals/{name}");
        let bytes = self
            .read("proposals", &name)?
            .ok_or_else(|| HistoryError::corrupt(&rel, "vanished while it was being read"))?;
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
            let name = format!("{}.{}.json", id_hex(id), m.name);
            let Some(bytes) = self.read("approvals", &name)? else {
                continue;
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
}

/// An opened store (see the module documentation): the governance rules over a [`Storage`]
/// backend, the folder on disk unless another is given ([`Store::with_storage`]).
#[derive(Debug, Clone)]
pub struct Store {
    storage: Arc<dyn Storage>,
}

impl Store {
    /// The default store directory, relative to the working directory.
    pub const DEFAULT_DIR: &'static str = ".isa-authority";

    /// Creates a store in `dir` (created if needed) with these maintainers and quorum.
    /// Refuses when `dir` already holds one.
    pub fn init(dir: &Path, authority: &Authority) -> Result<Store, HistoryError> {
        Store::init_in(Arc::new(FolderStorage::new(dir)), authority)
    }

    /// Creates a store with these maintainers and quorum in a backend; refuses when the
    /// backend already holds one.
    pub fn init_in(
        storage: Arc<dyn Storage>,
        authority: &Authority,
    ) -> Result<Store, HistoryError> {
        storage.create(&authority.to_bytes())?;
        Ok(Store { storage })
    }

    /// Opens the store in `dir`; fails with [`HistoryError::NotAStore`] when there is none,
    /// and with [`HistoryError::Symlink`] when its `authority.json` is a link.
    pub fn open(dir: impl AsRef<Path>) -> Result<Store, HistoryError> {
        let root = dir.as_ref().to_path_buf();
        let path = root.join(crate::storage::AUTHORITY);
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_symlink() => Err(HistoryError::Symlink(path)),
            Ok(meta) if meta.is_file() => Ok(Store::open_unchecked(root)),
            _ => Err(HistoryError::NotAStore(root)),
        }
    }

    /// A handle on `dir` whether or not it holds a valid store: for [`Store::verify`], which
    /// reports a missing or damaged `authority.json` as a finding rather than failing.
    pub fn open_unchecked(dir: impl AsRef<Path>) -> Store {
        Store::with_storage(Arc::new(FolderStorage::new(dir)))
    }

    /// The store kept by a backend (nothing is read until an operation needs it).
    pub fn with_storage(storage: Arc<dyn Storage>) -> Store {
        Store { storage }
    }

    /// The backend.
    pub fn storage(&self) -> &Arc<dyn Storage> {
        &self.storage
    }

    /// The store directory, for a store kept in a folder.
    pub fn root(&self) -> Option<&Path> {
        self.storage.root()
    }

    fn session(&self, access: Access) -> Result<Session<'_>, HistoryError> {
        Session::open(&*self.storage, access)
    }

    /// Everything in the store, for [`verify`], read without following links.
    pub fn snapshot(&self) -> Result<Snapshot, HistoryError> {
        self.storage.snapshot()
    }

    /// Copies an exported store, byte for byte, into `storage`, which must hold none yet.
    /// Refuses an export that does not verify, so a damaged store is never spread; the copy is
    /// verified too, and must be the same objects as the export.
    pub fn restore(storage: Arc<dyn Storage>, snapshot: &Snapshot) -> Result<Store, HistoryError> {
        let report = verify(snapshot);
        if !report.is_ok() {
            return Err(HistoryError::Refused(format!(
                "the exported store fails verification ({} problem(s); first: {}); nothing is copied",
                report.findings.len(),
                report.findings[0]
            )));
        }
        storage.restore(snapshot)?;
        let store = Store { storage };
        let copy = store.snapshot()?;
        let objects = |s: &Snapshot| -> Vec<(String, Vec<u8>)> {
            s.files
                .iter()
                .filter(|(p, _)| {
                    *p != "lock" && !crate::verify::is_temp_name(crate::storage::file_name(p))
                })
                .map(|(p, b)| (p.clone(), b.clone()))
                .collect()
        };
        if objects(&copy) != objects(snapshot) || !verify(&copy).is_ok() {
            return Err(HistoryError::Refused(
                "the copied store differs from the export or fails verification".into(),
            ));
        }
        Ok(store)
    }

    /// The maintainers and quorum.
    pub fn authority(&self) -> Result<Authority, HistoryError> {
        Ok(self.session(Access::Read)?.authority().0.clone())
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
        let mut s = self.session(Access::Write)?;
        let history = s.history()?;
        let parent = s.head(&history);
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
        s.write("proposals", &format!("{}.json", id_hex(&id)), &bytes)?;
        s.commit()?;
        Ok(id)
    }

    /// Resolves a proposal id, with or without `sha256:`, or a unique prefix of at least
    /// 8 hex digits, to the full id.
    pub fn resolve_proposal(&self, id: &str) -> Result<String, HistoryError> {
        self.session(Access::Read)?.resolve_proposal(id)
    }

    /// The proposal with this id (full, or a unique prefix; see [`Store::resolve_proposal`]).
    pub fn proposal(&self, id: &str) -> Result<(String, Proposal), HistoryError> {
        self.session(Access::Read)?.proposal(id)
    }

    /// Where a proposal stands: who approved, what is missing, whether it is declared.
    pub fn status(&self, id: &str) -> Result<ProposalStatus, HistoryError> {
        let s = self.session(Access::Read)?;
        let (id, proposal) = s.proposal(id)?;
        let history = s.history()?;
        s.status_of(id, proposal, &s.authority().0, &history)
    }

    /// Every proposal on file with where it stands, in the order of their ids (their files'
    /// names), read in one consistent view. A proposal file that does not hash to its name is
    /// [`HistoryError::Corrupt`], as for [`Store::status`].
    pub fn proposals(&self) -> Result<Vec<ProposalStatus>, HistoryError> {
        let s = self.session(Access::Read)?;
        let history = s.history()?;
        let ids: Vec<String> = s
            .names("proposals")
            .iter()
            .filter_map(|name| name.strip_suffix(".json"))
            // Anything else in the folder is not a proposal (verify reports it).
            .filter(|hex| hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
            .map(|hex| format!("sha256:{hex}"))
            .collect();
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let (id, proposal) = s.proposal(&id)?;
            out.push(s.status_of(id, proposal, &s.authority().0, &history)?);
        }
        Ok(out)
    }

    /// Adds `key`'s signature over the proposal id. The key must belong to a maintainer
    /// (matched by public key). Approving twice rewrites the same bytes (ed25519 signatures are
    /// deterministic).
    pub fn approve(&self, id: &str, key: &KeyPair) -> Result<Approval, HistoryError> {
        let id = self.resolve_proposal(id)?;
        let public = key.public().to_hex();
        self.add_approval(&id, &public, &key.sign_approval(&id), Some(&key.name))
    }

    /// Records an approval signed elsewhere — by a maintainer's key on a client, so that a
    /// registry service never holds a private key: `signature` (128 hex digits) must be a valid
    /// [`KeyPair::sign_approval`] signature over the proposal id by `public_key` (64 hex
    /// digits), which must be a maintainer's. `key_name` names the key in refusals when known.
    /// The same rules as [`Store::approve`], which calls this.
    pub fn add_approval(
        &self,
        id: &str,
        public_key: &str,
        signature: &str,
        key_name: Option<&str>,
    ) -> Result<Approval, HistoryError> {
        let mut s = self.session(Access::Write)?;
        let (id, _proposal) = s.proposal(id)?;
        let authority = &s.authority().0;
        let public = public_key.to_string();
        let Some(maintainer) = authority
            .maintainers
            .iter()
            .find(|m| m.public_key == public)
        else {
            let whose = match key_name {
                Some(name) => format!("the key of `{name}`"),
                None => format!("the public key {public}"),
            };
            return Err(HistoryError::Refused(format!(
                "{whose} belongs to no maintainer of this store (maintainers: {})",
                authority
                    .maintainers
                    .iter()
                    .map(|m| m.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        };
        let valid = crate::keys::public_key_from_hex(&public)
            .is_some_and(|key| crate::keys::verify_approval(&key, &id, signature));
        if !valid {
            return Err(HistoryError::Refused(format!(
                "the signature is not a valid approval of {id} by `{}` (sign the proposal id \
                 with `isa-authority approve`, which uses the maintainer's key)",
                maintainer.name
            )));
        }
        if let Some(d) = s.history()?.iter().find(|d| d.record.proposal.id() == id) {
            return Err(HistoryError::Refused(format!(
                "{id} is already declared as version {}",
                d.version()
            )));
        }
        let approval = Approval {
            proposal: id.clone(),
            maintainer: maintainer.name.clone(),
            public_key: public,
            signature: signature.to_string(),
        };
        s.write(
            "approvals",
            &format!("{}.{}.json", id_hex(&id), maintainer.name),
            &approval.to_bytes(),
        )?;
        s.commit()?;
        Ok(approval)
    }

    /// Appends the proposal to the history, if a quorum of maintainers approved it, it extends
    /// the current head, and it obeys the lifecycle rules; otherwise refuses, saying what is
    /// missing. Refuses too when the store does not verify, so nothing is ever built on a
    /// damaged history.
    pub fn declare(&self, id: &str) -> Result<Declared, HistoryError> {
        let mut s = self.session(Access::Write)?;
        let (id, proposal) = s.proposal(id)?;
        let report = verify(&s.objects.snapshot()?);
        if !report.is_ok() {
            return Err(HistoryError::Refused(format!(
                "the store fails verification ({} problem{}; first: {}); nothing is declared on a damaged history",
                report.findings.len(),
                if report.findings.len() == 1 { "" } else { "s" },
                report.findings[0]
            )));
        }
        let authority = &s.authority().0;
        let history = s.history()?;
        let status = s.status_of(id.clone(), proposal, authority, &history)?;
        if let Some(v) = &status.declared {
            return Err(HistoryError::Refused(format!(
                "{id} is already declared as version {v}"
            )));
        }
        let proposal = status.proposal;
        let head = s.head(&history);
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
        let approvals = s.approvals_of(&id, authority)?;
        let record = Record {
            sequence: history.len() as u64 + 1,
            previous: head,
            proposal,
            approvals,
        };
        let bytes = record.to_bytes();
        // The one write that declares the version, and only if no other declaration got there
        // first: before it the history is the old one, after it the new one.
        let name = record.file_name();
        let name = name
            .strip_prefix("history/")
            .expect("records live in history/");
        s.objects.append(record.sequence, name, &bytes)?;
        s.commit()?;
        Ok(Declared {
            record,
            hash: content_hash(&bytes),
        })
    }

    /// The declared versions, oldest first.
    pub fn log(&self) -> Result<Vec<Declared>, HistoryError> {
        self.session(Access::Read)?.history()
    }

    /// The declared version `version` (semver, with or without a leading `v`; `latest` for the
    /// newest).
    pub fn record(&self, version: &str) -> Result<Declared, HistoryError> {
        let history = self.session(Access::Read)?.history()?;
        find(&history, version).cloned()
    }

    /// The table of a declared version (see [`Store::record`] for the accepted spellings).
    pub fn show(&self, version: &str) -> Result<Table, HistoryError> {
        Ok(self.record(version)?.record.proposal.table)
    }

    /// The identity-based diff between two declared versions, using the renames declared by
    /// the versions in between (either order: a later-to-earlier diff inverts them).
    pub fn diff(&self, from: &str, to: &str, aliases: &Aliases) -> Result<Diff, HistoryError> {
        let history = self.session(Access::Read)?.history()?;
        diff_versions(&history, from, to, aliases)
    }

    /// Verifies everything in the store (see [`crate::verify`]). A damaged store, links
    /// included, is a report of findings rather than an error.
    pub fn verify(&self) -> Result<VerifyReport, HistoryError> {
        Ok(verify(&self.storage.snapshot()?))
    }
}

/// The declared version `version` of a history (semver, with or without a leading `v`, or
/// `latest`), as [`Store::record`] finds it: for callers that hold a history already (a
/// server's cached log).
pub fn find<'a>(history: &'a [Declared], version: &str) -> Result<&'a Declared, HistoryError> {
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

/// [`Store::diff`] over a history the caller holds already.
pub fn diff_versions(
    history: &[Declared],
    from: &str,
    to: &str,
    aliases: &Aliases,
) -> Result<Diff, HistoryError> {
    let (a, b) = (find(history, from)?, find(history, to)?);
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
