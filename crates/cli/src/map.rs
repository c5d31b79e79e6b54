//! `isa-authority map`: opcode-space grids and the agreement heatmap, as SVG or HTML.

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use isa_arbitrate::compare::{grid, space_bits, CellSummary, Reference};
use isa_arbitrate::lineage::agreement_matrix;
use isa_arbitrate::{lineages, LineageOptions};
use isa_core::{Aliases, Table};
use isa_viz::{map_html, map_svg, CellFill, Grid, GridCell, MapModel};

use crate::{inputs, EXIT_OK};

/// What each grid shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum By {
    /// One grid per implementation, ordered by family.
    Implementation,
    /// One grid per numbering family (cells mix the members).
    Family,
}

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
    /// majority numbering.
    #[arg(long, value_name = "TABLE")]
    pub against: Option<PathBuf>,

    /// One grid per implementation or per family.
    #[arg(long, value_enum, default_value = "implementation")]
    pub by: By,

    /// Alias map applied before comparison.
    #[arg(long, value_name = "FILE")]
    pub aliases: Option<PathBuf>,

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

fn fill(cell: &CellSummary) -> CellFill {
    let used = cell.used();
    if used == 0 {
        return if cell.reserved > 0 {
            CellFill::Reserved
        } else {
            CellFill::Empty
        };
    }
    if cell.agree == used {
        CellFill::Agree
    } else if cell.differ == used {
        CellFill::Differ
    } else if cell.extra == used {
        CellFill::Extra
    } else {
        CellFill::Mixed(cell.agree as f64 / used as f64)
    }
}

fn tooltip(cell: &CellSummary) -> String {
    if cell.used() == 0 && cell.reserved == 0 {
        return String::new();
    }
    let mut parts = cell.examples.clone();
    let total = cell.used() + cell.reserved;
    if total > parts.len() {
        parts.push(format!("… {} uses in all", total));
    }
    if cell.width > 1 {
        parts.insert(
            0,
            format!(
                "{}–{}: {} agree, {} differ, {} not in reference",
                isa_core::conflict::hex_opcode(cell.first),
                isa_core::conflict::hex_opcode(cell.first + (cell.width - 1)),
                cell.agree,
                cell.differ,
                cell.extra
            ),
        );
    }
    parts.join("\n")
}

fn make_grid(
    title: String,
    extra: &str,
    tables: &[&Table],
    reference: &Reference,
    aliases: &Aliases,
    bits: u32,
) -> Grid {
    let cells = grid(tables, reference, aliases, bits);
    let (agree, used) = cells
        .iter()
        .fold((0, 0), |(a, u), c| (a + c.agree, u + c.used()));
    let share = if used == 0 {
        "no instructions".to_string()
    } else {
        format!(
            "{:.0}% agree · {used} ops",
            agree as f64 * 100.0 / used as f64
        )
    };
    Grid {
        title,
        subtitle: format!("{extra}{share}"),
        cells: cells
            .iter()
            .map(|c| GridCell {
                fill: fill(c),
                tooltip: tooltip(c),
            })
            .collect(),
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
    let aliases = crate::inputs::aliases(args.aliases.as_deref())?;
    let tables = inputs::load(&args.tables)?;
    let reference_table = match &args.against {
        Some(path) => Some(inputs::load_one(path)?),
        None => None,
    };
    let families = lineages(
        &tables,
        &LineageOptions {
            aliases: aliases.clone(),
            ..LineageOptions::default()
        },
    )?;
    let by_name = |name: &str| -> &Table {
        tables
            .iter()
            .find(|t| t.implementation == name)
            .expect("lineages name loaded tables")
    };
    // Family order puts related tables next to each other: blocks on the heatmap's diagonal.
    let ordered: Vec<&Table> = families
        .iter()
        .flat_map(|l| l.members.iter().map(|m| by_name(&m.implementation)))
        .collect();
    let reference = match &reference_table {
        Some(t) => Reference::from_table(t, &aliases),
        None => Reference::majority(&ordered, &aliases),
    };
    // The implementations' space, not the reference's: a canonical table widened to 16 bits
    // would otherwise fold every 8-bit implementation into one cell. Reference numbers outside
    // the space still count (an instruction the reference moved there is a difference).
    let bits = space_bits(&ordered);
    let grids: Vec<Grid> = match args.by {
        By::Implementation => ordered
            .iter()
            .map(|t| {
                make_grid(
                    t.implementation.clone(),
                    "",
                    &[t],
                    &reference,
                    &aliases,
                    bits,
                )
            })
            .collect(),
        By::Family => families
            .iter()
            .map(|l| {
                let members: Vec<&Table> = l
                    .members
                    .iter()
                    .map(|m| by_name(&m.implementation))
                    .collect();
                make_grid(
                    l.name.clone(),
                    &match members.len() {
                        1 => "1 member · ".to_string(),
                        n => format!("{n} members · "),
                    },
                    &members,
                    &reference,
                    &aliases,
                    bits,
                )
            })
            .collect(),
    };
    let labels: Vec<String> = ordered.iter().map(|t| t.implementation.clone()).collect();
    let values = agreement_matrix(&ordered, &aliases);
    let reference_text = match &reference_table {
        Some(t) => format!("the table `{}`", t.implementation),
        None => format!(
            "the majority numbering of {} tables (at each number, the instruction most tables put there)",
            tables.len()
        ),
    };
    let model = MapModel {
        title: args.title.clone(),
        description: format!(
            "{} tables: {} numbering families of two or more, {} singletons; {}-bit opcode space; grids compared with {reference_text}.",
            tables.len(),
            families.iter().filter(|l| l.members.len() > 1).count(),
            families.iter().filter(|l| l.members.len() == 1).count(),
            bits
        ),
        cell_unit: if bits == 8 {
            "one opcode".to_string()
        } else {
            format!("{} opcodes", (1u64 << bits) / 256)
        },
        grids,
        heatmap: Some((
            "Agreement between implementations (matches / (matches + renumbered + clashing)), grouped by family"
                .to_string(),
            labels,
            values,
        )),
        heatmap_groups: families.iter().map(|l| l.members.len()).collect(),
    };
    let text = match kind {
        Kind::Svg => map_svg(&model),
        Kind::Html => map_html(&model),
    };
    isa_io::atomic_write(&args.output, text.as_bytes())
        .map_err(|e| anyhow::anyhow!("{}: cannot write: {e}", args.output.display()))?;
    crate::style::note(&format!("wrote {}", args.output.display()));
    Ok(EXIT_OK)
}
