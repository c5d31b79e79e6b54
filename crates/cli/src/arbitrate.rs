//! `isa-authority arbitrate`: one consistent, decodable canonical table from conflicting ones
//! (one-byte opcodes, and escape pages when the instructions do not fit one byte), with a
//! recorded rationale and layout verdict for every decision.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use isa_arbitrate::{arbitrate, Cost, Decision, ManualDecision, Options, Outcome, Strategy};
use isa_core::conflict::hex_opcode;
use isa_core::{Location, Scheme};
use isa_io::value::{parse_json, parse_toml, Kind, LineIndex, Node};
use isa_io::{LoadError, TableFormat};
use serde_json::{json, Map, Value};

use crate::check::pretty;
use crate::style::{paint, Style};
use crate::{inputs, EXIT_OK};

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// One line per decision.
    Text,
    /// `{"canonical", "decisions", "cost"}` (docs/reference/json-contracts.md); `canonical` carries its `encoding`.
    Json,
}

/// Arbitration strategies (docs/guide.md, "arbitrate").
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StrategyArg {
    /// Oldest `registered` date wins (then implementation name).
    Oldest,
    /// Most weighted votes win (`--weight NAME=W`, default 1).
    Voting,
    /// The implementation with the most instructions wins.
    Largest,
    /// `--spec NAME` is authoritative; the others fill only what it lacks.
    Spec,
    /// Minimum total weighted renumbering cost (weight × usage per moved instruction).
    Optimal,
}

impl From<StrategyArg> for Strategy {
    fn from(s: StrategyArg) -> Strategy {
        match s {
            StrategyArg::Oldest => Strategy::Oldest,
            StrategyArg::Voting => Strategy::Voting,
            StrategyArg::Largest => Strategy::Largest,
            StrategyArg::Spec => Strategy::Spec,
            StrategyArg::Optimal => Strategy::Optimal,
        }
    }
}

/// Arguments of `arbitrate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Table files (.json interchange or .toml) or directories of them.
    #[arg(required = true, value_name = "TABLE")]
    pub tables: Vec<PathBuf>,

    /// How conflicting numbers are decided.
    #[arg(long, value_enum, default_value = "optimal")]
    pub strategy: StrategyArg,

    /// Implementation weight for voting and optimal (repeatable), e.g. `--weight flux-runtime-python=3`.
    #[arg(long = "weight", value_name = "NAME=W", value_parser = parse_weight)]
    pub weights: Vec<(String, f64)>,

    /// The authoritative implementation for `--strategy spec`.
    #[arg(long, value_name = "NAME")]
    pub spec: Option<String>,

    /// Manual decisions (TOML `[[decision]]` or JSON), applied before any strategy.
    #[arg(long, value_name = "FILE")]
    pub decisions: Option<PathBuf>,

    /// Per-implementation opcode usage counts (JSON `{"impl": {"0x2A": 120}}`); uniform by default.
    #[arg(long, value_name = "FILE")]
    pub usage: Option<PathBuf>,

    /// Alias map (TOML `IADD = "ADD"` lines, or a JSON object) applied before comparison.
    #[arg(long, value_name = "FILE")]
    pub aliases: Option<PathBuf>,

    /// Format scheme for letters a table does not declare.
    #[arg(long, default_value = "flux-unified", value_parser = clap::builder::PossibleValuesParser::new(Scheme::BUILTIN_NAMES))]
    pub scheme: String,

    /// Implementation name of the canonical table.
    #[arg(long, default_value = "canonical", value_name = "NAME")]
    pub name: String,

    /// Write the canonical table here (.toml or .json, atomically).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Report format on stdout.
    #[arg(long, value_enum, default_value = "text")]
    pub format: OutputFormat,
}

fn parse_weight(text: &str) -> Result<(String, f64), String> {
    let (name, w) = text
        .rsplit_once('=')
        .ok_or_else(|| format!("`{text}` is not NAME=WEIGHT"))?;
    let w: f64 = w
        .trim()
        .parse()
        .map_err(|_| format!("weight `{w}` is not a number"))?;
    if !w.is_finite() || !(0.0..=isa_arbitrate::MAX_WEIGHT).contains(&w) {
        return Err(format!(
            "weight {w} must be a number from 0 to 1000000 (weights are relative; 1 is the default)"
        ));
    }
    Ok((name.trim().to_string(), w))
}

/// A spanned document and what is needed to point into it.
pub struct Doc {
    file: String,
    text: String,
    index: LineIndex,
    root: Node,
}

impl Doc {
    /// Reads and parses a JSON or TOML file (by extension; anything else is tried as JSON).
    pub fn read(path: &Path, what: &str) -> Result<Doc, LoadError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| LoadError::file(&file, format!("cannot read {what}: {e}")))?;
        let index = LineIndex::new(&text);
        let root = match TableFormat::from_path(path) {
            Some(TableFormat::Toml) => parse_toml(&file, &text, &index)?,
            _ => parse_json(&file, &text)?,
        };
        Ok(Doc {
            file,
            text,
            index,
            root,
        })
    }

    /// An error at a node.
    pub fn error(&self, span: &std::ops::Range<usize>, message: impl Into<String>) -> LoadError {
        let (line, column) = self.index.locate(&self.text, span.start);
        LoadError {
            file: self.file.clone(),
            line,
            column,
            message: message.into(),
            hint: None,
        }
    }

    fn location(&self, span: &std::ops::Range<usize>) -> Location {
        let (line, column) = self.index.locate(&self.text, span.start);
        Location::new(self.file.clone(), line, column)
    }
}

fn opcode_value(doc: &Doc, node: &Node) -> Result<u32, LoadError> {
    match &node.kind {
        Kind::Int(v) => u32::try_from(*v).map_err(|_| {
            doc.error(
                &node.span,
                format!("opcode {v} is out of range 0-4294967295"),
            )
        }),
        Kind::Str(s) => parse_number(s).ok_or_else(|| {
            doc.error(
                &node.span,
                format!("`{s}` is not an opcode number (42 or 0x2A)"),
            )
        }),
        other => Err(doc.error(
            &node.span,
            format!("an opcode must be a number, found {}", other.describe()),
        )),
    }
}

fn parse_number(s: &str) -> Option<u32> {
    let s = s.trim();
    match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) => u32::from_str_radix(hex, 16).ok(),
        None => s.parse().ok(),
    }
}

/// A string of a decisions file: text, like every string of a table (names are held to the
/// stricter names rule: no tab either), so a rationale cannot smuggle control characters into
/// the report.
fn string_value(doc: &Doc, node: &Node, key: &str) -> Result<String, LoadError> {
    match &node.kind {
        Kind::Str(s) => {
            let rule = if key == "rationale" || key == "category" {
                isa_core::mnemonic::check_text(s)
            } else {
                isa_core::mnemonic::check_name(s)
            };
            rule.map_err(|e| doc.error(&node.span, format!("`{key}` {e}")))?;
            Ok(s.clone())
        }
        other => Err(doc.error(
            &node.span,
            format!("`{key}` must be a string, found {}", other.describe()),
        )),
    }
}

/// Reads manual decisions: TOML `[[decision]]` tables (or `decisions = [...]`), or a JSON array
/// or `{"decisions": [...]}`; each with `mnemonic`, `opcode` and optional `rationale`,
/// `format`, `category`.
pub fn load_decisions(path: &Path) -> Result<Vec<ManualDecision>, LoadError> {
    let doc = Doc::read(path, "decisions file")?;
    let items: &[Node] = match &doc.root.kind {
        Kind::Array(items) => items,
        Kind::Object(props) => {
            match props
                .iter()
                .find(|(k, _, _)| k == "decision" || k == "decisions")
            {
                Some((
                    _,
                    _,
                    Node {
                        kind: Kind::Array(items),
                        ..
                    },
                )) => items,
                Some((_, _, node)) => {
                    return Err(doc.error(&node.span, "`decision` must be an array of tables"))
                }
                None if props.is_empty() => &[],
                None => {
                    return Err(doc
                        .error(&doc.root.span, "no `decision` entries found")
                        .with_hint(
                            "write [[decision]] tables with mnemonic = \"ADD\" and opcode = 0x20",
                        ))
                }
            }
        }
        other => {
            return Err(doc.error(
                &doc.root.span,
                format!(
                    "a decisions file must be an array or a table, found {}",
                    other.describe()
                ),
            ))
        }
    };
    let mut out = Vec::new();
    for item in items {
        let Kind::Object(props) = &item.kind else {
            return Err(doc.error(
                &item.span,
                format!("a decision must be a table, found {}", item.kind.describe()),
            ));
        };
        let mut d = ManualDecision {
            location: Some(doc.location(&item.span)),
            ..ManualDecision::default()
        };
        let (mut has_mnemonic, mut has_opcode) = (false, false);
        for (key, _, value) in props {
            match key.as_str() {
                "mnemonic" => {
                    d.mnemonic = string_value(&doc, value, key)?;
                    has_mnemonic = true;
                }
                "opcode" => {
                    d.opcode = opcode_value(&doc, value)?;
                    has_opcode = true;
                }
                "rationale" => d.rationale = Some(string_value(&doc, value, key)?),
                "format" => d.format = Some(string_value(&doc, value, key)?),
                "category" => d.category = Some(string_value(&doc, value, key)?),
                _ => {} // Unknown keys are ignored, like everywhere in the interchange formats.
            }
        }
        if !has_mnemonic || !has_opcode {
            return Err(doc.error(
                &item.span,
                format!(
                    "a decision needs {}",
                    match (has_mnemonic, has_opcode) {
                        (false, false) => "`mnemonic` and `opcode`",
                        (false, _) => "`mnemonic`",
                        _ => "`opcode`",
                    }
                ),
            ));
        }
        out.push(d);
    }
    Ok(out)
}

/// Reads usage counts: `{"implementation": {"0x2A": 120, "43": 7}}` (numbers as decimal or
/// hex keys).
pub fn load_usage(path: &Path) -> Result<BTreeMap<String, BTreeMap<u32, u64>>, LoadError> {
    let doc = Doc::read(path, "usage file")?;
    let Kind::Object(impls) = &doc.root.kind else {
        return Err(doc
            .error(
                &doc.root.span,
                "a usage file must be an object of implementations",
            )
            .with_hint("write {\"my-vm\": {\"0x20\": 1200, \"0x21\": 30}}"));
    };
    let mut out = BTreeMap::new();
    for (name, _, counts) in impls {
        let Kind::Object(pairs) = &counts.kind else {
            return Err(doc.error(
                &counts.span,
                format!("usage of `{name}` must be an object of opcode: count pairs"),
            ));
        };
        let mut map = BTreeMap::new();
        for (key, span, value) in pairs {
            let opcode = parse_number(key).ok_or_else(|| {
                doc.error(
                    span,
                    format!("`{key}` is not an opcode number (42 or 0x2A)"),
                )
            })?;
            let count = match &value.kind {
                Kind::Int(v) => u64::try_from(*v)
                    .ok()
                    .filter(|c| *c <= isa_arbitrate::MAX_USAGE)
                    .ok_or_else(|| {
                        doc.error(
                            &value.span,
                            format!("usage count {v} must be a whole number from 0 to 1000000000"),
                        )
                    })?,
                other => {
                    return Err(doc.error(
                        &value.span,
                        format!(
                            "a usage count must be a whole number, found {}",
                            other.describe()
                        ),
                    ))
                }
            };
            map.insert(opcode, count);
        }
        out.insert(name.clone(), map);
    }
    Ok(out)
}

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

/// Runs `arbitrate`.
pub fn run(args: Args) -> Result<u8> {
    let aliases = crate::inputs::aliases(args.aliases.as_deref())?;
    if let Some(out) = &args.output {
        if TableFormat::from_path(out).is_none() {
            bail!(
                "{}: cannot tell the output format: use a .json or .toml extension",
                out.display()
            );
        }
    }
    let tables = inputs::load(&args.tables)?;
    let mut options = Options::new(args.strategy.into());
    options.aliases = aliases;
    options.scheme = Scheme::builtin(&args.scheme).context("unknown scheme")?;
    options.spec = args.spec.clone();
    options.name = args.name.clone();
    for (name, w) in &args.weights {
        if options.weights.insert(name.clone(), *w).is_some() {
            bail!("--weight {name} is given twice");
        }
    }
    if let Some(path) = &args.decisions {
        options.decisions = load_decisions(path)?;
    }
    if let Some(path) = &args.usage {
        options.usage = load_usage(path)?;
    }
    let outcome = arbitrate(&tables, &options)?;
    if let Some(path) = &args.output {
        isa_io::write_table(path, &outcome.canonical)?;
        crate::style::note(&format!("wrote the canonical table to {}", path.display()));
    }
    let text = match args.format {
        OutputFormat::Text => render_text(&outcome, options.strategy, tables.len()),
        OutputFormat::Json => pretty(&outcome_json(&outcome)),
    };
    print!("{text}");
    Ok(EXIT_OK)
}
