//! `check`'s report: the text report grouped by severity, the JSON contract
//! (`{"conflicts", "summary"}`, docs/reference/json-contracts.md) and SARIF, and the
//! `--fail-on` threshold `check` and `conform` share.

use isa_core::conflict::hex_opcode;
use isa_core::{Conflict, ConflictKind, Report, Rule, Severity};
use serde_json::{json, Map, Value};

use crate::diagnostic::{location_json, sarif_log, severity_style};
use crate::style::{paint, Style, MAX_PAD};

isa_core::named_enum! {
    /// The `--fail-on` threshold.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
    pub enum FailOn {
        /// Fail on critical findings only.
        Critical => "critical",
        /// Fail on errors and above (default).
        Error => "error",
        /// Fail on warnings and above.
        Warning => "warning",
        /// Fail on anything, info included.
        Info => "info",
        /// Never fail because of findings (exit 0 unless the input is bad).
        Never => "never",
    }
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

    /// True when a finding of `severity` fails at this threshold.
    pub fn fails(self, severity: Severity) -> bool {
        self.threshold().is_some_and(|t| severity >= t)
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
                "location": location_json(e.location.as_ref()),
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
/// first located entry as its location and the others as related locations.
pub fn sarif(report: &Report) -> Value {
    let rules: Vec<Rule> = ConflictKind::ALL.iter().map(|k| k.rule()).collect();
    sarif_log(&rules, report.conflicts.iter().map(Conflict::diagnostic))
}

/// Why a table cannot be decoded unambiguously (see [`isa_core::undecodable`]), in `check`'s
/// words, or `None` when it can: what every command that would otherwise write or serve such a
/// table (gen, translate, propose, the registry) refuses it with. `role` says which table it is
/// (`the target table`).
pub fn undecodable_message(
    table: &isa_core::Table,
    role: &str,
    scheme: &isa_core::Scheme,
    aliases: &isa_core::Aliases,
) -> Option<String> {
    let options = isa_core::CheckOptions {
        aliases: aliases.clone(),
        scheme: scheme.clone(),
        hint_limit: 0,
    };
    let problems = isa_core::undecodable(table, &options);
    if problems.is_empty() {
        return None;
    }
    let mut text = format!(
        "{role} {} cannot be decoded unambiguously ({} problem{}; `check` reports the same):",
        table.implementation,
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    );
    const SHOWN: usize = 10;
    for c in problems.iter().take(SHOWN) {
        let line = crate::diagnostic::line(&c.diagnostic(), &table.implementation);
        text.push_str(&format!("\n  {line}"));
    }
    if problems.len() > SHOWN {
        text.push_str(&format!("\n  … and {} more", problems.len() - SHOWN));
    }
    Some(text)
}
