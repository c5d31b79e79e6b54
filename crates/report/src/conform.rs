//! `conform`'s report: the text report (one line per divergence, missing instructions
//! folded per table), the JSON contract and SARIF.

use isa_codegen::conform::{Divergence, DivergenceKind};
use isa_core::{Location, Rule, Severity, Table};
use serde_json::{json, Map, Value};

use crate::check::FailOn;
use crate::diagnostic::{line, location_json, sarif_log};
use crate::style::{paint, Style};

/// One implementation table that was checked (or skipped), with the symbol the scanner found
/// it under and the scanner's confidence (1 for a table file).
#[derive(Debug, Clone)]
pub struct Checked {
    /// The table.
    pub table: Table,
    /// The symbol (or the implementation name, for a table file).
    pub symbol: String,
    /// The scanner's confidence.
    pub confidence: f32,
}

/// Everything `conform` reports.
#[derive(Debug)]
pub struct ConformReport<'a> {
    /// The canonical table.
    pub canonical: &'a Table,
    /// `--against` as given.
    pub canonical_arg: &'a str,
    /// The tables compared.
    pub checked: &'a [Checked],
    /// Divergences per checked table, in the same order.
    pub per_table: &'a [usize],
    /// Tables found but sharing nothing with the canonical table.
    pub skipped: &'a [Checked],
    /// Every divergence.
    pub divergences: &'a [Divergence],
    /// The threshold.
    pub fail_on: FailOn,
    /// Whether the gate fails.
    pub failed: bool,
}

fn table_file(t: &Table) -> Option<String> {
    t.entries
        .iter()
        .find_map(|e| e.location.as_ref().map(|l| l.file.to_string()))
        .or_else(|| t.location.as_ref().map(|l| l.file.to_string()))
        .or_else(|| t.source_path.clone())
}

impl ConformReport<'_> {
    /// Divergences of this severity.
    pub fn count(&self, s: Severity) -> usize {
        self.divergences.iter().filter(|d| d.severity == s).count()
    }

    /// The text report.
    pub fn text(&self) -> String {
        let mut out = String::new();
        // Missing instructions are listed in one line per table: a partial table (a dispatch
        // switch, a mini VM) can lack hundreds, and one line each would bury the errors.
        let mut missing: Vec<(&str, &Option<Location>, Vec<&str>)> = Vec::new();
        for d in self.divergences {
            if d.kind == DivergenceKind::MissingInstruction {
                match missing.iter_mut().find(|m| m.0 == d.implementation) {
                    Some(m) => m.2.push(&d.mnemonic),
                    None => missing.push((&d.implementation, &d.location, vec![&d.mnemonic])),
                }
                continue;
            }
            out.push_str(&line(&d.diagnostic(), &d.implementation));
            out.push('\n');
        }
        for (table, location, names) in &missing {
            let at = location
                .as_ref()
                .map(|l| l.to_string())
                .unwrap_or_else(|| table.to_string());
            out.push_str(&format!(
                "{}: {}[{}]: {} canonical instruction{} missing from {table}: {}\n",
                paint(Style::Dim, &at),
                paint(Style::Warning, "warning"),
                DivergenceKind::MissingInstruction,
                names.len(),
                if names.len() == 1 { " is" } else { "s are" },
                names.join(", ")
            ));
        }
        if !self.divergences.is_empty() {
            out.push('\n');
        }
        let hash = isa_core::hash::table_hash(self.canonical);
        let tables: Vec<String> = self
            .checked
            .iter()
            .map(|f| {
                format!(
                    "{} ({} instructions)",
                    f.table.implementation,
                    f.table.instructions().count()
                )
            })
            .collect();
        out.push_str(&format!(
            "checked {} against {} ({}, {})\n",
            tables.join(", "),
            self.canonical_arg,
            self.canonical
                .isa_version
                .as_deref()
                .unwrap_or(&self.canonical.implementation),
            hash
        ));
        let counts: Vec<String> = Severity::DESCENDING
            .iter()
            .map(|s| format!("{} {}", self.count(*s), s))
            .collect();
        out.push_str(&format!(
            "{} divergence{}: {}\n",
            self.divergences.len(),
            if self.divergences.len() == 1 { "" } else { "s" },
            counts.join(", ")
        ));
        out.push_str(&if self.failed {
            paint(
                Style::Error,
                &format!(
                    "FAIL: diverges from the canonical table (divergences at or above `{}`)",
                    self.fail_on.as_str()
                ),
            )
        } else {
            paint(
                Style::Good,
                &format!(
                    "ok: conforms (nothing at or above `{}`)",
                    self.fail_on.as_str()
                ),
            )
        });
        out.push('\n');
        out
    }

    /// The JSON contract (docs/reference/json-contracts.md#conform).
    pub fn json(&self) -> Value {
        let divergences: Vec<Value> = self
            .divergences
            .iter()
            .map(|d| {
                json!({
                    "kind": d.kind.as_str(),
                    "severity": d.severity.as_str(),
                    "implementation": d.implementation,
                    "mnemonic": d.mnemonic,
                    "source_name": d.source_name,
                    "opcode": d.opcode,
                    "canonical_opcode": d.canonical_opcode,
                    "canonical_mnemonic": d.canonical_mnemonic,
                    "location": location_json(d.location.as_ref()),
                    "canonical_location": location_json(d.canonical_location.as_ref()),
                    "message": d.message,
                })
            })
            .collect();
        let tables: Vec<Value> = self
            .checked
            .iter()
            .zip(self.per_table)
            .map(|(f, n)| {
                json!({
                    "implementation": f.table.implementation,
                    "symbol": f.symbol,
                    "file": table_file(&f.table),
                    "confidence": f.confidence,
                    "instructions": f.table.instructions().count(),
                    "divergences": n,
                })
            })
            .collect();
        let skipped: Vec<Value> = self
            .skipped
            .iter()
            .map(|f| {
                json!({
                    "implementation": f.table.implementation,
                    "symbol": f.symbol,
                    "file": table_file(&f.table),
                    "reason": "no instruction in common with the canonical table",
                })
            })
            .collect();
        let by_kind: Map<String, Value> = DivergenceKind::ALL
            .iter()
            .map(|k| {
                let n = self.divergences.iter().filter(|d| d.kind == *k).count();
                (k.as_str().to_string(), json!(n))
            })
            .collect();
        let by_severity: Map<String, Value> = Severity::DESCENDING
            .iter()
            .map(|s| (s.as_str().to_string(), json!(self.count(*s))))
            .collect();
        json!({
            "canonical": {
                "argument": self.canonical_arg,
                "implementation": self.canonical.implementation,
                "isa_version": self.canonical.isa_version,
                "content_hash": isa_core::hash::table_hash(self.canonical),
                "instructions": self.canonical.instructions().count(),
            },
            "tables": tables,
            "skipped": skipped,
            "divergences": divergences,
            "summary": {
                "tables": self.checked.len(),
                "divergences": self.divergences.len(),
                "by_kind": by_kind,
                "by_severity": by_severity,
                "fail_on": self.fail_on.as_str(),
                "conforms": !self.failed,
            }
        })
    }

    /// SARIF 2.1.0 in the conventions of `check --format sarif`: one rule per divergence kind,
    /// one result per divergence located at the implementation's line, the canonical entry as a
    /// related location, and a content-derived fingerprint.
    pub fn sarif(&self) -> Value {
        let rules: Vec<Rule> = DivergenceKind::ALL.iter().map(|k| k.rule()).collect();
        sarif_log(&rules, self.divergences.iter().map(Divergence::diagnostic))
    }
}
