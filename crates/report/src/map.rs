//! The opcode map `map` draws and the registry's console shows: grids of each opcode page
//! compared with a consistent reference (the voting arbitration of the tables, or a given
//! table), and the agreement heatmap, as an [`isa_viz::MapModel`] for `isa_viz` to render.
//! One builder, so the command line's SVG and the console's are the same picture.

use isa_arbitrate::compare::{self, grids, pages, CellSummary, Reference};
use isa_arbitrate::lineage::agreement_matrix;
use isa_arbitrate::{lineages, ArbitrateError, LineageOptions};
use isa_core::{Aliases, Table};
use isa_viz::{CellFill, Grid, GridCell, MapModel};

/// What each grid shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum By {
    /// One grid per implementation, ordered by family.
    Implementation,
    /// One grid per numbering family (cells mix the members).
    Family,
}

/// The picture of `tables` (at least one) compared with `against`, or with their voting
/// arbitration when `None`.
pub fn map_model(
    tables: &[Table],
    against: Option<&Table>,
    by: By,
    title: &str,
    aliases: &Aliases,
) -> Result<MapModel, ArbitrateError> {
    let reference_table = against;
    let families = lineages(
        tables,
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
    // The default reference is what `arbitrate --strategy voting` decides for these tables: a
    // consistent numbering, so an instruction is never green at two numbers.
    let (reference, reference_text) = match reference_table {
        Some(t) => {
            let text = format!("the table `{}` ({})", t.implementation, describe_space(t));
            (Reference::from_table(t, aliases), text)
        }
        None => {
            let (r, canonical) = Reference::voting(tables, aliases, "arbitrated")?;
            let text = format!(
                "the voting arbitration of the {} tables (`arbitrate --strategy voting`: {})",
                tables.len(),
                describe_space(&canonical)
            );
            (r, text)
        }
    };
    let grids: Vec<Grid> = match by {
        By::Implementation => ordered
            .iter()
            .flat_map(|t| make_grids(&t.implementation, "", &[t], &reference, aliases))
            .collect(),
        By::Family => families
            .iter()
            .flat_map(|l| {
                let members: Vec<&Table> = l
                    .members
                    .iter()
                    .map(|m| by_name(&m.implementation))
                    .collect();
                make_grids(
                    &l.name,
                    &match members.len() {
                        1 => "1 member · ".to_string(),
                        n => format!("{n} members · "),
                    },
                    &members,
                    &reference,
                    aliases,
                )
            })
            .collect(),
    };
    let labels: Vec<String> = ordered.iter().map(|t| t.implementation.clone()).collect();
    let values = agreement_matrix(&ordered, aliases);
    let model = MapModel {
        title: title.to_string(),
        description: format!(
            "{} tables: {} numbering families of two or more, {} singletons; one grid per opcode page in use (one-byte numbers, then each escape page).",
            tables.len(),
            families.iter().filter(|l| l.members.len() > 1).count(),
            families.iter().filter(|l| l.members.len() == 1).count(),
        ),
        cell_unit: "one opcode".to_string(),
        reference: reference_text,
        reference_grids: reference_grids(&reference, &ordered, aliases),
        grids,
        heatmap: Some((
            "Agreement between implementations (matches / (matches + renumbered + clashing)), grouped by family"
                .to_string(),
            labels,
            values,
        )),
        heatmap_groups: families.iter().map(|l| l.members.len()).collect(),
    };
    Ok(model)
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
    parts.join("\n")
}

/// `0xFA` for an escape page, `one-byte` for page 0.
fn page_name(page: u32) -> String {
    if page == 0 {
        "one-byte".to_string()
    } else {
        format!("page {}", isa_core::conflict::hex_opcode(page))
    }
}

/// The heading of one page's grid: the name alone when the name has only the one-byte page.
fn page_title(name: &str, page: u32, only_page: bool) -> String {
    if only_page {
        name.to_string()
    } else {
        format!("{name} · {}", page_name(page))
    }
}

fn grid_cells(cells: &[CellSummary]) -> Vec<GridCell> {
    cells
        .iter()
        .map(|c| GridCell {
            fill: fill(c),
            tooltip: tooltip(c),
        })
        .collect()
}

/// One grid per page the tables use (the one-byte page always).
fn make_grids(
    name: &str,
    extra: &str,
    tables: &[&Table],
    reference: &Reference,
    aliases: &Aliases,
) -> Vec<Grid> {
    let pages = capped(pages(tables), name);
    let only = pages.len() == 1;
    grids(tables, reference, aliases, &pages)
        .iter()
        .zip(&pages)
        .map(|(cells, &page)| make_grid(page_title(name, page, only), extra, cells))
        .collect()
}

/// At most this many pages are drawn for one grid set: the one-byte page and the escape pages
/// (FLUX uses a handful). A table spread over thousands of pages (numbers up to 2³²) would
/// otherwise make a picture of hundreds of megabytes that nobody can read.
const MAX_PAGES: usize = 64;

/// The first [`MAX_PAGES`] pages, in order, with a note naming how many were left out.
fn capped(mut pages: Vec<u32>, name: &str) -> Vec<u32> {
    if pages.len() > MAX_PAGES {
        crate::style::note(&format!(
            "{name}: uses {} pages of 256 numbers; drawing the first {MAX_PAGES} (numbers up to {})",
            pages.len(),
            isa_core::conflict::hex_opcode((pages[MAX_PAGES - 1] << 8) | 0xFF)
        ));
        pages.truncate(MAX_PAGES);
    }
    pages
}

fn make_grid(title: String, extra: &str, cells: &[CellSummary]) -> Grid {
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
        cells: grid_cells(cells),
    }
}

/// The reference's own pages: how many of the tables already number each instruction so.
fn reference_grids(reference: &Reference, tables: &[&Table], aliases: &Aliases) -> Vec<Grid> {
    let pages = capped(reference.pages(), &reference.name);
    compare::reference_grids(reference, tables, aliases, &pages)
        .into_iter()
        .zip(&pages)
        .map(|(cells, &page)| {
            let (agree, used) = cells
                .iter()
                .fold((0, 0), |(a, u), c| (a + c.agree, u + c.used()));
            let instructions = cells
                .iter()
                .filter(|c| reference.by_number.contains_key(&c.number))
                .count();
            let share = if used == 0 {
                String::new()
            } else {
                format!(" · {:.0}% kept", agree as f64 * 100.0 / used as f64)
            };
            Grid {
                title: format!("{} · {}", reference.name, page_name(page)),
                subtitle: format!("{instructions} instructions{share}"),
                cells: grid_cells(&cells),
            }
        })
        .collect()
}

/// `one-byte opcodes`, or `one-byte opcodes and escape pages 0xFA, 0xFB`.
fn describe_space(table: &Table) -> String {
    let escapes = table.encoding.escape_list();
    if escapes.is_empty() {
        return table.encoding.to_string();
    }
    format!(
        "one-byte opcodes and escape page{} {}",
        if escapes.len() == 1 { "" } else { "s" },
        escapes
            .iter()
            .map(|&e| isa_core::conflict::hex_opcode(e))
            .collect::<Vec<_>>()
            .join(", ")
    )
}
