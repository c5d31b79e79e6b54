//! # isa-migrate: getting implementations and their bytecode to a canonical ISA
//!
//! Three consumers of the one model ([`isa_core::Table`]):
//!
//! * [`translate`] rewrites raw bytecode from one numbering to another. It decodes instruction
//!   by instruction with the source table's resolved opcode bytes and layouts (the core's one
//!   resolve step: escape pages and fixed-width opcodes included), matches each instruction to
//!   the target by identity (normalised, aliased mnemonic — never by number), re-encodes it with
//!   the target's opcode bytes and layout and fixes relative branch offsets when sizes change. A
//!   [`Translator`] refuses a table that cannot be decoded unambiguously ([`Undecodable`], with
//!   `check`'s findings) and is compiled once per table pair into per-opcode rules with a
//!   256-entry fast-path table, because the common case — a pure renumbering — should run at
//!   memory speed (it walks a large program in several segments at once, since one walk is
//!   bound by load latency).
//! * [`module`] does the same for FLUX module files (the 18-byte `FLUX` header of flux-runtime),
//!   translating the code section and moving the function table's offsets with it.
//! * [`plan`](mod@plan) and [`guide`] turn the identity diff of [`isa_core::diff`] into a migration plan
//!   with a verdict on existing bytecode, and into a Markdown guide for one implementation's
//!   maintainers, written in their own spelling.
//!
//! Everything here is pure: bytes and tables in, bytes and values out; files and the terminal
//! belong to the CLI. Results are deterministic. Trade-offs: operands are paired by role and
//! order rather than by name (names differ between tables far more often than roles do), and
//! values must keep their meaning exactly — a translation that would have to truncate or
//! reinterpret an operand stops with an error naming the byte offset, never guesses.

#![deny(missing_docs)]
// Errors end a translation and are built at most once per run, so their size (they carry the
// instruction's bytes and every value a good message needs) costs nothing on the hot path,
// which never constructs one.
#![allow(clippy::result_large_err)]

mod bits;
pub mod guide;
pub mod module;
pub mod plan;
pub mod translate;

pub use guide::{render_guide, GuideOptions};
pub use module::{translate_module, ModuleError, ModuleTranslation};
pub use plan::{plan, BytecodeVerdict, Plan, PlanOptions};
pub use translate::{
    ErrorKind, Instruction, Outcome, RuleInfo, Side, Stats, TranslateError, TranslateOptions,
    Translation, Translator, Undecodable, WriteError,
};
