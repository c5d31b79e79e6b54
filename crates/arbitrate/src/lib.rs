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
//! Arbitration runs in three layers, so that every strategy returns a consistent table:
//!
//! 1. manual decisions are applied first and win over everything;
//! 2. an instruction every implementation places at the same single number, on a number no
//!    other instruction claims and no table reserves, keeps that number (it is not in conflict);
//! 3. the remaining instructions are matched to numbers by the chosen [`Strategy`]. Every
//!    strategy scores the (instruction, number) pairs the inputs propose and builds a
//!    *matching* from them, so no number is handed out twice; an instruction whose proposals are
//!    all taken gets the lowest free number.
//!
//! `oldest`, `largest`, `voting` and `spec` build the matching greedily from their ranking
//! (older implementation first, larger implementation first, more weighted votes first, the
//! specification's proposals first). `optimal` builds the matching that minimises the total
//! weighted renumbering cost: keeping its number costs an implementation nothing, moving an
//! instruction costs the implementation's weight times that instruction's usage. Because a
//! move to another implementation's number costs the same as a move to a free number, the
//! minimum-cost table is a *maximum-weight matching* on the proposals, with the weight of a
//! proposal the cost it saves. That is solved exactly with the Kuhn–Munkres algorithm from the
//! `pathfinding` crate, per connected component of the proposal graph and on proposal columns
//! only (free numbers are interchangeable, so they never enter the matrix). A 65,536-slot space
//! therefore costs no more than its proposals do.
//!
//! Costs are kept as integers in thousandths ([`Cost`]) so that sums are exact and results do not
//! depend on the order of floating-point additions.
//!
//! ## Trade-offs
//!
//! - Ties are broken by implementation name and then mnemonic, never by input order: the same
//!   tables in any order give the same result (the original engine's "then input order" is
//!   therefore "then implementation name").
//! - When the instructions do not fit the opcode space the inputs use (more instructions than
//!   256 numbers), the space widens to 16 bits and the overflow goes above 0xFF; the outcome
//!   says so instead of failing.
//! - Formats and categories follow the same strategy as numbers; a layout disagreement (two
//!   implementations giving the instruction different byte layouts, compared by shape, never by
//!   letter) is recorded on the decision rather than silently resolved.
//!
//! The crate does no IO: tables, weights, usage counts and manual decisions come in as values.

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
pub use error::ArbitrateError;
pub use lineage::{
    agreement_matrix, lineages, pair_agreement, Lineage, LineageOptions, Member, PairAgreement,
};
