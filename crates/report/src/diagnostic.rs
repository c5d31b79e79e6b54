//! The one renderer per output format of [`isa_core::Diagnostic`]: the text line, the JSON
//! location, and SARIF 2.1.0 (rules, results, related locations, fingerprints, the log).
//! Every command that reports diagnostics — `check`, `conform`, `verify`, the refusals of
//! undecodable tables — writes them through these functions, so a location, a severity or a
//! hint reads the same wherever it appears.

use isa_core::diagnostic::{Property, Rule};
use isa_core::{Diagnostic, Location, Severity};
use serde_json::{json, Map, Value};

use crate::style::{paint, Style};

/// The colour of a severity in text reports.
pub fn severity_style(s: Severity) -> Style {
    match s {
        Severity::Critical => Style::Critical,
        Severity::Error => Style::Error,
        Severity::Warning => Style::Warning,
        Severity::Info => Style::Info,
    }
}

/// `severity[rule]`, painted by severity.
pub fn tag(d: &Diagnostic) -> String {
    format!(
        "{}[{}]",
        paint(severity_style(d.severity), d.severity.as_str()),
        d.rule
    )
}

/// The text line of a diagnostic: `file:line:col: severity[rule]: message`, with `fallback`
/// (an implementation's name, say) in place of a missing location, and the hint on its own
/// indented line (`  hint: …`). No trailing newline.
pub fn line(d: &Diagnostic, fallback: &str) -> String {
    let at = d
        .location
        .as_ref()
        .map(|l| l.to_string())
        .unwrap_or_else(|| fallback.to_string());
    let mut out = format!("{}: {}: {}", paint(Style::Dim, &at), tag(d), d.message);
    if let Some(hint) = &d.hint {
        out.push_str(&format!("\n  hint: {hint}"));
    }
    out
}

/// A location in JSON: `{"file", "line", "column"}`, or `null`.
pub fn location_json(l: Option<&Location>) -> Value {
    match l {
        Some(l) => json!({"file": &*l.file, "line": l.line, "column": l.column}),
        None => Value::Null,
    }
}

/// The SARIF level of a severity: critical and error are `error`, info is `note`.
pub fn sarif_level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A SARIF rule.
pub fn sarif_rule(rule: &Rule) -> Value {
    json!({
        "id": rule.id,
        "shortDescription": {"text": rule.description},
        "defaultConfiguration": {"level": sarif_level(rule.severity)},
        "properties": {"severity": rule.severity.as_str()},
    })
}

/// A SARIF location: the file (with `/` separators) and, when known, line and column, plus an
/// optional message.
pub fn sarif_location(l: &Location, message: Option<&str>) -> Value {
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

fn property_json(p: &Property) -> Value {
    match p {
        Property::Text(s) => json!(s),
        Property::List(items) => json!(items),
    }
}

/// One SARIF result; `rules` is the log's rule list (for `ruleIndex`).
pub fn sarif_result(d: &Diagnostic, rules: &[Rule]) -> Value {
    let mut properties = Map::new();
    properties.insert("severity".into(), json!(d.severity.as_str()));
    for (key, value) in &d.properties {
        properties.insert((*key).into(), property_json(value));
    }
    let mut result = json!({
        "ruleId": d.rule,
        "ruleIndex": rules.iter().position(|r| r.id == d.rule),
        "level": sarif_level(d.severity),
        "message": {"text": d.message},
    });
    if let Some(f) = &d.fingerprint {
        result["partialFingerprints"] = json!({ f.key: f.value });
    }
    result["properties"] = Value::Object(properties);
    if let Some(l) = &d.location {
        result["locations"] = json!([sarif_location(l, d.location_message.as_deref())]);
    }
    let related: Vec<Value> = d
        .related
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut v = sarif_location(&r.location, r.message.as_deref());
            v["id"] = json!(i + 1);
            v
        })
        .collect();
    if !related.is_empty() {
        result["relatedLocations"] = Value::Array(related);
    }
    result
}

/// Writes [`sarif_log`]'s document to `out` as each result is made (the bytes of
/// `pretty_json(&sarif_log(..))`): a log of a large `check` is hundreds of megabytes, whose
/// tree of values took ten times its size in memory before a byte was written. Each result
/// is still one [`sarif_result`] value, made, written and dropped in turn.
pub fn write_sarif_log(
    out: impl std::io::Write,
    rules: &[Rule],
    diagnostics: impl IntoIterator<Item = Diagnostic>,
) -> std::io::Result<()> {
    use crate::stream::key;
    let mut w = crate::stream::Pretty::new(out);
    w.open(b'{');
    key!(w, "$schema");
    w.str(SARIF_SCHEMA);
    key!(w, "version");
    w.str("2.1.0");
    key!(w, "runs");
    w.open(b'[');
    w.element();
    w.open(b'{');
    key!(w, "tool");
    w.value(&sarif_tool(rules))?;
    key!(w, "results");
    w.open(b'[');
    for d in diagnostics {
        w.element();
        w.value(&sarif_result(&d, rules))?;
    }
    w.close(b']')?;
    w.close(b'}')?;
    w.close(b']')?;
    w.close(b'}')?;
    w.finish()
}

const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The log's `tool`: isa-authority and its rules.
fn sarif_tool(rules: &[Rule]) -> Value {
    json!({"driver": {
        "name": "isa-authority",
        "version": env!("CARGO_PKG_VERSION"),
        "rules": rules.iter().map(sarif_rule).collect::<Vec<_>>(),
    }})
}

/// The SARIF 2.1.0 log: one run of isa-authority with its rules and one result per
/// diagnostic ([`write_sarif_log`] writes the same bytes as it goes).
pub fn sarif_log(rules: &[Rule], diagnostics: impl IntoIterator<Item = Diagnostic>) -> Value {
    let results: Vec<Value> = diagnostics
        .into_iter()
        .map(|d| sarif_result(&d, rules))
        .collect();
    json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": sarif_tool(rules),
            "results": results,
        }]
    })
}
