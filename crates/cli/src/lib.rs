//! # isa-authority: the command-line front end, as a library
//!
//! One module per subcommand. This is the only crate that uses `anyhow` and touches the
//! terminal: libraries return their own error types, which are rendered here.
//!
//! The binary (`src/main.rs`) is a thin wrapper around [`run`]. The command is a library as
//! well so that other front ends run exactly the same code: the Python package's
//! `isa-authority` console script calls [`run`] in-process, and its API renders the same JSON
//! contracts through the public modules (`check::report_json`, `arbitrate::outcome_json`, …)
//! instead of re-implementing them. Those modules are public for that reason; their items
//! are the CLI's building blocks, not a separately versioned API.
//!
//! Exit codes (docs/reference/exit-codes.md): 0 success, 1 the check found what `--fail-on` (or the
//! subcommand's own verdict) treats as failure, 2 bad input, usage or IO error.

pub mod advertise;
pub mod arbitrate;
pub mod args;
pub mod check;
pub mod conform;
pub mod conformance;
pub mod gen;
pub mod inputs;
pub mod lineage;
pub mod map;
pub mod matrix;
pub mod migrate;
pub mod negotiate;
pub mod output;
pub mod registry;
pub mod run;
pub mod scan;
pub mod serve;
pub mod store_cmds;
pub mod translate;

use clap::{Parser, Subcommand};

/// The governance layer for an instruction set implemented many times over.
#[derive(Debug, Parser)]
#[command(name = "isa-authority", version, about, long_about = None, propagate_version = true)]
struct Cli {
    /// When to colour output: auto (only on a terminal, never with NO_COLOR), always, never.
    #[arg(long, global = true, value_name = "WHEN", default_value = "auto")]
    color: style::ColorChoice,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Compare opcode tables and report every conflict among them.
    Check(check::Args),
    /// Find opcode tables in VM source code (a dozen languages and Markdown specs).
    Scan(scan::Args),
    /// Decide one consistent canonical numbering from conflicting tables, explaining each decision.
    Arbitrate(arbitrate::Args),
    /// Group implementations into numbering families.
    Lineage(lineage::Args),
    /// Draw opcode spaces and the agreement matrix as SVG or HTML.
    Map(map::Args),
    /// Generate a maintainer's ed25519 key pair (NAME.key, mode 0600, and NAME.pub).
    Keygen(store_cmds::KeygenArgs),
    /// Start a canonical-history store with its maintainers and quorum.
    Init(store_cmds::InitArgs),
    /// Propose a table as the next canonical version; prints the proposal id.
    Propose(store_cmds::ProposeArgs),
    /// Sign a proposal with a maintainer's key.
    Approve(store_cmds::ApproveArgs),
    /// Append an approved proposal to the history once a quorum has signed it.
    Declare(store_cmds::DeclareArgs),
    /// List the declared versions, newest first.
    Log(store_cmds::LogArgs),
    /// Print the table of a declared version.
    Show(store_cmds::ShowArgs),
    /// Compare two declared versions by instruction identity, with compatibility verdicts.
    Diff(store_cmds::DiffArgs),
    /// Recompute every hash, the chain and every signature of the store.
    Verify(store_cmds::VerifyArgs),
    /// Build a capability advertisement (binary or JSON) from a table.
    Advertise(advertise::Args),
    /// Negotiate a common ISA version, features and usable instructions between two advertisements.
    Negotiate(negotiate::Args),
    /// The fleet's pairwise compatibility matrix, as a table and an SVG heatmap.
    Matrix(matrix::Args),
    /// Migration plans and per-implementation guides, by instruction identity.
    Migrate(migrate::Args),
    /// Rewrite bytecode (raw or a FLUX module) from one numbering to another.
    Translate(translate::Args),
    /// Generate the canonical opcode table as code (Python, Go, TypeScript, Rust, C) or Markdown.
    Gen(gen::Args),
    /// Check an implementation's source against the canonical table: the CI conformance gate.
    ///
    /// Every divergence is reported at its source line. Missing instructions are warnings (a
    /// table scanned from a dispatch switch may cover a subset); every other divergence is an
    /// error, so the default `--fail-on error` fails on them.
    Conform(conform::Args),
    /// Run a program under a table's semantics: the reference interpreter.
    Run(run::Args),
    /// Run conformance vectors through an implementation (a plugin, or the built-in
    /// interpreter) and compare each final state with the expected one.
    Conformance(conformance::Args),
    /// Serve the registry over HTTP: the JSON API under /v1 and a web console.
    Serve(serve::Args),
    /// Bearer tokens for the server's write endpoints.
    Token(serve::TokenArgs),
    /// Write every object of a store (folder or database), byte for byte, as one JSON document.
    Export(serve::ExportArgs),
    /// Copy an export into an empty store (folder or database); it must verify.
    Import(serve::ImportArgs),
}

use isa_report::style;
pub use output::{exit_after_run, EXIT_ERROR, EXIT_FAIL, EXIT_OK};

/// Runs the command line `args` (the program name first, as in `std::env::args_os`) and
/// returns the exit code. Exactly what the binary does, minus process-wide set-up (see
/// [`restore_sigpipe`]): usage errors, `--help` and `--version` are printed as clap prints
/// them and give clap's exit code (2, or 0), where `Parser::parse` would have exited the
/// process. Standard output is flushed before returning, because an embedding process (the
/// Python console script) may exit without Rust's runtime shutdown that flushes it.
pub fn run<I, T>(args: I) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            // clap quotes the offending argument in its message; a control character in it
            // (an ESC from a pasted name) must not reach the terminal raw, so such a message
            // is printed escaped and without colour. Everything else goes through clap as usual:
            // what `clap::Error::exit` does (print to stdout for help and version, to stderr
            // for errors, a closed pipe ignored), without ending the process.
            let plain = e.render().to_string();
            let escaped = style::escape_controls(&plain);
            if matches!(escaped, std::borrow::Cow::Borrowed(_)) {
                let _ = e.print();
            } else if e.use_stderr() {
                eprint!("{escaped}");
            } else {
                print!("{escaped}");
            }
            let _ = std::io::Write::flush(&mut std::io::stdout());
            return u8::try_from(e.exit_code()).unwrap_or(EXIT_ERROR);
        }
    };
    style::init(cli.color);
    let result = match cli.command {
        Command::Check(args) => check::run(args),
        Command::Scan(args) => scan::run(args),
        Command::Arbitrate(args) => arbitrate::run(args),
        Command::Lineage(args) => lineage::run(args),
        Command::Map(args) => map::run(args),
        Command::Keygen(args) => store_cmds::keygen(args),
        Command::Init(args) => store_cmds::init(args),
        Command::Propose(args) => store_cmds::propose(args),
        Command::Approve(args) => store_cmds::approve(args),
        Command::Declare(args) => store_cmds::declare(args),
        Command::Log(args) => store_cmds::log(args),
        Command::Show(args) => store_cmds::show(args),
        Command::Diff(args) => store_cmds::diff(args),
        Command::Verify(args) => store_cmds::verify(args),
        Command::Advertise(args) => advertise::run(args),
        Command::Negotiate(args) => negotiate::run(args),
        Command::Matrix(args) => matrix::run(args),
        Command::Migrate(args) => migrate::run(args),
        Command::Translate(args) => translate::run(args),
        Command::Gen(args) => gen::run(args),
        Command::Conform(args) => conform::run(args),
        Command::Run(args) => run::run(args),
        Command::Conformance(args) => conformance::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Token(args) => serve::token(args),
        Command::Export(args) => serve::export(args),
        Command::Import(args) => serve::import(args),
    };
    let code = match result {
        Ok(code) => code,
        Err(error) => {
            output::print_error(&error);
            EXIT_ERROR
        }
    };
    let _ = std::io::Write::flush(&mut std::io::stdout());
    // Colour was decided for this invocation's terminal; an embedding process that renders
    // reports afterwards (the Python API's `to_text()`) gets plain text again.
    style::init(style::ColorChoice::Never);
    code
}

/// Turns transparent huge pages off for this process (Linux; elsewhere nothing). mimalloc
/// advises huge pages for its arenas, and each first touch of a 2 MiB region then zeroes a
/// whole huge page in the fault (`clear_page_erms` under `do_huge_pmd_anonymous_page` in a
/// profile; no compaction stalls in /proc/vmstat). On the development VM that zeroing came in
/// bursts: 0.3-0.5 s of system time in one run in three of a `check` whose user time is
/// 0.5 s, up to 0.5 s of wall time on a 256 MiB `translate`, where ordinary pages cost a
/// steady ~0.05-0.2 s and the peak is 17-20 MB lower (docs/benchmarks.md, "Huge pages"). The
/// flag is process-wide and inherited by children (conformance plugins), so only the binary
/// sets it: the Python extension leaves its host process alone.
pub fn disable_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE only sets a flag on this process's memory map, which the
    // kernel reads at the next page fault; no memory or thread is touched.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// Rust ignores SIGPIPE, which turns `isa-authority … | head` into a panic on the next write.
/// Restoring the default makes the tool end quietly when its reader goes away, like other Unix
/// filters. Process-wide, so only a process that is nothing but the command calls it: the
/// binary, and the Python console script.
pub fn restore_sigpipe() {
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to its default has no other effect on the
    // process; callers do it first thing, before starting threads of their own.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
