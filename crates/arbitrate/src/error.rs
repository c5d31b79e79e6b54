//! Why arbitration refused its input.

use isa_core::Location;

/// An input arbitration cannot work with. Each variant names the implementation, mnemonic or
/// decision (with its file location when known) so the CLI can point at the culprit.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ArbitrateError {
    /// Nothing to arbitrate.
    #[error("no tables to arbitrate")]
    NoTables,
    /// Two tables claim the same implementation name; their votes could not be told apart.
    #[error("two tables are both named `{0}`; implementation names must be unique")]
    DuplicateImplementation(String),
    /// `spec` was chosen without naming the authoritative table.
    #[error("the spec strategy needs the name of the authoritative table (--spec NAME)")]
    SpecMissing,
    /// A name (for `--spec`, a weight or usage counts) matches no table.
    #[error("{what} names `{name}`, but no table has that implementation name{}", hint_list(.known))]
    UnknownImplementation {
        /// Which option used the name.
        what: String,
        /// The name.
        name: String,
        /// The implementation names that exist (for the hint).
        known: Vec<String>,
    },
    /// A weight that is negative, infinite, not a number, or above [`crate::MAX_WEIGHT`].
    #[error("weight {value} for `{name}` is not a number from 0 to 1000000 (weights are relative; 1 is the default)")]
    BadWeight {
        /// Implementation.
        name: String,
        /// The value given.
        value: f64,
    },
    /// A usage count above [`crate::MAX_USAGE`].
    #[error(
        "usage count {value} for `{name}` at opcode {opcode:#X} is above the maximum 1000000000"
    )]
    BadUsage {
        /// Implementation.
        name: String,
        /// The opcode number.
        opcode: u32,
        /// The count given.
        value: u64,
    },
    /// The total renumbering cost does not fit the cost type: the weights and usage counts are
    /// too large together (each is within range, but their products summed overflow).
    #[error("the total renumbering cost overflows (weights × usage counts summed exceed 1.8e16); use smaller weights or usage counts")]
    CostOverflow,
    /// More instructions than one-byte opcodes with escape pages can number.
    #[error(
        "{instructions} instructions do not fit the canonical opcode space: one-byte opcodes with \
         escape pages hold at most {capacity} numbers here (the arbiter does not nest escape pages)"
    )]
    TooManyInstructions {
        /// Instructions to number.
        instructions: usize,
        /// Numbers available with every usable byte an escape.
        capacity: usize,
    },
    /// A manual decision that cannot be honoured.
    #[error("{}manual decision for {mnemonic}: {message}", at(.location))]
    BadDecision {
        /// The mnemonic decided.
        mnemonic: String,
        /// What is wrong.
        message: String,
        /// Where the decision was written.
        location: Option<Location>,
    },
}

fn at(location: &Option<Location>) -> String {
    location
        .as_ref()
        .map(|l| format!("{l}: "))
        .unwrap_or_default()
}

fn hint_list(known: &[String]) -> String {
    if known.is_empty() {
        return String::new();
    }
    let shown: Vec<&str> = known.iter().take(8).map(String::as_str).collect();
    let more = if known.len() > shown.len() {
        ", …"
    } else {
        ""
    };
    format!(
        "\n  hint: known implementations: {}{more}",
        shown.join(", ")
    )
}
