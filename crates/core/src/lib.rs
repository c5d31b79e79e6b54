//! # isa-core: the model of an instruction set and the pure algorithms over it
//!
//! Everything in isa-authority reads the same few records: a [`Table`] is one implementation's
//! opcode table, made of [`Entry`] values; an entry names its byte layout by a format letter,
//! which a table resolves to a [`Layout`] (total size plus typed fields) through its own
//! declarations or a built-in [`Scheme`] (the FLUX unified scheme A–G by default). Checking,
//! arbitration, diffing, translation and code generation all consume these types, so a fact
//! about an instruction is defined once.
//!
//! The crate does no IO and has no serialisation framework on its domain types: readers and
//! writers live in `isa-io`, the terminal in the CLI. That keeps the algorithms fast to test and
//! embeddable (a VM can link the core without pulling in a JSON stack). Results are
//! deterministic: nothing depends on hash-map iteration order, time or input order, and every
//! identifier is derived from content.

#![deny(missing_docs)]

pub mod conflict;
pub mod date;
pub mod diagnostic;
pub mod diff;
pub mod encoding;
pub mod format;
pub mod hash;
pub mod mnemonic;
mod named;
pub mod resolve;
pub mod table;

pub use conflict::{
    detect, undecodable, CheckOptions, Conflict, ConflictEntry, ConflictKind, ConflictRef,
    Detection, EntryIds, EntryRef, LocationRef, Report, Severity,
};
pub use date::Date;
pub use diagnostic::{Diagnostic, DivergenceKind, Rule};
pub use encoding::{Encoding, EncodingError, OpBytes};
pub use format::{Endian, Field, FieldKind, Layout, LayoutError, Scheme};
pub use mnemonic::{normalize, Aliases};
pub use resolve::{compare, resolve, Agreement, Facts, Instruction, ResolveOptions, Resolved};
pub use table::{Details, Entry, EntryText, Location, Status, Table, Text};
