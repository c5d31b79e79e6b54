//! `isa-authority lineage`: numbering families among implementations.

use std::path::PathBuf;

use anyhow::Result;
use isa_arbitrate::{lineages, LineageOptions};

use crate::output::json as pretty;
use crate::{inputs, EXIT_OK};
use isa_report::lineage::{lineages_json, render_text};

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Families with each member's agreement.
    Text,
    /// `{"lineages": [{"name", "members": [...]}]}`.
    Json,
}

/// Arguments of `lineage`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Table files (.json interchange or .toml) or directories of them.
    #[arg(required = true, value_name = "TABLE")]
    pub tables: Vec<PathBuf>,

    #[command(flatten)]
    pub aliases: crate::args::AliasArg,

    /// Minimum agreement with the family head, 0-1 (matches / (matches + deviations + clashes)).
    #[arg(long, default_value_t = 0.8, value_name = "SCORE", value_parser = parse_share)]
    pub min_agreement: f64,

    /// Minimum share, 0-1, of a member's instructions that must match the family head.
    #[arg(long, default_value_t = 0.5, value_name = "SHARE", value_parser = parse_share)]
    pub min_coverage: f64,

    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: OutputFormat,
}

fn parse_share(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        _ => Err(format!("`{text}` is not a number between 0 and 1")),
    }
}

/// Runs `lineage`.
pub fn run(args: Args) -> Result<u8> {
    let aliases = args.aliases.load()?;
    let tables = inputs::load(&args.tables)?;
    let options = LineageOptions {
        aliases,
        min_agreement: args.min_agreement,
        min_coverage: args.min_coverage,
    };
    let families = lineages(&tables, &options)?;
    let text = match args.format {
        OutputFormat::Text => render_text(&families),
        OutputFormat::Json => pretty(&lineages_json(&families)),
    };
    print!("{text}");
    Ok(EXIT_OK)
}
