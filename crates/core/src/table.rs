//! Opcode tables: one implementation's view of the instruction set.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use crate::date::Date;
use crate::encoding::Encoding;
use crate::format::Layout;

/// Where a fact came from: a file and a 1-based line and column (0 when unknown).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Location {
    /// Path as the user gave it (kept relative so reports are reproducible across machines).
    /// Shared: every entry of a table is located in the same file, and a large table set has
    /// millions of locations.
    pub file: Arc<str>,
    /// 1-based line, 0 when unknown.
    pub line: u32,
    /// 1-based column, 0 when unknown.
    pub column: u32,
}

impl Location {
    /// A location at a line and column of a file.
    pub fn new(file: impl AsRef<str>, line: u32, column: u32) -> Location {
        Location::shared(Arc::from(file.as_ref()), line, column)
    }

    /// A location in a file whose name is already shared (a reader locating every entry of
    /// one file clones one `Arc` instead of copying the name).
    pub fn shared(file: Arc<str>, line: u32, column: u32) -> Location {
        Location { file, line, column }
    }
}

impl fmt::Display for Location {
    /// `file:line:col`. Control characters in the file name (which comes from the file system,
    /// not from this tool) are written as `\u{1b}` escapes, so no output receives them raw.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_location(f, &self.file, self.line, self.column)
    }
}

/// How a [`Location`] displays, for it and for the borrowed form of conflict views.
pub(crate) fn write_location(
    f: &mut fmt::Formatter<'_>,
    file: &str,
    line: u32,
    column: u32,
) -> fmt::Result {
    if file.chars().any(char::is_control) {
        for c in file.chars() {
            if c.is_control() {
                write!(f, "{}", c.escape_unicode())?;
            } else {
                write!(f, "{c}")?;
            }
        }
    } else {
        f.write_str(file)?;
    }
    if line > 0 {
        write!(f, ":{line}")?;
        if column > 0 {
            write!(f, ":{column}")?;
        }
    }
    Ok(())
}

crate::named_enum! {
    /// The lifecycle state of an instruction in a governed ISA (`ALL` is lifecycle order).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum Status {
        /// Proposed, not yet relied upon.
        Proposed => "proposed",
        /// Declared and stable.
        Stable => "stable",
        /// Still decoded, but new code should not emit it.
        Deprecated => "deprecated",
        /// Gone; its number stays reserved forever.
        Removed => "removed",
    }
}

/// A short string held inline (up to 16 bytes, in a shared heap buffer beyond), two words wide
/// and one as an `Option`: an entry's mnemonic, letter and category are a few bytes each, and a
/// large table set has millions of them, each a heap allocation as a `String` (at 1,000 x 256
/// the allocations and their memory were about a tenth of `check`). Three-word inline strings
/// made an entry 120 bytes instead of 96; at 1,000 x 256 the 6 MB more were 1,500 page faults.
/// It dereferences to `str`; make one with `.into()` from a `&str` or `String`.
pub type Text = lean_string::LeanString;

/// One opcode-table entry.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Entry {
    /// The opcode number (32 bits wide, so 16-bit spaces and prefixed encodings fit).
    pub opcode: u32,
    /// Mnemonic as the source spells it; `None` where the source has a number with no name.
    pub mnemonic: Option<Text>,
    /// Format letter, resolved to a layout by the table's declarations or a [`Scheme`](crate::Scheme).
    pub format: Option<Text>,
    /// Category (free text: `arith`, `a2a`, …).
    pub category: Option<Text>,
    /// A reservation rather than an instruction: takes part in no conflict and is never
    /// handed out by arbitration.
    pub reserved: bool,
    /// Instruction size in bytes where the source gives sizes instead of letters.
    pub size_bytes: Option<u32>,
    /// Lifecycle state in a governed ISA.
    pub status: Option<Status>,
    /// Where the entry was read from.
    pub location: Option<Location>,
    /// The fields most entries lack: description, operand summary, branch field, source
    /// spelling (read them with [`Entry::description`] and its siblings).
    pub details: Details,
}

/// The fields of an [`Entry`] that most entries lack. They are kept out of line, behind one
/// pointer that is null when all four are `None`: inline they made an entry 208 bytes instead
/// of 120, and a large table set holds millions of entries, each byte of which is memory
/// touched (at 1,000 x 256, 88 bytes per entry were 6 % of `arbitrate`'s CPU, in page faults).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EntryText {
    /// Human description.
    pub description: Option<String>,
    /// Operand summary as the source writes it (free text).
    pub operands: Option<String>,
    /// Name of the operand field that is a relative branch offset, when the letter's layout
    /// does not say so itself (e.g. JZ in a format whose imm8 is a plain immediate elsewhere).
    pub branch: Option<String>,
    /// The mnemonic exactly as the source code spells it (`OpHalt`, `OP_HALT`), when `mnemonic`
    /// holds a normalised form produced by a source scanner.
    pub source_name: Option<String>,
}

const NO_TEXT: EntryText = EntryText {
    description: None,
    operands: None,
    branch: None,
    source_name: None,
};

/// An entry's [`EntryText`], allocated only when one of its fields is present. Two values
/// compare by their fields, so an emptied text equals one never set.
#[derive(Debug, Clone, Default)]
pub struct Details(Option<Box<EntryText>>);

impl Details {
    /// The fields (all `None` when nothing was set).
    pub fn get(&self) -> &EntryText {
        self.0.as_deref().unwrap_or(&NO_TEXT)
    }

    /// The fields, for changing them (allocated on first use).
    pub fn make_mut(&mut self) -> &mut EntryText {
        self.0.get_or_insert_with(Box::default)
    }
}

impl From<EntryText> for Details {
    fn from(text: EntryText) -> Details {
        Details((text != NO_TEXT).then(|| Box::new(text)))
    }
}

impl PartialEq for Details {
    fn eq(&self, other: &Details) -> bool {
        self.get() == other.get()
    }
}

impl Eq for Details {}

impl Entry {
    /// A minimal entry: number and mnemonic.
    pub fn new(opcode: u32, mnemonic: &str) -> Entry {
        Entry {
            opcode,
            mnemonic: Some(mnemonic.into()),
            ..Entry::default()
        }
    }

    /// Builder: sets the format letter.
    pub fn with_format(mut self, letter: &str) -> Entry {
        self.format = Some(letter.into());
        self
    }

    /// The mnemonic, or `""` for a nameless entry (for messages and rules that always show one).
    pub fn mnemonic_or_empty(&self) -> &str {
        self.mnemonic.as_deref().unwrap_or_default()
    }

    /// The human description.
    pub fn description(&self) -> Option<&str> {
        self.details.get().description.as_deref()
    }

    /// The operand summary.
    pub fn operands(&self) -> Option<&str> {
        self.details.get().operands.as_deref()
    }

    /// The name of the operand field that is a relative branch offset, when the entry says.
    pub fn branch(&self) -> Option<&str> {
        self.details.get().branch.as_deref()
    }

    /// The mnemonic as the source code spells it, when a scanner normalised it.
    pub fn source_name(&self) -> Option<&str> {
        self.details.get().source_name.as_deref()
    }

    /// True when the entry names an instruction that takes part in comparison: not reserved and
    /// not nameless.
    pub fn is_instruction(&self) -> bool {
        !self.reserved && self.mnemonic.is_some()
    }
}

/// One implementation's opcode table.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Table {
    /// Implementation name; unique among the tables being compared.
    pub implementation: String,
    /// Source language (`Go`, `Python`, …), when known.
    pub language: Option<String>,
    /// What the source calls its ISA version (free text).
    pub isa_version: Option<String>,
    /// When the table was registered with the authority (used by `oldest` arbitration).
    pub registered: Option<Date>,
    /// Repository the table was extracted from, when known.
    pub source_repo: Option<String>,
    /// Path of the source inside that repository (or on disk), when known.
    pub source_path: Option<String>,
    /// Format letters this table declares; they take precedence over the scheme.
    pub formats: BTreeMap<String, Layout>,
    /// How opcode numbers become bytes (one byte per opcode unless the table declares more).
    pub encoding: Encoding,
    /// Entries in source order.
    pub entries: Vec<Entry>,
    /// Where the table itself was read from (its file).
    pub location: Option<Location>,
}

impl Table {
    /// An empty table for an implementation.
    pub fn new(implementation: &str) -> Table {
        Table {
            implementation: implementation.to_string(),
            ..Table::default()
        }
    }

    /// Entries that are instructions (see [`Entry::is_instruction`]).
    pub fn instructions(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| e.is_instruction())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_and_nameless_entries_are_not_instructions() {
        let mut r = Entry::new(1, "RSV");
        r.reserved = true;
        let nameless = Entry {
            opcode: 2,
            ..Entry::default()
        };
        assert!(!r.is_instruction());
        assert!(!nameless.is_instruction());
        assert!(Entry::new(3, "NOP").is_instruction());
        assert_eq!(nameless.mnemonic_or_empty(), "");
        assert_eq!(Entry::new(3, "NOP").mnemonic_or_empty(), "NOP");
    }

    /// The rare fields stay out of line: an entry is what large inputs hold millions of.
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn an_entry_is_at_most_96_bytes() {
        assert!(
            std::mem::size_of::<Entry>() <= 96,
            "{}",
            std::mem::size_of::<Entry>()
        );
    }

    #[test]
    fn details_allocate_only_when_set_and_compare_by_their_fields() {
        let empty = Details::from(EntryText::default());
        assert!(empty.0.is_none(), "no allocation for four absent fields");
        let mut set = Details::default();
        set.make_mut().branch = Some("off".into());
        assert!(set.0.is_some());
        let mut e = Entry::new(1, "JZ");
        e.details = set.clone();
        assert_eq!(e.branch(), Some("off"));
        assert_eq!(e.description(), None);
        assert_ne!(set, empty);
        // Emptied again, it equals a text never set, as the fields it holds do.
        set.make_mut().branch = None;
        assert_eq!(set, empty);
        assert_eq!(
            Details::from(EntryText {
                source_name: Some("OpJz".into()),
                ..EntryText::default()
            })
            .get()
            .source_name
            .as_deref(),
            Some("OpJz")
        );
    }

    #[test]
    fn location_display() {
        assert_eq!(Location::new("a.json", 3, 7).to_string(), "a.json:3:7");
        assert_eq!(Location::new("a.json", 3, 0).to_string(), "a.json:3");
        assert_eq!(Location::new("a.json", 0, 0).to_string(), "a.json");
        assert_eq!(
            Location::new("a\u{1b}.json", 1, 0).to_string(),
            "a\\u{1b}.json:1"
        );
    }
}
