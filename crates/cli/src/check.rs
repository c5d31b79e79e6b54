//! `isa-authority check`: compare tables N-way and report every conflict.

use std::path::PathBuf;

use anyhow::{Context, Result};
use isa_core::conflict::hex_opcode;
use isa_core::{detect, CheckOptions, Conflict, ConflictKind, Report, Scheme, Severity};
use serde_json::{json, Map, Value};

use crate::sarif;
use crate::style::{paint, Style, MAX_PAD};
use crate::{inputs, EXIT_FAIL, EXIT_OK};

/// Output formats of reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// A readable report grouped by severity.
    Text,
    /// The JSON contract (docs/reference/json-contracts.md).
    Json,
    /// SARIF 2.1.0, for code-scanning views.
    Sarif,
}

/// The `--fail-on` threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    /// Fail on critical conflicts only.
    Critical,
    /// Fail on errors and above (default).
    Error,
    /// Fail on warnings and above.
    Warning,
    /// Fail on anything, info included.
    Info,
    /// Never fail because of conflicts (exit 0 unless the input is bad).
    Never,
}

impl FailOn {
    /// The lowest severity that fails, `None` for `never`.
    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Critical => Some(Severity::Critical),
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Info => Some(Severity::Info),
            FailOn::Never => None,
        }
    }

    /// The option value (`error`).
    pub fn as_str(self) -> &'static str {
        match self {
            FailOn::Critical => "critical",
            FailOn::Error => "error",
            FailOn::Warning => "warning",
            FailOn::Info => "info",
            FailOn::Never => "never",
        }
    }
}

/// Arguments of `check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Table files (.json interchange or .toml) or directories of them.
    #[arg(required = true, value_name = "TABLE")]
    pub tables: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: ReportFormat,

    /// Exit 1 when any conflict is at or above this severity.
    #[arg(long, value_enum, default_value = "error", value_name = "SEVERITY")]
    pub fail_on: FailOn,

    /// Alias map (TOML `IADD = "ADD"` lines, or a JSON object) applied before comparison.
    #[arg(long, value_name = "FILE")]
    pub aliases: Option<PathBuf>,

    /// Format scheme for letters a table does not declare.
    #[arg(long, default_value = "flux-unified", value_parser = clap::builder::PossibleValuesParser::new(Scheme::BUILTIN_NAMES))]
    pub scheme: String,

    /// Leave info-level diagnostics (alias hints, unknown formats) out of the report.
    #[arg(long)]
    pub no_info: bool,
}

/// Runs `check`.
pub fn run(args: Args) -> Result<u8> {
    let aliases = crate::inputs::aliases(args.aliases.as_deref())?;
    let tables = inputs::load(&args.tables)?;
    let options = CheckOptions {
        aliases,
        scheme: Scheme::builtin(&args.scheme).context("unknown scheme")?,
        ..CheckOptions::new()
    };
    let mut report = detect(&tables, &options);
    if args.no_info {
        report.drop_info();
    }
    let failed = args
        .fail_on
        .threshold()
        .is_some_and(|t| report.count_at_least(t) > 0);
    let out = match args.format {
        ReportFormat::Text => render_text(&report, args.fail_on, failed),
        ReportFormat::Json => pretty(&report_json(&report, args.fail_on, failed)),
        ReportFormat::Sarif => pretty(&sarif(&report)),
    };
    print!("{out}");
    Ok(if failed { EXIT_FAIL } else { EXIT_OK })
}

pub use crate::output::json as pretty;

fn severity_style(s: Severity) -> Style {
    match s {
        Severity::Critical => Style::Critical,
        Severity::Error => Style::Error,
        Severity::Warning => Style::Warning,
        Severity::Info => Style::Info,
    }
}

/// The text report (`--format text`).
pub fn render_text(report: &Report, fail_on: FailOn, failed: bool) -> String {
    let mut out = String::new();
    for severity in Severity::DESCENDING {
        let group: Vec<&Conflict> = report
            .conflicts
            .iter()
            .filter(|c| c.severity == severity)
            .collect();
        if group.is_empty() {
            continue;
        }
        let title = format!("{} ({})", severity.as_str().to_uppercase(), group.len());
        out.push_str(&format!("{}\n\n", paint(severity_style(severity), &title)));
        for c in group {
            out.push_str(&format!(
                "{}[{}] {}: {}\n",
                paint(severity_style(severity), severity.as_str()),
                c.kind,
                paint(Style::Dim, &c.id),
                paint(Style::Bold, &c.message)
            ));
            let width = c
                .entries
                .iter()
                .map(|e| e.implementation.len())
                .max()
                .unwrap_or(0)
                .min(MAX_PAD);
            let op_width = c
                .entries
                .iter()
                .map(|e| hex_opcode(e.opcode).len())
                .max()
                .unwrap_or(0)
                .min(MAX_PAD);
            let m_width = c
                .entries
                .iter()
                .map(|e| e.mnemonic.as_deref().unwrap_or("-").len())
                .max()
                .unwrap_or(0)
                .min(MAX_PAD);
            let locations: Vec<String> = c
                .entries
                .iter()
                .map(|e| {
                    e.location
                        .as_ref()
                        .map(|l| l.to_string())
                        .unwrap_or_else(|| "(no location)".into())
                })
                .collect();
            let l_width = locations
                .iter()
                .map(|l| l.len())
                .max()
                .unwrap_or(0)
                .min(MAX_PAD);
            for (e, location) in c.entries.iter().zip(&locations) {
                let layout = match (&e.format, &e.layout) {
                    (Some(f), Some(l)) => format!("  format {f} [{l}]"),
                    (Some(f), None) => format!("  format {f} [layout unknown]"),
                    _ => String::new(),
                };
                let row = format!(
                    "    {:width$}  {:>op_width$}  {:m_width$}  {}{}",
                    e.implementation,
                    hex_opcode(e.opcode),
                    e.mnemonic.as_deref().unwrap_or("-"),
                    paint(Style::Dim, &format!("{location:l_width$}")),
                    layout,
                );
                out.push_str(row.trim_end());
                out.push('\n');
            }
            out.push('\n');
        }
    }
    let s = &report.summary;
    let counts: Vec<String> = Severity::DESCENDING
        .iter()
        .map(|sev| format!("{} {}", s.by_severity.get(sev).copied().unwrap_or(0), sev))
        .collect();
    out.push_str(&format!(
        "{} tables, {} entries ({} instructions): {} conflict{} — {}\n",
        s.tables,
        s.entries,
        s.instructions,
        report.conflicts.len(),
        if report.conflicts.len() == 1 { "" } else { "s" },
        counts.join(", ")
    ));
    let verdict = if failed {
        paint(
            Style::Error,
            &format!("FAIL: conflicts at or above `{}`", fail_on.as_str()),
        )
    } else {
        paint(
            Style::Good,
            &format!("ok: nothing at or above `{}`", fail_on.as_str()),
        )
    };
    out.push_str(&verdict);
    out.push('\n');
    out
}

fn location_json(l: &Option<isa_core::Location>) -> Value {
    match l {
        Some(l) => json!({"file": l.file, "line": l.line, "column": l.column}),
        None => Value::Null,
    }
}

/// One conflict in the JSON contract.
pub fn conflict_json(c: &Conflict) -> Value {
    let entries: Vec<Value> = c
        .entries
        .iter()
        .map(|e| {
            json!({
                "implementation": &*e.implementation,
                "opcode": e.opcode,
                "mnemonic": e.mnemonic,
                "format": e.format,
                "layout": e.layout.as_deref(),
                "location": location_json(&e.location),
            })
        })
        .collect();
    json!({
        "id": c.id,
        "kind": c.kind.as_str(),
        "severity": c.severity.as_str(),
        "opcode": c.opcode,
        "mnemonic": c.mnemonic,
        "implementations": c.implementations.iter().map(|s| &**s).collect::<Vec<&str>>(),
        "entries": entries,
        "message": c.message,
    })
}

/// The `check --format json` document.
pub fn report_json(report: &Report, fail_on: FailOn, failed: bool) -> Value {
    let s = &report.summary;
    let by_severity: Map<String, Value> = Severity::DESCENDING
        .iter()
        .map(|sev| {
            (
                sev.as_str().to_string(),
                json!(s.by_severity.get(sev).copied().unwrap_or(0)),
            )
        })
        .collect();
    let by_kind: Map<String, Value> = ConflictKind::ALL
        .iter()
        .map(|k| {
            (
                k.as_str().to_string(),
                json!(s.by_kind.get(k).copied().unwrap_or(0)),
            )
        })
        .collect();
    json!({
        "conflicts": report.conflicts.iter().map(conflict_json).collect::<Vec<_>>(),
        "summary": {
            "tables": s.tables,
            "entries": s.entries,
            "instructions": s.instructions,
            "conflicts": report.conflicts.len(),
            "by_severity": by_severity,
            "by_kind": by_kind,
            "fail_on": fail_on.as_str(),
            "failed": failed,
        }
    })
}

/// A SARIF 2.1.0 log of a report: one rule per conflict kind, one result per conflict with the
/// first entry as its location and the others as related locations.
pub fn sarif(report: &Report) -> Value {
    let rules: Vec<Value> = ConflictKind::ALL
        .iter()
        .map(|k| sarif::rule(k.as_str(), k.description(), k.severity()))
        .collect();
    let results: Vec<Value> = report
        .conflicts
        .iter()
        .map(|c| {
            let describe = |e: &isa_core::ConflictEntry| {
                format!("{}: {} = {}", e.implementation, e.mnemonic.as_deref().unwrap_or("-"), hex_opcode(e.opcode))
            };
            let located: Vec<&isa_core::ConflictEntry> = c.entries.iter().filter(|e| e.location.is_some()).collect();
            let mut result = json!({
                "ruleId": c.kind.as_str(),
                "ruleIndex": ConflictKind::ALL.iter().position(|k| *k == c.kind),
                "level": sarif::level(c.severity),
                "message": {"text": c.message},
                "partialFingerprints": {"isaAuthorityConflictId/v1": c.id},
                "properties": {"severity": c.severity.as_str(), "implementations": c.implementations.iter().map(|s| &**s).collect::<Vec<&str>>()},
            });
            if let Some(primary) = located.first() {
                let loc = primary.location.as_ref().expect("filtered");
                result["locations"] = json!([sarif::location(loc, Some(describe(primary)))]);
                let related: Vec<Value> = located[1..]
                    .iter()
                    .enumerate()
                    .map(|(i, e)| {
                        let mut v = sarif::location(e.location.as_ref().expect("filtered"), Some(describe(e)));
                        v["id"] = json!(i + 1);
                        v
                    })
                    .collect();
                if !related.is_empty() {
                    result["relatedLocations"] = Value::Array(related);
                }
            }
            result
        })
        .collect();
    sarif::log(rules, results)
}
