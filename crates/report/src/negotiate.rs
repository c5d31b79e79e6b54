//! `negotiate`'s report: the JSON contract of one negotiation and the text report.

use isa_negotiate::{Advertisement, Agreement};
use serde_json::json;

use crate::style::{paint, Style};

/// The JSON contract of one negotiation. `instructions` holds, for every instruction both
/// sides list at the same number under the same name, `{"opcode", "mnemonic", "verdict"}`, in
/// (opcode, name digest) order; `mnemonic` is `null` when neither side sent mnemonics.
pub fn agreement_json(agreed: &Agreement) -> serde_json::Value {
    let mut instructions: Vec<_> = agreed
        .usable
        .iter()
        .map(|u| (u.opcode, u.name, &u.mnemonic, u.verdict))
        .chain(
            agreed
                .unusable
                .iter()
                .map(|u| (u.opcode, u.name, &u.mnemonic, u.verdict)),
        )
        .collect();
    instructions.sort_by_key(|&(opcode, name, _, _)| (opcode, name));
    json!({
        "compatible": agreed.compatible,
        "version": agreed.version.as_ref().map(|v| v.version.to_string()),
        "features": agreed.features,
        "usable_opcodes": agreed.usable.len(),
        "instructions": instructions
            .iter()
            .map(|(opcode, _, mnemonic, verdict)| json!({
                "opcode": opcode,
                "mnemonic": mnemonic,
                "verdict": verdict.as_str(),
            }))
            .collect::<Vec<_>>(),
        "reasons": agreed.reasons.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
    })
}

/// The `negotiate` text report.
pub fn text_report(a: &Advertisement<'_>, b: &Advertisement<'_>, agreed: &Agreement) -> String {
    let mut s = String::new();
    let verdict = if agreed.compatible {
        paint(Style::Good, "compatible")
    } else {
        paint(Style::Error, "incompatible")
    };
    s.push_str(&format!(
        "{} ↔ {}: {verdict}\n",
        paint(Style::Bold, &a.implementation),
        paint(Style::Bold, &b.implementation)
    ));
    let version = match &agreed.version {
        Some(v) => format!("{} ({})", v.version, v.hash_hex()),
        None => "none".into(),
    };
    s.push_str(&format!("  version    {version}\n"));
    let features = if agreed.features.is_empty() {
        "none".into()
    } else {
        agreed.features.join(", ")
    };
    s.push_str(&format!("  features   {features}\n"));
    let unchecked = agreed
        .usable
        .iter()
        .filter(|u| u.verdict == isa_negotiate::Verdict::LayoutUnknown)
        .count();
    s.push_str(&format!(
        "  usable     {} of {} / {} instructions",
        agreed.usable.len(),
        a.instructions.len(),
        b.instructions.len()
    ));
    if unchecked > 0 {
        s.push_str(&format!(" ({unchecked} with layout unchecked)"));
    }
    s.push('\n');
    if agreed.registers > 0 {
        s.push_str(&format!("  registers  {}\n", agreed.registers));
    }
    if !agreed.formats.is_empty() {
        s.push_str(&format!("  formats    {}\n", agreed.formats.join(" | ")));
    }
    if !agreed.reasons.is_empty() {
        s.push_str("  reasons:\n");
        for r in &agreed.reasons {
            s.push_str(&format!("    {} {r}\n", paint(Style::Dim, "-")));
        }
    }
    s
}
