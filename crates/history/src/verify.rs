//! Verification of a whole store, as a pure function of its files' bytes.
//!
//! [`verify`] takes a [`Snapshot`] — every entry of the store, its files as path → bytes — and
//! recomputes everything: each file must parse strictly and re-serialise to exactly its bytes (so
//! whitespace edits show), each proposal file must hash to its name, each approval must carry a
//! valid signature by the maintainer `authority.json` lists under that name, and the history
//! must be a gap-free chain from the genesis hash (the hash of `authority.json`) in which each
//! record names its predecessor's hash, embeds a proposal whose id and table hash recompute,
//! carries signatures from a quorum of distinct maintainers, and obeys the lifecycle rules of
//! [`crate::policy`] replayed from the start. A pending proposal must extend the genesis hash or
//! a record, and obey the rules against the history up to it, as `declare` would require (its
//! file may have been edited and renamed to its new hash). Any other file is an error, so every
//! byte of the store is covered by some check; only the temporary files an interrupted atomic
//! write leaves behind (`.NAME.tmp-…`) are ignored, since no reader ever looks at them. Whatever
//! is not a regular file is an error too: a symbolic link (to a file, or in place of one of the
//! store's folders; store commands never follow links), a stray folder, a FIFO.
//!
//! Every problem is collected (verification does not stop at the first) and names the file,
//! the record it concerns and what fails.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::keys::{public_key_from_hex, verify_approval};
use crate::model::{content_hash, id_hex, is_hex64, Approval, Authority, Proposal, Record};
use crate::policy::Ledger;

/// Everything in a store, as read without following links.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// Every regular file: path relative to the store root (with `/` separators) → bytes.
    pub files: BTreeMap<String, Vec<u8>>,
    /// Every other entry that is not one of the store's own folders, by path: symbolic links
    /// (never followed, so nothing behind them is read), folders where none belongs (their
    /// path ends in `/`; they are not read either), and special files.
    pub others: BTreeMap<String, Other>,
}

/// A store entry that is not a regular file (see [`Snapshot::others`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Other {
    /// A symbolic link, and where it points.
    Symlink {
        /// The link's target, as written in the link.
        target: String,
    },
    /// A folder.
    Folder,
    /// A FIFO, socket or device.
    Special,
}

impl Snapshot {
    /// An empty snapshot.
    pub fn new() -> Snapshot {
        Snapshot::default()
    }

    /// Adds a regular file.
    pub fn insert(&mut self, path: impl Into<String>, bytes: Vec<u8>) {
        self.files.insert(path.into(), bytes);
    }
}

/// One problem found by [`verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The store file, relative to the root.
    pub file: String,
    /// The record or object concerned (`version 1.2.0`, `approval by alice`), when known.
    pub subject: Option<String>,
    /// What fails.
    pub message: String,
}

impl Finding {
    /// This finding in the one diagnostic shape (rule `store-integrity`): the store file as the
    /// location, the record concerned (`version 1.2.0`) in front of the message.
    pub fn diagnostic(&self) -> isa_core::Diagnostic {
        let message = match &self.subject {
            Some(subject) => format!("{subject}: {}", self.message),
            None => self.message.clone(),
        };
        isa_core::Diagnostic::new(isa_core::diagnostic::STORE_RULE, message)
            .at(isa_core::Location::new(&self.file, 0, 0))
    }
}

impl fmt::Display for Finding {
    /// The diagnostic's plain form: `file: subject: message`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.diagnostic(), f)
    }
}

/// One verified version, in history order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedVersion {
    /// The version.
    pub version: String,
    /// The record hash.
    pub hash: String,
}

/// The result of [`verify`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifyReport {
    /// Every problem, in file order; empty when the store is intact.
    pub findings: Vec<Finding>,
    /// The genesis hash (of `authority.json`, as it is), when the file exists.
    pub genesis: Option<String>,
    /// Records in the history, whether or not they verified.
    pub versions: Vec<VerifiedVersion>,
    /// Proposal files checked.
    pub proposals: usize,
    /// Approval files checked.
    pub approvals: usize,
    /// Signatures checked (approval files and those embedded in records).
    pub signatures: usize,
    /// Leftover temporary files of interrupted writes (ignored, listed for information).
    pub ignored: Vec<String>,
}

impl VerifyReport {
    /// True when nothing failed.
    pub fn is_ok(&self) -> bool {
        self.findings.is_empty()
    }
}

/// The store's own folders, directly under its root.
pub const STORE_FOLDERS: [&str; 3] = ["proposals", "approvals", "history"];

/// True for the temporary file names atomic writes use (`.NAME.tmp-PID-N`).
pub fn is_temp_name(name: &str) -> bool {
    name.starts_with('.') && name.contains(".tmp-")
}

/// Where the first difference between two byte strings lies, as `byte N (line L)`.
fn first_difference(a: &[u8], b: &[u8]) -> String {
    let at = a
        .iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    let line = a[..at].iter().filter(|&&c| c == b'\n').count() + 1;
    format!("byte {at} (line {line})")
}

struct Ctx {
    findings: Vec<Finding>,
}

impl Ctx {
    fn fail(&mut self, file: &str, subject: Option<String>, message: impl Into<String>) {
        self.findings.push(Finding {
            file: file.to_string(),
            subject,
            message: message.into(),
        });
    }

    /// Checks that parsed content re-serialises to exactly the file's bytes.
    fn canonical(&mut self, file: &str, subject: Option<String>, bytes: &[u8], canonical: &[u8]) {
        if let Some(problem) = canonical_problem(bytes, canonical) {
            self.fail(file, subject, problem);
        }
    }
}

fn canonical_problem(bytes: &[u8], canonical: &[u8]) -> Option<String> {
    (bytes != canonical).then(|| {
        format!(
            "not in canonical form: differs from its re-serialisation at {}",
            first_difference(bytes, canonical)
        )
    })
}

/// `authority.json` parsed, and what is wrong with the file itself (it does not parse, or is
/// not in canonical form). Shared by [`verify`] and the store commands, which refuse a store
/// whose `authority.json` fails (see [`genesis_problem`] for the other half).
pub(crate) fn read_authority(bytes: &[u8]) -> (Option<Authority>, Option<String>) {
    match Authority::from_bytes(bytes) {
        Ok(a) => {
            let problem = canonical_problem(bytes, &a.to_bytes());
            (Some(a), problem)
        }
        Err(e) => (None, Some(e)),
    }
}

/// What is wrong with `authority.json` when something that extends the genesis hash — the
/// first record, or before any declaration a pending proposal (`by`, when given) — extends
/// another hash: the maintainers or the quorum changed after it was made.
pub(crate) fn genesis_problem(genesis: &str, start: &str, by: Option<&str>) -> Option<String> {
    (genesis != start).then(|| match by {
        None => format!("its hash {genesis} is not the genesis hash {start} the history starts from"),
        Some(by) => format!(
            "its hash {genesis} is not the genesis hash {start} that {by} extends: it changed after that was proposed"
        ),
    })
}

/// Checks one signature against the authority; returns the problem, if any.
fn check_signature(authority: &Authority, approval: &Approval) -> Option<String> {
    let Some(maintainer) = authority.maintainer(&approval.maintainer) else {
        return Some(format!(
            "signed by `{}`, who is not a maintainer",
            approval.maintainer
        ));
    };
    if maintainer.public_key != approval.public_key {
        return Some(format!(
            "the public key of `{}` differs from the one authority.json lists",
            approval.maintainer
        ));
    }
    let Some(key) = public_key_from_hex(&maintainer.public_key) else {
        return Some(format!(
            "`{}` has an invalid public key",
            approval.maintainer
        ));
    };
    if !verify_approval(&key, &approval.proposal, &approval.signature) {
        return Some(format!(
            "the signature of `{}` over {} does not verify",
            approval.maintainer, approval.proposal
        ));
    }
    None
}

/// A history file name's parts: `history/NNNNNN-VERSION.json`. Sequences count from 000001 (the
/// store never writes 000000), so a zero sequence is not a history file name: accepting it would
/// leave the chain check naming a "record -1" before it.
fn history_name(name: &str) -> Option<(u64, &str)> {
    let stem = name.strip_suffix(".json")?;
    let (seq, version) = stem.split_once('-')?;
    if seq.len() != 6 || !seq.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match seq.parse().ok()? {
        0 => None,
        n => Some((n, version)),
    }
}

/// A history file: path, the version its name gives, bytes.
type HistoryFile<'a> = (&'a str, &'a str, &'a [u8]);

/// A pending proposal: its file, the finding subject, the proposal.
type Pending<'a> = (&'a str, Option<String>, Proposal);

/// Verifies a store snapshot (see the module documentation).
pub fn verify(snapshot: &Snapshot) -> VerifyReport {
    let mut ctx = Ctx {
        findings: Vec::new(),
    };
    let mut report = VerifyReport::default();

    for (path, other) in &snapshot.others {
        let name = path.trim_end_matches('/');
        let name = name.rsplit_once('/').map_or(name, |(_, n)| n);
        if is_temp_name(name) {
            report.ignored.push(path.clone());
            continue;
        }
        let message = match other {
            Other::Symlink { target } => {
                let what = if STORE_FOLDERS.contains(&path.as_str()) {
                    format!(" where the store's {path}/ folder belongs")
                } else {
                    String::new()
                };
                format!(
                    "a symbolic link (to `{target}`){what}: store commands never follow links inside a store, \
                     so nothing it points to is checked; replace it with the file or folder itself"
                )
            }
            Other::Folder => "unexpected folder: not part of a store".to_string(),
            Other::Special => {
                "not a regular file (a FIFO, socket or device): not part of a store".to_string()
            }
        };
        ctx.fail(path, None, message);
    }

    let mut authority = None;
    let mut genesis = None;
    match snapshot.files.get("authority.json") {
        // A link in its place is reported above; there is no authority.json to check.
        None if snapshot.others.contains_key("authority.json") => {}
        None => ctx.fail(
            "authority.json",
            None,
            "missing: a store starts with its maintainers and quorum",
        ),
        Some(bytes) => {
            genesis = Some(content_hash(bytes));
            let (parsed, problem) = read_authority(bytes);
            if let Some(problem) = problem {
                ctx.fail("authority.json", None, problem);
            }
            // Even when not canonical it names the maintainers, so signatures are still checked.
            authority = parsed;
        }
    }

    let mut proposals: BTreeMap<&str, (&str, &[u8])> = BTreeMap::new();
    let mut approvals: Vec<(&str, &str, &str, &[u8])> = Vec::new();
    let mut history: BTreeMap<u64, Vec<HistoryFile>> = BTreeMap::new();
    for (path, bytes) in &snapshot.files {
        let (dir, name) = path.rsplit_once('/').unwrap_or(("", path.as_str()));
        if is_temp_name(name) {
            report.ignored.push(path.clone());
            continue;
        }
        match dir {
            "" if name == "authority.json" => {}
            "" if name == "lock" => {
                if !bytes.is_empty() {
                    ctx.fail(path, None, "the lock file must be empty");
                }
            }
            "proposals" => match name.strip_suffix(".json").filter(|h| is_hex64(h)) {
                Some(hex) => {
                    proposals.insert(hex, (path, bytes));
                }
                None => ctx.fail(path, None, "not a proposal file name (<64 hex>.json)"),
            },
            "approvals" => {
                let parts = name
                    .strip_suffix(".json")
                    .and_then(|s| s.split_once('.'))
                    .filter(|(hex, who)| is_hex64(hex) && !who.is_empty());
                match parts {
                    Some((hex, who)) => approvals.push((path, hex, who, bytes)),
                    None => ctx.fail(
                        path,
                        None,
                        "not an approval file name (<64 hex>.<maintainer>.json)",
                    ),
                }
            }
            "history" => match history_name(name) {
                Some((seq, version)) => {
                    history.entry(seq).or_default().push((path, version, bytes))
                }
                None => ctx.fail(
                    path,
                    None,
                    "not a history file name (<6-digit sequence from 000001>-<version>.json)",
                ),
            },
            _ => ctx.fail(path, None, "unexpected file: not part of a store"),
        }
    }

    for (path, hex, who, bytes) in &approvals {
        report.approvals += 1;
        let subject = Some(format!("approval by {who}"));
        let approval = match Approval::from_bytes(bytes) {
            Ok(a) => a,
            Err(e) => {
                ctx.fail(path, subject, e);
                continue;
            }
        };
        ctx.canonical(path, subject.clone(), bytes, &approval.to_bytes());
        if id_hex(&approval.proposal) != *hex || approval.maintainer != *who {
            ctx.fail(
                path,
                subject.clone(),
                format!(
                    "contents ({} by {}) do not match the file name",
                    approval.proposal, approval.maintainer
                ),
            );
        }
        if !proposals.contains_key(hex) {
            ctx.fail(
                path,
                subject.clone(),
                format!("approves sha256:{hex}, which is not in proposals/"),
            );
        }
        if let Some(authority) = &authority {
            report.signatures += 1;
            if let Some(problem) = check_signature(authority, &approval) {
                ctx.fail(path, subject, problem);
            }
        }
    }

    let mut ledger = Ledger::new();
    // Each parsed record's hash and proposal, in history order, to replay for pending proposals.
    let mut chain: Vec<(String, Proposal)> = Vec::new();
    let mut embedded: BTreeSet<String> = BTreeSet::new();
    let mut previous = genesis.clone();
    let mut expected_seq = 1u64;
    for (seq, files) in &history {
        if *seq != expected_seq {
            let (path, _, _) = files[0];
            ctx.fail(
                path,
                None,
                format!(
                    "sequence {seq} follows {}: record {expected_seq} is missing",
                    expected_seq - 1
                ),
            );
        }
        expected_seq = seq + 1;
        if files.len() > 1 {
            for (path, _, _) in files {
                ctx.fail(
                    path,
                    None,
                    format!("{} records claim sequence {seq}", files.len()),
                );
            }
        }
        let (path, name_version, bytes) = files[0];
        let hash = content_hash(bytes);
        report.versions.push(VerifiedVersion {
            version: name_version.to_string(),
            hash: hash.clone(),
        });
        let subject = Some(format!("version {name_version}, record {seq}"));
        match Record::parse(bytes) {
            Err(e) => ctx.fail(path, subject, e),
            Ok((record, canonical, proposal_id)) => {
                ctx.canonical(path, subject.clone(), bytes, &canonical);
                embedded.insert(proposal_id);
                if record.sequence != *seq || record.version().to_string() != name_version {
                    ctx.fail(
                        path,
                        subject.clone(),
                        format!(
                            "contents (record {} of version {}) do not match the file name",
                            record.sequence,
                            record.version()
                        ),
                    );
                }
                if let Some(expected) = &previous {
                    if *seq == 1 {
                        // The first record's link is the only thing that pins authority.json
                        // (the maintainers and quorum): blame the file that changed, too.
                        if let Some(problem) = genesis_problem(expected, &record.previous, None) {
                            ctx.fail("authority.json", None, problem);
                        }
                    }
                    if record.previous != *expected {
                        let what = if *seq == 1 {
                            "the genesis hash (of authority.json)".to_string()
                        } else {
                            format!("the hash of record {}", seq - 1)
                        };
                        ctx.fail(
                            path,
                            subject.clone(),
                            format!(
                                "chain broken: previous is {} but {what} is {expected}",
                                record.previous
                            ),
                        );
                    }
                }
                if let Some(authority) = &authority {
                    let mut signers = BTreeSet::new();
                    for a in &record.approvals {
                        report.signatures += 1;
                        match check_signature(authority, a) {
                            Some(problem) => ctx.fail(path, subject.clone(), problem),
                            None => {
                                if !signers.insert(a.maintainer.as_str()) {
                                    ctx.fail(
                                        path,
                                        subject.clone(),
                                        format!("`{}` is counted twice", a.maintainer),
                                    );
                                }
                            }
                        }
                    }
                    if signers.len() < authority.quorum {
                        ctx.fail(
                            path,
                            subject.clone(),
                            format!(
                                "only {} valid approval{} for a quorum of {}",
                                signers.len(),
                                if signers.len() == 1 { "" } else { "s" },
                                authority.quorum
                            ),
                        );
                    }
                }
                for problem in ledger.check(&record.proposal) {
                    ctx.fail(path, subject.clone(), format!("breaks a rule: {problem}"));
                }
                ledger.apply(&record.proposal);
                chain.push((hash.clone(), record.proposal));
            }
        }
        previous = Some(hash);
    }
    // Every head a proposal may extend: the genesis hash and every record of the chain. A
    // pending proposal pins the head it was made against, so before the first declaration it is
    // what pins authority.json.
    let mut heads: BTreeSet<String> = report.versions.iter().map(|v| v.hash.clone()).collect();
    heads.extend(genesis.clone());
    // Pending proposals that extend a known head, by that head.
    let mut pending: BTreeMap<String, Vec<Pending>> = BTreeMap::new();
    for (hex, (path, bytes)) in &proposals {
        report.proposals += 1;
        let actual = content_hash(bytes);
        if id_hex(&actual) != *hex {
            ctx.fail(
                path,
                Some(format!("proposal sha256:{hex}")),
                format!("content hash is {actual}, not the id its name gives"),
            );
            continue;
        }
        if embedded.contains(&actual) {
            // Same hash as a proposal embedded in a record that parsed and re-serialised to
            // exactly these bytes: already checked there.
            continue;
        }
        match Proposal::from_bytes(bytes) {
            Ok(p) => {
                let subject = Some(format!("proposal of {}", p.version));
                ctx.canonical(path, subject.clone(), bytes, &p.to_bytes());
                if genesis.is_some() && !heads.contains(&p.parent) {
                    ctx.fail(
                        path,
                        subject,
                        format!(
                            "extends {}, which is neither the genesis hash (authority.json) nor a declared record: \
                             authority.json or the history changed after it was proposed",
                            p.parent
                        ),
                    );
                } else if heads.contains(&p.parent) {
                    pending
                        .entry(p.parent.clone())
                        .or_default()
                        .push((path, subject, p));
                }
            }
            Err(e) => ctx.fail(path, Some(format!("proposal sha256:{hex}")), e),
        }
    }

    // `propose` checked each pending proposal against the rules, but a proposal file can be
    // edited afterwards (and renamed to its new hash), and `declare` would then refuse it: report
    // it now, judged as `declare` judges it, against the history up to the head it extends.
    if !pending.is_empty() {
        let mut ledger = Ledger::new();
        let heads = genesis
            .iter()
            .map(|g| (g, None))
            .chain(chain.iter().map(|(hash, proposal)| (hash, Some(proposal))));
        for (head, proposal) in heads {
            if let Some(proposal) = proposal {
                ledger.apply(proposal);
            }
            for (path, subject, p) in pending.remove(head).unwrap_or_default() {
                for problem in ledger.check(&p) {
                    ctx.fail(path, subject.clone(), format!("breaks a rule: {problem}"));
                }
            }
        }
    }

    // Findings in file order, whatever order the checks ran in.
    ctx.findings.sort_by(|a, b| a.file.cmp(&b.file));
    report.findings = ctx.findings;
    report.genesis = genesis;
    report
}
