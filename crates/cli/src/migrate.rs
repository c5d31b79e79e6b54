//! `isa-authority migrate`: plans (`plan FROM TO`) and per-implementation guides
//! (`guide IMPL --to CANONICAL`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use isa_migrate::{plan, render_guide, GuideOptions, PlanOptions};

use crate::args::SchemePair;
use crate::output::json as pretty;
use crate::{inputs, EXIT_OK};
use isa_report::migrate::{plan_json, render_text};

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
    #[command(flatten)]
    pub aliases: crate::args::AliasArg,

    /// A declared rename, OLD=NEW (repeatable): the same instruction under a new name.
    #[arg(long, value_name = "OLD=NEW")]
    pub rename: Vec<String>,

    #[command(flatten)]
    pub schemes: SchemePair,

    #[command(flatten)]
    pub registry: crate::args::RegistryArg,
}

impl Matching {
    fn options(&self) -> Result<PlanOptions> {
        let aliases = self.aliases.load()?;
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
        if let Some(path) = &self.aliases.aliases {
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

    /// Semantics of IMPL (default: the built-in file, if any). With semantics for both tables,
    /// the guide lists the instructions whose semantics differ.
    #[arg(long, value_name = "FILE")]
    pub semantics: Option<PathBuf>,

    /// Semantics of CANONICAL (default: the built-in file, if any).
    #[arg(long, value_name = "FILE")]
    pub to_semantics: Option<PathBuf>,

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
    let registry = args.matching.registry.url();
    let from = inputs::resolve_table_in(&args.from, registry.as_deref())?;
    let to = inputs::resolve_table_in(&args.to, registry.as_deref())?;
    let p = plan(&from, &to, &options);
    match args.format {
        PlanFormat::Text => print!("{}", render_text(&p)),
        PlanFormat::Json => print!("{}", pretty(&plan_json(&p))),
    }
    Ok(EXIT_OK)
}

fn run_guide(args: GuideArgs) -> Result<u8> {
    let plan = args.matching.options()?;
    let registry = args.matching.registry.url();
    let implementation = inputs::resolve_table_in(&args.implementation, registry.as_deref())?;
    let canonical = inputs::resolve_table_in(&args.to, registry.as_deref())?;
    let options = GuideOptions {
        plan,
        implementation_ref: args.implementation.clone(),
        canonical_ref: args.to.clone(),
        translate_args: args.matching.translate_args(),
    };
    let mut guide = render_guide(&implementation, &canonical, &options);
    // Numbers and layouts can agree while behaviour does not: with semantics for both sides
    // (given, or built in), the guide adds the instructions that do different things.
    let aliases = &options.plan.aliases;
    let has = |t: &isa_core::Table, f: &Option<PathBuf>| {
        f.is_some() || isa_semantics::builtin(&t.implementation).is_some()
    };
    if has(&implementation, &args.semantics) && has(&canonical, &args.to_semantics) {
        let a = crate::run::load_semantics(&implementation, args.semantics.as_deref(), aliases)?;
        let b = crate::run::load_semantics(&canonical, args.to_semantics.as_deref(), aliases)?;
        guide.push_str(&semantics_section(
            &implementation.implementation,
            &canonical.implementation,
            &isa_semantics::verify::diff(&a, &b, aliases),
        ));
    }
    match &args.output {
        Some(path) => isa_io::write_output(path, guide.as_bytes())
            .with_context(|| format!("{}: cannot write", path.display()))?,
        None => print!("{guide}"),
    }
    Ok(EXIT_OK)
}

/// The guide's section on semantics (Markdown).
fn semantics_section(a: &str, b: &str, d: &isa_semantics::verify::SemanticsDiff) -> String {
    let mut out = format!(
        "\n## Semantics\n\nCompared by effect (docs/semantics.md): {} instruction{} behave alike, {} differ",
        d.same,
        if d.same == 1 { "" } else { "s" },
        d.differ.len()
    );
    out.push_str(&format!(
        "; {} only in {a}, {} only in {b}.\n",
        d.only_a.len(),
        d.only_b.len()
    ));
    if !d.differ.is_empty() {
        out.push_str(&format!(
            "Bytecode that uses these runs differently after translation (`translate --verify` refuses it):\n\n| instruction | {a} | {b} |\n|---|---|---|\n"
        ));
        let cell = |s: &str| format!("`{}`", s.replace('|', "\\|").replace('`', "'"));
        for (key, x, y) in &d.differ {
            out.push_str(&format!("| {key} | {} | {} |\n", cell(x), cell(y)));
        }
    }
    for (side, list) in [(a, &d.only_a), (b, &d.only_b)] {
        if !list.is_empty() {
            out.push_str(&format!(
                "\nSemantics only in {side}: {}.\n",
                list.join(", ")
            ));
        }
    }
    out
}
