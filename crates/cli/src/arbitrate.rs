//! `isa-authority arbitrate`: one consistent, decodable canonical table from conflicting ones
//! (one-byte opcodes, and escape pages when the instructions do not fit one byte), with a
//! recorded rationale and layout verdict for every decision.

use std::path::PathBuf;

use anyhow::{bail, Result};
use isa_arbitrate::{arbitrate, Options, Strategy};
use isa_io::TableFormat;

use crate::output::{stream_stdout, write_stdout};
use crate::{inputs, EXIT_OK};
use isa_report::arbitrate::{render_text, write_outcome_json};

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// One line per decision.
    Text,
    /// `{"canonical", "decisions", "cost"}` (docs/reference/json-contracts.md); `canonical` carries its `encoding`.
    Json,
}

/// Arbitration strategies (docs/guide.md, "arbitrate").
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StrategyArg {
    /// Oldest `registered` date wins (then implementation name).
    Oldest,
    /// Most weighted votes win (`--weight NAME=W`, default 1).
    Voting,
    /// The implementation with the most instructions wins.
    Largest,
    /// `--spec NAME` is authoritative; the others fill only what it lacks.
    Spec,
    /// Minimum total weighted renumbering cost (weight × usage per moved instruction).
    Optimal,
}

impl From<StrategyArg> for Strategy {
    fn from(s: StrategyArg) -> Strategy {
        match s {
            StrategyArg::Oldest => Strategy::Oldest,
            StrategyArg::Voting => Strategy::Voting,
            StrategyArg::Largest => Strategy::Largest,
            StrategyArg::Spec => Strategy::Spec,
            StrategyArg::Optimal => Strategy::Optimal,
        }
    }
}

/// Arguments of `arbitrate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Table files (.json interchange or .toml) or directories of them.
    #[arg(required = true, value_name = "TABLE")]
    pub tables: Vec<PathBuf>,

    /// How conflicting numbers are decided.
    #[arg(long, value_enum, default_value = "optimal")]
    pub strategy: StrategyArg,

    /// Implementation weight for voting and optimal (repeatable), e.g. `--weight flux-runtime-python=3`.
    #[arg(long = "weight", value_name = "NAME=W", value_parser = parse_weight)]
    pub weights: Vec<(String, f64)>,

    /// The authoritative implementation for `--strategy spec`.
    #[arg(long, value_name = "NAME")]
    pub spec: Option<String>,

    /// Manual decisions (TOML `[[decision]]` or JSON), applied before any strategy.
    #[arg(long, value_name = "FILE")]
    pub decisions: Option<PathBuf>,

    /// Per-implementation opcode usage counts (JSON `{"impl": {"0x2A": 120}}`); uniform by default.
    #[arg(long, value_name = "FILE")]
    pub usage: Option<PathBuf>,

    #[command(flatten)]
    pub aliases: crate::args::AliasArg,

    #[command(flatten)]
    pub scheme: crate::args::SchemeArg,

    /// Implementation name of the canonical table.
    #[arg(long, default_value = "canonical", value_name = "NAME")]
    pub name: String,

    /// Write the canonical table here (.toml or .json, atomically).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Report format on stdout.
    #[arg(long, value_enum, default_value = "text")]
    pub format: OutputFormat,
}

fn parse_weight(text: &str) -> Result<(String, f64), String> {
    let (name, w) = text
        .rsplit_once('=')
        .ok_or_else(|| format!("`{text}` is not NAME=WEIGHT"))?;
    let w: f64 = w
        .trim()
        .parse()
        .map_err(|_| format!("weight `{w}` is not a number"))?;
    if !w.is_finite() || !(0.0..=isa_arbitrate::MAX_WEIGHT).contains(&w) {
        return Err(format!(
            "weight {w} must be a number from 0 to 1000000 (weights are relative; 1 is the default)"
        ));
    }
    Ok((name.trim().to_string(), w))
}

/// Runs `arbitrate`.
pub fn run(args: Args) -> Result<u8> {
    let aliases = args.aliases.load()?;
    if let Some(out) = &args.output {
        if TableFormat::from_path(out).is_none() {
            bail!(
                "{}: cannot tell the output format: use a .json or .toml extension",
                out.display()
            );
        }
    }
    let tables = inputs::load(&args.tables)?;
    let mut options = Options::new(args.strategy.into());
    options.aliases = aliases;
    options.scheme = args.scheme.resolve()?;
    options.spec = args.spec.clone();
    options.name = args.name.clone();
    for (name, w) in &args.weights {
        if options.weights.insert(name.clone(), *w).is_some() {
            bail!("--weight {name} is given twice");
        }
    }
    if let Some(path) = &args.decisions {
        options.decisions = isa_io::load_decisions(path)?;
    }
    if let Some(path) = &args.usage {
        options.usage = isa_io::load_usage(path)?;
    }
    let outcome = arbitrate(&tables, &options)?;
    if let Some(path) = &args.output {
        isa_io::write_table(path, &outcome.canonical)?;
        isa_report::style::note(&format!("wrote the canonical table to {}", path.display()));
    }
    match args.format {
        OutputFormat::Text => write_stdout(&render_text(&outcome, options.strategy, tables.len()))?,
        OutputFormat::Json => stream_stdout(|out| write_outcome_json(out, &outcome))?,
    }
    crate::output::discard((tables, outcome));
    Ok(EXIT_OK)
}
