//! The store's records and their one canonical text form.
//!
//! Every store file is pretty-printed JSON with a fixed key order and a trailing newline,
//! produced only by the `to_bytes` methods here, through [`crate::canonical`] (which owns and
//! freezes the encoding, tables included). Readers parse strictly (unknown or missing fields
//! are errors) and [`crate::verify`] re-serialises what it parsed and demands the very same
//! bytes, so no edit — not even whitespace — goes unnoticed, while the files stay readable and
//! diff well in a pull request.
//!
//! Hashes are SHA-256 over file bytes, written `sha256:<hex>`: a proposal's id is the hash of
//! its file, a record's hash is the hash of its file, and the genesis hash is the hash of
//! `authority.json`. Anyone can recompute them with `sha256sum`.

use std::collections::BTreeSet;

use isa_core::hash::sha256_hex;
use isa_core::Table;
use semver::Version;
use serde_json::Value;

use crate::canonical::{self, Obj, Pretty};
use crate::keys::{public_key_from_hex, valid_name};

/// `format` value of `authority.json`.
pub const AUTHORITY_FORMAT: &str = "isa-authority/authority/v1";
/// `format` value of a proposal.
pub const PROPOSAL_FORMAT: &str = "isa-authority/proposal/v1";
/// `format` value of an approval.
pub const APPROVAL_FORMAT: &str = "isa-authority/approval/v1";
/// `format` value of a history record.
pub const RECORD_FORMAT: &str = "isa-authority/record/v1";

/// `sha256:<hex>` of bytes.
pub fn content_hash(bytes: &[u8]) -> String {
    format!("sha256:{}", sha256_hex(bytes))
}

/// The hex part of a `sha256:<hex>` id (the id itself when it has no prefix).
pub fn id_hex(id: &str) -> &str {
    id.strip_prefix("sha256:").unwrap_or(id)
}

/// Encodes one file: `body` writes its top-level value.
fn encode(body: impl FnOnce(&mut Pretty)) -> Vec<u8> {
    let mut w = Pretty::new();
    body(&mut w);
    w.finish()
}

/// Parses file bytes as JSON (the syntax only; the model's readers check the shape).
fn parse_json(bytes: &[u8]) -> Result<Value, String> {
    serde_json::from_slice(bytes).map_err(|e| format!("not valid JSON: {e}"))
}

/// True for 64 lower-case hex digits: the one spelling of a SHA-256 in the store.
pub fn is_hex64(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// True for a hash as the store writes it: `sha256:` and 64 lower-case hex digits.
pub fn is_content_hash(text: &str) -> bool {
    text.strip_prefix("sha256:").is_some_and(is_hex64)
}

fn hash_field(what: &str, key: &str, text: &str) -> Result<String, String> {
    if !is_content_hash(text) {
        return Err(format!("{what}: `{key}` is not a sha256:<64 hex> hash"));
    }
    Ok(text.to_string())
}

fn parse_version(what: &str, text: &str) -> Result<Version, String> {
    Version::parse(text).map_err(|e| format!("{what}: version `{text}` is not semver: {e}"))
}

/// A maintainer listed in `authority.json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Maintainer {
    /// Name (also the file-name part of their approvals).
    pub name: String,
    /// Ed25519 public key, 64 lower-case hex digits.
    pub public_key: String,
}

/// `authority.json`: who may approve, and how many approvals a declaration needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authority {
    /// Maintainers, sorted by name; names and keys are distinct.
    pub maintainers: Vec<Maintainer>,
    /// Approvals from this many distinct maintainers declare a version (1 ≤ quorum ≤ count).
    pub quorum: usize,
}

impl Authority {
    /// Validates and normalises (sorts maintainers by name).
    pub fn new(mut maintainers: Vec<Maintainer>, quorum: usize) -> Result<Authority, String> {
        maintainers.sort_by(|a, b| a.name.cmp(&b.name));
        if maintainers.is_empty() {
            return Err("a store needs at least one maintainer".into());
        }
        for pair in maintainers.windows(2) {
            if pair[0].name == pair[1].name {
                return Err(format!("maintainer `{}` is listed twice", pair[0].name));
            }
        }
        let mut keys = BTreeSet::new();
        for m in &maintainers {
            if !valid_name(&m.name) {
                return Err(format!(
                    "invalid maintainer name `{}`: use 1-64 letters, digits, `_` or `-`",
                    m.name.escape_debug()
                ));
            }
            if public_key_from_hex(&m.public_key).is_none() {
                return Err(format!(
                    "maintainer `{}`: public key is not 64 lower-case hex digits of a valid ed25519 key",
                    m.name
                ));
            }
            if !keys.insert(m.public_key.as_str()) {
                return Err(format!(
                    "maintainer `{}` shares a public key with another maintainer",
                    m.name
                ));
            }
        }
        if quorum == 0 || quorum > maintainers.len() {
            return Err(format!(
                "quorum {quorum} is impossible with {} maintainer{}: it must be 1-{}",
                maintainers.len(),
                if maintainers.len() == 1 { "" } else { "s" },
                maintainers.len()
            ));
        }
        Ok(Authority {
            maintainers,
            quorum,
        })
    }

    /// The maintainer with this name.
    pub fn maintainer(&self, name: &str) -> Option<&Maintainer> {
        self.maintainers.iter().find(|m| m.name == name)
    }

    /// The canonical file bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        encode(|w| {
            w.object(|w| {
                w.key("format");
                w.string(AUTHORITY_FORMAT);
                w.key("quorum");
                w.u64(self.quorum as u64);
                w.key("maintainers");
                w.array(|w| {
                    for m in &self.maintainers {
                        w.item();
                        w.object(|w| {
                            w.key("name");
                            w.string(&m.name);
                            w.key("public_key");
                            w.string(&m.public_key);
                        });
                    }
                });
            })
        })
    }

    /// Parses file bytes (strictly; see the module documentation).
    pub fn from_bytes(bytes: &[u8]) -> Result<Authority, String> {
        let value = parse_json(bytes)?;
        let mut o = Obj::new("authority", &value)?;
        o.format(AUTHORITY_FORMAT)?;
        let quorum = o.u64("quorum")? as usize;
        let mut maintainers = Vec::new();
        for m in o.array("maintainers")? {
            let mut mo = Obj::new("maintainer", m)?;
            maintainers.push(Maintainer {
                name: mo.str("name")?.to_string(),
                public_key: mo.str("public_key")?.to_string(),
            });
            mo.finish()?;
        }
        o.finish()?;
        Authority::new(maintainers, quorum)
    }
}

/// A declared rename: the instruction called `from` is now called `to` (same number, same
/// bytecode). Names are stored as written; identity compares them by normalised key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Rename {
    /// The old name.
    pub from: String,
    /// The new name.
    pub to: String,
}

/// An explicit, recorded exception to the rule that a declared number is never handed to
/// another instruction.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Override {
    /// The number being reassigned.
    pub opcode: u32,
    /// Why (kept forever in the history).
    pub reason: String,
}

/// A proposed version: a table plus what governance needs to judge it. Its id is the content
/// hash of its canonical file, so approvals sign exactly these bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    /// The version it would declare.
    pub version: Version,
    /// The hash of the history head it extends (the genesis hash for the first version).
    /// Signing it pins the proposal to one place in the chain, so signed records cannot be
    /// reordered or replayed onto another history.
    pub parent: String,
    /// Free text from the proposer.
    pub message: String,
    /// Declared renames, sorted.
    pub renames: Vec<Rename>,
    /// Recorded number-reuse overrides, sorted by number.
    pub overrides: Vec<Override>,
    /// The table.
    pub table: Table,
}

impl Proposal {
    /// The table's content hash, as the proposal states it ([`canonical::table_hash`]: the
    /// meaning of the table, frozen; equal to `isa_core::hash::table_hash` of today).
    pub fn table_hash(&self) -> String {
        canonical::table_hash(&self.table)
    }

    /// The canonical file bytes and the table hash they state.
    fn encode(&self) -> (Vec<u8>, String) {
        let table_hash = self.table_hash();
        let bytes = encode(|w| {
            w.object(|w| {
                w.key("format");
                w.string(PROPOSAL_FORMAT);
                w.key("version");
                w.string(&self.version.to_string());
                w.key("parent");
                w.string(&self.parent);
                w.key("message");
                w.string(&self.message);
                w.key("renames");
                w.array(|w| {
                    for r in &self.renames {
                        w.item();
                        w.object(|w| {
                            w.key("from");
                            w.string(&r.from);
                            w.key("to");
                            w.string(&r.to);
                        });
                    }
                });
                w.key("overrides");
                w.array(|w| {
                    for o in &self.overrides {
                        w.item();
                        w.object(|w| {
                            w.key("opcode");
                            w.u64(u64::from(o.opcode));
                            w.key("reason");
                            w.string(&o.reason);
                        });
                    }
                });
                w.key("table_hash");
                w.string(&table_hash);
                w.key("table");
                canonical::write_table(w, &self.table);
            })
        });
        (bytes, table_hash)
    }

    /// The canonical file bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.encode().0
    }

    /// The proposal id: `sha256:` of [`Proposal::to_bytes`].
    pub fn id(&self) -> String {
        content_hash(&self.to_bytes())
    }

    /// Parses file bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Proposal, String> {
        Proposal::from_value(&parse_json(bytes)?)
    }

    fn from_value(value: &Value) -> Result<Proposal, String> {
        let mut o = Obj::new("proposal", value)?;
        o.format(PROPOSAL_FORMAT)?;
        let version = parse_version("proposal", o.str("version")?)?;
        let parent = hash_field("proposal", "parent", o.str("parent")?)?;
        let message = o.str("message")?.to_string();
        let mut renames = Vec::new();
        for r in o.array("renames")? {
            let mut ro = Obj::new("rename", r)?;
            renames.push(Rename {
                from: ro.str("from")?.to_string(),
                to: ro.str("to")?.to_string(),
            });
            ro.finish()?;
        }
        let mut overrides = Vec::new();
        for v in o.array("overrides")? {
            let mut vo = Obj::new("override", v)?;
            let opcode = vo.u32("opcode")?;
            overrides.push(Override {
                opcode,
                reason: vo.str("reason")?.to_string(),
            });
            vo.finish()?;
        }
        let stated_hash = hash_field("proposal", "table_hash", o.str("table_hash")?)?;
        let table = canonical::decode_table(o.get("table")?)
            .map_err(|e| format!("proposal: the embedded table is invalid: {e}"))?;
        o.finish()?;
        let proposal = Proposal {
            version,
            parent,
            message,
            renames,
            overrides,
            table,
        };
        let actual = proposal.table_hash();
        if actual != stated_hash {
            return Err(format!(
                "proposal: table_hash {stated_hash} does not match its table (recomputed {actual})"
            ));
        }
        Ok(proposal)
    }
}

/// One maintainer's signature over a proposal id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Approval {
    /// The proposal id it approves.
    pub proposal: String,
    /// The maintainer's name.
    pub maintainer: String,
    /// Their public key (64 hex digits); must equal the key `authority.json` lists.
    pub public_key: String,
    /// Ed25519 signature, 128 hex digits (see [`crate::keys::KeyPair::sign_approval`]).
    pub signature: String,
}

impl Approval {
    /// Writes the approval: whole in an approval file, or inside a record, which names the
    /// proposal once for all its approvals.
    fn write(&self, w: &mut Pretty, standalone: bool) {
        w.object(|w| {
            if standalone {
                w.key("format");
                w.string(APPROVAL_FORMAT);
                w.key("proposal");
                w.string(&self.proposal);
            }
            w.key("maintainer");
            w.string(&self.maintainer);
            w.key("public_key");
            w.string(&self.public_key);
            w.key("signature");
            w.string(&self.signature);
        });
    }

    /// The canonical file bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        encode(|w| self.write(w, true))
    }

    /// Parses file bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Approval, String> {
        let value = parse_json(bytes)?;
        let mut o = Obj::new("approval", &value)?;
        o.format(APPROVAL_FORMAT)?;
        let proposal = hash_field("approval", "proposal", o.str("proposal")?)?;
        let approval = Approval {
            proposal,
            maintainer: o.str("maintainer")?.to_string(),
            public_key: o.str("public_key")?.to_string(),
            signature: o.str("signature")?.to_string(),
        };
        o.finish()?;
        Ok(approval)
    }
}

/// One declared version in the history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// 1-based position in the history.
    pub sequence: u64,
    /// Hash of the previous record (the genesis hash for the first).
    pub previous: String,
    /// The approved proposal, embedded whole so the record stands alone.
    pub proposal: Proposal,
    /// The approvals that declared it, sorted by maintainer.
    pub approvals: Vec<Approval>,
}

impl Record {
    /// The declared version.
    pub fn version(&self) -> &Version {
        &self.proposal.version
    }

    /// The store path of this record: `history/<sequence, 6 digits>-<version>.json`.
    pub fn file_name(&self) -> String {
        format!(
            "history/{:06}-{}.json",
            self.sequence, self.proposal.version
        )
    }

    /// The canonical file bytes, the proposal id and the table hash, computed together so the
    /// proposal is serialised once (verification spends most of its time serialising): its
    /// file bytes give its id and, re-indented, its place in the record.
    fn encode(&self) -> (Vec<u8>, String, String) {
        let (proposal, table_hash) = self.proposal.encode();
        let id = content_hash(&proposal);
        let bytes = encode(|w| {
            w.object(|w| {
                w.key("format");
                w.string(RECORD_FORMAT);
                w.key("sequence");
                w.u64(self.sequence);
                w.key("version");
                w.string(&self.proposal.version.to_string());
                w.key("previous");
                w.string(&self.previous);
                w.key("proposal_id");
                w.string(&id);
                w.key("table_hash");
                w.string(&table_hash);
                w.key("approvals");
                w.array(|w| {
                    for a in &self.approvals {
                        w.item();
                        a.write(w, false);
                    }
                });
                let without_newline = &proposal[..proposal.len() - 1];
                w.key_encoded("proposal", without_newline);
            })
        });
        (bytes, id, table_hash)
    }

    /// The canonical file bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.encode().0
    }

    /// The record hash: `sha256:` of [`Record::to_bytes`]. The next record stores it.
    pub fn hash(&self) -> String {
        content_hash(&self.to_bytes())
    }

    /// Parses file bytes, checking that the redundant readable fields (`version`,
    /// `proposal_id`, `table_hash`, `previous`) agree with the embedded proposal.
    pub fn from_bytes(bytes: &[u8]) -> Result<Record, String> {
        Record::parse(bytes).map(|(record, _, _)| record)
    }

    /// Like [`Record::from_bytes`], also returning the canonical bytes of what was parsed
    /// (equal to `bytes` exactly when the file is in canonical form) and the proposal id.
    pub fn parse(bytes: &[u8]) -> Result<(Record, Vec<u8>, String), String> {
        let value = parse_json(bytes)?;
        let mut o = Obj::new("record", &value)?;
        o.format(RECORD_FORMAT)?;
        let sequence = o.u64("sequence")?;
        let version = parse_version("record", o.str("version")?)?;
        let previous = hash_field("record", "previous", o.str("previous")?)?;
        let proposal_id = hash_field("record", "proposal_id", o.str("proposal_id")?)?;
        let stated_table_hash = hash_field("record", "table_hash", o.str("table_hash")?)?;
        let proposal = Proposal::from_value(o.get("proposal")?)?;
        let mut approvals = Vec::new();
        for a in o.array("approvals")? {
            let mut ao = Obj::new("approval", a)?;
            approvals.push(Approval {
                proposal: proposal_id.clone(),
                maintainer: ao.str("maintainer")?.to_string(),
                public_key: ao.str("public_key")?.to_string(),
                signature: ao.str("signature")?.to_string(),
            });
            ao.finish()?;
        }
        o.finish()?;
        if version != proposal.version {
            return Err(format!(
                "record says version {version} but its proposal declares {}",
                proposal.version
            ));
        }
        let record = Record {
            sequence,
            previous,
            proposal,
            approvals,
        };
        let (canonical, actual_id, actual_table_hash) = record.encode();
        if proposal_id != actual_id {
            return Err(format!(
                "proposal_id {proposal_id} does not match the embedded proposal (recomputed {actual_id})"
            ));
        }
        if stated_table_hash != actual_table_hash {
            return Err(format!(
                "table_hash {stated_table_hash} does not match the embedded table (recomputed {actual_table_hash})"
            ));
        }
        if record.previous != record.proposal.parent {
            return Err(format!(
                "previous {} differs from the parent {} its approvers signed",
                record.previous, record.proposal.parent
            ));
        }
        Ok((record, canonical, actual_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::KeyPair;
    use isa_core::Entry;

    fn sample_table() -> Table {
        let mut t = Table::new("canonical");
        t.entries.push(Entry::new(0, "HALT").with_format("A"));
        t.entries.push(Entry::new(1, "NOP").with_format("A"));
        t
    }

    fn sample_proposal() -> Proposal {
        Proposal {
            version: Version::new(1, 0, 0),
            parent: content_hash(b"genesis"),
            message: "first".into(),
            renames: vec![Rename {
                from: "A".into(),
                to: "B".into(),
            }],
            overrides: vec![Override {
                opcode: 3,
                reason: "agreed".into(),
            }],
            table: sample_table(),
        }
    }

    #[test]
    fn files_round_trip_byte_for_byte() {
        let key = KeyPair::from_seed("alice", [1; 32]);
        let authority = Authority::new(
            vec![Maintainer {
                name: "alice".into(),
                public_key: key.public().to_hex(),
            }],
            1,
        )
        .unwrap();
        let bytes = authority.to_bytes();
        assert_eq!(Authority::from_bytes(&bytes).unwrap().to_bytes(), bytes);

        let p = sample_proposal();
        let bytes = p.to_bytes();
        assert_eq!(Proposal::from_bytes(&bytes).unwrap().to_bytes(), bytes);
        assert_eq!(p.id(), content_hash(&bytes));

        let approval = Approval {
            proposal: p.id(),
            maintainer: "alice".into(),
            public_key: key.public().to_hex(),
            signature: key.sign_approval(&p.id()),
        };
        let bytes = approval.to_bytes();
        assert_eq!(Approval::from_bytes(&bytes).unwrap(), approval);

        let record = Record {
            sequence: 1,
            previous: p.parent.clone(),
            proposal: p,
            approvals: vec![approval],
        };
        let bytes = record.to_bytes();
        let back = Record::from_bytes(&bytes).unwrap();
        assert_eq!(back.to_bytes(), bytes);
        assert_eq!(record.file_name(), "history/000001-1.0.0.json");
    }

    #[test]
    fn strict_parsing_rejects_extra_and_inconsistent_fields() {
        let p = sample_proposal();
        let text = String::from_utf8(p.to_bytes()).unwrap();
        let extra = text.replacen("\"message\"", "\"extra\": 1,\n  \"message\"", 1);
        assert!(Proposal::from_bytes(extra.as_bytes())
            .unwrap_err()
            .contains("unknown field `extra`"));
        let wrong_hash = text.replacen("\"opcode\": 1,", "\"opcode\": 2,", 1);
        assert!(Proposal::from_bytes(wrong_hash.as_bytes())
            .unwrap_err()
            .contains("table_hash"));
        let record = Record {
            sequence: 1,
            previous: content_hash(b"other"),
            proposal: p,
            approvals: vec![],
        };
        assert!(Record::from_bytes(&record.to_bytes())
            .unwrap_err()
            .contains("parent"));
    }

    #[test]
    fn authority_rules() {
        let k = |s: u8| KeyPair::from_seed("x", [s; 32]).public().to_hex();
        let m = |n: &str, s: u8| Maintainer {
            name: n.into(),
            public_key: k(s),
        };
        assert!(Authority::new(vec![m("a", 1)], 2).is_err());
        assert!(Authority::new(vec![m("a", 1)], 0).is_err());
        assert!(Authority::new(vec![m("a", 1), m("a", 2)], 1).is_err());
        assert!(Authority::new(vec![m("a", 1), m("b", 1)], 1).is_err());
        assert!(Authority::new(vec![], 1).is_err());
        let a = Authority::new(vec![m("b", 2), m("a", 1)], 2).unwrap();
        assert_eq!(a.maintainers[0].name, "a");
    }
}
