//! # isa-arbitrate: from conflicting opcode tables to one consistent canonical ISA
//!
//! The conflict detector in `isa-core` says *where* implementations disagree; this crate decides.
//! [`arbitrate`] turns N tables into one canonical [`isa_core::Table`] plus a [`Decision`]
//! record for every instruction that needed deciding, and [`lineages`] groups the tables into
//! numbering families.
//!
//! ## The model
//!
//! An *instruction* is a mnemonic comparison key ([`isa_core::Aliases::key`], exactly as the
//! conflict detector identifies mnemonics). Each implementation places an instruction at one or
//! more numbers. A *consistent* table gives every instruction one number and every number at
//! most one instruction, and never hands out a number that any input reserves (a `reserved`
//! entry, or an entry whose status is `removed`).
//!
//! Arbitration runs in layers, so that every strategy returns a consistent table:
//!
//! 1. manual decisions are applied first and win over everything;
//! 2. the canonical opcode space is fixed (see *Escape pages* below);
//! 3. an instruction every implementation places at the same single number, on a number no
//!    other instruction claims, no table reserves and the space holds, keeps that number (it is
//!    not in conflict);
//! 4. the remaining instructions are matched to numbers by the chosen [`Strategy`]. Every
//!    strategy scores the (instruction, number) pairs the inputs propose and builds a
//!    *matching* from them, so no number is handed out twice; an instruction whose proposals are
//!    all taken (or outside the space) gets the lowest free number of the space.
//!
//! `oldest`, `largest`, `voting` and `spec` build the matching greedily from their ranking
//! (older implementation first, larger implementation first, more weighted votes first, the
//! specification's proposals first). `optimal` builds the matching that minimises the total
//! weighted renumbering cost: keeping its number costs an implementation nothing, moving an
//! instruction costs the implementation's weight times that instruction's usage. Because a
//! move to another implementation's number costs the same as a move to a free number, the
//! minimum-cost table is a *maximum-weight matching* on the proposals, with the weight of a
//! proposal the cost it saves. That is solved exactly as a sparse assignment (the Hungarian
//! method as successive shortest augmenting paths, Dijkstra over reduced costs), on proposal
//! columns only (free numbers are interchangeable, so they never enter the problem): memory is
//! linear in the proposals, and a space with many escape pages costs no more than its proposals
//! do.
//!
//! Costs are kept as integers in thousandths ([`Cost`]) so that sums are exact and results do not
//! depend on the order of floating-point additions.
//!
//! ## Escape pages: the canonical table is always decodable
//!
//! The canonical table's opcodes are one byte, and when the instructions do not fit one byte
//! (more instructions than the 256 numbers less the reserved ones), the overflow goes on
//! *escape pages*: `k` escape bytes `E` are chosen, none of them is an instruction, and behind
//! each are 256 numbers `(E << 8) | sub`, written as the two bytes `E sub`. The table's
//! `encoding` is [`isa_core::Encoding::escapes`] of those bytes, so every instruction's opcode
//! bytes are encodable and no instruction's bytes are a prefix of another's. The choice:
//!
//! - `k` is the fewest that make room: `(256 - k) + 256 × k` numbers, less reservations, hold
//!   every instruction;
//! - the bytes are the ones whose vacating costs least by the cost model: the move cost of
//!   every implementation that places an instruction there, less the move cost of those that
//!   place instructions on that byte's page (a table may already number them `0xFF05`). A
//!   reserved byte costs nothing to vacate (no instruction can have it anyway) and may become
//!   an escape, since an escape is never an instruction either; the number of a removed
//!   instruction never does (old bytecode holding it must not start reading as a prefix).
//!   Ties go to bytes some input declares as an escape in its `encoding`, then to reserved
//!   bytes (an escape there takes no room from instructions, so the fewest escapes suffice),
//!   then to the fewest claims, then to the highest byte, so `0xFF` comes first as in FLUX
//!   v3's escape prefix;
//! - beyond the `k` needed, a byte also becomes an escape when its page carries more evidence
//!   than the byte itself (its net cost is negative), so a table's declared pages are kept;
//! - instructions displaced from an escape byte are moves like any other, and the space is the
//!   same for every strategy, so the strategies' costs compare like with like;
//! - manual decisions constrain the choice: a byte decided for an instruction is never an
//!   escape, a decision on a page (`0xFF05`) makes its byte an escape, and a decision on the
//!   page of a byte decided for an instruction, or above `0xFFFF` (escape pages are not
//!   nested), is an error.
//!
//! Each canonical instruction keeps the operand facts of the entry it copies, re-stated for its
//! canonical opcode bytes: a `size_bytes` (which counts the opcode) is the operand bytes plus
//! the new opcode width, and a layout that fixes a wider opcode than the canonical number has
//! is declared again with the same fields under a fresh letter.
//!
//! ## Layouts
//!
//! Operand facts come from the one resolve step ([`isa_core::resolve()`]) and are compared by the
//! one rule ([`isa_core::compare`]): each [`Decision`] carries the verdict over every pair of
//! implementations ([`Decision::layout`]: `Differs` when any two contradict — a 2-byte against a
//! 4-byte size counts — and not for a size-only entry against a full layout of that size) and
//! the distinct facts proposed ([`Decision::layouts`]). Formats follow the strategy: the
//! strongest-ranked implementation with the most facts for `oldest`/`largest`, the
//! specification for `spec`, otherwise a weighted vote on the operand size and then on the full
//! layouts of that size.
//!
//! ## Trade-offs
//!
//! - Ties are broken by implementation name and then mnemonic, never by input order: the same
//!   tables in any order give the same result (the original engine's "then input order" is
//!   therefore "then implementation name").
//! - A layout disagreement is recorded on the decision rather than silently resolved.
//! - More instructions than one-byte opcodes with (non-nested) escape pages can number is an
//!   error ([`ArbitrateError::TooManyInstructions`]).
//!
//! The crate does no IO: tables, weights, usage counts and manual decisions come in as values.
//!
//! Inside: the arbiter indexes every table once, sorted by implementation name (the root of
//! order independence), into instructions — alias keys and operand facts from the resolve step —
//! with each implementation's numbers, weight and usage-derived move cost, then applies the
//! layers above; every strategy is a matching over proposal edges (instruction, number, voters).
//! [`lineages`] reduces tables to numberings and groups them around their largest member;
//! [`compare`] classifies each table's numbers against a consistent reference into one 16×16
//! grid summary per opcode page, which the CLI's `map` draws with `isa-viz`.

#![deny(missing_docs)]

mod arbiter;
pub mod compare;
mod cost;
mod error;
pub mod lineage;

pub use arbiter::{
    arbitrate, check_consistent, cost_of, Decision, LayoutVariant, ManualDecision, Options,
    Outcome, Strategy,
};
pub use cost::Cost;

/// The largest implementation weight (`--weight NAME=W`). Weights are relative, so a million
/// to one is more than any vote needs; the bound keeps weight × usage within the exact integer
/// cost arithmetic (thousandths in a `u64`).
pub const MAX_WEIGHT: f64 = 1_000_000.0;

/// The largest usage count per opcode in a usage file (one billion executions or occurrences).
pub const MAX_USAGE: u64 = 1_000_000_000;
pub use error::ArbitrateError;
pub use lineage::{
    agreement_matrix, lineages, pair_agreement, Lineage, LineageOptions, Member, PairAgreement,
};
