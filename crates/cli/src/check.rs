//! `isa-authority check`: compare tables N-way and report every conflict.

use std::path::PathBuf;

use anyhow::Result;
use isa_core::{CheckOptions, Detection};
use isa_report::check::{
    render_detection_summary, write_detection_json, write_detection_summary_json,
    write_detection_text, write_sarif, TextOptions,
};

use crate::args::{AliasArg, ReportArgs, ReportFormat, SchemeArg};
use crate::inputs;
use crate::output::{discard, stream_stdout, write_stdout, EXIT_FAIL, EXIT_OK};

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

    /// Print only the counts by severity and kind and the first 10 conflicts, most severe
    /// first (with `--format json`: `{"summary", "top"}`). The verdict and exit code are the
    /// full report's.
    #[arg(long, conflicts_with = "max_entries")]
    pub summary: bool,

    /// Text output: at most N entry rows per conflict, then how many more there are.
    #[arg(long, value_name = "N")]
    pub max_entries: Option<usize>,
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
    let mut detection = Detection::run(&tables, &options);
    if args.no_info {
        detection.drop_info();
    }
    let fail_on = args.report.fail_on;
    let failed = fail_on
        .threshold()
        .is_some_and(|t| detection.count_at_least(t) > 0);
    if args.summary {
        // From the detection: only the conflicts shown have their entries made.
        match args.report.format {
            ReportFormat::Text => {
                write_stdout(&render_detection_summary(&detection, fail_on, failed))?
            }
            ReportFormat::Json => stream_stdout(|out| {
                write_detection_summary_json(out, &detection, fail_on, failed)
            })?,
            ReportFormat::Sarif => anyhow::bail!(
                "--summary has no SARIF form (a SARIF log lists every result)\nhint: use --format json or text with --summary"
            ),
        }
        discard(detection);
        discard(tables);
        return Ok(if failed { EXIT_FAIL } else { EXIT_OK });
    }
    if args.max_entries.is_some() && args.report.format != ReportFormat::Text {
        anyhow::bail!(
            "--max-entries shortens the text report; the JSON and SARIF documents stay complete"
        );
    }
    // Every document is written as it is made: for 1,000 tables the JSON report is hundreds of
    // megabytes, the SARIF log a quarter of a gigabyte, the text tens of megabytes.
    match args.report.format {
        // From the detection: each conflict's entry views are made as they are written, never
        // all at once (half a million of them for 1,000 tables).
        ReportFormat::Json => {
            stream_stdout(|out| write_detection_json(out, &detection, fail_on, failed))?;
            discard(detection);
        }
        ReportFormat::Text => {
            let options = TextOptions {
                max_entries: args.max_entries,
            };
            stream_stdout(|out| write_detection_text(out, &detection, fail_on, failed, options))?;
            discard(detection);
        }
        ReportFormat::Sarif => {
            let report = detection.into_report();
            stream_stdout(|out| write_sarif(out, &report))?;
            discard(report);
        }
    }
    discard(tables);
    Ok(if failed { EXIT_FAIL } else { EXIT_OK })
}
