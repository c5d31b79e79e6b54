//! `isa-authority conform`: the CI gate. Scans an implementation's source for its opcode
//! table(s) and reports every divergence from the canonical table at the source line.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use isa_codegen::conform::{compare, Canonical, ConformOptions};
use isa_report::conform::{Checked, ConformReport};
use isa_report::style;

use crate::args::{AliasArg, ReportArgs, ReportFormat, ScanLimits, SchemeArg};
use crate::inputs;
use crate::output::{json, write_stdout, EXIT_FAIL, EXIT_OK};

/// Arguments of `conform`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The implementation: source files or directories (walked respecting .gitignore); a
    /// .json/.toml table file is read as a table.
    #[arg(required = true, value_name = "SOURCE_PATH")]
    pub sources: Vec<PathBuf>,

    /// The canonical table: a table file (.json/.toml) or a store version.
    #[arg(long, value_name = "CANONICAL")]
    pub against: String,

    #[command(flatten)]
    pub registry: crate::args::RegistryArg,

    #[command(flatten)]
    pub report: ReportArgs,

    #[command(flatten)]
    pub aliases: AliasArg,

    /// Check only the tables found under this symbol (repeatable; see `isa-authority scan`).
    #[arg(long = "table", value_name = "SYMBOL")]
    pub tables: Vec<String>,

    /// Scanner threshold: groups scoring below this (0-1) are not tables.
    #[arg(long, default_value_t = isa_scan::classify::DEFAULT_MIN_CONFIDENCE, value_name = "SCORE")]
    pub min_confidence: f32,

    #[command(flatten)]
    pub limits: ScanLimits,

    #[command(flatten)]
    pub scheme: SchemeArg,
}

/// Runs `conform`.
pub fn run(args: Args) -> Result<u8> {
    let canonical = inputs::resolve_table_in(&args.against, args.registry.url().as_deref())?;
    let aliases = args.aliases.load()?;
    let options = ConformOptions {
        aliases: aliases.clone(),
        scheme: args.scheme.resolve()?,
    };
    inputs::require_decodable(&canonical, "the canonical table", &options.scheme, &aliases)
        .with_context(|| format!("--against {}", args.against))?;
    isa_codegen::validate(&canonical, &options.scheme)
        .with_context(|| format!("--against {}", args.against))?;
    let index = Canonical::new(&canonical, &aliases);
    let scan_options = args
        .limits
        .options(args.min_confidence, std::io::stderr().is_terminal());
    let found = inputs::load_implementation(&args.sources, &scan_options, &args.tables)?;
    let (checked, skipped): (Vec<Checked>, Vec<Checked>) =
        found.into_iter().partition(|f| index.shared(&f.table) > 0);
    for s in &skipped {
        style::note(&format!(
            "ignored {} ({}): no instruction in common with the canonical table",
            s.symbol, s.table.implementation
        ));
    }
    if checked.is_empty() {
        let names: Vec<&str> = skipped
            .iter()
            .map(|s| s.table.implementation.as_str())
            .collect();
        bail!(
            "none of the {} table(s) found shares an instruction with {}: {}\nhint: point SOURCE_PATH at the implementation's opcode table, or pass --aliases for renamed instructions",
            skipped.len(),
            args.against,
            names.join(", ")
        );
    }
    let mut divergences = Vec::new();
    let mut per_table = Vec::new();
    for f in &checked {
        let d = compare(&index, &f.table, &options);
        per_table.push(d.len());
        divergences.extend(d);
    }
    let failed = divergences
        .iter()
        .any(|d| args.report.fail_on.fails(d.severity));
    let report = ConformReport {
        canonical: &canonical,
        canonical_arg: &args.against,
        checked: &checked,
        per_table: &per_table,
        skipped: &skipped,
        divergences: &divergences,
        fail_on: args.report.fail_on,
        failed,
    };
    let out = match args.report.format {
        ReportFormat::Text => report.text(),
        ReportFormat::Json => json(&report.json()),
        ReportFormat::Sarif => json(&report.sarif()),
    };
    write_stdout(&out)?;
    Ok(if failed { EXIT_FAIL } else { EXIT_OK })
}
