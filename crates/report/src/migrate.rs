//! `migrate plan`'s report: the text report and the JSON contract.

use isa_core::diff::Change;
use isa_core::OpBytes;
use isa_migrate::{BytecodeVerdict, ErrorKind, Plan};
use serde_json::{json, Value};

use crate::style::{paint, Style};

/// A number, with its opcode bytes when they are more than one byte (`0xFF05 (ff 05)`).
fn hex(op: Option<u32>, bytes: Option<OpBytes>) -> String {
    match (op, bytes) {
        (None, _) => "—".to_string(),
        (Some(o), None) => format!("0x{o:02X}"),
        (Some(o), Some(b)) => format!("0x{o:02X} ({b})"),
    }
}

fn bytes_json(bytes: Option<OpBytes>) -> Value {
    bytes.map_or(Value::Null, |b| Value::from(b.to_string()))
}

/// The `migrate plan` text report.
pub fn render_text(p: &Plan) -> String {
    let mut out = format!(
        "{}\n",
        paint(
            Style::Bold,
            &format!("Migration plan: {} → {}", p.from, p.to)
        )
    );
    if p.steps.is_empty() {
        out.push_str("  no changes\n");
    }
    for s in &p.steps {
        let style = if s.breaking {
            Style::Error
        } else {
            Style::Info
        };
        out.push_str(&format!(
            "  {:<15} {:<20} {:>6} → {:<6}  {}\n",
            paint(style, s.kind.as_str()),
            s.mnemonic,
            hex(s.from, p.from_bytes_of(s.from)),
            hex(s.to, p.to_bytes_of(s.to)),
            paint(Style::Dim, &s.detail)
        ));
    }
    if let Some((old, new)) = &p.encoding_change {
        out.push_str(&format!("  opcode encoding: {old} → {new}\n"));
    }
    out.push_str(&format!(
        "{} step(s), {} unchanged; bytecode: {} — {}\n",
        p.steps.len(),
        p.unchanged,
        p.bytecode.as_str(),
        p.bytecode.sentence()
    ));
    if let BytecodeVerdict::Undecodable { problems, .. } = &p.bytecode {
        for problem in problems {
            out.push_str(&format!("  {problem}\n"));
        }
    }
    out
}

fn step_json(p: &Plan, s: &Change) -> Value {
    json!({
        "kind": s.kind.as_str(),
        "mnemonic": s.mnemonic,
        "from": s.from,
        "to": s.to,
        "from_bytes": bytes_json(p.from_bytes_of(s.from)),
        "to_bytes": bytes_json(p.to_bytes_of(s.to)),
        "previous": s.previous,
        "breaking": s.breaking,
        "breaks_forward": s.breaks_forward,
        "detail": s.detail,
    })
}

/// The `migrate plan --format json` document.
pub fn plan_json(p: &Plan) -> Value {
    let untranslatable: &[(String, ErrorKind)] = match &p.bytecode {
        BytecodeVerdict::Partial { untranslatable, .. } => untranslatable,
        _ => &[],
    };
    let problems: &[String] = match &p.bytecode {
        BytecodeVerdict::Undecodable { problems, .. } => problems,
        _ => &[],
    };
    json!({
        "from": p.from,
        "to": p.to,
        "steps": p.steps.iter().map(|s| step_json(p, s)).collect::<Vec<_>>(),
        "unchanged": p.unchanged,
        "encoding_change": p.encoding_change.as_ref().map(|(from, to)| json!({"from": from, "to": to})),
        "bytecode": {
            "verdict": p.bytecode.as_str(),
            "summary": p.bytecode.sentence(),
            "resized": p.bytecode.resized(),
            "untranslatable": untranslatable
                .iter()
                .map(|(m, why)| json!({"mnemonic": m, "reason": why.to_string()}))
                .collect::<Vec<_>>(),
            "problems": problems,
        },
    })
}
