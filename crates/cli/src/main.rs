//! # isa-authority: the command-line binary
//!
//! A thin wrapper: everything, exit codes included, is in the library ([`isa_authority_cli::run`]),
//! which the Python package's console script runs in-process too.

use std::process::ExitCode;

// Loading a thousand tables and reporting their conflicts allocates and frees millions of small
// strings and vectors; glibc's malloc and free were a quarter of `check`'s CPU time on such
// input (docs/benchmarks.md, whole process). The library keeps the system allocator, so the
// Python extension is unaffected.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    isa_authority_cli::disable_huge_pages();
    isa_authority_cli::restore_sigpipe();
    isa_authority_cli::exit_after_run();
    ExitCode::from(isa_authority_cli::run(std::env::args_os()))
}
