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
//! general encoder in place.
//!
//! When some rule changes an instruction's size, pass 1 of the two-pass mode runs first (it also
//! says whether this program keeps every size, in which case the same-size path gives the
//! answer). Pass 1 steps over one-byte, fixed-size instructions from a table of their source and
//! target sizes, 64 input bytes at a time, and records the relocation map (bit sets: a quarter of a
//! byte per input byte and an eighth per output byte); pass 2 walks again and writes the output in order into a fixed
//! buffer handed to a writer ([`Translator::translate_to`]), so translating into a file needs the
//! input, the map and a constant. Pass 2 writes a short instruction (up to 8 bytes) with one
//! table-driven move — the output word is the opcode bytes over at most two rotated, masked runs
//! of the source word — with no branch on what kind of instruction it is; branches are then
//! recomputed from the map; anything else, and any shortcut that would fail, goes to the general
//! encoder.
//!
//! Errors are always those of the general two-pass code (decode errors first, in stream order,
//! then mapping errors, then encode errors), so no shortcut changes what is reported; the unit
//! tests (`tests.rs`) hold every shortcut to the general code byte for byte.
//!
//! The code is split by layer: `rules.rs` (which source instruction becomes which target
//! instruction and how its operands travel, compiled from the resolved tables), `codec.rs`
//! (decoding and encoding opcode bytes and fields), `fast.rs` (the same-size path at lookup-table
//! speed), `steps.rs` (the two-pass mode's per-first-byte tables), `two_pass.rs` (size-changing
//! translation with the relocation map, streamed), `parallel.rs` (both passes of a large
//! program on several threads: pass 1 in stitched speculative segments, pass 2 in ranges
//! written at their known offsets, [`Translator::translate_to_at`]) and `error.rs` (the error types and their
//! messages); this file holds the public types and the entry points.

use std::fmt;
use std::io::Write;

use isa_core::resolve::ResolveOptions;
use isa_core::{Aliases, CheckOptions, Encoding, OpBytes, Scheme, Table};

mod codec;
mod error;
mod fast;
mod parallel;
mod rules;
mod steps;
mod two_pass;

#[cfg(test)]
mod tests;

pub use error::{ErrorKind, Side, TranslateError, Undecodable};
pub use rules::{Outcome, RuleInfo};

use rules::Rule;
use two_pass::{EmitError, StartMap};

/// The bytes of a same-size translation written at a time by [`Translator::translate_to_at`]:
/// large enough that the cost of cutting a window (its stitch and its write) vanishes, small
/// enough to stay in the cache between being translated and being written.
const SAME_SIZE_WINDOW: usize = 1 << 20;

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

/// A compiled source → target translation (see the module docs).
#[derive(Debug, Clone)]
pub struct Translator {
    from: String,
    to: String,
    /// The source table's encoding, to name bytes that are no opcode.
    encoding: Encoding,
    rules: Vec<Rule>,
    /// First byte → rule index (a one-byte opcode), `PAGE | k` (a longer opcode: the second
    /// byte is looked up in `pages[k]`), or [`NONE`](codec::NONE).
    first: Box<[u32; 256]>,
    /// Second byte → rule index (a two-byte opcode), [`SEARCH`](codec::SEARCH) or
    /// [`NONE`](codec::NONE).
    pages: Vec<[u32; 256]>,
    /// Three- and four-byte opcodes, sorted by bytes.
    long: Vec<(OpBytes, u32)>,
    /// The source encoding's escape prefixes, as bytes.
    escapes: Vec<OpBytes>,
    /// First byte → `size << 8 | new opcode` for [`Mapping::fast`](rules::Mapping::fast) rules;
    /// for any other byte, the byte itself (size 0: not a fast step, and "rewriting" it leaves
    /// it as it is).
    fast: Box<[u32; 256]>,
    /// Largest size in `fast`: a fast step from below `len - max_fast` stays inside the input.
    max_fast: usize,
    /// The two-pass mode's shortcuts (see `steps.rs`).
    steps: steps::Steps,
}

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
        let rules = rules::compile(
            from,
            to,
            &source.instructions,
            &target.instructions,
            options,
        );
        let codec::DecodingTables { first, pages, long } = codec::decoding_tables(&rules);
        let escapes = codec::escape_bytes(&from.encoding);
        let fast::FastTables { fast, max_fast } = fast::fast_tables(&rules);
        let steps = steps::steps(&rules);
        Ok(Translator {
            from: from.implementation.clone(),
            to: to.implementation.clone(),
            encoding: from.encoding.clone(),
            rules,
            first,
            pages,
            long,
            escapes,
            steps,
            fast,
            max_fast,
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

    /// Translates a program into a writer, byte for byte what [`Translator::translate`] gives.
    ///
    /// When sizes change, the output is written as it is produced (two passes over `input`, a
    /// relocation map of a quarter of a byte per input byte and an eighth per output byte, and a
    /// fixed buffer), so the memory
    /// needed does not grow with the output. When every instruction keeps its size, the output is
    /// built in one buffer of the input's size and then written. On an error, what was written
    /// so far is incomplete: write to a temporary file and keep it only on success.
    pub fn translate_to<W: Write>(&self, input: &[u8], out: &mut W) -> Result<Stats, WriteError> {
        if !self.steps.may_resize {
            return self.whole(input, out);
        }
        let (starts, resized) = self.place(input)?;
        if !resized {
            // Every instruction keeps its size: the same-size path's answer (offsets left as
            // they are), exactly as `translate` gives it, from the map already made.
            let mut bytes = Vec::new();
            let (stats, _) = self.kept_sizes(input, starts, &mut bytes)?;
            out.write_all(&bytes).map_err(WriteError::Io)?;
            out.flush().map_err(WriteError::Io)?;
            return Ok(stats);
        }
        self.stream(input, &starts, out)
    }

    /// Translates a program into a destination written at offsets (a file, with
    /// `write_all_at`), byte for byte what [`Translator::translate`] gives.
    ///
    /// Like [`Translator::translate_to`], with the size-changing passes of a large program
    /// run on several threads: pass 1 in stitched segments, and pass 2 in ranges of the
    /// output, each written through its own fixed buffer at the offset pass 1 gave it, so the
    /// pieces of the output may arrive out of order (and from several threads at once). A
    /// translation that keeps every size is written a window (1 MiB) at a time, in order, so
    /// its memory is a window rather than a copy of the program; should it turn out not to
    /// apply, the whole output is written again from offset 0. On an error, what was written
    /// so far is incomplete, as with `translate_to`.
    pub fn translate_to_at<F>(&self, input: &[u8], write_at: F) -> Result<Stats, WriteError>
    where
        F: Fn(&[u8], u64) -> std::io::Result<()> + Sync,
    {
        let n = input.len();
        let cuts = (
            parallel::parts(n, parallel::WALKS),
            parallel::parts(n, parallel::RANGES),
            SAME_SIZE_WINDOW,
        );
        self.translate_to_at_in(input, cuts, &write_at)
    }

    /// [`Translator::translate_to_at`] with pass 1 and pass 2 cut every `cuts.0` and `cuts.1`
    /// bytes when given, else on one thread, and a same-size translation written in windows of
    /// `cuts.2` bytes.
    fn translate_to_at_in<F>(
        &self,
        input: &[u8],
        cuts: (Option<usize>, Option<usize>, usize),
        write_at: &F,
    ) -> Result<Stats, WriteError>
    where
        F: Fn(&[u8], u64) -> std::io::Result<()> + Sync,
    {
        // Pass 1 first when sizes may change: it says whether the same-size path can succeed.
        let placed = if self.steps.may_resize {
            Some(self.place_in(input, cuts.0)?)
        } else {
            None
        };
        if placed.as_ref().is_none_or(|&(_, resized)| !resized) {
            // Every size is kept: the same-size path, written a window at a time (its memory is
            // one window, not a second copy of the program).
            if let Some(stats) = self
                .same_size_at(input, cuts.2, write_at)
                .map_err(WriteError::Io)?
            {
                return Ok(stats);
            }
        }
        // Sizes change, or the same-size path does not apply (an error the two-pass mode
        // reports): pass 2 writes every byte, over whatever the same-size path wrote.
        let starts = match placed {
            Some((starts, _)) => starts,
            None => self.place_in(input, cuts.0)?.0,
        };
        let segment = cuts.1.unwrap_or(input.len());
        let branches_fixed = self.emit_at(input, &starts, segment, write_at)?;
        Ok(Stats::resized(input, &starts, branches_fixed))
    }

    /// The whole translation in memory, then written.
    fn whole<W: Write>(&self, input: &[u8], out: &mut W) -> Result<Stats, WriteError> {
        let mut bytes = Vec::new();
        let (stats, _) = self.run(input, &mut bytes)?;
        out.write_all(&bytes).map_err(WriteError::Io)?;
        out.flush().map_err(WriteError::Io)?;
        Ok(stats)
    }

    fn run(
        &self,
        input: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(Stats, Option<StartMap>), TranslateError> {
        out.clear();
        if !self.steps.may_resize {
            if let Some(stats) = self.same_size(input, out) {
                return Ok((stats, None));
            }
            let (starts, _) = self.place(input)?;
            return self.finish(input, starts, out);
        }
        // Pass 1 first: it says whether the same-size path can succeed (no instruction changes
        // size, and nothing fails to decode or map) before a copy of the input is made.
        let (starts, resized) = self.place(input)?;
        if !resized {
            return self.kept_sizes(input, starts, out);
        }
        self.finish(input, starts, out)
    }

    /// A program pass 1 found keeps every size: the same-size path, or (when it fails on an
    /// encode error) pass 2 for the general code's report.
    fn kept_sizes(
        &self,
        input: &[u8],
        starts: StartMap,
        out: &mut Vec<u8>,
    ) -> Result<(Stats, Option<StartMap>), TranslateError> {
        if let Some(stats) = self.same_size(input, out) {
            return Ok((stats, None));
        }
        self.finish(input, starts, out)
    }

    /// Pass 2 into `out`.
    fn finish(
        &self,
        input: &[u8],
        starts: StartMap,
        out: &mut Vec<u8>,
    ) -> Result<(Stats, Option<StartMap>), TranslateError> {
        out.clear();
        match self.stream(input, &starts, out) {
            Ok(stats) => Ok((stats, Some(starts))),
            Err(WriteError::Translate(e)) => Err(*e),
            Err(WriteError::Io(e)) => unreachable!("writing to a Vec cannot fail: {e}"),
        }
    }

    /// Pass 2 into `out`, with the totals.
    fn stream<W: Write>(
        &self,
        input: &[u8],
        starts: &StartMap,
        out: &mut W,
    ) -> Result<Stats, WriteError> {
        let branches_fixed = self.emit(input, starts, out)?;
        Ok(Stats::resized(input, starts, branches_fixed))
    }
}

impl Stats {
    /// The totals of a same-size translation of `input`'s `instructions`.
    fn same_size(input: &[u8], instructions: usize) -> Stats {
        Stats {
            instructions,
            bytes_in: input.len(),
            bytes_out: input.len(),
            branches_fixed: 0,
            same_size: true,
        }
    }

    /// The totals of a size-changing translation of `input`, from its relocation map.
    fn resized(input: &[u8], starts: &StartMap, branches_fixed: usize) -> Stats {
        Stats {
            instructions: starts.count(),
            bytes_in: input.len(),
            bytes_out: starts.target_of(input.len()).unwrap_or(0),
            branches_fixed,
            same_size: false,
        }
    }
}

impl From<EmitError> for WriteError {
    fn from(e: EmitError) -> WriteError {
        match e {
            EmitError::Translate(e) => WriteError::from(e),
            EmitError::Io(e) => WriteError::Io(e),
        }
    }
}

/// Why [`Translator::translate_to`] failed.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The program does not translate (boxed: a translation error is large, and this one
    /// travels through writers' `Result`s).
    #[error(transparent)]
    Translate(Box<TranslateError>),
    /// The writer failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl From<TranslateError> for WriteError {
    fn from(e: TranslateError) -> WriteError {
        WriteError::Translate(Box::new(e))
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
