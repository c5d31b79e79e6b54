//! SARIF 2.1.0 pieces shared by every command that reports to code-scanning views (`check`,
//! `conform`): one rule per diagnostic kind, results located by physical locations, and the
//! log envelope. Severities map to SARIF levels the same way everywhere.

use isa_core::{Location, Severity};
use serde_json::{json, Map, Value};

/// The SARIF level of a severity: critical and error are `error`, info is `note`.
pub fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A rule (one per diagnostic kind).
pub fn rule(id: &str, description: &str, severity: Severity) -> Value {
    json!({
        "id": id,
        "shortDescription": {"text": description},
        "defaultConfiguration": {"level": level(severity)},
        "properties": {"severity": severity.as_str()},
    })
}

/// A location: the file (with `/` separators) and, when known, line and column, plus an
/// optional message.
pub fn location(l: &Location, message: Option<String>) -> Value {
    let mut region = Map::new();
    if l.line > 0 {
        region.insert("startLine".into(), json!(l.line));
        if l.column > 0 {
            region.insert("startColumn".into(), json!(l.column));
        }
    }
    let mut physical = json!({"artifactLocation": {"uri": l.file.replace('\\', "/")}});
    if !region.is_empty() {
        physical["region"] = Value::Object(region);
    }
    let mut loc = json!({"physicalLocation": physical});
    if let Some(m) = message {
        loc["message"] = json!({"text": m});
    }
    loc
}

/// The log: one run of isa-authority with its rules and results.
pub fn log(rules: Vec<Value>, results: Vec<Value>) -> Value {
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "isa-authority",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "results": results,
        }]
    })
}
