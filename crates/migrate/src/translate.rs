//! Bytecode translation from one numbering to another.
//!
//! A [`Translator`] is compiled once from a source table, a target table and
//! [`TranslateOptions`]; it then rewrites any number of programs. Both tables must be decodable
//! by [`isa_core::undecodable`] — every opcode encodable, no opcode's bytes a prefix of another's,
//! no number given to two instructions — and [`Translator::new`] refuses them otherwise with
//! `check`'s own conflicts ([`Undecodable`]), because bytes read from or written for such a table
//! would be a guess.
//!
//! Everything the translator knows of an instruction comes from the core's one resolve step
//! ([`isa_core::resolve`](fn@isa_core::resolve)): its opcode bytes ([`OpBytes`]: one byte, an escape page such as
//! `ff 05`, or a fixed 1–4-byte opcode in either byte order) and its operand facts. Decoding looks
//! up the source table's actual opcode bytes — a 256-entry table for the first byte, one page per
//! lead byte of longer opcodes for the second, a sorted list for the rest — and encoding writes the
//! target table's bytes. The operands follow the opcode bytes: a full layout's fields in order (the
//! fixed part is the opcode bytes plus the field bytes), or, where a table gives only
//! `size_bytes`, `size − opcode bytes` opaque bytes; an instruction with neither cannot be decoded
//! or encoded ([`ErrorKind::NoLayout`]).
//!
//! Compilation turns every source opcode into a *rule*: which target instruction it becomes
//! (matched by identity: the mnemonic's [`Aliases::key`], never the number) and how its operands
//! travel. Where the two sides' operand facts agree by the core's one comparison rule
//! ([`isa_core::compare`]) the operand bytes are copied as they are — between two equal layouts,
//! and between a size-only entry and anything of the same operand size — so translation and
//! `check`/`diff`/`migrate plan` can never disagree about which instructions keep their operands.
//! Where they differ, two layouts are re-encoded field by field, and a size-only side makes the
//! instruction untranslatable ([`ErrorKind::OpaqueResize`]): opaque bytes cannot be re-encoded.
//! Fields are paired by role, in order — registers with registers; immediates, signed immediates
//! and relative offsets with each other; payload lengths with payload lengths — so a two-register
//! `[op][rd][rs1]` becomes a three-register `[op][rd][rs1][rs2]` with `rs2 = 0`, and the reverse
//! drops `rs2` only when it is 0. Values keep their meaning: a field's raw bits are read as an
//! unsigned or (for signed immediates and offsets) a two's-complement number, and the number must
//! fit the target field, or translation stops with an error.
//!
//! Relative branches are offsets from the end of the instruction (the FLUX convention); a field
//! is one when its kind is `rel` or when the entry names it in `branch` (on either side: then both
//! sides' bits are a signed offset). When every instruction keeps its size, offsets are left as
//! they are. When sizes change, translation takes two passes — first every instruction's new
//! position, then the encoding with each offset recomputed from the source instruction it pointed
//! at — and an offset that does not land on an instruction boundary (or the end of the program)
//! is an error rather than a silent guess.
//!
//! The hot path is built for throughput: for each first byte a packed 32-bit word says "write
//! this new opcode byte and skip this many bytes" when a one-byte opcode becomes a one-byte opcode
//! and the operands are copied; the output starts as a copy of the input, so such an instruction
//! costs one table load and one byte store. One walk is still a chain of dependent loads (where an
//! instruction starts depends on the size of the one before), so a large program is walked in
//! four segments at once, each but the first from a guessed start, and the true walk is then
//! stitched across the cuts: it keeps a segment's work from the first instruction start the two
//! walks share (from there they are the same walk) and copies back the bytes of the guesses before
//! it; when the two never meet it starts again from where the true walk is, with cuts in phase
//! with it. Anything else — payloads, multi-byte opcodes, re-encoded operands — goes through the
//! general encoder in place; if any instruction changes size, the translation restarts in the
//! two-pass mode, which copies runs of renumber-only instructions whole and decodes only the rest.
//! Errors are always those of the general two-pass code (decode errors first, in stream order,
//! then mapping errors, then encode errors), so no shortcut changes what is reported; the unit
//! tests below hold every shortcut to the general code byte for byte.

use std::collections::BTreeMap;
use std::fmt;

use isa_core::resolve::{self, Facts, ResolveOptions};
use isa_core::{
    compare, Agreement, Aliases, CheckOptions, Conflict, Encoding, Endian, Entry, FieldKind,
    OpBytes, Scheme, Status, Table,
};

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

/// Which table of a translation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The table the bytecode is in (`--from`).
    Source,
    /// The table it is translated to (`--to`).
    Target,
}

impl Side {
    /// `source` or `target`.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Source => "source",
            Side::Target => "target",
        }
    }
}

/// Why a [`Translator`] cannot be compiled: one table's bytecode cannot be decoded
/// unambiguously. `problems` are exactly the conflicts [`isa_core::undecodable`] returns —
/// `check`'s `encoding-ambiguity` and `duplicate-opcode` findings, with `check`'s messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undecodable {
    /// Which table.
    pub side: Side,
    /// Its implementation name.
    pub table: String,
    /// The conflicts that make it undecodable (never empty).
    pub problems: Vec<Conflict>,
}

impl fmt::Display for Undecodable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the {} table {} cannot be decoded unambiguously ({} problem{}; `check` reports the same)",
            self.side.as_str(),
            self.table,
            self.problems.len(),
            if self.problems.len() == 1 { "" } else { "s" }
        )?;
        for c in &self.problems {
            write!(f, "; [{}] {}", c.kind, c.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for Undecodable {}

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
    fn range(&self, signed: bool) -> (i128, i128) {
        let bits = u32::from(self.place.bits);
        if signed {
            (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
        } else {
            (0, (1i128 << bits) - 1)
        }
    }

    fn value(&self, instr: &[u8], signed: bool) -> i128 {
        let raw = bits::read(instr, self.place);
        let bits = u32::from(self.place.bits);
        if signed && bits < 64 && raw >> (bits - 1) & 1 == 1 {
            i128::from(raw) - (1i128 << bits)
        } else if signed && bits == 64 {
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

/// A resolved instruction's operands, compiled for decoding and encoding.
#[derive(Debug, Clone)]
struct Shape {
    /// Size of the fixed part in bytes, opcode bytes included (the resolved size).
    fixed: usize,
    /// Length of the opcode bytes.
    opcode_len: usize,
    /// The layout's fields, placed after the opcode bytes (none for a size-only entry, whose
    /// operand bytes are opaque).
    fields: Vec<CField>,
    /// Index of the payload-length field.
    length: Option<usize>,
}

impl Shape {
    /// The shape of a resolved instruction; `None` when nothing is known of its operands (or
    /// its number cannot be encoded, which a decodable table rules out).
    fn of(inst: &resolve::Instruction) -> Option<Shape> {
        let opcode_len = inst.opcode_len()?;
        let fixed = inst.size()? as usize;
        let mut fields = Vec::new();
        if let Facts::Layout(layout) = inst.facts {
            // The fields follow the real opcode bytes, whatever width the layout's own size
            // leaves for the opcode: resolve sizes the instruction as opcode bytes + fields.
            let mut offset = 8 * opcode_len as u32;
            let branch = inst.entry.branch.as_deref();
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
        }
        let length = fields.iter().position(|f| f.role == Role::Length);
        Some(Shape {
            fixed,
            opcode_len,
            fields,
            length,
        })
    }
}

/// How a source instruction becomes a target instruction.
#[derive(Debug, Clone)]
struct Mapping {
    opcode: u32,
    /// The target's opcode bytes.
    bytes: OpBytes,
    mnemonic: String,
    shape: Shape,
    /// For each target field: the source field it takes its value from (`None`: 0, or the
    /// payload length), and whether the pair is a relative branch (either side says so).
    sources: Vec<(Option<usize>, bool)>,
    /// Source fields without a target field: they must be 0.
    dropped: Vec<usize>,
    /// The operand facts agree by [`isa_core::compare`]: the operand bytes encode the same
    /// operands the same way, so they travel unchanged (only relative offsets may move).
    copies: bool,
    /// `copies` with no relative branch on either side: the operand bytes and any payload are
    /// copied as they are wherever the instruction lands.
    raw: bool,
    /// `copies`, one opcode byte on both sides and no payload: only the opcode byte changes,
    /// so the same-size path writes that byte and nothing else.
    fast: bool,
    /// `fast` and `raw`: the general encoder would write exactly the source bytes with the new
    /// opcode wherever the instruction lands, so the two-pass mode copies them.
    plain: bool,
}

/// One source opcode.
#[derive(Debug, Clone)]
struct Rule {
    mnemonic: String,
    opcode: u32,
    bytes: OpBytes,
    src: Result<Shape, ErrorKind>,
    map: Result<Mapping, ErrorKind>,
}

/// What happens to one source instruction, as reported by [`Translator::coverage`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Same opcode bytes, operands copied: the bytes do not change.
    Unchanged,
    /// Only the opcode bytes change (another number, or another width: moved onto an escape
    /// page, or a wider fixed opcode); the operand bytes are copied. `same_size` is false when
    /// the opcode width changes (branch offsets around it are then recomputed).
    Renumbered {
        /// True when the instruction keeps its size.
        same_size: bool,
    },
    /// The operands are re-encoded field by field (the layouts differ); `same_size` says
    /// whether the instruction keeps its size.
    Reencoded {
        /// True when the instruction keeps its size.
        same_size: bool,
    },
    /// Bytecode using this instruction cannot be translated; the kind says why (its `Display`
    /// is the sentence an error would print).
    Untranslatable(ErrorKind),
}

impl Outcome {
    /// Whether the instruction keeps its size (`None` when it cannot be translated).
    pub fn same_size(&self) -> Option<bool> {
        match self {
            Outcome::Unchanged => Some(true),
            Outcome::Renumbered { same_size } | Outcome::Reencoded { same_size } => {
                Some(*same_size)
            }
            Outcome::Untranslatable(_) => None,
        }
    }

    /// Translation's verdict on the instruction's operand layout, in the terms of
    /// [`isa_core::compare`]: `Same` when its operand bytes are copied (unchanged or
    /// renumbered), `Differs` when they must be re-encoded or cannot be (a size-only side whose
    /// size differs), `Unknown` when one side's layout is unknown. `None` when there is nothing
    /// to compare: the target has no such instruction, or the source gives one number two
    /// layouts.
    pub fn layout_agreement(&self) -> Option<Agreement> {
        match self {
            Outcome::Unchanged | Outcome::Renumbered { .. } => Some(Agreement::Same),
            Outcome::Reencoded { .. } => Some(Agreement::Differs),
            Outcome::Untranslatable(ErrorKind::OpaqueResize { .. }) => Some(Agreement::Differs),
            Outcome::Untranslatable(ErrorKind::NoLayout { .. }) => Some(Agreement::Unknown),
            Outcome::Untranslatable(_) => None,
        }
    }
}

/// One source instruction in [`Translator::coverage`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleInfo {
    /// The source mnemonic as the source table spells it.
    pub mnemonic: String,
    /// Source opcode.
    pub from: u32,
    /// Source opcode bytes.
    pub from_bytes: OpBytes,
    /// Target opcode, when there is a counterpart.
    pub to: Option<u32>,
    /// Target opcode bytes, when there is a counterpart.
    pub to_bytes: Option<OpBytes>,
    /// What translation does with it.
    pub outcome: Outcome,
}

/// Why one instruction cannot be translated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ErrorKind {
    /// No source instruction has these opcode bytes.
    #[error("unknown opcode 0x{opcode:02X}: {table} has no instruction with this number")]
    UnknownOpcode {
        /// The bytes a decoder takes for the opcode (the source table's fixed width, or the run
        /// of bytes that begins some opcode plus one), read as a number.
        opcode: u32,
        /// Source implementation.
        table: String,
    },
    /// The input ends inside the instruction.
    #[error("truncated instruction: it needs {needed} bytes, only {available} remain")]
    Truncated {
        /// Bytes the instruction needs (its opcode, fixed part, plus payload when known).
        needed: usize,
        /// Bytes left in the input.
        available: usize,
    },
    /// Entries of one instruction share a source number but give it different operand facts,
    /// so the bytes after the opcode cannot be decoded.
    #[error("opcode 0x{opcode:02X} is ambiguous in {table}: {names}")]
    Ambiguous {
        /// The number.
        opcode: u32,
        /// Source implementation.
        table: String,
        /// The competing entries (mnemonic and layout), comma-separated.
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
    /// One side knows only the size, and the operands do not match.
    #[error("{mnemonic}: only the size is known on one side and {}, so its operands cannot be re-encoded", if *.payload { "the other side carries a payload".to_string() } else { format!("its operand bytes change ({from} → {to} bytes)") })]
    OpaqueResize {
        /// Mnemonic.
        mnemonic: String,
        /// Source operand bytes (the fixed part after the opcode).
        from: usize,
        /// Target operand bytes.
        to: usize,
        /// True when one side is a variable-length (payload) layout.
        payload: bool,
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
    /// Where each source instruction starts in the target, when sizes changed (else offsets
    /// are unchanged).
    starts: Option<StartMap>,
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
            Some(starts) => starts.target_of(source),
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
    /// Source opcode number (`0xFF05` for the bytes `ff 05` of an escape page).
    pub opcode: u32,
    /// The opcode bytes as they appear in the input.
    pub opcode_bytes: OpBytes,
    /// Source mnemonic.
    pub mnemonic: String,
}

/// Instruction starts when sizes changed; `None` when offsets are unchanged.
type Starts = Option<StartMap>;

/// Where every source instruction starts, and where it starts in the target: the relocation
/// map of a size-changing translation, in memory bounded per 64-byte block of input rather
/// than per instruction.
///
/// One bit per source byte marks the source starts, one bit per target byte the target starts,
/// and each 64-byte block of the source (one word of its bits) records the target offset of
/// its first start. The `k`-th start of a block lands at the `k`-th target start from there —
/// instructions keep their order — so a lookup is a popcount in the source word and a select
/// in the target bits. That is a quarter of a byte per source byte plus an eighth per target
/// byte, against 16 bytes per instruction for a list of `(source, target)` pairs (about 5 bytes
/// per byte of typical bytecode).
#[derive(Debug, Clone, PartialEq, Eq)]
struct StartMap {
    len: usize,
    total: usize,
    source: Vec<u64>,
    target: Vec<u64>,
    /// Per source block: the target offset of its first start (of the next start, for a block
    /// holding none).
    base: Vec<usize>,
    count: usize,
}

impl StartMap {
    fn new(len: usize) -> StartMap {
        StartMap {
            len,
            total: 0,
            source: vec![0; len / 64 + 1],
            target: Vec::new(),
            base: Vec::with_capacity(len / 64 + 1),
            count: 0,
        }
    }

    /// Records an instruction at `source` that starts at `target`; calls come in order.
    fn push(&mut self, source: usize, target: usize) {
        self.source[source / 64] |= 1 << (source % 64);
        let word = target / 64;
        if word >= self.target.len() {
            // Grown by doubling, like a Vec, so the total cost stays linear.
            let want = (word + 1).max(self.target.len() * 2);
            self.target.resize(want, 0);
        }
        self.target[word] |= 1 << (target % 64);
        while self.base.len() <= source / 64 {
            self.base.push(target);
        }
        self.count += 1;
    }

    fn finish(&mut self, total: usize) {
        self.total = total;
        self.target.truncate(total / 64 + 1);
        self.target.shrink_to_fit();
    }

    /// The target start of the instruction starting at `source`; the target's end for the
    /// source's end; `None` inside an instruction or past the end.
    fn target_of(&self, source: usize) -> Option<usize> {
        if source == self.len {
            return Some(self.total);
        }
        if source > self.len {
            return None;
        }
        let word = self.source[source / 64];
        if word & (1 << (source % 64)) == 0 {
            return None;
        }
        // Starts before `source` in its block.
        let mut k = (word & ((1u64 << (source % 64)) - 1)).count_ones();
        let base = *self.base.get(source / 64)?;
        let mut w = base / 64;
        let mut bits = *self.target.get(w)? & (u64::MAX << (base % 64));
        loop {
            let c = bits.count_ones();
            if k < c {
                for _ in 0..k {
                    bits &= bits - 1;
                }
                return Some(w * 64 + bits.trailing_zeros() as usize);
            }
            k -= c;
            w += 1;
            bits = *self.target.get(w)?;
        }
    }
}

/// Decoding-table entries below `PAGE` are rule indices.
const PAGE: u32 = 1 << 31;
/// No opcode starts with these bytes.
const NONE: u32 = u32::MAX;
/// Longer opcodes start with these two bytes: look them up in `long`.
const SEARCH: u32 = u32::MAX - 1;

/// A compiled source → target translation (see the module docs).
#[derive(Debug, Clone)]
pub struct Translator {
    from: String,
    to: String,
    /// The source table's encoding, to name bytes that are no opcode.
    encoding: Encoding,
    rules: Vec<Rule>,
    /// First byte → rule index (a one-byte opcode), `PAGE | k` (a longer opcode: the second
    /// byte is looked up in `pages[k]`), or [`NONE`].
    first: Box<[u32; 256]>,
    /// Second byte → rule index (a two-byte opcode), [`SEARCH`] or [`NONE`].
    pages: Vec<[u32; 256]>,
    /// Three- and four-byte opcodes, sorted by bytes.
    long: Vec<(OpBytes, u32)>,
    /// The source encoding's escape prefixes, as bytes.
    escapes: Vec<OpBytes>,
    /// First byte → `size << 8 | new opcode` for [`Mapping::fast`] rules; for any other byte,
    /// the byte itself (size 0: not a fast step, and "rewriting" it leaves it as it is).
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

fn layout_why(table: &Table, letter: Option<&str>, scheme: &Scheme) -> String {
    match letter {
        Some(letter) => format!(
            "format letter `{letter}` is declared neither by {} nor by the {} scheme, and no size_bytes",
            table.implementation, scheme.name
        ),
        None => "no format letter and no size_bytes".to_string(),
    }
}

fn no_layout(table: &Table, inst: &resolve::Instruction, scheme: &Scheme) -> ErrorKind {
    let letter = match inst.facts {
        Facts::Unknown(letter) => letter,
        _ => inst.entry.format.as_deref(),
    };
    ErrorKind::NoLayout {
        mnemonic: inst.entry.mnemonic.clone().unwrap_or_default(),
        table: table.implementation.clone(),
        why: layout_why(table, letter, scheme),
    }
}

/// Target instructions by identity, with their opcode bytes.
type Targets<'t> = BTreeMap<&'t str, (&'t resolve::Instruction<'t>, OpBytes)>;

impl Translator {
    /// Compiles the translation from `from` to `to`.
    ///
    /// Fails only when a table cannot be decoded unambiguously (see [`Undecodable`]). Any other
    /// problem with one instruction (no counterpart, unknown layout, operands that cannot be
    /// carried) is an error only when a program uses that instruction; [`Translator::coverage`]
    /// lists them all.
    pub fn new(
        from: &Table,
        to: &Table,
        options: &TranslateOptions,
    ) -> Result<Translator, Undecodable> {
        let aliases = &options.aliases;
        for (side, table, scheme) in [
            (Side::Source, from, &options.from_scheme),
            (Side::Target, to, &options.to_scheme),
        ] {
            let check = CheckOptions {
                aliases: aliases.clone(),
                scheme: scheme.clone(),
                hint_limit: 0,
            };
            let problems = isa_core::undecodable(table, &check);
            if !problems.is_empty() {
                return Err(Undecodable {
                    side,
                    table: table.implementation.clone(),
                    problems,
                });
            }
        }
        let source = isa_core::resolve(from, &ResolveOptions::new(&options.from_scheme, aliases));
        let target = isa_core::resolve(to, &ResolveOptions::new(&options.to_scheme, aliases));

        // Target instructions by identity; the lowest number wins for duplicates, as in the
        // diff. (A decodable table encodes every instruction, so none is skipped.)
        let mut targets: Targets = BTreeMap::new();
        for t in target.instructions.iter().filter(|i| present(i.entry)) {
            let Ok(bytes) = t.bytes else { continue };
            targets
                .entry(t.key.as_str())
                .and_modify(|old| {
                    if (t.opcode, &t.entry.format) < (old.0.opcode, &old.0.entry.format) {
                        *old = (t, bytes);
                    }
                })
                .or_insert((t, bytes));
        }
        // Source instructions by number and bytes, in table order within each. Equal bytes
        // mean equal numbers, and in a decodable table one identity.
        let mut groups: BTreeMap<(u32, OpBytes), Vec<&resolve::Instruction>> = BTreeMap::new();
        for s in source.instructions.iter().filter(|i| present(i.entry)) {
            if let Ok(bytes) = s.bytes {
                groups.entry((s.opcode, bytes)).or_default().push(s);
            }
        }

        let mut rules = Vec::with_capacity(groups.len());
        for (&(opcode, bytes), group) in &groups {
            let inst = group[0];
            let (src, map) = match Self::source_shape(from, group, &options.from_scheme) {
                Err(e) => (Err(e.clone()), Err(e)),
                Ok((shape, known)) => {
                    let map = Self::mapping(known, &shape, to, &targets, options);
                    (Ok(shape), map)
                }
            };
            rules.push(Rule {
                mnemonic: inst.entry.mnemonic.clone().unwrap_or_default(),
                opcode,
                bytes,
                src,
                map,
            });
        }

        // Decoding tables over the actual opcode bytes. The source is prefix-free (checked
        // above), so a byte that begins a longer opcode is never an opcode itself.
        let mut first = Box::new([NONE; 256]);
        let mut pages: Vec<[u32; 256]> = Vec::new();
        let mut long = Vec::new();
        for (index, rule) in rules.iter().enumerate() {
            let index = index as u32;
            let b = rule.bytes.as_slice();
            let lead = usize::from(b[0]);
            if b.len() == 1 {
                first[lead] = index;
                continue;
            }
            let page = if first[lead] != NONE && first[lead] & PAGE != 0 {
                (first[lead] & !PAGE) as usize
            } else {
                pages.push([NONE; 256]);
                first[lead] = PAGE | (pages.len() - 1) as u32;
                pages.len() - 1
            };
            if b.len() == 2 {
                pages[page][usize::from(b[1])] = index;
            } else {
                pages[page][usize::from(b[1])] = SEARCH;
                long.push((rule.bytes, index));
            }
        }
        long.sort_unstable();
        // An escape's bytes are those of any instruction number on its page without the last
        // byte; the core's encoder says what they are (a sub-opcode that is itself a nested
        // escape has no bytes, so the first one that encodes is taken).
        let escapes = from
            .encoding
            .escape_list()
            .iter()
            .filter_map(|&e| (0..=0xFF).find_map(|sub| from.encoding.encode(e << 8 | sub).ok()))
            .map(|b| OpBytes::new(&b.as_slice()[..b.len() - 1]))
            .collect();

        let mut fast = Box::new([0u32; 256]);
        let mut plain = Box::new([false; 256]);
        for rule in &rules {
            if let (1, Ok(src), Ok(m)) = (rule.bytes.len(), &rule.src, &rule.map) {
                if m.fast {
                    let b = usize::from(rule.bytes.as_slice()[0]);
                    fast[b] = ((src.fixed as u32) << 8) | u32::from(m.bytes.as_slice()[0]);
                    plain[b] = m.plain;
                }
            }
        }
        for (b, e) in fast.iter_mut().enumerate() {
            if *e >> 8 == 0 {
                *e = b as u32;
            }
        }
        let max_fast = fast.iter().map(|e| (e >> 8) as usize).max().unwrap_or(0);
        Ok(Translator {
            from: from.implementation.clone(),
            to: to.implementation.clone(),
            encoding: from.encoding.clone(),
            rules,
            first,
            pages,
            long,
            escapes,
            fast,
            plain,
            max_fast,
        })
    }

    /// The decoding shape of the source instructions at one opcode. A table may list one
    /// instruction twice: what the listings know must agree (a listing that knows nothing
    /// contradicts nothing, as in [`isa_core::compare`]), else the bytes after the opcode are
    /// ambiguous.
    fn source_shape<'g>(
        from: &Table,
        group: &[&'g resolve::Instruction<'g>],
        scheme: &Scheme,
    ) -> Result<(Shape, &'g resolve::Instruction<'g>), ErrorKind> {
        let known: Vec<&resolve::Instruction> = group
            .iter()
            .copied()
            .filter(|i| i.fact_key().is_some())
            .collect();
        let Some(&inst) = known.first() else {
            return Err(no_layout(from, group[0], scheme));
        };
        if known[1..]
            .iter()
            .any(|other| compare(inst, other) == Agreement::Differs)
        {
            let names: Vec<String> = known
                .iter()
                .map(|i| {
                    format!(
                        "{} ({})",
                        i.entry.mnemonic.as_deref().unwrap_or_default(),
                        i.layout_text().unwrap_or_default()
                    )
                })
                .collect();
            return Err(ErrorKind::Ambiguous {
                opcode: inst.opcode,
                table: from.implementation.clone(),
                names: names.join(", "),
            });
        }
        let shape = Shape::of(inst).ok_or_else(|| no_layout(from, inst, scheme))?;
        Ok((shape, inst))
    }

    fn mapping(
        inst: &resolve::Instruction,
        src: &Shape,
        to: &Table,
        targets: &Targets,
        options: &TranslateOptions,
    ) -> Result<Mapping, ErrorKind> {
        let &(target, bytes) =
            targets
                .get(inst.key.as_str())
                .ok_or_else(|| ErrorKind::NoCounterpart {
                    key: inst.key.clone(),
                    table: to.implementation.clone(),
                })?;
        let tmnemonic = target.entry.mnemonic.clone().unwrap_or_default();
        let shape = Shape::of(target).ok_or_else(|| no_layout(to, target, &options.to_scheme))?;
        // The one comparison rule decides whether the operands travel unchanged.
        let copies = compare(inst, target) == Agreement::Same;
        let layouts = inst.layout().is_some() && target.layout().is_some();
        if !copies && !layouts {
            return Err(ErrorKind::OpaqueResize {
                mnemonic: inst.entry.mnemonic.clone().unwrap_or_default(),
                from: src.fixed - src.opcode_len,
                to: shape.fixed - shape.opcode_len,
                payload: src.length.is_some() || shape.length.is_some(),
            });
        }
        let relative = src
            .fields
            .iter()
            .chain(&shape.fields)
            .any(|f| f.role == Role::Relative);
        // A size-only side has no fields to pair, so equal operand bytes are copied even when
        // the other side names a branch.
        let raw = copies && (!layouts || !relative);
        let (sources, dropped) = if raw {
            (Vec::new(), Vec::new())
        } else {
            let mut used = vec![false; src.fields.len()];
            let sources: Vec<(Option<usize>, bool)> = shape
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
                    let relative = tf.role == Role::Relative
                        || found.is_some_and(|i| src.fields[i].role == Role::Relative);
                    (found, relative)
                })
                .collect();
            // A source payload length is dealt with as a payload, not as an operand.
            let dropped = (0..src.fields.len())
                .filter(|&i| !used[i] && src.fields[i].role != Role::Length)
                .collect();
            (sources, dropped)
        };
        let fast = copies && src.opcode_len == 1 && shape.opcode_len == 1 && src.length.is_none();
        Ok(Mapping {
            opcode: target.opcode,
            bytes,
            mnemonic: tmnemonic,
            shape,
            sources,
            dropped,
            copies,
            raw,
            fast,
            plain: fast && raw,
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
                let (to, to_bytes, outcome) = match (&r.src, &r.map) {
                    (Err(e), _) | (_, Err(e)) => (None, None, Outcome::Untranslatable(e.clone())),
                    (Ok(src), Ok(m)) => {
                        let same_size = src.fixed == m.shape.fixed;
                        let outcome = if m.copies && m.bytes == r.bytes {
                            Outcome::Unchanged
                        } else if m.copies {
                            Outcome::Renumbered { same_size }
                        } else {
                            Outcome::Reencoded { same_size }
                        };
                        (Some(m.opcode), Some(m.bytes), outcome)
                    }
                };
                RuleInfo {
                    mnemonic: r.mnemonic.clone(),
                    from: r.opcode,
                    from_bytes: r.bytes,
                    to,
                    to_bytes,
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

    /// The rule whose opcode bytes begin `rest` (non-empty), or [`NONE`].
    fn lookup(&self, rest: &[u8]) -> u32 {
        let e = self.first[usize::from(rest[0])];
        if e < PAGE {
            return e;
        }
        if e == NONE || rest.len() < 2 {
            return NONE;
        }
        let e = self.pages[(e & !PAGE) as usize][usize::from(rest[1])];
        if e != SEARCH {
            return e;
        }
        // Prefix-free: at most one length matches.
        for n in 3..=rest.len().min(4) {
            let key = OpBytes::new(&rest[..n]);
            if let Ok(i) = self.long.binary_search_by(|(b, _)| b.cmp(&key)) {
                return self.long[i].1;
            }
        }
        NONE
    }

    /// True when `prefix` begins some source opcode without being one, or is an escape prefix.
    fn begins_opcode(&self, prefix: &[u8]) -> bool {
        let p = OpBytes::new(prefix);
        if self.escapes.contains(&p) {
            return true;
        }
        let e = self.first[usize::from(prefix[0])];
        match prefix.len() {
            1 => e != NONE && e & PAGE != 0,
            2 => {
                e != NONE
                    && e & PAGE != 0
                    && self.pages[(e & !PAGE) as usize][usize::from(prefix[1])] == SEARCH
            }
            _ => {
                let i = self.long.partition_point(|(b, _)| *b < p);
                self.long
                    .get(i)
                    .is_some_and(|(b, _)| b.len() > p.len() && p.is_prefix_of(b))
            }
        }
    }

    /// Why no opcode matches at the start of `rest`: the bytes a decoder takes for the opcode
    /// (the source table's width under a fixed encoding; else the longest run that begins some
    /// opcode or is an escape prefix, plus one byte) are no instruction — or the input ends
    /// inside them.
    fn no_opcode(&self, rest: &[u8]) -> ErrorKind {
        let width = match &self.encoding {
            Encoding::Fixed { width, .. } => usize::from(*width),
            Encoding::Prefixed { .. } => {
                let mut k = 0;
                while k < 3 && k < rest.len() && self.begins_opcode(&rest[..=k]) {
                    k += 1;
                }
                k + 1
            }
        };
        if width > rest.len() {
            return ErrorKind::Truncated {
                needed: width,
                available: rest.len(),
            };
        }
        let bytes = &rest[..width];
        let opcode = match &self.encoding {
            Encoding::Fixed {
                endian: Endian::Little,
                ..
            } => bytes
                .iter()
                .rev()
                .fold(0u32, |v, &b| (v << 8) | u32::from(b)),
            _ => bytes.iter().fold(0u32, |v, &b| (v << 8) | u32::from(b)),
        };
        ErrorKind::UnknownOpcode {
            opcode,
            table: self.from.clone(),
        }
    }

    /// Decodes the instruction at `pos`: its rule and length (payload included).
    fn decode_at(&self, input: &[u8], pos: usize) -> Result<Decoded, TranslateError> {
        let rest = &input[pos..];
        let rule = self.lookup(rest);
        if rule == NONE {
            return Err(self.fail(input, pos, None, self.no_opcode(rest)));
        }
        let r = &self.rules[rule as usize];
        let shape = match &r.src {
            Ok(s) => s,
            Err(e) => {
                let d = Decoded {
                    rule,
                    len: r.bytes.len(),
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
        dst[..t.opcode_len].copy_from_slice(m.bytes.as_slice());
        if m.raw {
            // Equal operand facts: the operand bytes (and payload) are the same on both sides.
            dst[t.opcode_len..t.fixed + d.payload]
                .copy_from_slice(&src[shape.opcode_len..shape.fixed + d.payload]);
            return Ok(0);
        }
        for &i in &m.dropped {
            let sf = &shape.fields[i];
            let value = sf.value(src, sf.role.signed());
            if value != 0 {
                return Err(ErrorKind::DroppedOperand {
                    field: sf.name.clone(),
                    value,
                    mnemonic: m.mnemonic.clone(),
                    table: self.to.clone(),
                });
            }
        }
        let mut fixed = 0;
        for (tf, &(source, relative)) in t.fields.iter().zip(&m.sources) {
            let sf = source.map(|i| &shape.fields[i]);
            // A branch on either side makes both fields a signed offset.
            let signed = relative || tf.role.signed();
            let mut value = match sf {
                _ if tf.role == Role::Length => d.payload as i128,
                Some(sf) => sf.value(src, relative || sf.role.signed()),
                None => 0,
            };
            let name = sf.map_or(tf.name.as_str(), |s| s.name.as_str());
            if relative && sf.is_some() {
                let target = ends.0 as i128 + value;
                let new = reloc(name, value, target)? - ends.1 as i128;
                if new != value {
                    fixed += 1;
                }
                value = new;
            }
            let (min, max) = tf.range(signed);
            if value < min || value > max {
                return Err(ErrorKind::DoesNotFit {
                    field: name.to_string(),
                    value,
                    target_field: tf.name.clone(),
                    mnemonic: m.mnemonic.clone(),
                    table: self.to.clone(),
                    bits: tf.place.bits,
                    role: if relative {
                        Role::Relative.name()
                    } else {
                        tf.role.name()
                    },
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
                opcode_bytes: r.bytes,
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
        // Pass 1 records only where instructions start (the relocation map, see `StartMap`);
        // pass 2 walks again and decodes again where it needs to, which is cheaper than keeping
        // every decoded instruction of a large program in fresh memory.
        let n = input.len();
        let mut starts = StartMap::new(n);
        // A decode error anywhere wins over a mapping error, whichever comes first in the
        // stream: the first mapping error is held until the whole input has decoded.
        let mut mapping_error = None;
        let (mut pos, mut at) = (0usize, 0usize);
        while pos < n {
            let size = (self.fast[usize::from(input[pos])] >> 8) as usize;
            if size != 0 && size <= n - pos {
                // Renumbered only: it decodes, maps, and keeps its size.
                starts.push(pos, at);
                at += size;
                pos += size;
                continue;
            }
            let d = self.decode_at(input, pos)?;
            if mapping_error.is_none() {
                starts.push(pos, at);
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
        let total = at;
        starts.finish(total);
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
            match starts.target_of(target as usize) {
                Some(t) => Ok(t as i128),
                None => Err(fail(
                    "which is inside an instruction, not at its start".into(),
                )),
            }
        };
        let plain = |s: usize| self.plain[usize::from(input[s])];
        let fast_size = |s: usize| (self.fast[usize::from(input[s])] >> 8) as usize;
        let mut fixed = 0;
        let (mut s, mut t) = (0usize, 0usize);
        while s < n {
            if plain(s) {
                // A run of instructions the encoder would write as they are, with new opcodes
                // (see `Mapping::plain`): they keep their sizes (pass 1 checked that each fits),
                // so the run is one copy and then one opcode byte each.
                let mut end = s;
                while end < n && plain(end) {
                    end += fast_size(end);
                }
                out[t..t + (end - s)].copy_from_slice(&input[s..end]);
                let mut q = s;
                while q < end {
                    out[t + (q - s)] = self.fast[usize::from(input[q])] as u8;
                    q += fast_size(q);
                }
                t += end - s;
                s = end;
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
            s += d.len;
            t += len;
        }
        let stats = Stats {
            instructions: starts.count,
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
    use isa_core::{Field, Layout};
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
        Translator::new(&a, &b, &TranslateOptions::new()).unwrap()
    }

    /// The same pair with a fifth of the target's instructions moved onto escape page 0xFE,
    /// so renumbered instructions grow a byte (and the two-pass mode relocates around them).
    fn paged_translator() -> Translator {
        let (a, mut b) = tables();
        b.encoding = isa_core::Encoding::escapes([0xFE]).unwrap();
        for e in &mut b.entries {
            if e.opcode < 0x40 && e.opcode % 5 == 0 {
                e.opcode |= 0xFE00;
            }
        }
        Translator::new(&a, &b, &TranslateOptions::new()).unwrap()
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
            let input = program(seed, len, spice);
            for t in [translator(), paged_translator()] {
                prop_assert_eq!(agrees(&t, &input, Some(segment)), Ok(()));
                prop_assert_eq!(agrees(&t, &input, None), Ok(()));
            }
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
            let input = program(seed, len, spice);
            for t in [translator(), paged_translator()] {
                let fast = t.translate(&input);
                let general = general_only(&t).translate(&input);
                prop_assert_eq!(&fast, &general);
            }
        }
    }

    #[test]
    fn the_paged_target_widens_opcodes() {
        let t = paged_translator();
        let input = program(7, 2000, 0);
        let out = t.translate(&input).unwrap();
        assert!(out.stats.bytes_out > out.stats.bytes_in);
        let general = general_only(&t).translate(&input).unwrap();
        assert_eq!(out, general);
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

#[cfg(test)]
mod start_map_tests {
    use super::StartMap;

    /// The compact map answers every offset exactly as a plain list of `(source, target)` pairs.
    #[test]
    fn agrees_with_a_list_of_pairs() {
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..300 {
            let len_in = (next() % 2000) as usize;
            let mut pairs = Vec::new();
            let mut map = StartMap::new(len_in);
            let (mut s, mut t) = (0usize, 0usize);
            while s < len_in {
                let size = 1 + (next() % 7) as usize;
                let size = size.min(len_in - s);
                // Output sizes from 1 byte to long payloads, so target runs cross many words.
                let out = match next() % 10 {
                    0 => 200 + (next() % 300) as usize,
                    _ => 1 + (next() % 8) as usize,
                };
                pairs.push((s, t));
                map.push(s, t);
                s += size;
                t += out;
            }
            map.finish(t);
            assert_eq!(map.count, pairs.len());
            for source in 0..=len_in + 2 {
                let want = if source == len_in {
                    Some(t)
                } else {
                    pairs
                        .binary_search_by_key(&source, |&(s, _)| s)
                        .ok()
                        .map(|i| pairs[i].1)
                };
                assert_eq!(map.target_of(source), want, "offset {source}");
            }
        }
    }
}
