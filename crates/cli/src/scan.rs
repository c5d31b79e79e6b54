//! `isa-authority scan`: find opcode tables in VM source code.
//!
//! Thin front end over `isa-scan`: walks the paths, prints a summary or the JSON contract, and
//! with `-o DIR` writes one interchange JSON per table so that `check DIR/*.json` works.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use isa_scan::{ScanOptions, ScannedTable};

use crate::{EXIT_FAIL, EXIT_OK};
use isa_report::scan::scan_json;
use isa_report::style::{paint, Style};

/// Output formats of `scan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ScanFormat {
    /// A readable summary: one block per table.
    Text,
    /// `{"tables": [...], "notes": [...]}`, each table in the interchange shape.
    Json,
}

/// Arguments of `scan`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Source files or directories (walked recursively, respecting .gitignore).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: ScanFormat,

    /// Write one interchange JSON file per table into this directory (created if missing).
    #[arg(short = 'o', long = "output", value_name = "DIR")]
    pub output: Option<PathBuf>,

    /// Report only tables whose classifier confidence is at least this (0 to 1).
    #[arg(long, default_value_t = isa_scan::classify::DEFAULT_MIN_CONFIDENCE, value_name = "X")]
    pub min_confidence: f32,

    #[command(flatten)]
    pub limits: crate::args::ScanLimits,
}

/// A file name for a table: its implementation name with everything but letters, digits, `.`,
/// `_` and `-` turned into `-`, made unique with a numeric suffix.
fn file_name(implementation: &str, taken: &mut BTreeSet<String>) -> String {
    let mut base: String = implementation
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    while base.contains("--") {
        base = base.replace("--", "-");
    }
    let base = base.trim_matches('-').to_string();
    let mut name = format!("{base}.json");
    let mut n = 2;
    while !taken.insert(name.clone()) {
        name = format!("{base}-{n}.json");
        n += 1;
    }
    name
}

fn write_all(dir: &Path, tables: &[ScannedTable]) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("{}: cannot create output directory", dir.display()))?;
    let mut taken = BTreeSet::new();
    let mut written = Vec::new();
    for t in tables {
        let path = dir.join(file_name(&t.table.implementation, &mut taken));
        isa_io::write_table(&path, &t.table)?;
        written.push(path);
    }
    Ok(written)
}

/// Writes to stdout, ignoring a closed pipe (`scan … | head` must not panic).
fn emit(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|_| out.flush());
}

/// Runs `scan`: exit 0 when at least one table was found, 1 when none was, 2 on bad input.
pub fn run(args: Args) -> Result<u8> {
    if !(0.0..=1.0).contains(&args.min_confidence) || args.min_confidence.is_nan() {
        bail!(
            "--min-confidence {}: must be between 0 and 1",
            args.min_confidence
        );
    }
    for p in &args.paths {
        if !p.exists() {
            bail!("{}: no such file or directory", p.display());
        }
    }
    let options: ScanOptions = args.limits.options(args.min_confidence, true);
    let outcome = isa_scan::scan_paths(&args.paths, &options);
    for note in &outcome.notes {
        eprintln!(
            "{} {}: {}",
            paint(Style::Warning, "note:"),
            note.path.display(),
            note.message
        );
    }
    if let Some(dir) = &args.output {
        let written = write_all(dir, &outcome.tables)?;
        eprintln!("wrote {} table file(s) to {}", written.len(), dir.display());
    }
    match args.format {
        ScanFormat::Json => {
            emit(&crate::output::json(&scan_json(&outcome)));
        }
        ScanFormat::Text => {
            let mut out = String::new();
            for t in &outcome.tables {
                out += &format!(
                    "{} {}",
                    paint(Style::Bold, &t.table.implementation),
                    paint(
                        Style::Dim,
                        &format!(
                            "({}, {} entries, confidence {:.2})",
                            t.table.language.as_deref().unwrap_or("?"),
                            t.table.entries.len(),
                            t.confidence
                        )
                    )
                );
                out.push('\n');
                for e in &t.table.entries {
                    let line = e.location.as_ref().map(|l| l.line).unwrap_or(0);
                    out += &format!(
                        "  0x{:02X}  {:<16} {}\n",
                        e.opcode,
                        e.mnemonic.as_deref().unwrap_or("-"),
                        paint(
                            Style::Dim,
                            &format!(
                                "{} line {line}{}",
                                e.source_name().unwrap_or(""),
                                if e.reserved { " (reserved)" } else { "" }
                            )
                        )
                    );
                }
            }
            let entries: usize = outcome.tables.iter().map(|t| t.table.entries.len()).sum();
            out += &format!(
                "{} table(s), {} entries, {} file(s) skipped\n",
                outcome.tables.len(),
                entries,
                outcome.notes.len()
            );
            emit(&out);
        }
    }
    Ok(if outcome.tables.is_empty() {
        EXIT_FAIL
    } else {
        EXIT_OK
    })
}
