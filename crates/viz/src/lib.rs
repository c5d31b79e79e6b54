//! # isa-viz: pictures of opcode spaces, as plain SVG and HTML strings
//!
//! Divergence is easier to see than to read. This crate draws two kinds of picture:
//!
//! - an **opcode-space grid** per implementation (or per family) and opcode page: 16×16 cells,
//!   one per number of the page (the one-byte numbers, or the 256 numbers behind one escape
//!   byte), coloured by how the implementation's use of the number compares with a reference
//!   numbering; the reference's own pages can be drawn first, coloured by how much support each
//!   of its numbers already has;
//! - an **agreement heatmap**: a square matrix of values in 0..=1 (implementation ×
//!   implementation agreement, or any other pairwise score), red for 0, yellow for ½, green for
//!   1, grey for "no data" (`NaN`).
//!
//! It is rendering only: callers compute the numbers (see `isa-arbitrate`'s `compare` and
//! `lineage` modules) and pass plain values, so the crate has no dependencies and any subcommand
//! can reuse [`heatmap_svg`]. Output is deterministic text (fixed number formatting, no
//! timestamps or random IDs); every cell carries an SVG `<title>`, which browsers show as a
//! tooltip, so exact values are one hover away. No scripts, no external resources: the files
//! open offline and are safe to attach to CI artefacts.

#![deny(missing_docs)]

use std::fmt::Write as _;

/// How a grid cell is filled.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CellFill {
    /// Nothing at this number.
    Empty,
    /// Same instruction as the reference.
    Agree,
    /// A different instruction from the reference (or the reference numbers it elsewhere).
    Differ,
    /// An instruction the reference does not have, on a number the reference leaves empty.
    Extra,
    /// A reservation (or an escape prefix, which is never an instruction either).
    Reserved,
    /// A mixture (a block of numbers, or a family's members): the share that agrees, 0..=1.
    Mixed(f64),
}

/// One cell of a grid.
#[derive(Debug, Clone, PartialEq)]
pub struct GridCell {
    /// Fill.
    pub fill: CellFill,
    /// Tooltip text (plain text; escaped here).
    pub tooltip: String,
}

/// A 16×16 opcode-space grid: `cells[row * 16 + column]`, row = high nibble.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    /// Heading (the implementation or family name).
    pub title: String,
    /// A short second line (e.g. `agrees 87% · 37 ops`).
    pub subtitle: String,
    /// Exactly 256 cells; missing cells are drawn empty, extra cells ignored.
    pub cells: Vec<GridCell>,
}

/// Everything `map` draws in one picture.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MapModel {
    /// Page title.
    pub title: String,
    /// One or two sentences on what is shown (reference, space width).
    pub description: String,
    /// What one grid cell covers (`one opcode`).
    pub cell_unit: String,
    /// What the grids are compared with, for the legend (`the voting arbitration of 4 tables`).
    pub reference: String,
    /// Grids of the reference itself (one per page), drawn before the others; each cell's
    /// colour is the share of the tables with that instruction that already number it so.
    pub reference_grids: Vec<Grid>,
    /// The grids, in display order.
    pub grids: Vec<Grid>,
    /// Heatmap title, labels and values (square), when there is one.
    pub heatmap: Option<(String, Vec<String>, Vec<Vec<f64>>)>,
    /// Sizes of consecutive label groups (families) to outline on the heatmap; empty for none.
    pub heatmap_groups: Vec<usize>,
}

const FONT: &str = "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\"";
const AGREE: &str = "#1a9850";
const DIFFER: &str = "#d73027";
const EXTRA: &str = "#4575b4";
const RESERVED: &str = "#555555";
const EMPTY: &str = "#f2f2f2";
const NO_DATA: &str = "#d9d9d9";

/// Escapes text for XML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 forbids most control characters even when escaped.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('?'),
            c => out.push(c),
        }
    }
    out
}

/// The colour of a value in 0..=1 on a red–yellow–green scale; grey for `NaN`.
pub fn scale_colour(value: f64) -> String {
    if value.is_nan() {
        return NO_DATA.to_string();
    }
    let v = value.clamp(0.0, 1.0);
    let stops = [
        (215.0, 48.0, 39.0),
        (254.0, 224.0, 139.0),
        (26.0, 152.0, 80.0),
    ];
    let (a, b, t) = if v < 0.5 {
        (stops[0], stops[1], v * 2.0)
    } else {
        (stops[1], stops[2], (v - 0.5) * 2.0)
    };
    let mix = |x: f64, y: f64| (x + (y - x) * t).round() as u8;
    format!(
        "#{:02x}{:02x}{:02x}",
        mix(a.0, b.0),
        mix(a.1, b.1),
        mix(a.2, b.2)
    )
}

fn fill_colour(fill: CellFill) -> String {
    match fill {
        CellFill::Empty => EMPTY.to_string(),
        CellFill::Agree => AGREE.to_string(),
        CellFill::Differ => DIFFER.to_string(),
        CellFill::Extra => EXTRA.to_string(),
        CellFill::Reserved => RESERVED.to_string(),
        CellFill::Mixed(v) => scale_colour(v),
    }
}

fn percent(v: f64) -> String {
    if v.is_nan() {
        "no data".to_string()
    } else {
        format!("{:.0}%", v * 100.0)
    }
}

/// Approximate rendered width of a label at a font size (no font metrics available here).
fn text_width(text: &str, size: f64) -> f64 {
    text.chars().count() as f64 * size * 0.6
}

/// A heatmap body (without the outer `<svg>`), and its width and height.
fn heatmap_body(
    title: &str,
    labels: &[String],
    values: &[Vec<f64>],
    groups: &[usize],
) -> (String, f64, f64) {
    let n = labels.len();
    let cell = (640.0 / n.max(1) as f64).clamp(8.0, 28.0).floor();
    let font = (cell - 1.0).clamp(7.0, 12.0);
    let label_w = labels
        .iter()
        .map(|l| text_width(l, font))
        .fold(0.0, f64::max)
        + 8.0;
    let title_h = 28.0;
    let left = label_w;
    let top = title_h + label_w;
    let legend_h = 44.0;
    let width = (left + cell * n as f64 + 16.0).max(360.0);
    let height = top + cell * n as f64 + legend_h;
    let mut s = String::new();
    let _ = write!(
        s,
        "<text x=\"0\" y=\"18\" font-size=\"15\" font-weight=\"bold\" {FONT}>{}</text>",
        escape(title)
    );
    for (i, label) in labels.iter().enumerate() {
        let y = top + cell * i as f64 + cell / 2.0 + font * 0.35;
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{y:.1}\" font-size=\"{font}\" text-anchor=\"end\" {FONT}>{}</text>",
            left - 4.0,
            escape(label)
        );
        let x = left + cell * i as f64 + cell / 2.0 + font * 0.35;
        let _ = write!(
            s,
            "<text transform=\"translate({x:.1},{:.1}) rotate(-90)\" font-size=\"{font}\" {FONT}>{}</text>",
            top - 4.0,
            escape(label)
        );
    }
    for (i, row) in labels.iter().enumerate() {
        for (j, col) in labels.iter().enumerate() {
            let v = values
                .get(i)
                .and_then(|r| r.get(j))
                .copied()
                .unwrap_or(f64::NAN);
            let _ = write!(
                s,
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{cell}\" height=\"{cell}\" fill=\"{}\" stroke=\"#ffffff\" stroke-width=\"0.5\"><title>{} × {}: {}</title></rect>",
                left + cell * j as f64,
                top + cell * i as f64,
                scale_colour(v),
                escape(row),
                escape(col),
                percent(v)
            );
        }
    }
    // Outline each group of two or more on the diagonal, so families read as blocks.
    let mut start = 0usize;
    for &size in groups {
        if size > 1 && start + size <= n {
            let _ = write!(
                s,
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"none\" stroke=\"#222222\" stroke-width=\"1.2\"/>",
                left + cell * start as f64,
                top + cell * start as f64,
                cell * size as f64,
                cell * size as f64
            );
        }
        start += size;
    }
    // Legend: the scale from 0% to 100%, and the no-data swatch.
    let ly = top + cell * n as f64 + 14.0;
    for k in 0..=20 {
        let v = k as f64 / 20.0;
        let _ = write!(
            s,
            "<rect x=\"{:.1}\" y=\"{ly:.1}\" width=\"8\" height=\"12\" fill=\"{}\"/>",
            left + k as f64 * 8.0,
            scale_colour(v)
        );
    }
    let _ = write!(
        s,
        "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" {FONT}>0%</text><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"end\" {FONT}>100%</text>",
        left,
        ly + 24.0,
        left + 168.0,
        ly + 24.0
    );
    let _ = write!(
        s,
        "<rect x=\"{:.1}\" y=\"{ly:.1}\" width=\"12\" height=\"12\" fill=\"{NO_DATA}\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" {FONT}>no data</text>",
        left + 184.0,
        left + 200.0,
        ly + 10.0
    );
    (s, width, height)
}

fn svg_open(width: f64, height: f64) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{height:.0}\" viewBox=\"0 0 {width:.0} {height:.0}\">"
    )
}

/// A standalone SVG heatmap of a square matrix: `values[i][j]` in 0..=1 for `labels[i]` (row)
/// × `labels[j]` (column); `NaN` means no data. Rows missing from `values` are drawn as no data.
pub fn heatmap_svg(title: &str, labels: &[String], values: &[Vec<f64>]) -> String {
    let (body, w, h) = heatmap_body(title, labels, values, &[]);
    let mut s = svg_open(w + 16.0, h + 16.0);
    let _ = writeln!(
        s,
        "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/><g transform=\"translate(8,8)\">{body}</g></svg>"
    );
    s
}

const GRID_CELL: f64 = 9.0;
const GRID_PANEL_W: f64 = 16.0 * GRID_CELL + 40.0;
const GRID_PANEL_H: f64 = 16.0 * GRID_CELL + 52.0;

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(max - 1).collect();
        s.push('…');
        s
    }
}

/// One grid panel (title, hex axes, 256 cells), drawn at the origin.
fn grid_body(grid: &Grid) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "<text x=\"0\" y=\"11\" font-size=\"11\" font-weight=\"bold\" {FONT}><title>{}</title>{}</text>",
        escape(&grid.title),
        escape(&shorten(&grid.title, 24))
    );
    let _ = write!(
        s,
        "<text x=\"0\" y=\"24\" font-size=\"9\" fill=\"#555555\" {FONT}>{}</text>",
        escape(&shorten(&grid.subtitle, 36))
    );
    let (ox, oy) = (12.0, 38.0);
    for k in 0..16 {
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"7\" text-anchor=\"middle\" fill=\"#777777\" {FONT}>{k:X}</text>",
            ox + GRID_CELL * k as f64 + GRID_CELL / 2.0,
            oy - 2.0
        );
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"7\" text-anchor=\"end\" fill=\"#777777\" {FONT}>{k:X}</text>",
            ox - 2.0,
            oy + GRID_CELL * k as f64 + GRID_CELL * 0.75
        );
    }
    let _ = write!(
        s,
        "<rect x=\"{ox}\" y=\"{oy}\" width=\"{}\" height=\"{}\" fill=\"{EMPTY}\" stroke=\"#bbbbbb\" stroke-width=\"0.5\"/>",
        GRID_CELL * 16.0,
        GRID_CELL * 16.0
    );
    for (i, cell) in grid.cells.iter().take(256).enumerate() {
        if cell.fill == CellFill::Empty && cell.tooltip.is_empty() {
            continue;
        }
        let (row, col) = (i / 16, i % 16);
        let _ = write!(
            s,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{GRID_CELL}\" height=\"{GRID_CELL}\" fill=\"{}\" stroke=\"#ffffff\" stroke-width=\"0.6\"><title>{}</title></rect>",
            ox + GRID_CELL * col as f64,
            oy + GRID_CELL * row as f64,
            fill_colour(cell.fill),
            escape(&cell.tooltip)
        );
    }
    s
}

fn legend(y: f64, unit: &str, reference: &str) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "<text x=\"0\" y=\"{:.1}\" font-size=\"11\" font-weight=\"bold\" {FONT}>Reference: {}</text>",
        y + 10.0,
        escape(reference)
    );
    let y = y + 18.0;
    let items = [
        (AGREE, "agrees with the reference"),
        (DIFFER, "differs"),
        (EXTRA, "not in the reference"),
        (RESERVED, "reserved or escape prefix"),
        (EMPTY, "unused"),
    ];
    let mut x = 0.0;
    for (colour, label) in items {
        let _ = write!(
            s,
            "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"12\" height=\"12\" fill=\"{colour}\" stroke=\"#999999\" stroke-width=\"0.5\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" {FONT}>{}</text>",
            x + 16.0,
            y + 10.0,
            escape(label)
        );
        x += 16.0 + text_width(label, 11.0) + 14.0;
    }
    let _ = write!(
        s,
        "<text x=\"{x:.1}\" y=\"{:.1}\" font-size=\"11\" {FONT}>mixed: share agreeing, red → green · one cell = {}</text>",
        y + 10.0,
        escape(unit)
    );
    s
}

/// Draws `grids` in rows of `per_row` from `y`; returns the height used.
fn grid_rows(body: &mut String, grids: &[Grid], per_row: usize, y: f64) -> f64 {
    for (i, grid) in grids.iter().enumerate() {
        let (r, c) = (i / per_row, i % per_row);
        let _ = write!(
            body,
            "<g transform=\"translate({:.1},{:.1})\">{}</g>",
            c as f64 * GRID_PANEL_W,
            y + r as f64 * GRID_PANEL_H,
            grid_body(grid)
        );
    }
    grids.len().div_ceil(per_row) as f64 * GRID_PANEL_H
}

/// The whole picture as one SVG document: title, the heatmap (if any), the legend, the
/// reference's grids, then the other grids in rows.
pub fn map_svg(model: &MapModel) -> String {
    let per_row = 7usize;
    let mut body = String::new();
    let _ = write!(
        body,
        "<text x=\"0\" y=\"20\" font-size=\"18\" font-weight=\"bold\" {FONT}>{}</text><text x=\"0\" y=\"40\" font-size=\"12\" fill=\"#333333\" {FONT}>{}</text>",
        escape(&model.title),
        escape(&model.description)
    );
    let mut y = 56.0;
    let mut width: f64 = per_row as f64 * GRID_PANEL_W;
    if let Some((title, labels, values)) = &model.heatmap {
        let (h, w, hh) = heatmap_body(title, labels, values, &model.heatmap_groups);
        let _ = write!(body, "<g transform=\"translate(0,{y:.1})\">{h}</g>");
        y += hh + 24.0;
        width = width.max(w);
    }
    if !model.grids.is_empty() || !model.reference_grids.is_empty() {
        body.push_str(&legend(y, &model.cell_unit, &model.reference));
        y += 44.0;
    }
    if !model.reference_grids.is_empty() {
        let _ = write!(
            body,
            "<text x=\"0\" y=\"{:.1}\" font-size=\"12\" font-weight=\"bold\" {FONT}>The reference, one grid per page</text><text x=\"0\" y=\"{:.1}\" font-size=\"10\" fill=\"#555555\" {FONT}>{}</text>",
            y + 10.0,
            y + 24.0,
            escape("each cell: the share of the tables with that instruction that already number it so (red 0% → green 100%)")
        );
        y += 32.0;
        y += grid_rows(&mut body, &model.reference_grids, per_row, y) + 8.0;
    }
    if !model.grids.is_empty() {
        y += grid_rows(&mut body, &model.grids, per_row, y);
    }
    let (w, h) = (width + 24.0, y + 24.0);
    let mut s = svg_open(w, h);
    let _ = writeln!(
        s,
        "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/><g transform=\"translate(12,12)\">{body}</g></svg>"
    );
    s
}

/// The picture as a self-contained HTML page (the SVG inline, no scripts).
pub fn map_html(model: &MapModel) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>body{{margin:16px;background:#fff;color:#222;font-family:\"DejaVu Sans\",Helvetica,Arial,sans-serif}} svg{{display:block}}</style>\n</head>\n<body>\n{}</body>\n</html>\n",
        escape(&model.title),
        map_svg(model)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_ends_and_no_data() {
        assert_eq!(scale_colour(0.0), "#d73027");
        assert_eq!(scale_colour(1.0), "#1a9850");
        assert_eq!(scale_colour(0.5), "#fee08b");
        assert_eq!(scale_colour(f64::NAN), NO_DATA);
    }

    #[test]
    fn heatmap_has_one_cell_per_pair_with_tooltips() {
        let labels = vec!["a<1>".to_string(), "b".to_string()];
        let values = vec![vec![1.0, 0.25], vec![0.25, f64::NAN]];
        let svg = heatmap_svg("T & U", &labels, &values);
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.ends_with("</svg>\n"));
        assert_eq!(svg.matches("<title>").count(), 4);
        assert!(svg.contains("<title>a&lt;1&gt; × b: 25%</title>"));
        assert!(svg.contains("<title>b × b: no data</title>"));
        assert!(svg.contains(&format!(
            "fill=\"{NO_DATA}\" stroke=\"#ffffff\" stroke-width=\"0.5\"><title>b × b"
        )));
        assert!(svg.contains("T &amp; U"));
        // Missing rows are drawn as no data rather than panicking.
        let short = heatmap_svg("t", &labels, &[vec![1.0]]);
        assert_eq!(short.matches("no data</title>").count(), 3);
    }

    #[test]
    fn map_draws_grids_legend_and_family_outlines() {
        let mut cells = vec![
            GridCell {
                fill: CellFill::Empty,
                tooltip: String::new(),
            };
            256
        ];
        cells[0x2A] = GridCell {
            fill: CellFill::Differ,
            tooltip: "0x2A ADD (canonical: SUB)".into(),
        };
        cells[0xFF] = GridCell {
            fill: CellFill::Mixed(1.0),
            tooltip: "mixed".into(),
        };
        let model = MapModel {
            title: "m".into(),
            description: "d".into(),
            cell_unit: "one opcode".into(),
            reference: "the table `r`".into(),
            reference_grids: vec![],
            grids: vec![Grid {
                title: "a-very-long-implementation-name-indeed".into(),
                subtitle: "s".into(),
                cells,
            }],
            heatmap: Some((
                "h".into(),
                vec!["a".into(), "b".into(), "c".into()],
                vec![vec![1.0; 3]; 3],
            )),
            heatmap_groups: vec![2, 1],
        };
        let svg = map_svg(&model);
        // Only the two used cells are drawn (plus the grid background), one outline for the
        // family of two, none for the singleton.
        assert_eq!(
            svg.matches(&format!(
                "fill=\"{DIFFER}\" stroke=\"#ffffff\" stroke-width=\"0.6\""
            ))
            .count(),
            1
        );
        assert!(svg.contains("0x2A ADD (canonical: SUB)"));
        assert_eq!(svg.matches("fill=\"none\" stroke=\"#222222\"").count(), 1);
        assert!(svg.contains("a-very-long-implementat…"));
        assert!(svg.contains("Reference: the table `r`"));
        assert!(!svg.contains("The reference, one grid per page"));
        let html = map_html(&model);
        assert!(html.starts_with("<!DOCTYPE html>") && html.contains(&svg));
    }

    #[test]
    fn reference_grids_come_first_under_their_own_heading() {
        let grid = |title: &str| Grid {
            title: title.into(),
            subtitle: String::new(),
            cells: vec![
                GridCell {
                    fill: CellFill::Mixed(0.5),
                    tooltip: "t".into(),
                };
                256
            ],
        };
        let model = MapModel {
            reference: "the voting arbitration".into(),
            reference_grids: vec![grid("canonical · page 0xFA")],
            grids: vec![grid("impl")],
            ..MapModel::default()
        };
        let svg = map_svg(&model);
        let heading = svg.find("The reference, one grid per page").unwrap();
        let reference = svg.find("canonical · page 0xFA").unwrap();
        let other = svg.find(">impl</text>").unwrap();
        assert!(heading < reference && reference < other);
        assert!(svg.contains("Reference: the voting arbitration"));
        assert_eq!(svg.matches(&scale_colour(0.5)).count(), 512);
    }

    #[test]
    fn escaping() {
        assert_eq!(escape("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
    }
}
