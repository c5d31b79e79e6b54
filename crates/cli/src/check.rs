//! `isa-authority check`: compare tables N-way and report every conflict.

use std::path::PathBuf;

use anyhow::Result;
use isa_core::{detect, CheckOptions};
use isa_report::check::{render_text, report_json, sarif};

use crate::args::{AliasArg, ReportArgs, ReportFormat, SchemeArg};
use crate::inputs;
use crate::output::{json, write_stdout, EXIT_FAIL, EXIT_OK};

/// Arguments of `check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Table files (.json interchange or .toml) or directories of them.
    #[arg(required = true, value_name = "TABLE")]
    pub tables: Vec<PathBuf>,

    #[command(flatten)]
    pub report: ReportArgs,

    #[command(flatten)]
    pub aliases: AliasArg,

    #[command(flatten)]
    pub scheme: SchemeArg,

    /// Leave info-level diagnostics (alias hints, unknown formats) out of the report.
    #[arg(long)]
    pub no_info: bool,
}

/// Runs `check`.
pub fn run(args: Args) -> Result<u8> {
    let aliases = args.aliases.load()?;
    let tables = inputs::load(&args.tables)?;
    let options = CheckOptions {
        aliases,
        scheme: args.scheme.resolve()?,
        ..CheckOptions::new()
    };
    let mut report = detect(&tables, &options);
    if args.no_info {
        report.drop_info();
    }
    let fail_on = args.report.fail_on;
    let failed = fail_on
        .threshold()
        .is_some_and(|t| report.count_at_least(t) > 0);
    let out = match args.report.format {
        ReportFormat::Text => render_text(&report, fail_on, failed),
        ReportFormat::Json => json(&report_json(&report, fail_on, failed)),
        ReportFormat::Sarif => json(&sarif(&report)),
    };
    write_stdout(&out)?;
    Ok(if failed { EXIT_FAIL } else { EXIT_OK })
}
