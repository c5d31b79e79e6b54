//! `isa-authority run`: the reference interpreter — run a program under a table's semantics.
//!
//! The semantics come from `--semantics FILE` or, for the tables isa-authority ships semantics
//! for (`flux-runtime-python`, `flux-conformance-reference-vm`), from the built-in file. The run
//! is bounded: `--max-steps` instructions, the file's stack depth and memory size. Exit 0 when
//! the program halts or runs to its end, 1 when it traps, reaches the step bound or an
//! instruction the semantics do not model, 2 on bad input.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use isa_core::{Aliases, Table};
use isa_semantics::json::{apply_init, outcome_json};
use isa_semantics::{Outcome, Semantics, Stop};

use crate::output::{json as pretty, write_stdout};
use crate::{inputs, EXIT_FAIL, EXIT_OK};

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Lines for people.
    Text,
    /// The final state as a JSON object (docs/conformance.md#states).
    Json,
}

/// Arguments of `run`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The table the program is numbered in: a table file (.json/.toml) or a store version.
    #[arg(long, value_name = "TABLE")]
    pub table: String,

    /// The program: raw bytecode (`-` reads standard input).
    #[arg(value_name = "PROGRAM")]
    pub program: PathBuf,

    /// The semantics file (docs/semantics.md); built in for the tables isa-authority ships
    /// semantics for.
    #[arg(long, value_name = "FILE")]
    pub semantics: Option<PathBuf>,

    /// The initial state, a JSON file: registers, float registers, flags, variables, stack,
    /// memory (docs/conformance.md#states). Everything not named starts at zero.
    #[arg(long, value_name = "STATE.json")]
    pub init: Option<PathBuf>,

    /// Stop after this many instructions.
    #[arg(long, value_name = "N", default_value_t = 1_000_000)]
    pub max_steps: u64,

    /// The program file holds hex text (whitespace allowed) instead of raw bytes.
    #[arg(long)]
    pub hex: bool,

    #[command(flatten)]
    pub aliases: crate::args::AliasArg,

    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

/// Loads the semantics for a table: `--semantics FILE`, else the built-in file for the table's
/// implementation name. Errors give file:line:col.
pub fn load_semantics(table: &Table, file: Option<&Path>, aliases: &Aliases) -> Result<Semantics> {
    let (name, text) = match file {
        Some(path) => {
            let bytes = isa_io::read_limited(path, isa_semantics::lang::MAX_FILE as u64)
                .with_context(|| format!("{}: cannot read", path.display()))?;
            let text = String::from_utf8(bytes)
                .map_err(|e| anyhow::anyhow!("{}: not UTF-8 (byte {})", path.display(), e.utf8_error().valid_up_to()))?;
            (path.display().to_string(), text)
        }
        None => match isa_semantics::builtin(&table.implementation) {
            Some((name, text)) => (format!("<built-in {name}>"), text.to_string()),
            None => anyhow::bail!(
                "no semantics for {}: give a semantics file with --semantics FILE (for `translate --verify`: --from-semantics, --to-semantics)\nhint: built-in semantics exist for {}; docs/semantics.md describes the language",
                table.implementation,
                isa_semantics::BUILTIN.iter().map(|(n, _, _)| *n).collect::<Vec<_>>().join(" and ")
            ),
        },
    };
    let parsed = isa_semantics::parse(&name, &text)?;
    Ok(Semantics::attach(parsed, table, aliases)?)
}

/// Reads a program file: raw bytes, or hex text with `hex`.
pub fn read_program(path: &Path, hex: bool) -> Result<Vec<u8>> {
    let name = if path.as_os_str() == "-" {
        "<stdin>".to_string()
    } else {
        path.display().to_string()
    };
    let bytes = isa_io::read_limited(path, isa_io::max_input())
        .with_context(|| format!("{name}: cannot read"))?;
    if !hex {
        return Ok(bytes);
    }
    let text = String::from_utf8(bytes)
        .map_err(|_| anyhow::anyhow!("{name}: --hex, but the file is not text"))?;
    isa_semantics::conformance::parse_hex(&text).map_err(|e| anyhow::anyhow!("{name}: {e}"))
}

/// The text rendering of a final state.
pub fn outcome_text(sem: &Semantics, outcome: &Outcome) -> String {
    let s = &outcome.state;
    let mut out = String::new();
    let stop = match &outcome.stop {
        Stop::Halted => "halted".to_string(),
        Stop::End => "ran to the end of the program".to_string(),
        Stop::StepLimit => "reached the step bound".to_string(),
        Stop::Trap(t) => format!("trap {t}"),
        Stop::Unsupported(t) => format!("unsupported: {t}"),
    };
    out.push_str(&format!(
        "{stop} after {} step{} (pc {})\n",
        s.steps,
        if s.steps == 1 { "" } else { "s" },
        s.pc
    ));
    let nonzero: Vec<String> =
        s.gp.iter()
            .enumerate()
            .filter(|(_, v)| **v != 0)
            .map(|(i, v)| format!("R{i}={v}"))
            .collect();
    if !s.gp.is_empty() {
        out.push_str(&format!(
            "gp: {}\n",
            if nonzero.is_empty() {
                "all zero".to_string()
            } else {
                nonzero.join(" ")
            }
        ));
    }
    let nonzero: Vec<String> =
        s.fp.iter()
            .enumerate()
            .filter(|(_, v)| **v != 0.0)
            .map(|(i, v)| format!("F{i}={v}"))
            .collect();
    if !s.fp.is_empty() {
        out.push_str(&format!(
            "fp: {}\n",
            if nonzero.is_empty() {
                "all zero".to_string()
            } else {
                nonzero.join(" ")
            }
        ));
    }
    if !sem.file.flags.is_empty() {
        let flags: Vec<String> = sem
            .file
            .flags
            .iter()
            .zip(&s.flags)
            .map(|(n, v)| format!("{n}={v}"))
            .collect();
        out.push_str(&format!("flags: {}\n", flags.join(" ")));
    }
    if !sem.file.vars.is_empty() {
        let vars: Vec<String> = sem
            .file
            .vars
            .iter()
            .zip(&s.vars)
            .map(|((n, _), v)| format!("{n}={v}"))
            .collect();
        out.push_str(&format!("vars: {}\n", vars.join(" ")));
    }
    let stack: Vec<String> = s
        .stack
        .iter()
        .map(|v| match v {
            isa_semantics::Value::Int(i) => i.to_string(),
            isa_semantics::Value::Float(f) => format!("{f:?}"),
        })
        .collect();
    out.push_str(&format!("stack (bottom first): [{}]\n", stack.join(", ")));
    out
}

/// Reads a JSON initial state; errors give file:line:col.
pub fn read_init(path: &Path) -> Result<serde_json::Value> {
    let bytes = isa_io::read_limited(path, isa_io::max_input())
        .with_context(|| format!("{}: cannot read", path.display()))?;
    serde_json::from_slice(&bytes).map_err(|e| {
        anyhow::anyhow!(
            "{}:{}:{}: not JSON: {e}",
            path.display(),
            e.line(),
            e.column()
        )
    })
}

/// Runs `run`.
pub fn run(args: Args) -> Result<u8> {
    let aliases = args.aliases.load()?;
    let table = inputs::resolve_table(&args.table)?;
    let sem = load_semantics(&table, args.semantics.as_deref(), &aliases)?;
    let program = read_program(&args.program, args.hex)?;
    let mut state = sem.initial_state();
    if let Some(path) = &args.init {
        let init = read_init(path)?;
        apply_init(&sem, &mut state, &init)
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    }
    let outcome = sem.run(&program, state, args.max_steps);
    match args.format {
        Format::Text => write_stdout(&outcome_text(&sem, &outcome))?,
        Format::Json => write_stdout(&pretty(&outcome_json(&sem, &outcome)))?,
    }
    Ok(match outcome.stop {
        Stop::Halted | Stop::End => EXIT_OK,
        _ => EXIT_FAIL,
    })
}
