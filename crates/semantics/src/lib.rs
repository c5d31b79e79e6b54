//! # isa-semantics: what an instruction does, as data, and the interpreter derived from it
//!
//! The opcode model (`isa-core`) says what an instruction is called, which number it has and how
//! its bytes are laid out. Two VMs that agree on all of that can still run a program
//! differently: flags after a compare, the base of a branch offset, division by zero. This crate
//! adds the missing fact — the effect — as one more consumer of the one model:
//!
//! - [`lang`]: a semantics file (docs/semantics.md) gives each instruction, by mnemonic, a body
//!   in a small language (registers, float registers, flags, variables, memory, a value stack, a
//!   call stack, the program counter, traps), and names the choices it makes where sources
//!   disagree. Parsing and compiling use explicit stacks, never recursion, and report
//!   `file:line:col`.
//! - [`machine`]: the file is attached to a table through [`isa_core::resolve`] (opcode bytes
//!   and operand fields come from there, nowhere else), and the reference interpreter runs
//!   programs, bounded in steps, stack depth and memory, stopping at a halt, the end of the
//!   program, a trap (by byte offset and instruction) or the step bound.
//! - [`json`]: the state as JSON — the `--init` file of `run` and the conformance protocol
//!   (docs/conformance.md).
//! - [`conformance`]: the shared vector files read into one shape, and the comparison of a
//!   final state with a vector's expectation.
//!
//! - [`verify`]: a program and its translation run in lock step, each under its own table's
//!   semantics; the first step where they differ is named.
//!
//! Pure: no IO. The command line reads the files and runs plugins.

#![deny(missing_docs)]

pub mod conformance;
pub mod json;
pub mod lang;
pub mod machine;
pub mod verify;

pub use lang::{parse, Machine, SemError, SemFile, MAX_NESTING};
pub use machine::{AttachErrors, Outcome, Semantics, State, Stepper, Stop, Trap, Value};

/// The semantics files shipped with isa-authority, by the implementation name of the table they
/// are written for.
pub const BUILTIN: [(&str, &str, &str); 2] = [
    (
        "flux-runtime-python",
        "flux-runtime-python.sem",
        include_str!("../files/flux-runtime-python.sem"),
    ),
    (
        "flux-conformance-reference-vm",
        "flux-conformance-reference-vm.sem",
        include_str!("../files/flux-conformance-reference-vm.sem"),
    ),
];

/// The built-in semantics file for a table's implementation name: (file name, text).
pub fn builtin(implementation: &str) -> Option<(&'static str, &'static str)> {
    BUILTIN
        .iter()
        .find(|(name, _, _)| *name == implementation)
        .map(|(_, file, text)| (*file, *text))
}
