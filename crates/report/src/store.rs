//! The store commands' reports: a declared version, a diff between versions (JSON and
//! text), and the verification report (JSON and text lines).

use isa_core::conflict::hex_opcode;
use isa_core::diff::{Change, Compatibility, Diff};
use isa_history::{Declared, VerifyReport};
use serde_json::{json, Value};

use crate::style::{paint, Style};

/// One declared version as `log --format json` and `declare --format json` print it.
pub fn version_json(d: &Declared) -> Value {
    let p = &d.record.proposal;
    json!({
        "version": p.version.to_string(),
        "hash": d.hash,
        "table_hash": p.table_hash(),
        "sequence": d.record.sequence,
        "previous": d.record.previous,
        "proposal": p.id(),
        "message": p.message,
        "approved_by": d.record.approvals.iter().map(|a| a.maintainer.as_str()).collect::<Vec<_>>(),
        "renames": p.renames.iter().map(|r| json!({"from": r.from, "to": r.to})).collect::<Vec<_>>(),
        "overrides": p.overrides.iter().map(|o| json!({"opcode": o.opcode, "reason": o.reason})).collect::<Vec<_>>(),
        "instructions": p.table.instructions().count(),
    })
}

/// One change of a diff.
pub fn change_json(c: &Change) -> Value {
    json!({
        "kind": c.kind.as_str(),
        "mnemonic": c.mnemonic,
        "previous": c.previous,
        "from": c.from,
        "to": c.to,
        "breaking": c.breaking,
        "breaks_forward": c.breaks_forward,
        "detail": c.detail,
    })
}

/// The `diff --format json` document.
pub fn diff_json(from: &str, to: &str, d: &Diff) -> Value {
    json!({
        "from": from,
        "to": to,
        "changes": d.changes.iter().map(change_json).collect::<Vec<_>>(),
        "compatibility": {
            "backward": d.backward,
            "forward": d.forward,
            "full": d.full,
        },
        "summary": {
            "changes": d.changes.len(),
            "breaking": d.breaking_count(),
            "unchanged": d.unchanged,
        },
    })
}

/// The `diff` text report.
pub fn diff_text(from: &str, to: &str, d: &Diff) -> String {
    let mut out = format!("{from} -> {to}: {} change(s)\n", d.changes.len());
    let op = |o: Option<u32>| o.map_or("-".to_string(), hex_opcode);
    for c in &d.changes {
        let mark = if c.breaking {
            paint(Style::Error, "breaking")
        } else if c.breaks_forward {
            paint(Style::Warning, "forward ")
        } else {
            paint(Style::Good, "safe    ")
        };
        out.push_str(&format!(
            "  {mark}  {:<14} {:<12} {:>6} -> {:<6}  {}\n",
            c.kind.as_str(),
            c.mnemonic,
            op(c.from),
            op(c.to),
            paint(Style::Dim, &c.detail)
        ));
    }
    for mode in Compatibility::ALL {
        let ok = d.is_compatible(mode);
        let word = if ok {
            paint(Style::Good, "compatible")
        } else {
            paint(Style::Error, "INCOMPATIBLE")
        };
        out.push_str(&format!("{:<9} {word}\n", format!("{mode}:")));
    }
    out
}

/// The `verify --format json` document.
pub fn verify_json(report: &VerifyReport, head_problem: Option<&str>) -> Value {
    let mut findings: Vec<Value> = report
        .findings
        .iter()
        .map(|f| json!({"file": f.file, "subject": f.subject, "message": f.message}))
        .collect();
    if let Some(problem) = head_problem {
        findings.push(json!({"file": "history/", "subject": null, "message": problem}));
    }
    json!({
        "ok": findings.is_empty(),
        "findings": findings,
        "versions": report.versions.iter().map(|v| json!({"version": v.version, "hash": v.hash})).collect::<Vec<_>>(),
        "head": report.versions.last().map(|v| v.hash.clone()),
        "genesis": report.genesis,
        "checked": {
            "versions": report.versions.len(),
            "proposals": report.proposals,
            "approvals": report.approvals,
            "signatures": report.signatures,
        },
        "ignored": report.ignored,
    })
}

/// The `verify` text lines for the findings: `FAIL file: subject: message`, one per finding,
/// then the `--head` problem if any.
pub fn verify_findings_text(report: &VerifyReport, head_problem: Option<&str>) -> String {
    let mut out = String::new();
    for f in &report.findings {
        out.push_str(&format!(
            "{} {}\n",
            paint(Style::Error, "FAIL"),
            f.diagnostic()
        ));
    }
    if let Some(p) = head_problem {
        out.push_str(&format!("{} history/: {p}\n", paint(Style::Error, "FAIL")));
    }
    out
}
