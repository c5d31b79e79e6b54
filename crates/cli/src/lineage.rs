//! `isa-authority lineage`: numbering families among implementations.

use std::path::PathBuf;

use anyhow::Result;
use isa_arbitrate::{lineages, Lineage, LineageOptions};
use serde_json::{json, Value};

use crate::check::pretty;
use crate::style::{paint, Style};
use crate::{inputs, EXIT_OK};

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Families with each member's agreement.
    Text,
    /// `{"lineages": [{"name", "members": [...]}]}`.
    Json,
}

/// Arguments of `lineage`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Table files (.json interchange or .toml) or directories of them.
    #[arg(required = true, value_name = "TABLE")]
    pub tables: Vec<PathBuf>,

    /// Alias map applied before comparison.
    #[arg(long, value_name = "FILE")]
    pub aliases: Option<PathBuf>,

    /// Minimum agreement with the family head, 0-1 (matches / (matches + deviations + clashes)).
    #[arg(long, default_value_t = 0.8, value_name = "SCORE", value_parser = parse_share)]
    pub min_agreement: f64,

    /// Minimum share, 0-1, of a member's instructions that must match the family head.
    #[arg(long, default_value_t = 0.5, value_name = "SHARE", value_parser = parse_share)]
    pub min_coverage: f64,

    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: OutputFormat,
}

fn parse_share(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        _ => Err(format!("`{text}` is not a number between 0 and 1")),
    }
}

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

fn render_text(families: &[Lineage]) -> String {
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

/// Runs `lineage`.
pub fn run(args: Args) -> Result<u8> {
    let aliases = crate::inputs::aliases(args.aliases.as_deref())?;
    let tables = inputs::load(&args.tables)?;
    let options = LineageOptions {
        aliases,
        min_agreement: args.min_agreement,
        min_coverage: args.min_coverage,
    };
    let families = lineages(&tables, &options)?;
    let text = match args.format {
        OutputFormat::Text => render_text(&families),
        OutputFormat::Json => pretty(&lineages_json(&families)),
    };
    print!("{text}");
    Ok(EXIT_OK)
}
