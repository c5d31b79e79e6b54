//! `isa-authority check`: compare tables N-way and report every conflict.

use std::path::PathBuf;

use anyhow::Result;
use isa_core::{CheckOptions, Detection};
use isa_report::check::{
    render_summary, summary_json, write_detection_json, write_report_json, write_sarif, write_text,
    TextOptions,
};

use crate::args::{AliasArg, ReportArgs, ReportFormat, SchemeArg};
use crate::inputs;
use crate::output::{discard, json, stream_stdout, write_stdout, EXIT_FAIL, EXIT_OK};

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
    if args.max_entries.is_some() && !args.summary && args.report.format != ReportFormat::Text {
        anyhow::bail!(
            "--max-entries shortens the text report; the JSON and SARIF documents stay complete"
        );
    }
    if !args.summary && args.report.format == ReportFormat::Json {
        // Streamed as it is serialised, each conflict's entry views made as they are written:
        // a report of 1,000 tables is hundreds of megabytes, and half a million views.
        stream_stdout(|out| write_detection_json(out, &detection, fail_on, failed))?;
        discard(detection);
        discard(tables);
        return Ok(if failed { EXIT_FAIL } else { EXIT_OK });
    }
    let report = detection.into_report();
    if args.summary {
        match args.report.format {
            ReportFormat::Text => write_stdout(&render_summary(&report, fail_on, failed))?,
            ReportFormat::Json => write_stdout(&json(&summary_json(&report, fail_on, failed)))?,
            ReportFormat::Sarif => anyhow::bail!(
                "--summary has no SARIF form (a SARIF log lists every result)\nhint: use --format json or text with --summary"
            ),
        }
        discard((tables, report));
        return Ok(if failed { EXIT_FAIL } else { EXIT_OK });
    }
    match args.report.format {
        ReportFormat::Text => {
            let options = TextOptions {
                max_entries: args.max_entries,
            };
            // Written as it is made: the text of 1,000 tables is tens of megabytes.
            stream_stdout(|out| write_text(out, &report, fail_on, failed, options))?
        }
        // Written from the detection above; the report gives the same bytes.
        ReportFormat::Json => {
            stream_stdout(|out| write_report_json(out, &report, fail_on, failed))?
        }
        // Streamed too: the log of 1,000 tables is a quarter of a gigabyte.
        ReportFormat::Sarif => stream_stdout(|out| write_sarif(out, &report))?,
    }
    discard((tables, report));
    Ok(if failed { EXIT_FAIL } else { EXIT_OK })
}
