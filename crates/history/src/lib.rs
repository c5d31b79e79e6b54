//! # isa-history: the governed, signed, tamper-evident history of declared ISA versions
//!
//! A canonical ISA is authoritative only if anyone can check how it came to be. This crate
//! keeps that account in a *store*: a directory of git-friendly text files (see [`store`])
//! that can be reviewed in a pull request, with no server.
//!
//! The model. `authority.json` lists the maintainers (names and ed25519 public keys, see
//! [`keys`]) and a quorum; its hash is the *genesis hash*. A [`model::Proposal`] is a table plus
//! a semver version, a message, declared renames, explicit number-reuse overrides and the
//! hash of the history head it extends; its id is the SHA-256 of its canonical file. Each
//! maintainer's approval is an ed25519 signature over that id. Declaring appends a
//! [`model::Record`] that embeds the proposal and a quorum of signatures and is named by its
//! predecessor's hash, so the history is a hash chain whose every link is signed: records
//! cannot be edited, reordered or grafted onto another history without the maintainers' keys.
//! [`policy`] holds the lifecycle rules (versions increase; a declared number is never handed
//! to another instruction without a recorded override; a rename renames an instruction of the
//! parent version to a name no other instruction of it has), and [`verify`](mod@verify) checks a
//! whole store — every byte of every file — as a pure function of its bytes.
//!
//! Trade-offs. Everything is text (pretty JSON in one canonical form) rather than a database,
//! so reviews and `git diff` work and `sha256sum` recomputes every id; the price is that
//! `verify` reads the whole store, which is linear in its size (see the `verify` benchmark). A
//! proposal pins its parent, so two proposals made against the same head cannot both be
//! declared: the second must be proposed again and re-approved. That is deliberate — the
//! maintainers signed "this table, after that history" — and it is also what makes concurrent
//! declarations safe without merging. The store detects any change to a file it covers;
//! deleting the newest records (truncation) is only detectable against a hash known from
//! elsewhere, which is why `log` prints the head hash.
//!
//! The [`Store`] type is the library API a registry service can serve: `open`, `propose`,
//! `approve`, `declare`, `log`, `show`, `diff`, `verify`.
//!
//! Layers, inside out: [`keys`] (ed25519 key files, domain-separated approval signatures,
//! strict verification); [`canonical`] (the frozen encoding of every byte that is hashed or
//! signed — its own pretty-JSON writer, the table inside proposals and records, the table hash —
//! and the rules for adding a field without changing existing bytes); [`model`] (the store's
//! records and their one canonical JSON form); [`policy`] (the `Ledger`: the history folded into
//! "number → the identity that first held it" plus the head version, and the lifecycle rules);
//! [`verify`](mod@verify) (pure: a [`verify::Snapshot`] of the store's files in, every finding
//! out); `folder` (folders and files opened relative to directory handles, never following a
//! link, with atomic writes inside a folder's handle); [`storage`], the [`Storage`] trait
//! (the store's named byte objects, with one compare-and-append for history records) and its
//! folder implementation, the only IO (the directory, the lock, one session per command);
//! [`memory`], the same trait over objects in memory (what a registry's client builds from its
//! export, so it runs the same code over the same bytes); and
//! [`store`], the governance rules over any backend, so a database-backed registry enforces
//! them with the same code as the command line.

#![deny(missing_docs)]

pub mod canonical;
pub mod error;
pub mod export;
mod folder;
pub mod keys;
pub mod memory;
pub mod model;
pub mod policy;
pub mod storage;
pub mod store;
pub mod verify;

pub use error::HistoryError;
pub use keys::{read_secret_file, write_key_file, KeyPair, PublicKey};
pub use memory::MemoryStorage;
pub use model::{Approval, Authority, Maintainer, Override, Proposal, Record, Rename};
/// The semver implementation versions are parsed with.
pub use semver;
pub use storage::{Access, FolderStorage, Session, Storage};
pub use store::{Declared, ProposalStatus, ProposeOptions, Store};
pub use verify::{Finding, Other, Snapshot, VerifyReport};
