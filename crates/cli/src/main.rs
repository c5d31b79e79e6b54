//! # isa-authority: the command-line binary
//!
//! A thin wrapper: everything, exit codes included, is in the library ([`isa_authority_cli::run`]),
//! which the Python package's console script runs in-process too.

use std::process::ExitCode;

fn main() -> ExitCode {
    isa_authority_cli::restore_sigpipe();
    ExitCode::from(isa_authority_cli::run(std::env::args_os()))
}
