//! `isa-authority matrix`: the fleet's pairwise compatibility.
//!
//! Every pair of advertisements is negotiated. The text table shows, per pair, the number of
//! usable instructions, marked `*` when the pair is compatible (a common version with matching
//! hashes and at least one usable instruction); the diagonal shows each implementation's own
//! instruction count. The SVG heatmap (`-o FILE.svg`) colours each cell by the usable share of
//! the smaller table. Rows are sorted by implementation name, then file, so the output does not
//! depend on the order of the arguments.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use isa_negotiate::{negotiate, Advertisement};
use serde_json::json;

use crate::inputs::read_ad;
use crate::EXIT_OK;
use isa_report::style::{paint, Style};

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutFormat {
    /// A table.
    Text,
    /// `{"implementations", "usable", "compatible", "versions"}`.
    Json,
}

/// Arguments of `matrix`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Advertisement files (binary or JSON), two or more.
    #[arg(required = true, num_args = 2.., value_name = "AD")]
    pub ads: Vec<PathBuf>,

    /// Output format of the report on stdout.
    #[arg(long, value_enum, default_value = "text")]
    pub format: OutFormat,

    /// Also write the matrix as an SVG heatmap to this file (written atomically).
    #[arg(short, long, value_name = "FILE.svg")]
    pub output: Option<PathBuf>,
}

/// One negotiated cell.
struct Cell {
    usable: usize,
    compatible: bool,
    version: Option<String>,
}

/// Runs `matrix`.
pub fn run(args: Args) -> Result<u8> {
    let mut ads: Vec<(String, Advertisement<'static>)> = Vec::new();
    let mut errors = Vec::new();
    for path in &args.ads {
        match read_ad(path) {
            Ok(ad) => ads.push((path.display().to_string(), ad)),
            Err(e) => errors.push(format!("{e:#}")),
        }
    }
    if !errors.is_empty() {
        bail!("{}", errors.join("\nerror: "));
    }
    ads.sort_by(|x, y| (&x.1.implementation, &x.0).cmp(&(&y.1.implementation, &y.0)));
    // Disambiguate implementations that appear more than once by their file.
    let labels: Vec<String> = ads
        .iter()
        .map(|(file, ad)| {
            let twice = ads
                .iter()
                .filter(|(_, o)| o.implementation == ad.implementation)
                .count()
                > 1;
            if twice {
                format!("{} ({file})", ad.implementation)
            } else {
                ad.implementation.to_string()
            }
        })
        .collect();
    let n = ads.len();
    let cells: Vec<Vec<Cell>> = (0..n)
        .map(|i| {
            (0..n)
                .map(|j| {
                    let agreed = negotiate(&ads[i].1, &ads[j].1);
                    Cell {
                        usable: agreed.usable.len(),
                        compatible: agreed.compatible,
                        version: agreed.version.map(|v| v.version.to_string()),
                    }
                })
                .collect()
        })
        .collect();

    if let Some(path) = &args.output {
        let values: Vec<Vec<f64>> = (0..n)
            .map(|i| {
                (0..n)
                    .map(|j| {
                        let smaller = ads[i].1.instructions.len().min(ads[j].1.instructions.len());
                        if smaller == 0 {
                            f64::NAN
                        } else {
                            cells[i][j].usable as f64 / smaller as f64
                        }
                    })
                    .collect()
            })
            .collect();
        let svg = isa_viz::heatmap_svg(
            "Usable instructions (share of the smaller table)",
            &labels,
            &values,
        );
        isa_io::write_output(path, svg.as_bytes())
            .with_context(|| format!("{}: cannot write", path.display()))?;
    }

    match args.format {
        OutFormat::Json => {
            let doc = json!({
                "implementations": labels,
                "instructions": ads.iter().map(|(_, a)| a.instructions.len()).collect::<Vec<_>>(),
                "usable": cells.iter().map(|r| r.iter().map(|c| c.usable).collect::<Vec<_>>()).collect::<Vec<_>>(),
                "compatible": cells.iter().map(|r| r.iter().map(|c| c.compatible).collect::<Vec<_>>()).collect::<Vec<_>>(),
                "versions": cells.iter().map(|r| r.iter().map(|c| c.version.clone()).collect::<Vec<_>>()).collect::<Vec<_>>(),
            });
            print!("{}", crate::output::json(&doc));
        }
        OutFormat::Text => print!("{}", text_table(&labels, &cells)),
    }
    Ok(EXIT_OK)
}

fn text_table(labels: &[String], cells: &[Vec<Cell>]) -> String {
    let n = labels.len();
    let name_w = labels
        .iter()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(0)
        .min(isa_report::style::MAX_PAD);
    let idx_w = n.to_string().len();
    let cell_w = cells
        .iter()
        .flatten()
        .map(|c| c.usable.to_string().len() + 1)
        .max()
        .unwrap_or(1)
        .max(idx_w);
    let mut s = String::new();
    s.push_str(&format!("{:>w$}  {:<name_w$} ", "#", "", w = idx_w));
    for j in 0..n {
        s.push_str(&format!(" {:>cell_w$}", j + 1));
    }
    s.push('\n');
    for (i, label) in labels.iter().enumerate() {
        let pad = name_w.saturating_sub(label.chars().count());
        s.push_str(&format!(
            "{:>w$}  {label}{} ",
            i + 1,
            " ".repeat(pad),
            w = idx_w
        ));
        for (j, c) in cells[i].iter().enumerate() {
            let text = if i == j {
                format!("{}", c.usable)
            } else if c.compatible {
                format!("{}*", c.usable)
            } else {
                format!("{}", c.usable)
            };
            let padded = format!(" {text:>cell_w$}");
            s.push_str(&if i == j {
                paint(Style::Dim, &padded)
            } else if c.compatible {
                paint(Style::Good, &padded)
            } else {
                padded
            });
        }
        s.push('\n');
    }
    let compatible_pairs = (0..n)
        .flat_map(|i| (i + 1..n).map(move |j| (i, j)))
        .filter(|&(i, j)| cells[i][j].compatible)
        .count();
    s.push_str(&format!(
        "\ncells: usable instructions per pair (diagonal: own count); * = compatible\n{compatible_pairs} of {} pairs compatible\n",
        n * (n - 1) / 2
    ));
    s
}
