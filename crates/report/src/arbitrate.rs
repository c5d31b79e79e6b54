//! `arbitrate`'s report: the JSON contract (`{"canonical", "decisions", "cost"}`) and the text
//! report (one line per decision, then the shape of the canonical space).

use isa_arbitrate::{Cost, Decision, Outcome, Strategy};
use isa_core::conflict::hex_opcode;
use serde_json::{json, Map, Value};

use crate::stream::key;
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
    let votes: Map<String, Value> = d
        .votes
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    let layouts: Vec<Value> = d
        .layouts
        .iter()
        .map(|v| {
            let names: Vec<&str> = v.implementations.iter().map(|n| &**n).collect();
            json!({"layout": v.layout, "implementations": names})
        })
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

/// Writes the `--format json` document to `out`: the bytes of
/// `pretty_json(&outcome_json(outcome))` without the tree (the decisions of a thousand tables
/// are a vote per implementation each, and building their tree was a tenth of the run). The
/// canonical table and the costs, small, go through their `Value`s; a test holds the whole
/// to [`outcome_json`].
pub fn write_outcome_json(out: impl std::io::Write, outcome: &Outcome) -> std::io::Result<()> {
    let mut w = crate::stream::Pretty::new(out);
    w.open(b'{');
    key!(w, "canonical");
    w.value(&isa_io::table_to_json(&outcome.canonical))?;
    key!(w, "decisions");
    w.open(b'[');
    for d in &outcome.decisions {
        w.element();
        w.open(b'{');
        key!(w, "mnemonic");
        w.str(&d.mnemonic);
        key!(w, "opcode");
        w.uint(u64::from(d.opcode));
        key!(w, "strategy");
        w.str(&d.strategy);
        key!(w, "winner");
        w.opt_str(d.winner.as_deref());
        key!(w, "votes");
        w.open(b'{');
        for (name, number) in &d.votes {
            w.key(name);
            w.uint(u64::from(*number));
        }
        w.close(b'}')?;
        key!(w, "rationale");
        w.str(&d.rationale);
        key!(w, "cost");
        w.value(&cost_json(d.cost))?;
        key!(w, "layout");
        w.str(d.layout.as_str());
        key!(w, "layouts");
        w.open(b'[');
        for v in &d.layouts {
            w.element();
            w.open(b'{');
            key!(w, "layout");
            w.str(&v.layout);
            key!(w, "implementations");
            w.open(b'[');
            for name in &v.implementations {
                w.element();
                w.str(name);
            }
            w.close(b']')?;
            w.close(b'}')?;
        }
        w.close(b']')?;
        w.close(b'}')?;
    }
    w.close(b']')?;
    key!(w, "cost");
    w.value(&cost_json(outcome.cost))?;
    w.close(b'}')?;
    w.finish()
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

#[cfg(test)]
mod tests {
    use super::*;
    use isa_core::{Entry, Table};

    /// The written document is the bytes of the tree rendered by `pretty_json`: votes, layout
    /// variants, a fractional cost (weights) and names with controls included.
    #[test]
    fn the_written_outcome_is_the_rendered_outcome() {
        let table = |name: &str, entries: Vec<Entry>| Table {
            entries,
            ..Table::new(name)
        };
        let mut wide = Entry::new(0x21, "ADD");
        wide.format = Some("C".into());
        let mut narrow = Entry::new(0x22, "ADD");
        narrow.format = Some("B".into());
        let tables = [
            table("vm-a", vec![wide, Entry::new(0x30, "SUB\u{9b}")]),
            table("vm-b\u{7f}", vec![narrow, Entry::new(0x31, "SUB\u{9b}")]),
            table("vm-c", vec![Entry::new(0x40, "MUL")]),
        ];
        let mut options = isa_arbitrate::Options::new(Strategy::Optimal);
        options.weights.insert("vm-a".into(), 0.5);
        let mut layouts = 0;
        for tables in [&tables[..], &tables[2..], &[]] {
            let Ok(outcome) = isa_arbitrate::arbitrate(tables, &options) else {
                continue;
            };
            layouts += outcome
                .decisions
                .iter()
                .map(|d| d.layouts.len())
                .sum::<usize>();
            let mut written = Vec::new();
            write_outcome_json(&mut written, &outcome).unwrap();
            let rendered = crate::pretty_json(&outcome_json(&outcome));
            assert_eq!(String::from_utf8(written).unwrap(), rendered);
        }
        assert!(layouts > 0, "the layout variants were written");
    }
}
