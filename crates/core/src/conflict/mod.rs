//! N-way conflict detection across every table at once.
//!
//! Semantics (the contract the CLI documents):
//! - mnemonics compare by [`Aliases::key`] (upper-cased, then aliased);
//! - reserved and nameless entries take part in nothing;
//! - `number-collision`: at one opcode number, two implementations' *sets* of mnemonics differ;
//! - `mnemonic-divergence`: for one mnemonic, two implementations' *sets* of numbers differ;
//! - `format-mismatch`: for one mnemonic, two implementations' known operand facts contradict,
//!   by the one comparison rule of [`crate::resolve`](mod@crate::resolve) (full layouts by operand shape, sizes by
//!   operand bytes where one side gives only a size), never by letter;
//! - `duplicate-opcode`: one table lists a number in two or more entries;
//! - `encoding-ambiguity`: within one table, an instruction's opcode bytes (from the table's
//!   encoding, see [`crate::resolve`](mod@crate::resolve)) are a strict prefix of another's, or a number cannot be
//!   encoded at all: bytecode for that table cannot be decoded;
//! - `duplicate-mnemonic`: one table lists a mnemonic at two or more numbers;
//! - info: `alias-hint` (near-miss spellings sharing a number) and `unknown-format` (letters
//!   with no layout, which are therefore not compared).
//!
//! There is one conflict per number or per mnemonic listing every implementation involved.
//! Detection is linear in the number of entries: one pass interns mnemonics and buckets entries
//! by number and by mnemonic (a counting sort, so each bucket stays in table order), and each
//! bucket is examined once. Output is sorted and IDs are content hashes, so the order of the
//! input tables never changes the report.
//!
//! The module is split by layer: this file holds the report types (what a conflict is and how it
//! is counted and shown); `detect` holds the detection pass (indexing every table into flat
//! items, bucketing them and sorting the result); `compare` holds the comparisons made inside one
//! bucket (per number and per mnemonic, within a table and across tables); `decodable` holds the
//! per-table findings on encodings and layouts (`encoding-ambiguity`, `unknown-format`) and
//! [`undecodable`], which the bytecode commands use to refuse a table.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::format::Scheme;
use crate::mnemonic::Aliases;
use crate::table::Location;

pub use crate::diagnostic::Severity;

mod compare;
mod decodable;
mod detect;
#[cfg(test)]
mod tests;

pub use decodable::undecodable;
pub use detect::{detect, Detection};

crate::named_enum! {
    /// The kinds of conflict, in report order within a severity.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum ConflictKind {
        /// One table lists a number twice (critical).
        DuplicateOpcode => "duplicate-opcode",
        /// One instruction's opcode bytes are a prefix of another's, or a number cannot be
        /// encoded under the table's encoding (critical).
        EncodingAmbiguity => "encoding-ambiguity",
        /// A number means different instructions in different implementations (critical).
        NumberCollision => "number-collision",
        /// A mnemonic has different numbers in different implementations (error).
        MnemonicDivergence => "mnemonic-divergence",
        /// A mnemonic has different layouts in different implementations (warning).
        FormatMismatch => "format-mismatch",
        /// One table lists a mnemonic at two numbers (warning).
        DuplicateMnemonic => "duplicate-mnemonic",
        /// Two near-identical spellings share a number: probably one instruction (info).
        AliasHint => "alias-hint",
        /// A table uses format letters with no known layout; those entries are not compared
        /// (info).
        UnknownFormat => "unknown-format",
    }
}

impl ConflictKind {
    /// Short ID prefix.
    fn prefix(self) -> &'static str {
        match self {
            ConflictKind::DuplicateOpcode => "DO",
            ConflictKind::EncodingAmbiguity => "EA",
            ConflictKind::NumberCollision => "NC",
            ConflictKind::MnemonicDivergence => "MD",
            ConflictKind::FormatMismatch => "FM",
            ConflictKind::DuplicateMnemonic => "DM",
            ConflictKind::AliasHint => "AH",
            ConflictKind::UnknownFormat => "UF",
        }
    }

    /// The fixed severity of this kind.
    pub fn severity(self) -> Severity {
        match self {
            ConflictKind::DuplicateOpcode
            | ConflictKind::EncodingAmbiguity
            | ConflictKind::NumberCollision => Severity::Critical,
            ConflictKind::MnemonicDivergence => Severity::Error,
            ConflictKind::FormatMismatch | ConflictKind::DuplicateMnemonic => Severity::Warning,
            ConflictKind::AliasHint | ConflictKind::UnknownFormat => Severity::Info,
        }
    }

    /// One sentence on what the kind means, for SARIF rule descriptions and `--help`.
    pub fn description(self) -> &'static str {
        match self {
            ConflictKind::DuplicateOpcode => "One table lists the same opcode number in more than one entry.",
            ConflictKind::EncodingAmbiguity => "One instruction's opcode bytes are a prefix of another's, or an opcode number cannot be encoded under the table's encoding: its bytecode cannot be decoded.",
            ConflictKind::NumberCollision => "An opcode number means different instructions in different implementations.",
            ConflictKind::MnemonicDivergence => "A mnemonic has different opcode numbers in different implementations.",
            ConflictKind::FormatMismatch => "A mnemonic has different byte layouts in different implementations.",
            ConflictKind::DuplicateMnemonic => "One table lists the same mnemonic at more than one opcode number.",
            ConflictKind::AliasHint => "Near-identical mnemonics share an opcode number; they may be one instruction spelled two ways.",
            ConflictKind::UnknownFormat => "A table uses format letters with no known layout; their layouts are not compared.",
        }
    }
}

/// One implementation's entry as seen in a conflict.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ConflictEntry {
    /// Implementation name.
    pub implementation: Arc<str>,
    /// The entry's opcode number.
    pub opcode: u32,
    /// The mnemonic as the source spells it.
    pub mnemonic: Option<Arc<str>>,
    /// The comparison key (normalised and aliased mnemonic).
    pub key: Option<Arc<str>>,
    /// The format letter.
    pub format: Option<Arc<str>>,
    /// The resolved layout, rendered, when known.
    pub layout: Option<Arc<str>>,
    /// Where the entry was read.
    pub location: Option<Arc<Location>>,
}

impl ConflictEntry {
    /// This entry borrowed, as [`ConflictRef::entries`] hands entries out.
    pub fn as_ref(&self) -> EntryRef<'_> {
        EntryRef {
            implementation: &self.implementation,
            opcode: self.opcode,
            mnemonic: self.mnemonic.as_deref(),
            key: self.key.as_deref(),
            format: self.format.as_deref(),
            layout: self.layout.as_deref(),
            location: self.location.as_deref().map(LocationRef::of),
        }
    }
}

/// A [`Location`] borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LocationRef<'a> {
    /// Path as the user gave it.
    pub file: &'a str,
    /// 1-based line, 0 when unknown.
    pub line: u32,
    /// 1-based column, 0 when unknown.
    pub column: u32,
}

impl<'a> LocationRef<'a> {
    /// `location` borrowed.
    pub fn of(location: &'a Location) -> LocationRef<'a> {
        LocationRef {
            file: &location.file,
            line: location.line,
            column: location.column,
        }
    }
}

impl std::fmt::Display for LocationRef<'_> {
    /// As [`Location`] displays.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        crate::table::write_location(f, self.file, self.line, self.column)
    }
}

/// A [`ConflictEntry`] borrowed: from a [`Report`], or straight from a [`Detection`]'s
/// tables and interned strings, with nothing copied or counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryRef<'a> {
    /// Implementation name.
    pub implementation: &'a str,
    /// The entry's opcode number.
    pub opcode: u32,
    /// The mnemonic as the source spells it.
    pub mnemonic: Option<&'a str>,
    /// The comparison key (normalised and aliased mnemonic).
    pub key: Option<&'a str>,
    /// The format letter.
    pub format: Option<&'a str>,
    /// The resolved layout, rendered, when known.
    pub layout: Option<&'a str>,
    /// Where the entry was read.
    pub location: Option<LocationRef<'a>>,
}

/// A [`Detection`]'s entry view by its interned parts. Within one detection, equal ids are
/// exactly equal strings: a writer can lay out each distinct implementation, body and file once and
/// copy the bytes for every view that repeats them (a 1,000 × 256 report repeats 1,000 names
/// and files and a few hundred bodies in 512,000 views). The strings themselves are read from
/// the view ([`ConflictRef::entry`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryIds {
    /// [`EntryRef::implementation`], by the rank of the name among the detection's distinct
    /// names (so entries, sorted by implementation first, list each one's ids together).
    pub implementation: u32,
    /// The mnemonic as spelled, the format letter and the layout together, as an opaque key:
    /// equal keys, equal [`EntryRef::mnemonic`], [`EntryRef::format`] and
    /// [`EntryRef::layout`].
    pub body: [u32; 3],
    /// The file of [`EntryRef::location`], `None` when the entry has no location.
    pub file: Option<u32>,
    /// [`EntryRef::opcode`].
    pub opcode: u32,
    /// The line of [`EntryRef::location`] (0 without one).
    pub line: u32,
    /// The column of [`EntryRef::location`] (0 without one).
    pub column: u32,
}

/// A [`Conflict`] borrowed, whose entries are made one at a time as they are read: what a
/// report writer takes, so that one writer serves a [`Report`] and a [`Detection`] alike.
#[derive(Clone, Copy)]
pub struct ConflictRef<'a> {
    /// The conflict without its entries when it comes from a [`Detection`]: private, so that
    /// nothing reads the empty `entries` for the real ones.
    conflict: &'a Conflict,
    entries: detect::Entries<'a>,
}

impl<'a> ConflictRef<'a> {
    /// [`Conflict::id`].
    pub fn id(&self) -> &'a str {
        &self.conflict.id
    }

    /// [`Conflict::kind`].
    pub fn kind(&self) -> ConflictKind {
        self.conflict.kind
    }

    /// [`Conflict::severity`].
    pub fn severity(&self) -> Severity {
        self.conflict.severity
    }

    /// [`Conflict::opcode`].
    pub fn opcode(&self) -> Option<u32> {
        self.conflict.opcode
    }

    /// [`Conflict::mnemonic`].
    pub fn mnemonic(&self) -> Option<&'a str> {
        self.conflict.mnemonic.as_deref()
    }

    /// [`Conflict::implementations`], in order.
    pub fn implementations(&self) -> impl Iterator<Item = &'a str> + 'a {
        self.entries.implementations(&self.conflict.implementations)
    }

    /// [`Conflict::message`].
    pub fn message(&self) -> &'a str {
        &self.conflict.message
    }

    /// Each implementation's view, in [`Conflict::entries`] order.
    pub fn entries(&self) -> impl ExactSizeIterator<Item = EntryRef<'a>> + 'a {
        self.entries.iter()
    }

    /// The `k`-th of [`ConflictRef::entries`], without walking to it.
    pub fn entry(&self, k: usize) -> Option<EntryRef<'a>> {
        self.entries.get(k)
    }

    /// The entries by their interned parts, in [`ConflictRef::entries`] order, when the
    /// conflict comes from a [`Detection`] (`None` for a [`Report`]'s own entries).
    pub fn entry_ids(&self) -> Option<impl ExactSizeIterator<Item = EntryIds> + 'a> {
        self.entries.ids()
    }
}

impl std::fmt::Debug for ConflictRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConflictRef")
            .field("id", &self.conflict.id)
            .field("entries", &self.entries.len())
            .finish()
    }
}

/// A diagnostic: one primary entry (the first of `entries`) and the others as secondary
/// locations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// Content-derived identifier, e.g. `NC-3f9a2c1b7e10`.
    pub id: String,
    /// What is wrong.
    pub kind: ConflictKind,
    /// How bad (fixed per kind).
    pub severity: Severity,
    /// The opcode number concerned, for per-number kinds.
    pub opcode: Option<u32>,
    /// The mnemonic concerned (comparison key), for per-mnemonic kinds.
    pub mnemonic: Option<String>,
    /// Every implementation involved, sorted.
    pub implementations: Vec<Arc<str>>,
    /// Each implementation's view, sorted by implementation, number, mnemonic.
    pub entries: Vec<ConflictEntry>,
    /// One-line explanation.
    pub message: String,
}

impl Conflict {
    /// This conflict borrowed, for a report writer.
    pub fn as_ref(&self) -> ConflictRef<'_> {
        ConflictRef {
            conflict: self,
            entries: detect::Entries::Owned(&self.entries),
        }
    }

    /// This conflict in the one diagnostic shape: the first entry with a location is the
    /// primary location and the others are related ones, each labelled `impl: MNEMONIC = 0xNN`;
    /// the conflict id is the fingerprint.
    pub fn diagnostic(&self) -> crate::Diagnostic {
        let describe = |e: &ConflictEntry| {
            format!(
                "{}: {} = {}",
                e.implementation,
                e.mnemonic.as_deref().unwrap_or("-"),
                hex_opcode(e.opcode)
            )
        };
        let mut located = self
            .entries
            .iter()
            .filter_map(|e| e.location.as_ref().map(|l| (e, l)));
        let primary = located.next();
        let related = located
            .map(|(e, l)| crate::diagnostic::Related {
                location: Location::clone(l),
                message: Some(describe(e)),
            })
            .collect();
        crate::Diagnostic {
            rule: self.kind.as_str(),
            severity: self.severity,
            message: self.message.clone(),
            location: primary.map(|(_, l)| Location::clone(l)),
            location_message: primary.map(|(e, _)| describe(e)),
            related,
            hint: None,
            fingerprint: Some(crate::diagnostic::Fingerprint {
                key: "isaAuthorityConflictId/v1",
                value: self.id.clone(),
            }),
            properties: vec![(
                "implementations",
                crate::diagnostic::Property::List(
                    self.implementations.iter().map(|s| s.to_string()).collect(),
                ),
            )],
        }
    }
}

/// Counts over a report.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Summary {
    /// Tables compared.
    pub tables: usize,
    /// Entries read (all, including reserved and nameless ones).
    pub entries: usize,
    /// Entries that are instructions.
    pub instructions: usize,
    /// Conflicts per severity.
    pub by_severity: BTreeMap<Severity, usize>,
    /// Conflicts per kind.
    pub by_kind: BTreeMap<ConflictKind, usize>,
}

impl Summary {
    /// Forgets the counts of informational conflicts (`check --no-info`), for
    /// [`Report::drop_info`] and [`Detection::drop_info`].
    fn drop_info(&mut self) {
        self.by_severity.remove(&Severity::Info);
        self.by_kind.retain(|k, _| k.severity() > Severity::Info);
    }
}

/// The result of [`detect`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Report {
    /// Every conflict, most severe first, then by kind, number and mnemonic.
    pub conflicts: Vec<Conflict>,
    /// Counts.
    pub summary: Summary,
}

impl Report {
    /// The most severe conflict's severity, if any.
    pub fn max_severity(&self) -> Option<Severity> {
        self.conflicts.iter().map(|c| c.severity).max()
    }

    /// Number of conflicts at or above a severity.
    pub fn count_at_least(&self, severity: Severity) -> usize {
        self.conflicts
            .iter()
            .filter(|c| c.severity >= severity)
            .count()
    }

    /// Drops the informational conflicts, and their counts from the summary (`check --no-info`).
    pub fn drop_info(&mut self) {
        self.conflicts.retain(|c| c.severity > Severity::Info);
        self.summary.drop_info();
    }
}

/// What detection needs besides the tables.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// Alternative spellings to merge before comparison.
    pub aliases: Aliases,
    /// The scheme that gives undeclared letters their layout (FLUX unified by default).
    pub scheme: Scheme,
    /// Alias hints are computed only among at most this many distinct mnemonics at one number,
    /// keeping the pairwise comparison bounded; 0 disables hints. Default 32.
    pub hint_limit: usize,
}

impl CheckOptions {
    /// Defaults with the given aliases.
    pub fn with_aliases(aliases: Aliases) -> CheckOptions {
        CheckOptions {
            aliases,
            ..CheckOptions::new()
        }
    }

    /// FLUX unified scheme, no aliases, hints on.
    pub fn new() -> CheckOptions {
        CheckOptions {
            aliases: Aliases::new(),
            scheme: Scheme::flux_unified(),
            hint_limit: 32,
        }
    }
}

/// `0x2A` for 8-bit numbers, `0x012A` for 16-bit, wider as needed.
pub fn hex_opcode(opcode: u32) -> String {
    if opcode <= 0xFF {
        format!("0x{opcode:02X}")
    } else if opcode <= 0xFFFF {
        format!("0x{opcode:04X}")
    } else {
        format!("0x{opcode:08X}")
    }
}
