//! `isa-authority migrate`: plans (`plan FROM TO`) and per-implementation guides
//! (`guide IMPL --to CANONICAL`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use isa_core::diff::Change;
use isa_core::OpBytes;
use isa_migrate::{
    plan, render_guide, BytecodeVerdict, ErrorKind, GuideOptions, Plan, PlanOptions,
};
use serde_json::{json, Value};

use crate::check::pretty;
use crate::style::{paint, Style};
use crate::translate::SchemePair;
use crate::{inputs, EXIT_OK};

/// Arguments of `migrate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: Sub,
}

/// The `migrate` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Sub {
    /// Every change from one table to another, by instruction identity, with a verdict on
    /// existing bytecode.
    Plan(PlanArgs),
    /// A Markdown guide for one implementation's maintainers.
    Guide(GuideArgs),
}

/// Options shared by `plan` and `guide`.
#[derive(Debug, clap::Args)]
pub struct Matching {
    /// Alias map (TOML `IADD = "ADD"` lines, or a JSON object) used to match instructions.
    #[arg(long, value_name = "FILE")]
    pub aliases: Option<PathBuf>,

    /// A declared rename, OLD=NEW (repeatable): the same instruction under a new name.
    #[arg(long, value_name = "OLD=NEW")]
    pub rename: Vec<String>,

    #[command(flatten)]
    pub schemes: SchemePair,
}

impl Matching {
    fn options(&self) -> Result<PlanOptions> {
        let aliases = crate::inputs::aliases(self.aliases.as_deref())?;
        let mut renames = BTreeMap::new();
        for r in &self.rename {
            let Some((old, new)) = r.split_once('=') else {
                bail!("--rename `{r}`: expected OLD=NEW");
            };
            if old.trim().is_empty() || new.trim().is_empty() {
                bail!("--rename `{r}`: both names are needed (OLD=NEW)");
            }
            renames.insert(old.trim().to_string(), new.trim().to_string());
        }
        let (from_scheme, to_scheme) = self.schemes.resolve()?;
        Ok(PlanOptions {
            aliases,
            from_scheme,
            to_scheme,
            renames,
        })
    }

    /// The arguments `translate` needs to match the same way.
    fn translate_args(&self) -> Vec<String> {
        let mut args = Vec::new();
        if let Some(path) = &self.aliases {
            args.extend(["--aliases".to_string(), path.display().to_string()]);
        }
        let (from, to) = (self.schemes.source_name(), self.schemes.target_name());
        if from == to {
            if from != "flux-unified" {
                args.extend(["--scheme".to_string(), from.to_string()]);
            }
        } else {
            args.extend(["--from-scheme".to_string(), from.to_string()]);
            args.extend(["--to-scheme".to_string(), to.to_string()]);
        }
        args
    }
}

/// Output formats of `migrate plan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PlanFormat {
    /// A readable list of steps and the verdict.
    Text,
    /// `{"steps": [...], "bytecode": {...}}` (docs/reference/json-contracts.md).
    Json,
}

/// Arguments of `migrate plan`.
#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    /// The table to migrate from: a table file (.json/.toml) or a store version.
    #[arg(value_name = "FROM")]
    pub from: String,

    /// The table to migrate to: a table file (.json/.toml) or a store version.
    #[arg(value_name = "TO")]
    pub to: String,

    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: PlanFormat,

    #[command(flatten)]
    pub matching: Matching,
}

/// Arguments of `migrate guide`.
#[derive(Debug, clap::Args)]
pub struct GuideArgs {
    /// The implementation's table: a table file (.json/.toml) or a store version.
    #[arg(value_name = "IMPL")]
    pub implementation: String,

    /// The canonical table to migrate to: a table file or a store version.
    #[arg(long, value_name = "CANONICAL")]
    pub to: String,

    /// Write the guide here (atomically) instead of to stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    #[command(flatten)]
    pub matching: Matching,
}

/// Runs `migrate`.
pub fn run(args: Args) -> Result<u8> {
    match args.command {
        Sub::Plan(a) => run_plan(a),
        Sub::Guide(a) => run_guide(a),
    }
}

fn run_plan(args: PlanArgs) -> Result<u8> {
    let options = args.matching.options()?;
    let from = inputs::resolve_table(&args.from)?;
    let to = inputs::resolve_table(&args.to)?;
    let p = plan(&from, &to, &options);
    match args.format {
        PlanFormat::Text => print!("{}", render_text(&p)),
        PlanFormat::Json => print!("{}", pretty(&plan_json(&p))),
    }
    Ok(EXIT_OK)
}

fn run_guide(args: GuideArgs) -> Result<u8> {
    let plan = args.matching.options()?;
    let implementation = inputs::resolve_table(&args.implementation)?;
    let canonical = inputs::resolve_table(&args.to)?;
    let options = GuideOptions {
        plan,
        implementation_ref: args.implementation.clone(),
        canonical_ref: args.to.clone(),
        translate_args: args.matching.translate_args(),
    };
    let guide = render_guide(&implementation, &canonical, &options);
    match &args.output {
        Some(path) => isa_io::write_output(path, guide.as_bytes())
            .with_context(|| format!("{}: cannot write", path.display()))?,
        None => print!("{guide}"),
    }
    Ok(EXIT_OK)
}

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
