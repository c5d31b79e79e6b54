//! Bytecode translation from one numbering to another.
//!
//! A [`Translator`] is compiled once from a source table, a target table and
//! [`TranslateOptions`]; it then rewrites any number of programs. Compilation turns every source
//! opcode into a *rule*: how to decode it (its [`Layout`], or just its byte size where the table
//! gives only a size), which target instruction it becomes (matched by identity: the mnemonic's
//! [`Aliases::key`], never the number), and how each target field is filled from the source
//! fields. Fields are paired by role, in order — registers with registers; immediates, signed
//! immediates and relative offsets with each other; payload lengths with payload lengths — so a
//! two-register `[op][rd][rs1]` becomes a three-register `[op][rd][rs1][rs2]` with `rs2 = 0`, and
//! the reverse drops `rs2` only when it is 0. Values keep their meaning: a field's raw bits are
//! read as an unsigned or (for signed immediates and offsets) a two's-complement number, and the
//! number must fit the target field, or translation stops with an error.
//!
//! Relative branches are offsets from the end of the instruction (the FLUX convention); a field
//! is one when its kind is `rel` or when the entry names it in `branch`. When every instruction
//! keeps its size, offsets are left as they are. When sizes change, translation takes two
//! passes — first every instruction's new position, then the encoding with each offset
//! recomputed from the source instruction it pointed at — and an offset that does not land on an
//! instruction boundary (or the end of the program) is an error rather than a silent guess.
//!
//! The hot path is built for throughput: for each first byte a packed 32-bit word says "write
//! this new opcode byte and skip this many bytes" when the rule keeps the encoding and the size;
//! the output starts as a copy of the input, so such an instruction costs one table load and one
//! byte store. One walk is still a chain of dependent loads (where an instruction starts depends
//! on the size of the one before), so a large program is walked in four segments at once, each
//! but the first from a guessed start, and the true walk is then stitched across the cuts: it
//! keeps a segment's work from the first instruction start the two walks share (from there they
//! are the same walk) and copies back the bytes of the guesses before it; when the two never
//! meet it starts again from where the true walk is, with cuts in phase with it. Anything else —
//! payloads, wide opcodes, re-encoded operands — goes through the general encoder in place; if
//! any instruction changes size, the translation restarts in the two-pass mode, which copies
//! runs of renumber-only instructions whole and decodes only the rest. Errors are always those
//! of the general two-pass code (decode errors first, in stream order, then mapping errors, then
//! encode errors), so no shortcut changes what is reported; the unit tests below hold every
//! shortcut to the general code byte for byte.

use std::collections::BTreeMap;
use std::fmt;

use isa_core::{Aliases, Entry, FieldKind, Layout, Scheme, Status, Table};

use crate::bits::{self, Placement};

/// What a [`Translator`] needs besides the two tables.
#[derive(Debug, Clone)]
pub struct TranslateOptions {
    /// Alternative spellings merged before instructions are matched.
    pub aliases: Aliases,
    /// Scheme for format letters the source table does not declare.
    pub from_scheme: Scheme,
    /// Scheme for format letters the target table does not declare.
    pub to_scheme: Scheme,
}

impl Default for TranslateOptions {
    fn default() -> TranslateOptions {
        TranslateOptions::new()
    }
}

impl TranslateOptions {
    /// No aliases; the FLUX unified scheme on both sides.
    pub fn new() -> TranslateOptions {
        TranslateOptions {
            aliases: Aliases::new(),
            from_scheme: Scheme::flux_unified(),
            to_scheme: Scheme::flux_unified(),
        }
    }

    /// Builder: one scheme for both sides.
    pub fn with_scheme(mut self, scheme: Scheme) -> TranslateOptions {
        self.from_scheme = scheme.clone();
        self.to_scheme = scheme;
        self
    }
}

/// The role a field plays in translation (its kind, with `branch` applied).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Register,
    Unsigned,
    Signed,
    Relative,
    Length,
}

impl Role {
    fn of(kind: FieldKind, is_branch: bool) -> Role {
        if is_branch {
            return Role::Relative;
        }
        match kind {
            FieldKind::Register => Role::Register,
            FieldKind::Immediate => Role::Unsigned,
            FieldKind::SignedImmediate => Role::Signed,
            FieldKind::RelativeOffset => Role::Relative,
            FieldKind::PayloadLength => Role::Length,
        }
    }

    /// Fields pair with fields of the same class.
    fn class(self) -> u8 {
        match self {
            Role::Register => 0,
            Role::Unsigned | Role::Signed | Role::Relative => 1,
            Role::Length => 2,
        }
    }

    fn signed(self) -> bool {
        matches!(self, Role::Signed | Role::Relative)
    }

    fn name(self) -> &'static str {
        match self {
            Role::Register => "register",
            Role::Unsigned => "unsigned",
            Role::Signed => "signed",
            Role::Relative => "relative offset",
            Role::Length => "payload length",
        }
    }
}

/// One field of a compiled layout.
#[derive(Debug, Clone)]
struct CField {
    name: String,
    place: Placement,
    role: Role,
}

impl CField {
    fn range(&self) -> (i128, i128) {
        let bits = u32::from(self.place.bits);
        if self.role.signed() {
            (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
        } else {
            (0, (1i128 << bits) - 1)
        }
    }

    fn value(&self, instr: &[u8]) -> i128 {
        let raw = bits::read(instr, self.place);
        let bits = u32::from(self.place.bits);
        if self.role.signed() && bits < 64 && raw >> (bits - 1) & 1 == 1 {
            i128::from(raw) - (1i128 << bits)
        } else if self.role.signed() && bits == 64 {
            i128::from(raw as i64)
        } else {
            i128::from(raw)
        }
    }

    fn put(&self, instr: &mut [u8], value: i128) {
        // The caller checked the range; masking turns a negative number into its two's complement.
        let bits = u32::from(self.place.bits);
        let mask: u128 = if bits == 64 {
            u128::from(u64::MAX)
        } else {
            (1u128 << bits) - 1
        };
        bits::write(instr, self.place, (value as u128 & mask) as u64);
    }
}

/// A layout compiled for decoding and encoding.
#[derive(Debug, Clone)]
struct Shape {
    /// Size of the fixed part in bytes, opcode included.
    fixed: usize,
    /// Width of the opcode in bytes.
    opcode_bytes: usize,
    fields: Vec<CField>,
    /// Index of the payload-length field.
    length: Option<usize>,
    /// Only the size is known (the table gave `size_bytes` and no layout): operand bytes are
    /// carried as they are.
    opaque: bool,
}

impl Shape {
    fn from_layout(layout: &Layout, branch: Option<&str>) -> Shape {
        let mut offset = layout.opcode_bits();
        let mut fields = Vec::with_capacity(layout.fields.len());
        for f in &layout.fields {
            fields.push(CField {
                name: f.name.clone(),
                place: Placement {
                    offset,
                    bits: f.bits,
                    endian: layout.endian,
                },
                role: Role::of(f.kind, branch == Some(f.name.as_str())),
            });
            offset += u32::from(f.bits);
        }
        let length = fields.iter().position(|f| f.role == Role::Length);
        Shape {
            fixed: layout.size as usize,
            opcode_bytes: (layout.opcode_bits() / 8) as usize,
            fields,
            length,
            opaque: false,
        }
    }

    fn opaque(size: u32, opcode: u32) -> Shape {
        let opcode_bytes = opcode_width(opcode);
        Shape {
            fixed: (size as usize).max(opcode_bytes),
            opcode_bytes,
            fields: Vec::new(),
            length: None,
            opaque: true,
        }
    }

    fn resolve(table: &Table, entry: &Entry, scheme: &Scheme) -> Option<Shape> {
        if let Some(layout) = table.layout_of(entry, scheme) {
            return Some(Shape::from_layout(layout, entry.branch.as_deref()));
        }
        entry.size_bytes.map(|s| Shape::opaque(s, entry.opcode))
    }

    fn fits_opcode(&self, opcode: u32) -> bool {
        self.opcode_bytes >= 4 || opcode < 1u32 << (8 * self.opcode_bytes)
    }

    /// Same bytes for the same operands: same size, opcode width and field placements and roles.
    fn same_encoding(&self, other: &Shape) -> bool {
        if self.fixed != other.fixed || self.opcode_bytes != other.opcode_bytes {
            return false;
        }
        if self.opaque || other.opaque {
            return self.length.is_none() && other.length.is_none();
        }
        let multi = |s: &Shape| s.fields.iter().any(|f| f.place.bits > 8);
        self.fields.len() == other.fields.len()
            && self.fields.iter().zip(&other.fields).all(|(a, b)| {
                a.place.offset == b.place.offset && a.place.bits == b.place.bits && a.role == b.role
            })
            && (self.fields.is_empty()
                || self.fields[0].place.endian == other.fields[0].place.endian
                || !(multi(self) || multi(other)))
    }
}

/// Smallest whole number of bytes that holds an opcode.
fn opcode_width(opcode: u32) -> usize {
    match opcode {
        0..=0xFF => 1,
        0x100..=0xFFFF => 2,
        0x1_0000..=0xFF_FFFF => 3,
        _ => 4,
    }
}

/// How a source instruction becomes a target instruction.
#[derive(Debug, Clone)]
struct Mapping {
    opcode: u32,
    mnemonic: String,
    shape: Shape,
    /// For each target field, the source field it takes its value from (`None`: 0).
    sources: Vec<Option<usize>>,
    /// Source fields without a target field: they must be 0.
    dropped: Vec<usize>,
    /// The operand bytes are carried unchanged (opaque on either side).
    raw: bool,
    /// Same encoding, 8-bit opcodes, no payload: only the opcode byte changes.
    verbatim: bool,
    /// Verbatim and no relative branch: the general encoder would write exactly the source bytes
    /// with the new opcode wherever the instruction lands (a layout's opcode and fields fill it,
    /// as `Layout::with_endian` checks, and opaque operands are copied), so the two-pass mode
    /// copies them.
    plain: bool,
}

/// One source opcode.
#[derive(Debug, Clone)]
struct Rule {
    mnemonic: String,
    opcode: u32,
    src: Result<Shape, ErrorKind>,
    map: Result<Mapping, ErrorKind>,
}

/// What happens to one source instruction, as reported by [`Translator::coverage`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Same number, same encoding: the bytes do not change.
    Unchanged,
    /// Only the opcode changes; the size and operand bytes stay.
    Renumbered,
    /// The operands are re-encoded; `same_size` says whether the instruction keeps its size
    /// (when it does not, branch offsets around it are recomputed).
    Reencoded {
        /// True when the instruction keeps its size.
        same_size: bool,
    },
    /// Bytecode using this instruction cannot be translated; the reason says why.
    Untranslatable(String),
}

/// One source instruction in [`Translator::coverage`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleInfo {
    /// The source mnemonic as the source table spells it.
    pub mnemonic: String,
    /// Source opcode.
    pub from: u32,
    /// Target opcode, when there is a counterpart.
    pub to: Option<u32>,
    /// What translation does with it.
    pub outcome: Outcome,
}

/// Why one instruction cannot be translated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ErrorKind {
    /// No source instruction has this number.
    #[error("unknown opcode 0x{opcode:02X}: {table} has no instruction with this number")]
    UnknownOpcode {
        /// The first byte (or the leading bytes read as an opcode).
        opcode: u32,
        /// Source implementation.
        table: String,
    },
    /// The input ends inside the instruction.
    #[error("truncated instruction: it needs {needed} bytes, only {available} remain")]
    Truncated {
        /// Bytes the instruction needs (fixed part, plus payload when known).
        needed: usize,
        /// Bytes left in the input.
        available: usize,
    },
    /// Two different instructions share a source number, so the bytes cannot be decoded.
    #[error("opcode 0x{opcode:02X} is ambiguous in {table}: {names}")]
    Ambiguous {
        /// The number.
        opcode: u32,
        /// Source implementation.
        table: String,
        /// The competing mnemonics, comma-separated.
        names: String,
    },
    /// The instruction's layout is unknown on one side.
    #[error("{mnemonic} has no known layout in {table} ({why})")]
    NoLayout {
        /// Mnemonic.
        mnemonic: String,
        /// Implementation lacking the layout.
        table: String,
        /// What is missing.
        why: String,
    },
    /// The target has no instruction with this identity.
    #[error("{table} has no instruction {key} (matched by name; hint: `--aliases` maps other spellings)")]
    NoCounterpart {
        /// The identity looked up.
        key: String,
        /// Target implementation.
        table: String,
    },
    /// The target opcode does not fit its layout's opcode width.
    #[error("{mnemonic} is 0x{opcode:X} in {table}, which does not fit its {bits}-bit opcode")]
    OpcodeTooWide {
        /// Target mnemonic.
        mnemonic: String,
        /// Target opcode.
        opcode: u32,
        /// Opcode width of the target layout.
        bits: usize,
        /// Target implementation.
        table: String,
    },
    /// One side knows only the size, and the sizes differ.
    #[error("{mnemonic}: only the size is known on one side and it changes ({from} → {to} bytes), so its operands cannot be re-encoded")]
    OpaqueResize {
        /// Mnemonic.
        mnemonic: String,
        /// Source size.
        from: usize,
        /// Target size.
        to: usize,
    },
    /// An operand value does not fit the target field.
    #[error("operand `{field}` = {value} does not fit `{target_field}` of {mnemonic} in {table} ({bits}-bit {role}: {min}..={max})")]
    DoesNotFit {
        /// Source field name (or `branch` for a recomputed offset).
        field: String,
        /// The value.
        value: i128,
        /// Target field name.
        target_field: String,
        /// Target mnemonic.
        mnemonic: String,
        /// Target implementation.
        table: String,
        /// Target field width.
        bits: u16,
        /// Target field role.
        role: &'static str,
        /// Smallest value the field holds.
        min: i128,
        /// Largest value the field holds.
        max: i128,
    },
    /// A non-zero operand has no place in the target layout.
    #[error("operand `{field}` = {value} has no place in the layout of {mnemonic} in {table}")]
    DroppedOperand {
        /// Source field name.
        field: String,
        /// Its value.
        value: i128,
        /// Target mnemonic.
        mnemonic: String,
        /// Target implementation.
        table: String,
    },
    /// A payload has no place in the target layout.
    #[error("a payload of {len} bytes has no place in the layout of {mnemonic} in {table} (no length field)")]
    PayloadDropped {
        /// Payload length.
        len: usize,
        /// Target mnemonic.
        mnemonic: String,
        /// Target implementation.
        table: String,
    },
    /// A relative branch does not point at an instruction, so it cannot be moved.
    #[error("branch `{field}` = {offset} targets byte {target}, {why}")]
    BranchTarget {
        /// Field name.
        field: String,
        /// The source offset.
        offset: i128,
        /// The byte it points at.
        target: i128,
        /// Why it cannot be mapped.
        why: String,
    },
}

/// A translation failure: where, which instruction, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("byte offset {offset} (0x{offset:04x}): {instruction}: {kind}")]
pub struct TranslateError {
    /// Byte offset of the instruction in the input.
    pub offset: usize,
    /// The instruction: its mnemonic (when decoded) and its bytes in hex.
    pub instruction: String,
    /// What went wrong.
    pub kind: ErrorKind,
}

impl TranslateError {
    /// The same error at an offset shifted by `delta` (for code inside a container).
    pub fn shifted(mut self, delta: usize) -> TranslateError {
        self.offset += delta;
        self
    }
}

/// Totals of one translation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stats {
    /// Instructions translated.
    pub instructions: usize,
    /// Input size.
    pub bytes_in: usize,
    /// Output size.
    pub bytes_out: usize,
    /// Relative branch offsets whose value changed.
    pub branches_fixed: usize,
    /// True when every instruction kept its size (offsets were left as they are).
    pub same_size: bool,
}

/// A translated program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Translation {
    /// The target bytecode.
    pub bytes: Vec<u8>,
    /// Totals.
    pub stats: Stats,
    /// Instruction starts `(source, target)`, when sizes changed (else offsets are unchanged).
    starts: Option<Vec<(usize, usize)>>,
}

impl Translation {
    /// Where a source byte offset ends up: the same offset when sizes were kept, the new start
    /// of the instruction that began there, the new end for the end of the program, and `None`
    /// for an offset inside an instruction.
    pub fn map_offset(&self, source: usize) -> Option<usize> {
        if source == self.stats.bytes_in {
            return Some(self.stats.bytes_out);
        }
        match &self.starts {
            None => (source < self.stats.bytes_in).then_some(source),
            Some(starts) => starts
                .binary_search_by_key(&source, |&(s, _)| s)
                .ok()
                .map(|i| starts[i].1),
        }
    }
}

/// One decoded source instruction, as reported by [`Translator::decode`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    /// Byte offset in the input.
    pub offset: usize,
    /// Length in bytes, payload included.
    pub len: usize,
    /// Source opcode.
    pub opcode: u32,
    /// Source mnemonic.
    pub mnemonic: String,
}

/// Instruction starts `(source, target)` when sizes changed; `None` when offsets are unchanged.
type Starts = Option<Vec<(usize, usize)>>;

const NONE: u32 = u32::MAX;
const WIDE: u32 = u32::MAX - 1;

/// A compiled source → target translation (see the module docs).
#[derive(Debug, Clone)]
pub struct Translator {
    from: String,
    to: String,
    rules: Vec<Rule>,
    /// First byte → rule index, [`NONE`], or [`WIDE`] (look in `wide`).
    first: Box<[u32; 256]>,
    /// First byte → candidates `(opcode bytes, opcode, rule)`, longest first.
    wide: BTreeMap<u8, Vec<(usize, u32, u32)>>,
    /// First byte → `size << 8 | new opcode` for verbatim rules; for any other byte, the byte
    /// itself (size 0: not a fast step, and "rewriting" it leaves it as it is).
    fast: Box<[u32; 256]>,
    /// First byte → the rule is [`Mapping::plain`] (and in `fast`): the two-pass mode copies it.
    plain: Box<[bool; 256]>,
    /// Largest size in `fast`: a fast step from below `len - max_fast` stays inside the input.
    max_fast: usize,
}

/// Walks interleaved by the same-size path: enough independent load chains to hide the latency
/// of one (two dependent loads per instruction) behind the others. Eight measured no faster.
const CHAINS: usize = 4;
/// Programs shorter than `CHAINS` segments of this many bytes are walked by one chain: cutting
/// them gains little and costs a stitch per segment.
const MIN_SEGMENT: usize = 4096;
/// True steps into a segment after which the stitch stops hoping to meet that segment's guessed
/// walk (instructions of one size out of phase never meet) and undoes it in one copy.
const MAX_MISSES: usize = 64;

/// The same-size path's cuts are a multiple of this many bytes from a true instruction start.
const PHASE: usize = 60;

/// What the same-size path has done so far: instructions walked, and those left for the
/// general encoder (encoded last, once no guess can be undone over them).
#[derive(Debug, Default)]
struct Done {
    count: usize,
    slow: Vec<(usize, Decoded)>,
}

/// One speculative walk of the same-size path: it visited `steps` instruction starts in
/// `start..stop`.
#[derive(Debug, Clone, Copy, Default)]
struct Chain {
    start: usize,
    stop: usize,
    steps: usize,
}

/// A decoded instruction inside the translator: rule, total length, payload length.
#[derive(Debug, Clone, Copy)]
struct Decoded {
    rule: u32,
    len: usize,
    payload: usize,
}

fn hex_bytes(bytes: &[u8]) -> String {
    const MAX: usize = 16;
    let mut s: Vec<String> = bytes.iter().take(MAX).map(|b| format!("{b:02x}")).collect();
    if bytes.len() > MAX {
        s.push("…".into());
    }
    s.join(" ")
}

fn present(entry: &Entry) -> bool {
    entry.is_instruction() && entry.status != Some(Status::Removed)
}

fn layout_why(table: &Table, entry: &Entry, scheme: &Scheme) -> String {
    match &entry.format {
        Some(letter) => format!(
            "format letter `{letter}` is declared neither by {} nor by the {} scheme, and no size_bytes",
            table.implementation, scheme.name
        ),
        None => "no format letter and no size_bytes".to_string(),
    }
}

impl Translator {
    /// Compiles the translation from `from` to `to`. This never fails: a problem with one
    /// instruction (no counterpart, unknown layout, ambiguous number) is an error only when
    /// a program uses that instruction.
    pub fn new(from: &Table, to: &Table, options: &TranslateOptions) -> Translator {
        let aliases = &options.aliases;
        // Target instructions by identity; the lowest number wins for duplicates, as in the diff.
        let mut targets: BTreeMap<String, &Entry> = BTreeMap::new();
        for e in to.entries.iter().filter(|e| present(e)) {
            let key = aliases.key(e.mnemonic.as_deref().unwrap_or_default());
            targets
                .entry(key)
                .and_modify(|old| {
                    if (e.opcode, &e.format) < (old.opcode, &old.format) {
                        *old = e;
                    }
                })
                .or_insert(e);
        }
        // Source instructions by number, in table order.
        let mut by_number: BTreeMap<u32, Vec<&Entry>> = BTreeMap::new();
        for e in from.entries.iter().filter(|e| present(e)) {
            by_number.entry(e.opcode).or_default().push(e);
        }

        let mut rules = Vec::new();
        let mut first = Box::new([NONE; 256]);
        let mut wide: BTreeMap<u8, Vec<(usize, u32, u32)>> = BTreeMap::new();
        let mut fast = Box::new([0u32; 256]);
        for (&opcode, entries) in &by_number {
            let entry = entries[0];
            let mnemonic = entry.mnemonic.clone().unwrap_or_default();
            let key = aliases.key(&mnemonic);
            let src = Shape::resolve(from, entry, &options.from_scheme).ok_or_else(|| {
                ErrorKind::NoLayout {
                    mnemonic: mnemonic.clone(),
                    table: from.implementation.clone(),
                    why: layout_why(from, entry, &options.from_scheme),
                }
            });
            let mut names: Vec<String> = entries
                .iter()
                .map(|e| aliases.key(e.mnemonic.as_deref().unwrap_or_default()))
                .collect();
            names.sort();
            names.dedup();
            let map = if names.len() > 1 {
                Err(ErrorKind::Ambiguous {
                    opcode,
                    table: from.implementation.clone(),
                    names: names.join(", "),
                })
            } else {
                match &src {
                    Err(e) => Err(e.clone()),
                    Ok(shape) => Self::mapping(&mnemonic, &key, shape, to, &targets, options),
                }
            };
            let src = if names.len() > 1 {
                // Decoding still needs a size; it is known only when every spelling agrees.
                let shapes: Vec<Option<Shape>> = entries
                    .iter()
                    .map(|e| Shape::resolve(from, e, &options.from_scheme))
                    .collect();
                let agree = shapes.iter().all(|s| match (s, &shapes[0]) {
                    (Some(a), Some(b)) => a.same_encoding(b),
                    _ => false,
                });
                if agree {
                    src
                } else {
                    Err(map.clone().unwrap_err())
                }
            } else {
                src
            };
            let opcode_bytes = match &src {
                Ok(shape) if !shape.fits_opcode(opcode) => continue, // cannot occur in bytecode
                Ok(shape) => shape.opcode_bytes,
                Err(_) => opcode_width(opcode),
            };
            let index = rules.len() as u32;
            if opcode_bytes == 1 {
                let b = opcode as usize;
                if first[b] == WIDE {
                    wide.entry(opcode as u8)
                        .or_default()
                        .push((1, opcode, index));
                } else {
                    first[b] = index;
                }
                if let (true, Ok(m)) = (first[b] == index, &map) {
                    if m.verbatim {
                        fast[b] = ((src.as_ref().map_or(0, |s| s.fixed) as u32) << 8) | m.opcode;
                    }
                }
            } else {
                let lead = (opcode >> (8 * (opcode_bytes - 1))) as u8;
                let slot = &mut first[usize::from(lead)];
                let list = wide.entry(lead).or_default();
                if *slot != WIDE && *slot != NONE {
                    list.push((1, u32::from(lead), *slot));
                }
                *slot = WIDE;
                fast[usize::from(lead)] = 0;
                list.push((opcode_bytes, opcode, index));
            }
            rules.push(Rule {
                mnemonic,
                opcode,
                src,
                map,
            });
        }
        for (b, e) in fast.iter_mut().enumerate() {
            if *e >> 8 == 0 {
                *e = b as u32;
            }
        }
        let mut plain = Box::new([false; 256]);
        for (b, p) in plain.iter_mut().enumerate() {
            *p = fast[b] >> 8 != 0
                && rules
                    .get(first[b] as usize)
                    .is_some_and(|r| r.map.as_ref().is_ok_and(|m| m.plain));
        }
        let max_fast = fast.iter().map(|e| (e >> 8) as usize).max().unwrap_or(0);
        for list in wide.values_mut() {
            // Longest opcode first: a prefix byte alone is not an instruction when a longer
            // opcode starting with it matches.
            list.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        }
        Translator {
            from: from.implementation.clone(),
            to: to.implementation.clone(),
            rules,
            first,
            wide,
            fast,
            plain,
            max_fast,
        }
    }

    fn mapping(
        mnemonic: &str,
        key: &str,
        src: &Shape,
        to: &Table,
        targets: &BTreeMap<String, &Entry>,
        options: &TranslateOptions,
    ) -> Result<Mapping, ErrorKind> {
        let target = targets.get(key).ok_or_else(|| ErrorKind::NoCounterpart {
            key: key.to_string(),
            table: to.implementation.clone(),
        })?;
        let tmnemonic = target.mnemonic.clone().unwrap_or_default();
        let shape =
            Shape::resolve(to, target, &options.to_scheme).ok_or_else(|| ErrorKind::NoLayout {
                mnemonic: tmnemonic.clone(),
                table: to.implementation.clone(),
                why: layout_why(to, target, &options.to_scheme),
            })?;
        if !shape.fits_opcode(target.opcode) {
            return Err(ErrorKind::OpcodeTooWide {
                mnemonic: tmnemonic,
                opcode: target.opcode,
                bits: shape.opcode_bytes * 8,
                table: to.implementation.clone(),
            });
        }
        let raw = src.opaque || shape.opaque;
        let (sources, dropped) = if raw {
            if src.fixed - src.opcode_bytes != shape.fixed - shape.opcode_bytes
                || src.length.is_some()
                || shape.length.is_some()
            {
                return Err(ErrorKind::OpaqueResize {
                    mnemonic: mnemonic.to_string(),
                    from: src.fixed,
                    to: shape.fixed,
                });
            }
            (Vec::new(), Vec::new())
        } else {
            let mut used = vec![false; src.fields.len()];
            let sources: Vec<Option<usize>> = shape
                .fields
                .iter()
                .map(|tf| {
                    let found = src
                        .fields
                        .iter()
                        .enumerate()
                        .find(|(i, sf)| !used[*i] && sf.role.class() == tf.role.class())
                        .map(|(i, _)| i);
                    if let Some(i) = found {
                        used[i] = true;
                    }
                    found
                })
                .collect();
            // A source payload length is dealt with as a payload, not as an operand.
            let dropped = (0..src.fields.len())
                .filter(|&i| !used[i] && src.fields[i].role != Role::Length)
                .collect();
            (sources, dropped)
        };
        let verbatim = src.opcode_bytes == 1
            && shape.opcode_bytes == 1
            && src.length.is_none()
            && (raw || src.same_encoding(&shape));
        let plain = verbatim && src.fields.iter().all(|f| f.role != Role::Relative);
        Ok(Mapping {
            opcode: target.opcode,
            mnemonic: tmnemonic,
            shape,
            sources,
            dropped,
            raw,
            verbatim,
            plain,
        })
    }

    /// Source implementation name.
    pub fn from_name(&self) -> &str {
        &self.from
    }

    /// Target implementation name.
    pub fn to_name(&self) -> &str {
        &self.to
    }

    /// What happens to every source instruction, by source number.
    pub fn coverage(&self) -> Vec<RuleInfo> {
        self.rules
            .iter()
            .map(|r| {
                let (to, outcome) = match (&r.src, &r.map) {
                    (Err(e), _) | (_, Err(e)) => (None, Outcome::Untranslatable(e.to_string())),
                    (Ok(src), Ok(m)) => {
                        let outcome = if m.verbatim && m.opcode == r.opcode {
                            Outcome::Unchanged
                        } else if m.verbatim {
                            Outcome::Renumbered
                        } else {
                            Outcome::Reencoded {
                                same_size: src.fixed == m.shape.fixed,
                            }
                        };
                        (Some(m.opcode), outcome)
                    }
                };
                RuleInfo {
                    mnemonic: r.mnemonic.clone(),
                    from: r.opcode,
                    to,
                    outcome,
                }
            })
            .collect()
    }

    fn fail(
        &self,
        input: &[u8],
        pos: usize,
        d: Option<&Decoded>,
        kind: ErrorKind,
    ) -> TranslateError {
        let instruction = match d {
            Some(d) => format!(
                "{} ({})",
                self.rules[d.rule as usize].mnemonic,
                hex_bytes(&input[pos..(pos + d.len).min(input.len())])
            ),
            None => format!("({})", hex_bytes(&input[pos..(pos + 4).min(input.len())])),
        };
        TranslateError {
            offset: pos,
            instruction,
            kind,
        }
    }

    /// Decodes the instruction at `pos`: its rule and length (payload included).
    fn decode_at(&self, input: &[u8], pos: usize) -> Result<Decoded, TranslateError> {
        let rest = &input[pos..];
        let lead = rest[0];
        let mut rule = self.first[usize::from(lead)];
        if rule == WIDE {
            rule = NONE;
            for &(n, opcode, index) in &self.wide[&lead] {
                if n <= rest.len() && bits::read_opcode(rest, n) == opcode {
                    rule = index;
                    break;
                }
            }
        }
        if rule == NONE {
            return Err(self.fail(
                input,
                pos,
                None,
                ErrorKind::UnknownOpcode {
                    opcode: u32::from(lead),
                    table: self.from.clone(),
                },
            ));
        }
        let r = &self.rules[rule as usize];
        let shape = match &r.src {
            Ok(s) => s,
            Err(e) => {
                let d = Decoded {
                    rule,
                    len: 1,
                    payload: 0,
                };
                return Err(self.fail(input, pos, Some(&d), e.clone()));
            }
        };
        let truncated = |needed: usize| {
            let d = Decoded {
                rule,
                len: rest.len(),
                payload: 0,
            };
            self.fail(
                input,
                pos,
                Some(&d),
                ErrorKind::Truncated {
                    needed,
                    available: rest.len(),
                },
            )
        };
        if shape.fixed > rest.len() {
            return Err(truncated(shape.fixed));
        }
        let payload = match shape.length {
            Some(i) => {
                let len = bits::read(rest, shape.fields[i].place) as usize;
                if shape.fixed + len > rest.len() {
                    return Err(truncated(shape.fixed + len));
                }
                len
            }
            None => 0,
        };
        Ok(Decoded {
            rule,
            len: shape.fixed + payload,
            payload,
        })
    }

    /// The mapping of a decoded instruction and its target length.
    fn target_of(
        &self,
        input: &[u8],
        pos: usize,
        d: &Decoded,
    ) -> Result<(&Mapping, usize), TranslateError> {
        let r = &self.rules[d.rule as usize];
        let m = r
            .map
            .as_ref()
            .map_err(|e| self.fail(input, pos, Some(d), e.clone()))?;
        let len = if m.shape.length.is_some() {
            m.shape.fixed + d.payload
        } else if d.payload > 0 {
            return Err(self.fail(
                input,
                pos,
                Some(d),
                ErrorKind::PayloadDropped {
                    len: d.payload,
                    mnemonic: m.mnemonic.clone(),
                    table: self.to.clone(),
                },
            ));
        } else {
            m.shape.fixed
        };
        Ok((m, len))
    }

    /// Encodes one instruction into `dst` (exactly its target length). `reloc` maps a source
    /// byte address to a target byte address; returns the number of offsets that changed.
    fn encode(
        &self,
        d: &Decoded,
        m: &Mapping,
        src: &[u8],
        dst: &mut [u8],
        ends: (usize, usize),
        reloc: &dyn Fn(&str, i128, i128) -> Result<i128, ErrorKind>,
    ) -> Result<usize, ErrorKind> {
        let shape = self.rules[d.rule as usize]
            .src
            .as_ref()
            .expect("decoded instructions have a shape");
        let t = &m.shape;
        dst[..t.fixed].fill(0);
        bits::write_opcode(dst, t.opcode_bytes, m.opcode);
        if m.raw {
            dst[t.opcode_bytes..t.fixed].copy_from_slice(&src[shape.opcode_bytes..shape.fixed]);
            return Ok(0);
        }
        for &i in &m.dropped {
            let value = shape.fields[i].value(src);
            if value != 0 {
                return Err(ErrorKind::DroppedOperand {
                    field: shape.fields[i].name.clone(),
                    value,
                    mnemonic: m.mnemonic.clone(),
                    table: self.to.clone(),
                });
            }
        }
        let mut fixed = 0;
        for (tf, source) in t.fields.iter().zip(&m.sources) {
            let sf = source.map(|i| &shape.fields[i]);
            let mut value = match sf {
                Some(sf) if tf.role == Role::Length => {
                    let _ = sf;
                    d.payload as i128
                }
                Some(sf) => sf.value(src),
                None if tf.role == Role::Length => d.payload as i128,
                None => 0,
            };
            let relative =
                tf.role == Role::Relative || sf.is_some_and(|s| s.role == Role::Relative);
            let name = sf.map_or(tf.name.as_str(), |s| s.name.as_str());
            if relative && sf.is_some() {
                let target = ends.0 as i128 + value;
                let new = reloc(name, value, target)? - ends.1 as i128;
                if new != value {
                    fixed += 1;
                }
                value = new;
            }
            let (min, max) = tf.range();
            if value < min || value > max {
                return Err(ErrorKind::DoesNotFit {
                    field: name.to_string(),
                    value,
                    target_field: tf.name.clone(),
                    mnemonic: m.mnemonic.clone(),
                    table: self.to.clone(),
                    bits: tf.place.bits,
                    role: tf.role.name(),
                    min,
                    max,
                });
            }
            tf.put(dst, value);
        }
        if d.payload > 0 {
            dst[t.fixed..t.fixed + d.payload]
                .copy_from_slice(&src[shape.fixed..shape.fixed + d.payload]);
        }
        Ok(fixed)
    }

    /// Decodes a program with the source table, without translating it.
    pub fn decode(&self, input: &[u8]) -> Result<Vec<Instruction>, TranslateError> {
        let mut out = Vec::new();
        let mut pos = 0;
        while pos < input.len() {
            let d = self.decode_at(input, pos)?;
            let r = &self.rules[d.rule as usize];
            out.push(Instruction {
                offset: pos,
                len: d.len,
                opcode: r.opcode,
                mnemonic: r.mnemonic.clone(),
            });
            pos += d.len;
        }
        Ok(out)
    }

    /// Translates a program.
    pub fn translate(&self, input: &[u8]) -> Result<Translation, TranslateError> {
        let mut bytes = Vec::new();
        let (stats, starts) = self.run(input, &mut bytes)?;
        Ok(Translation {
            bytes,
            stats,
            starts,
        })
    }

    /// Translates a program into `out` (cleared first), reusing its allocation.
    pub fn translate_into(&self, input: &[u8], out: &mut Vec<u8>) -> Result<Stats, TranslateError> {
        self.run(input, out).map(|(stats, _)| stats)
    }

    fn run(&self, input: &[u8], out: &mut Vec<u8>) -> Result<(Stats, Starts), TranslateError> {
        out.clear();
        out.extend_from_slice(input);
        if let Some(stats) = self.same_size(input, out) {
            return Ok((stats, None));
        }
        self.two_pass(input, out)
    }

    /// The fast path: every instruction keeps its size, so the output is the input with opcodes
    /// (and, for re-encoded instructions, operands) rewritten in place. `None` means "use the
    /// two-pass mode": a size changed or an error needs the two-pass mode's report.
    ///
    /// Walking the program is a dependent chain — where an instruction starts depends on the size
    /// of the one before — so one walk is bound by load latency (two loads per instruction), not
    /// by bandwidth. Large programs are therefore cut into [`CHAINS`] segments walked at the same
    /// time, each from its segment's first byte as if an instruction started there (see
    /// [`Translator::speculate`]); [`Translator::stitch`] then follows the true instruction
    /// boundaries across the cuts, keeps a segment's work from the first boundary the two walks
    /// share (from there on they are the same walk), and undoes the rest; when they never meet,
    /// the cutting starts again from the true walk's position.
    fn same_size(&self, input: &[u8], out: &mut [u8]) -> Option<Stats> {
        self.same_size_in(input, out, None)
    }

    /// [`Translator::same_size`], cut every `segment` bytes when given (tests cut small programs
    /// in many places), else into [`CHAINS`] segments of at least [`MIN_SEGMENT`] bytes.
    fn same_size_in(&self, input: &[u8], out: &mut [u8], segment: Option<usize>) -> Option<Stats> {
        let n = input.len();
        // A chain stops before any fast instruction could run past the end, so its steps need
        // no size check; the stitch walks the last few bytes with the check.
        let safe_end = n.saturating_sub(self.max_fast);
        let mut done = Done::default();
        // `from` is a true instruction start with everything before it translated (but for the
        // deferred slow instructions) and everything after it still a copy of the input.
        let mut from = 0;
        loop {
            let rest = n - from;
            let segment = segment.unwrap_or(if rest >= CHAINS * MIN_SEGMENT {
                // Cuts a multiple of 60 bytes from a true start are in phase with any run of
                // equal-sized instructions (sizes 1–6) that began in phase with it.
                (rest / CHAINS) / PHASE * PHASE
            } else {
                rest.max(1)
            });
            let mut starts = [n; CHAINS];
            let mut limits = [0; CHAINS];
            for (j, (start, limit)) in starts.iter_mut().zip(&mut limits).enumerate() {
                let lo = from.saturating_add(j.saturating_mul(segment)).min(n);
                let hi = if j + 1 == CHAINS {
                    n
                } else {
                    from.saturating_add((j + 1).saturating_mul(segment)).min(n)
                };
                *start = lo;
                *limit = hi.min(safe_end).max(lo);
            }
            let spec = self.speculate(input, out, starts, limits);
            match self.stitch(input, out, &spec, limits, &mut done)? {
                Some(restart) => from = restart,
                None => break,
            }
        }
        for (pos, d) in done.slow {
            let (m, _) = self.target_of(input, pos, &d).ok()?;
            let end = pos + d.len;
            self.encode(
                &d,
                m,
                &input[pos..end],
                &mut out[pos..end],
                (end, end),
                &|_, _, target| Ok(target),
            )
            .ok()?;
        }
        Some(Stats {
            instructions: done.count,
            bytes_in: n,
            bytes_out: n,
            branches_fixed: 0,
            same_size: true,
        })
    }

    /// Walks the [`CHAINS`] segments at once, interleaved so that their load chains overlap.
    /// Chain `j` starts at `starts[j]`, takes fast (renumber-only) steps while its position is
    /// below `limits[j]`, and writes each new opcode byte into `out`. Chain 0 starts at a true
    /// boundary; the others guess. Returns each chain's `(start, stop, steps)`: it visited
    /// `steps` positions in `start..stop`, and stopped at `stop` (its limit, or an instruction
    /// it cannot take fast, not written).
    ///
    /// A chain writes only at positions in `starts[j]..limits[j]`, ranges that do not overlap,
    /// and at most once per position, so a write at a position that turns out not to start an
    /// instruction is undone by copying the input byte back.
    fn speculate(
        &self,
        input: &[u8],
        out: &mut [u8],
        starts: [usize; CHAINS],
        limits: [usize; CHAINS],
    ) -> [Chain; CHAINS] {
        let fast = &*self.fast;
        let mut pos = starts;
        let mut steps = [0usize; CHAINS];
        // All chains together while every one can step. An entry that cannot be taken fast has
        // size 0 and its own byte as the "new opcode", so stepping on it rewrites the byte with
        // itself and stays put; the round then ends the interleaved walk.
        while pos.iter().zip(&limits).all(|(p, l)| p < l) {
            let mut stuck = false;
            for j in 0..CHAINS {
                let p = pos[j];
                let e = fast[usize::from(input[p])];
                let size = (e >> 8) as usize;
                out[p] = e as u8;
                stuck |= size == 0;
                steps[j] += usize::from(size != 0);
                pos[j] = p + size;
            }
            if stuck {
                break;
            }
        }
        // Each chain finishes alone (segments end at slightly different rounds).
        let mut chains = [Chain::default(); CHAINS];
        for j in 0..CHAINS {
            let mut p = pos[j];
            while p < limits[j] {
                let e = fast[usize::from(input[p])];
                let size = (e >> 8) as usize;
                if size == 0 {
                    break;
                }
                out[p] = e as u8;
                p += size;
                steps[j] += 1;
            }
            chains[j] = Chain {
                start: starts[j],
                stop: p,
                steps: steps[j],
            };
        }
        chains
    }

    /// Follows the true instruction boundaries from 0 to the end: over chain 0's work, then
    /// instruction by instruction, and over chain `k`'s work from the first position it shares
    /// with the true walk. A position of chain `k` that the true walk passes is not an
    /// instruction start: its byte is copied back from the input. Instructions that need the
    /// general encoder are encoded at the end, after every guess has been undone, so an undo
    /// never overwrites them.
    fn stitch(
        &self,
        input: &[u8],
        out: &mut [u8],
        spec: &[Chain; CHAINS],
        limits: [usize; CHAINS],
        done: &mut Done,
    ) -> Option<Option<usize>> {
        let n = input.len();
        let fast = &*self.fast;
        let size_at = |p: usize| (fast[usize::from(input[p])] >> 8) as usize;
        let mut t = spec[0].stop;
        let mut count = spec[0].steps;
        // The chain being matched against the true walk, its next unresolved position, how many
        // of its positions were undone, and how many true steps have not met it.
        let mut k = 1;
        let mut q = spec.get(1).map_or(n, |c| c.start);
        let mut undone = 0;
        let mut misses = 0;
        loop {
            while k < CHAINS {
                let c = &spec[k];
                while q < t && q < c.stop {
                    out[q] = input[q];
                    q += size_at(q);
                    undone += 1;
                }
                if q == t || q >= c.stop {
                    if q == t {
                        // Same position, same walk: chain k's work from here is right.
                        count += c.steps - undone;
                        t = c.stop;
                    }
                    k += 1;
                    q = spec.get(k).map_or(n, |c| c.start);
                    undone = 0;
                    misses = 0;
                    continue;
                }
                if misses > MAX_MISSES {
                    // The walks have not met (e.g. equal sizes, out of phase). Everything from t
                    // on is untouched by the true walk (t < q < limits[k] ≤ later starts): copy
                    // the input back over chain k's rest and the later chains, and start again
                    // from t, a true start, with cuts in phase with it.
                    out[q..limits[k]].copy_from_slice(&input[q..limits[k]]);
                    for (c, &limit) in spec.iter().zip(&limits).skip(k + 1) {
                        out[c.start..limit].copy_from_slice(&input[c.start..limit]);
                    }
                    done.count += count;
                    return Some(Some(t));
                }
                break;
            }
            if t >= n {
                break;
            }
            // Before the next chain's segment there is nothing to meet: a plain walk (this is
            // where a segment whose guess was given up, or a short program's tail, is walked).
            let next = spec
                .get(k)
                .map_or(n, |c| c.start)
                .min(n.saturating_sub(self.max_fast));
            let before = t;
            while t < next {
                let e = fast[usize::from(input[t])];
                let size = (e >> 8) as usize;
                if size == 0 {
                    break;
                }
                out[t] = e as u8;
                t += size;
                count += 1;
            }
            if t != before {
                // The next chain may start at (or before) where this walk stopped.
                continue;
            }
            let e = fast[usize::from(input[t])];
            let size = (e >> 8) as usize;
            if size != 0 && size <= n - t {
                out[t] = e as u8;
                t += size;
            } else {
                let d = self.decode_at(input, t).ok()?;
                let (_, len) = self.target_of(input, t, &d).ok()?;
                if len != d.len {
                    return None;
                }
                done.slow.push((t, d));
                t += len;
            }
            count += 1;
            if t > spec.get(k).map_or(n, |c| c.start) {
                misses += 1;
            }
        }
        done.count += count;
        Some(None)
    }

    /// The general path: pass 1 decodes and places every instruction, pass 2 encodes with
    /// branch offsets recomputed.
    fn two_pass(&self, input: &[u8], out: &mut Vec<u8>) -> Result<(Stats, Starts), TranslateError> {
        // Pass 1 keeps only the starts (they are the relocation map); pass 2 decodes again
        // where it needs to, which is cheaper than keeping every decoded instruction of a large
        // program in fresh memory. Preallocated for ≈ 3 bytes per instruction.
        let mut starts = Vec::with_capacity(input.len() / 3 + 16);
        // A decode error anywhere wins over a mapping error, whichever comes first in the
        // stream: the first mapping error is held until the whole input has decoded.
        let mut mapping_error = None;
        let (mut pos, mut at) = (0usize, 0usize);
        while pos < input.len() {
            let size = (self.fast[usize::from(input[pos])] >> 8) as usize;
            if size != 0 && size <= input.len() - pos {
                // Renumbered only: it decodes, maps, and keeps its size.
                starts.push((pos, at));
                at += size;
                pos += size;
                continue;
            }
            let d = self.decode_at(input, pos)?;
            starts.push((pos, at));
            if mapping_error.is_none() {
                match self.target_of(input, pos, &d) {
                    Ok((_, len)) => at += len,
                    Err(e) => mapping_error = Some(e),
                }
            }
            pos += d.len;
        }
        if let Some(e) = mapping_error {
            return Err(e);
        }
        let (n, total) = (input.len(), at);
        out.clear();
        out.resize(total, 0);
        let reloc = |field: &str, offset: i128, target: i128| -> Result<i128, ErrorKind> {
            let fail = |why: String| ErrorKind::BranchTarget {
                field: field.to_string(),
                offset,
                target,
                why,
            };
            if target < 0 || target > n as i128 {
                return Err(fail(format!("outside the program (0..={n})")));
            }
            let target = target as usize;
            if target == n {
                return Ok(total as i128);
            }
            match starts.binary_search_by_key(&target, |&(s, _)| s) {
                Ok(i) => Ok(starts[i].1 as i128),
                Err(_) => Err(fail(
                    "which is inside an instruction, not at its start".into(),
                )),
            }
        };
        let plain = |s: usize| self.plain[usize::from(input[s])];
        let mut fixed = 0;
        let mut i = 0;
        while i < starts.len() {
            let (s, t) = starts[i];
            if plain(s) {
                // A run of instructions the encoder would write as they are, with new opcodes
                // (see `Mapping::plain`): they keep their sizes, so the run is one copy.
                let mut j = i + 1;
                while j < starts.len() && plain(starts[j].0) {
                    j += 1;
                }
                let end = starts.get(j).map_or(n, |next| next.0);
                out[t..t + (end - s)].copy_from_slice(&input[s..end]);
                for &(s, t) in &starts[i..j] {
                    out[t] = self.fast[usize::from(input[s])] as u8;
                }
                i = j;
                continue;
            }
            let d = self.decode_at(input, s)?;
            let (m, len) = self.target_of(input, s, &d)?;
            fixed += self
                .encode(
                    &d,
                    m,
                    &input[s..s + d.len],
                    &mut out[t..t + len],
                    (s + d.len, t + len),
                    &reloc,
                )
                .map_err(|e| self.fail(input, s, Some(&d), e))?;
            i += 1;
        }
        let stats = Stats {
            instructions: starts.len(),
            bytes_in: n,
            bytes_out: total,
            branches_fixed: fixed,
            same_size: false,
        };
        Ok((stats, Some(starts)))
    }
}

impl fmt::Display for Stats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} instructions, {} → {} bytes, {} branch offsets fixed",
            self.instructions, self.bytes_in, self.bytes_out, self.branches_fixed
        )
    }
}

#[cfg(test)]
mod tests {
    //! The same-size path cut into speculative chains must agree with one plain walk, byte for
    //! byte and in when it gives up, wherever the cuts fall.

    use super::*;
    use isa_core::Field;
    use proptest::prelude::*;

    /// Source and target tables with every kind of instruction the walk meets: renumbered ones
    /// of sizes 1–5, a re-encoded one of the same size, a payload, a size-only (opaque) one, a
    /// two-byte opcode, one the target lacks, one that grows, and unknown numbers.
    fn tables() -> (Table, Table) {
        let letters = ["A", "B", "C", "D", "E", "F", "G"];
        let mut a = Table::new("a");
        let mut b = Table::new("b");
        for op in 0..0x40u32 {
            let letter = letters[op as usize % letters.len()];
            a.entries
                .push(Entry::new(op, &format!("OP{op}")).with_format(letter));
            b.entries
                .push(Entry::new((op * 7 + 3) % 0x40, &format!("OP{op}")).with_format(letter));
        }
        let payload = Layout::new(2, vec![Field::new("len", 8, FieldKind::PayloadLength)]).unwrap();
        let wide = Layout::new(3, vec![Field::new("rd", 8, FieldKind::Register)]).unwrap();
        for t in [&mut a, &mut b] {
            t.formats.insert("P".into(), payload.clone());
            t.formats.insert("W".into(), wide.clone());
        }
        let mut jmp = Entry::new(0x46, "JMP").with_format("F");
        jmp.branch = Some("imm16".into());
        let mut opaque = Entry::new(0x42, "OPAQUE");
        opaque.size_bytes = Some(3);
        a.entries.extend([
            Entry::new(0x40, "REENC").with_format("F"),
            Entry::new(0x41, "PAY").with_format("P"),
            opaque.clone(),
            Entry::new(0x43, "TOIMM").with_format("B"),
            Entry::new(0xFF01, "WIDE").with_format("W"),
            Entry::new(0x44, "GONE").with_format("B"),
            Entry::new(0x45, "GROWS").with_format("D"),
            jmp.clone(),
        ]);
        jmp.opcode = 0x56;
        opaque.opcode = 0x52;
        b.entries.extend([
            Entry::new(0x50, "REENC").with_format("E"),
            Entry::new(0x51, "PAY").with_format("P"),
            opaque,
            Entry::new(0x53, "TOIMM").with_format("C"),
            Entry::new(0xFF02, "WIDE").with_format("W"),
            Entry::new(0x55, "GROWS").with_format("F"),
            jmp,
        ]);
        (a, b)
    }

    fn translator() -> Translator {
        let (a, b) = tables();
        Translator::new(&a, &b, &TranslateOptions::new())
    }

    /// The single walk this path replaced, kept as the oracle.
    fn plain_walk(t: &Translator, input: &[u8], out: &mut [u8]) -> Option<Stats> {
        let n = input.len();
        let (mut pos, mut count) = (0, 0);
        while pos < n {
            let e = t.fast[usize::from(input[pos])];
            let size = (e >> 8) as usize;
            if size != 0 && size <= n - pos {
                out[pos] = e as u8;
                pos += size;
                count += 1;
                continue;
            }
            let d = t.decode_at(input, pos).ok()?;
            let (m, len) = t.target_of(input, pos, &d).ok()?;
            if len != d.len {
                return None;
            }
            let end = pos + len;
            t.encode(
                &d,
                m,
                &input[pos..end],
                &mut out[pos..end],
                (end, end),
                &|_, _, target| Ok(target),
            )
            .ok()?;
            pos = end;
            count += 1;
        }
        Some(Stats {
            instructions: count,
            bytes_in: n,
            bytes_out: n,
            branches_fixed: 0,
            same_size: true,
        })
    }

    /// A program of mostly renumbered instructions; `spice` (0–5) mixes in the slower kinds: at
    /// 1–3 ones that keep their size, at 4 also a growing one and branches (so the two-pass
    /// mode runs), at 5 also failing ones (non-zero dropped operands, missing, unknown).
    fn program(seed: u64, len: usize, spice: u8) -> Vec<u8> {
        let mut state = seed | 1;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let sizes = [1usize, 2, 2, 3, 4, 4, 5];
        let mut out = Vec::with_capacity(len + 8);
        while out.len() < len {
            let r = next();
            let special = spice > 0 && r % 64 < u64::from(spice) * 2;
            if !special {
                let op = (r >> 8) % 0x40;
                out.push(op as u8);
                for i in 1..sizes[op as usize % 7] {
                    out.push((r >> (16 + 4 * i)) as u8);
                }
                continue;
            }
            let kinds = [4, 4, 4, 4, 6, 9][usize::from(spice)];
            match (r >> 8) % kinds {
                // REENC with imm16 = 0 (else the dropped operand fails).
                0 => out.extend_from_slice(&[0x40, (r >> 20) as u8, 0, 0]),
                1 => {
                    let n = (r >> 20) as u8 % 6;
                    out.extend_from_slice(&[0x41, n]);
                    out.extend((0..n).map(|i| i.wrapping_mul(37)));
                }
                2 => out.extend_from_slice(&[0x42, (r >> 20) as u8, (r >> 28) as u8]),
                3 => out.extend_from_slice(&[0xFF, 0x01, (r >> 20) as u8]),
                4 => out.extend_from_slice(&[0x45, 1, 2]),
                // JMP over a growing instruction, or (at 5) anywhere near.
                5 if spice < 5 => out.extend_from_slice(&[0x46, 0, 3, 0, 0x45, 1, 2]),
                5 => out.extend_from_slice(&[0x46, 0, (r >> 20) as u8 % 8, 0]),
                6 => out.extend_from_slice(&[0x43, (r >> 20) as u8 & 1]),
                7 => out.extend_from_slice(&[0x44, 0]),
                _ => out.push(0x47 + (r >> 20) as u8 % 0xB0),
            }
        }
        out
    }

    /// Same result as the plain walk, cut every `segment` bytes (`None`: as in production);
    /// the output bytes only matter when the path succeeds (else the two-pass mode rewrites
    /// them).
    fn agrees(t: &Translator, input: &[u8], segment: Option<usize>) -> Result<(), String> {
        let mut want = input.to_vec();
        let expected = plain_walk(t, input, &mut want);
        let mut got = input.to_vec();
        let actual = t.same_size_in(input, &mut got, segment);
        if actual != expected {
            return Err(format!(
                "segment {segment:?}: {actual:?}, plain walk {expected:?}"
            ));
        }
        if expected.is_some() && got != want {
            let at = got.iter().zip(&want).position(|(x, y)| x != y).unwrap();
            return Err(format!(
                "segment {segment:?}: bytes differ from offset {at}"
            ));
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn chains_agree_with_one_walk(
            seed in any::<u64>(),
            len in 0usize..3000,
            spice in 0u8..6,
            segment in 1usize..400,
        ) {
            let t = translator();
            let input = program(seed, len, spice);
            prop_assert_eq!(agrees(&t, &input, Some(segment)), Ok(()));
            prop_assert_eq!(agrees(&t, &input, None), Ok(()));
        }

        #[test]
        fn chains_agree_on_arbitrary_bytes(
            bytes in proptest::collection::vec(any::<u8>(), 0..600),
            segment in 1usize..200,
        ) {
            prop_assert_eq!(agrees(&translator(), &bytes, Some(segment)), Ok(()));
        }
    }

    /// The same translator with every shortcut off: no fast steps, no plain copies — every
    /// instruction decoded, mapped and encoded by the general code.
    fn general_only(t: &Translator) -> Translator {
        let mut g = t.clone();
        for (b, e) in g.fast.iter_mut().enumerate() {
            *e = b as u32;
        }
        g.plain = Box::new([false; 256]);
        g.max_fast = 0;
        g
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// Both modes, shortcuts and all, give what the general encoder gives: the same bytes
        /// and totals, or the same error.
        #[test]
        fn shortcuts_change_nothing(seed in any::<u64>(), len in 0usize..3000, spice in 0u8..6) {
            let t = translator();
            let input = program(seed, len, spice);
            let fast = t.translate(&input);
            let general = general_only(&t).translate(&input);
            prop_assert_eq!(&fast, &general);
        }
    }

    #[test]
    fn the_generator_reaches_both_modes() {
        let t = translator();
        let (mut same, mut resized, mut branches, mut failed) = (0, 0, 0, 0);
        for seed in 1..100 {
            match t.translate(&program(seed, 2000, 4 + (seed % 2) as u8)) {
                Ok(r) if r.stats.same_size => same += 1,
                Ok(r) => {
                    resized += 1;
                    branches += r.stats.branches_fixed;
                }
                Err(_) => failed += 1,
            }
        }
        assert!(
            resized > 20 && branches > 20 && failed > 20,
            "{same} {resized} {branches} {failed}"
        );
    }

    #[test]
    fn a_decode_error_wins_over_an_earlier_mapping_error() {
        // GONE (no counterpart) at 0, then an unknown opcode at 2: the decode error is
        // reported, as it was before pass 1 held mapping errors back.
        let t = translator();
        let err = t.translate(&[0x44, 0, 0xEE]).unwrap_err();
        assert_eq!(err.offset, 2);
        assert!(matches!(
            err.kind,
            ErrorKind::UnknownOpcode { opcode: 0xEE, .. }
        ));
        let err = t.translate(&[0x44, 0, 0x00]).unwrap_err();
        assert_eq!(err.offset, 0);
        assert!(matches!(err.kind, ErrorKind::NoCounterpart { .. }));
    }

    #[test]
    fn walks_that_never_meet_are_undone() {
        // 4-byte instructions after one 1-byte instruction: a guess at a multiple of 4 is out
        // of phase forever, so the stitch gives up on it after MAX_MISSES steps.
        let t = translator();
        // Operands equal to the opcode make every byte look like the start of a 4-byte
        // instruction, so the guessed walk never drifts into phase.
        let e_op = 4u8; // letter E
        let mut input = vec![0u8]; // letter A
        while input.len() < 40_000 {
            input.extend_from_slice(&[e_op; 4]);
        }
        for segment in [40, 4_000, 4_001, 4_002, 4_003, 10_000] {
            assert_eq!(agrees(&t, &input, Some(segment)), Ok(()));
        }
        assert_eq!(agrees(&t, &input, None), Ok(()));
        // And through the public entry point, against the two-pass mode.
        let fast = t.translate(&input).unwrap();
        let mut slow = Vec::new();
        t.two_pass(&input, &mut slow).unwrap();
        assert_eq!(fast.bytes, slow);
        assert_eq!(fast.stats.instructions, 1 + (input.len() - 1) / 4);
    }

    #[test]
    fn large_programs_match_the_two_pass_mode() {
        let t = translator();
        for (seed, spice) in [(1, 0), (2, 1), (3, 3)] {
            let input = program(seed, 100_000, spice);
            assert!(input.len() >= CHAINS * MIN_SEGMENT);
            let fast = t.translate(&input).unwrap();
            assert!(fast.stats.same_size);
            let mut slow = Vec::new();
            let (stats, _) = t.two_pass(&input, &mut slow).unwrap();
            assert_eq!(fast.bytes, slow, "seed {seed}");
            assert_eq!(fast.stats.instructions, stats.instructions);
        }
        // An unknown opcode deep in the last segment is reported where it is.
        let mut input = program(4, 100_000, 0);
        let at = t.decode(&input).unwrap()[20_000].offset;
        input[at] = 0xEE;
        let err = t.translate(&input).unwrap_err();
        assert_eq!(err.offset, at);
        assert!(matches!(
            err.kind,
            ErrorKind::UnknownOpcode { opcode: 0xEE, .. }
        ));
    }
}
