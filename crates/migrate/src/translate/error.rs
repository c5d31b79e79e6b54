//! The error types of translation and their messages: a table that cannot be decoded
//! ([`Undecodable`]), and one instruction that cannot be translated ([`ErrorKind`], reported with
//! its offset and bytes as a [`TranslateError`]).

use std::fmt;

use isa_core::resolve::{self, Facts};
use isa_core::{Conflict, Scheme, Table};

use super::codec::Decoded;
use super::Translator;

isa_core::named_enum! {
    /// Which table of a translation.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Side {
        /// The table the bytecode is in (`--from`).
        Source => "source",
        /// The table it is translated to (`--to`).
        Target => "target",
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

fn hex_bytes(bytes: &[u8]) -> String {
    const MAX: usize = 16;
    let mut s: Vec<String> = bytes.iter().take(MAX).map(|b| format!("{b:02x}")).collect();
    if bytes.len() > MAX {
        s.push("…".into());
    }
    s.join(" ")
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

pub(super) fn no_layout(table: &Table, inst: &resolve::Instruction, scheme: &Scheme) -> ErrorKind {
    let letter = match inst.facts {
        Facts::Unknown(letter) => letter,
        _ => inst.entry.format.as_deref(),
    };
    ErrorKind::NoLayout {
        mnemonic: inst.entry.mnemonic_or_empty().to_string(),
        table: table.implementation.clone(),
        why: layout_why(table, letter, scheme),
    }
}

impl Translator {
    pub(super) fn fail(
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
}
