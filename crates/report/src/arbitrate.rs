//! `arbitrate`'s report: the JSON contract (`{"canonical", "decisions", "cost"}`) and the text
//! report (one line per decision, then the shape of the canonical space).

use isa_arbitrate::{Cost, Decision, Outcome, Strategy};
use isa_core::conflict::hex_opcode;
use serde_json::{json, Map, Value};

use crate::style::{paint, Style};

/// A cost as a JSON number: an integer when whole.
pub fn cost_json(cost: Cost) -> Value {
    if cost.is_whole() {
        json!(cost.units())
    } else {
        json!(cost.as_f64())
    }
}

/// One decision. `layout` is the verdict of the one comparison rule over every pair of
/// implementations' operand facts (`differs`, `same` or `unknown`); `layouts` lists the
/// distinct known facts and who gives them.
fn decision_json(d: &Decision) -> Value {
    let votes: Map<String, Value> = d.votes.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
    let layouts: Vec<Value> = d
        .layouts
        .iter()
        .map(|v| json!({"layout": v.layout, "implementations": v.implementations}))
        .collect();
    json!({
        "mnemonic": d.mnemonic,
        "opcode": d.opcode,
        "strategy": d.strategy,
        "winner": d.winner,
        "votes": votes,
        "rationale": d.rationale,
        "cost": cost_json(d.cost),
        "layout": d.layout.as_str(),
        "layouts": layouts,
    })
}

/// The `--format json` document.
pub fn outcome_json(outcome: &Outcome) -> Value {
    json!({
        "canonical": isa_io::table_to_json(&outcome.canonical),
        "decisions": outcome.decisions.iter().map(decision_json).collect::<Vec<_>>(),
        "cost": cost_json(outcome.cost),
    })
}

/// The text report (`--format text`).
pub fn render_text(outcome: &Outcome, strategy: Strategy, tables: usize) -> String {
    let mut out = String::new();
    let instructions = outcome.canonical.instructions().count();
    let width = outcome
        .decisions
        .iter()
        .map(|d| d.mnemonic.len())
        .max()
        .unwrap_or(0)
        .min(16);
    for d in &outcome.decisions {
        let tag = if d.strategy == "manual" {
            paint(Style::Info, "manual")
        } else {
            paint(Style::Dim, &d.strategy)
        };
        let warn = if d.layout_disagreement() {
            format!(" {}", paint(Style::Warning, "[layout]"))
        } else {
            String::new()
        };
        out.push_str(&format!(
            "{:<6} {} {tag} cost {}{warn}: {}\n",
            hex_opcode(d.opcode),
            paint(Style::Bold, &format!("{:<width$}", d.mnemonic)),
            d.cost,
            d.rationale,
        ));
    }
    let layouts = outcome
        .decisions
        .iter()
        .filter(|d| d.layout_disagreement())
        .count();
    let escapes = outcome.canonical.encoding.escape_list();
    let space = if escapes.is_empty() {
        "one-byte opcodes".to_string()
    } else {
        let paged = outcome
            .canonical
            .instructions()
            .filter(|e| e.opcode > 0xFF)
            .count();
        format!(
            "{} one-byte, {paged} on the escape page{} of {}",
            instructions - paged,
            if escapes.len() == 1 { "" } else { "s" },
            escapes
                .iter()
                .map(|&e| hex_opcode(e))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    out.push_str(&format!(
        "{} {tables} tables, strategy {strategy}: {instructions} instructions ({space}), {} decisions ({layouts} layout disagreements), total renumbering cost {}\n",
        paint(Style::Good, "arbitrated"),
        outcome.decisions.len(),
        outcome.cost
    ));
    out
}
