//! `isa-authority gen`: the canonical opcode table as code (Python, Go, TypeScript, Rust, C) or
//! as the Markdown specification table, and `--check` to tell a CI whether a committed
//! generated file is stale. A table whose bytecode cannot be decoded unambiguously (duplicate
//! numbers, opcode bytes that prefix others, numbers its encoding cannot write) is refused with
//! `check`'s explanation and exit 2.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use isa_codegen::{Lang, Meta};

use crate::{inputs, EXIT_FAIL, EXIT_OK};
use isa_report::style::{self, paint, Style};

/// Target languages on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LangArg {
    /// A Python module with an IntEnum.
    #[value(alias = "py")]
    Python,
    /// A Go file with typed constants.
    Go,
    /// A TypeScript module with an enum.
    #[value(alias = "ts")]
    Typescript,
    /// A Rust module with a #[repr(u8)] (or wider) enum and TryFrom.
    #[value(alias = "rs")]
    Rust,
    /// A C header with an enum and an X-macro list.
    #[value(alias = "h")]
    C,
    /// The Markdown specification table.
    #[value(alias = "md")]
    Markdown,
}

impl From<LangArg> for Lang {
    fn from(l: LangArg) -> Lang {
        match l {
            LangArg::Python => Lang::Python,
            LangArg::Go => Lang::Go,
            LangArg::Typescript => Lang::TypeScript,
            LangArg::Rust => Lang::Rust,
            LangArg::C => Lang::C,
            LangArg::Markdown => Lang::Markdown,
        }
    }
}

/// Arguments of `gen`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The canonical table: a table file (.json/.toml) or a store version.
    #[arg(value_name = "CANONICAL")]
    pub canonical: String,

    /// Target language; when omitted, implied by the extension of -o or --check.
    #[arg(long, value_enum)]
    pub lang: Option<LangArg>,

    /// Write the generated file here (atomically) instead of to stdout.
    #[arg(short, long, value_name = "FILE", conflicts_with = "check")]
    pub output: Option<PathBuf>,

    /// Compare FILE with a fresh rendering: exit 0 when it is up to date, 1 when stale.
    #[arg(long, value_name = "FILE")]
    pub check: Option<PathBuf>,

    /// ISA version named in the header (default: the table's isa_version, else its name).
    #[arg(long, value_name = "LABEL")]
    pub isa_version: Option<String>,

    #[command(flatten)]
    pub registry: crate::args::RegistryArg,

    #[command(flatten)]
    pub scheme: crate::args::SchemeArg,
}

fn lang_of(args: &Args) -> Result<Lang> {
    if let Some(l) = args.lang {
        return Ok(l.into());
    }
    let file = args.output.as_ref().or(args.check.as_ref());
    match file {
        Some(f) => {
            let name = f
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            Lang::from_file_name(&name).with_context(|| {
                format!(
                    "{}: cannot tell the language from the file name\nhint: pass --lang python|go|typescript|rust|c|markdown",
                    f.display()
                )
            })
        }
        None => bail!("no target language\nhint: pass --lang python|go|typescript|rust|c|markdown"),
    }
}

/// Runs `gen`.
pub fn run(args: Args) -> Result<u8> {
    let lang = lang_of(&args)?;
    let table = inputs::resolve_table_in(&args.canonical, args.registry.url().as_deref())?;
    let mut meta = Meta::for_table(&table);
    if let Some(v) = &args.isa_version {
        meta.isa_version = v.clone();
    }
    meta.scheme = args.scheme.resolve()?;
    // A generated table is what VMs decode bytecode with, so a table whose bytecode is
    // ambiguous is refused in `check`'s words before anything is rendered.
    inputs::require_decodable(&table, "the table", &meta.scheme, &isa_core::Aliases::new())
        .with_context(|| format!("{}: cannot generate a {lang} table", args.canonical))?;
    let generated = isa_codegen::render(lang, &table, &meta)
        .with_context(|| format!("{}: cannot generate a {lang} table", args.canonical))?;
    for r in &generated.renames {
        style::note(&format!("renamed {r}"));
    }
    if let Some(path) = &args.check {
        return check(path, &generated.code, lang, &args.canonical);
    }
    match &args.output {
        Some(path) => {
            isa_io::write_output(path, generated.code.as_bytes())
                .with_context(|| format!("{}: cannot write", path.display()))?;
        }
        None => crate::output::write_stdout(&generated.code)?,
    }
    Ok(EXIT_OK)
}

/// Line endings are normalised before comparing, so a checkout with `core.autocrlf` is not
/// reported stale; any other byte difference is.
fn check(path: &Path, fresh: &str, lang: Lang, canonical: &str) -> Result<u8> {
    let committed = std::fs::read(path).map_err(|e| {
        anyhow::anyhow!(
            "{}: cannot read: {e}\nhint: create it with `isa-authority gen --lang {lang} {canonical} -o {}`",
            path.display(),
            path.display()
        )
    })?;
    let committed = String::from_utf8_lossy(&committed).replace("\r\n", "\n");
    if committed == fresh {
        println!(
            "{} {} is up to date",
            paint(Style::Good, "ok:"),
            path.display()
        );
        return Ok(EXIT_OK);
    }
    let old: Vec<&str> = committed.lines().collect();
    let new: Vec<&str> = fresh.lines().collect();
    let first = (0..old.len().max(new.len()))
        .find(|&i| old.get(i) != new.get(i))
        .unwrap_or(old.len().min(new.len()));
    println!(
        "{} {} is stale: it differs from the canonical table from line {} on",
        paint(Style::Error, "FAIL:"),
        path.display(),
        first + 1
    );
    println!(
        "  committed: {}",
        old.get(first).copied().unwrap_or("(end of file)")
    );
    println!(
        "  generated: {}",
        new.get(first).copied().unwrap_or("(end of file)")
    );
    println!(
        "  regenerate: isa-authority gen --lang {lang} {canonical} -o {}",
        path.display()
    );
    Ok(EXIT_FAIL)
}
