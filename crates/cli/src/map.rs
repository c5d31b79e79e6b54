//! `isa-authority map`: opcode-space grids and the agreement heatmap, as SVG or HTML.
//!
//! Grids are compared with a consistent reference — the voting arbitration of the tables, or
//! `--against TABLE` — so a number is green only where the reference really puts that
//! instruction. Each grid shows one page of numbers (the one-byte numbers, or one escape page),
//! and the reference's own pages are drawn first.

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use isa_report::map::map_model;
pub use isa_report::map::By;
use isa_viz::{map_html, map_svg};

use crate::{inputs, EXIT_OK};

/// Arguments of `map`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Table files (.json interchange or .toml) or directories of them.
    #[arg(required = true, value_name = "TABLE")]
    pub tables: Vec<PathBuf>,

    /// Output picture: .svg or .html (written atomically).
    #[arg(short = 'o', long = "output", value_name = "FILE", required = true)]
    pub output: PathBuf,

    /// Compare against this table (e.g. the canonical table from `arbitrate -o`) instead of the
    /// voting arbitration of the tables.
    #[arg(long, value_name = "TABLE")]
    pub against: Option<PathBuf>,

    /// One grid per implementation or per family.
    #[arg(long, value_enum, default_value = "implementation")]
    pub by: By,

    #[command(flatten)]
    pub aliases: crate::args::AliasArg,

    /// Title of the picture.
    #[arg(long, default_value = "Opcode-space agreement")]
    pub title: String,
}

enum Kind {
    Svg,
    Html,
}

fn kind_of(path: &Path) -> Option<Kind> {
    match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
        "svg" => Some(Kind::Svg),
        "html" | "htm" => Some(Kind::Html),
        _ => None,
    }
}

/// Runs `map`.
pub fn run(args: Args) -> Result<u8> {
    let Some(kind) = kind_of(&args.output) else {
        bail!(
            "{}: cannot tell the picture format: use a .svg or .html extension",
            args.output.display()
        );
    };
    let aliases = args.aliases.load()?;
    let tables = inputs::load(&args.tables)?;
    let reference_table = match &args.against {
        Some(path) => Some(inputs::load_one(path)?),
        None => None,
    };
    let model = map_model(
        &tables,
        reference_table.as_ref(),
        args.by,
        &args.title,
        &aliases,
    )?;
    let text = match kind {
        Kind::Svg => map_svg(&model),
        Kind::Html => map_html(&model),
    };
    isa_io::atomic_write(&args.output, text.as_bytes())
        .map_err(|e| anyhow::anyhow!("{}: cannot write: {e}", args.output.display()))?;
    isa_report::style::note(&format!("wrote {}", args.output.display()));
    Ok(EXIT_OK)
}
