//! `lineage`'s report: numbering families as JSON and text.

use isa_arbitrate::Lineage;
use serde_json::{json, Value};

use crate::style::{paint, Style};

/// Rounds a score to four decimals so JSON output is stable and readable.
fn round4(v: f64) -> f64 {
    (v * 10_000.0).round() / 10_000.0
}

/// The JSON document.
pub fn lineages_json(families: &[Lineage]) -> Value {
    let list: Vec<Value> = families
        .iter()
        .map(|l| {
            let members: Vec<Value> = l
                .members
                .iter()
                .map(|m| {
                    json!({
                        "implementation": m.implementation,
                        "agreement": round4(m.score),
                        "instructions": m.instructions,
                        "matches": m.agreement.matches,
                        "deviations": m.agreement.deviations,
                        "clashes": m.agreement.clashes,
                    })
                })
                .collect();
            json!({"name": l.name, "members": members})
        })
        .collect();
    json!({ "lineages": list })
}

/// The `lineage` text report.
pub fn render_text(families: &[Lineage]) -> String {
    let mut out = String::new();
    let (groups, singles): (Vec<&Lineage>, Vec<&Lineage>) =
        families.iter().partition(|l| l.members.len() > 1);
    for l in &groups {
        out.push_str(&format!(
            "{} ({} members, head has {} instructions)\n",
            paint(Style::Bold, &l.name),
            l.members.len(),
            l.members[0].instructions
        ));
        for m in &l.members[1..] {
            let a = &m.agreement;
            out.push_str(&format!(
                "  {:>4.0}%  {}  ({} matching, {} renumbered, {} clashing; {} instructions)\n",
                m.score * 100.0,
                m.implementation,
                a.matches,
                a.deviations,
                a.clashes,
                m.instructions
            ));
        }
    }
    if !singles.is_empty() {
        let names: Vec<&str> = singles.iter().map(|l| l.name.as_str()).collect();
        out.push_str(&format!(
            "{} {}\n",
            paint(Style::Dim, "singletons (follow no other numbering):"),
            names.join(", ")
        ));
    }
    out.push_str(&format!(
        "{} families of two or more, {} singletons\n",
        groups.len(),
        singles.len()
    ));
    out
}
