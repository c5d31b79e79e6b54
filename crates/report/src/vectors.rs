//! The report of `isa-authority conformance`: per vector pass / fail / error / skipped and a
//! summary, as text, JSON (docs/reference/json-contracts.md#conformance) or SARIF.

use isa_core::diagnostic::{
    Fingerprint, VECTOR_ERROR_RULE, VECTOR_FAIL_RULE, VECTOR_RULES, VECTOR_SKIPPED_RULE,
};
use isa_core::{Diagnostic, Location};
use isa_semantics::conformance::{RunReport, Verdict};
use serde_json::{json, Value};

use crate::style::escape_controls;

/// The summary line: `221 vectors: 200 pass, 20 fail, 1 error, 0 skipped`.
pub fn summary(report: &RunReport) -> String {
    let [pass, fail, error, skipped] = report.counts();
    format!(
        "{} vectors: {pass} pass, {fail} fail, {error} error{}, {skipped} skipped",
        report.results.len(),
        if error == 1 { "" } else { "s" }
    )
}

/// Text: one line per vector that did not pass (with its reasons), then the summary.
pub fn text(report: &RunReport) -> String {
    let mut out = format!(
        "{} with {}{}\n",
        escape_controls(&report.vectors),
        escape_controls(&report.plugin),
        report
            .table
            .as_deref()
            .map(|t| format!(" (table {})", escape_controls(t)))
            .unwrap_or_default()
    );
    for r in &report.results {
        if r.verdict == Verdict::Pass {
            continue;
        }
        out.push_str(&format!(
            "{} #{} {}: {}\n",
            r.verdict.as_str(),
            r.index,
            escape_controls(&r.name),
            escape_controls(&r.reasons.join("; "))
        ));
    }
    out.push_str(&summary(report));
    out.push('\n');
    out
}

/// JSON: the run, every vector's verdict and reasons, and the counts.
pub fn json(report: &RunReport) -> Value {
    let [pass, fail, error, skipped] = report.counts();
    json!({
        "vectors": report.vectors,
        "table": report.table,
        "plugin": report.plugin,
        "summary": {"total": report.results.len(), "pass": pass, "fail": fail, "error": error, "skipped": skipped},
        "results": report.results.iter().map(|r| json!({
            "index": r.index,
            "name": r.name,
            "verdict": r.verdict.as_str(),
            "reasons": r.reasons,
        })).collect::<Vec<_>>(),
    })
}

/// SARIF 2.1.0: one result per vector that did not pass (fail and error as errors, skipped as
/// notes), located in the vector file; through the one SARIF renderer every report uses.
pub fn sarif(report: &RunReport) -> Value {
    crate::diagnostic::sarif_log(&VECTOR_RULES, diagnostics(report))
}

/// One diagnostic per vector that did not pass, in vector order.
pub fn diagnostics(report: &RunReport) -> impl Iterator<Item = Diagnostic> + '_ {
    report
        .results
        .iter()
        .filter(|r| r.verdict != Verdict::Pass)
        .map(|r| {
            let rule = match r.verdict {
                Verdict::Fail => VECTOR_FAIL_RULE,
                Verdict::Error => VECTOR_ERROR_RULE,
                _ => VECTOR_SKIPPED_RULE,
            };
            let mut d = Diagnostic::new(
                rule,
                format!("{} (#{}): {}", r.name, r.index, r.reasons.join("; ")),
            )
            .at(Location::new(report.vectors.clone(), 0, 0));
            d.fingerprint = Some(Fingerprint {
                key: "vector/v1",
                value: format!("{}#{}", r.name, r.index),
            });
            d
        })
}
