//! `isa-authority conform`: the CI gate. Scans an implementation's source for its opcode
//! table(s) and reports every divergence from the canonical table at the source line.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use isa_codegen::conform::{compare, Canonical, ConformOptions, Divergence, DivergenceKind};
use isa_core::{Location, Scheme, Severity, Table};
use serde_json::{json, Map, Value};

use crate::check::{pretty, FailOn, ReportFormat};
use crate::style::{self, paint, Style};
use crate::{inputs, sarif, EXIT_FAIL, EXIT_OK};

/// Arguments of `conform`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The implementation: source files or directories (walked respecting .gitignore); a
    /// .json/.toml table file is read as a table.
    #[arg(required = true, value_name = "SOURCE_PATH")]
    pub sources: Vec<PathBuf>,

    /// The canonical table: a table file (.json/.toml) or a store version.
    #[arg(long, value_name = "CANONICAL")]
    pub against: String,

    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: ReportFormat,

    /// Exit 1 when any divergence is at or above this severity (missing instructions are
    /// warnings; everything else is an error).
    #[arg(long, value_enum, default_value = "error", value_name = "SEVERITY")]
    pub fail_on: FailOn,

    /// Alias map (TOML `IADD = "ADD"` lines, or a JSON object) applied before matching names.
    #[arg(long, value_name = "FILE")]
    pub aliases: Option<PathBuf>,

    /// Check only the tables found under this symbol (repeatable; see `isa-authority scan`).
    #[arg(long = "table", value_name = "SYMBOL")]
    pub tables: Vec<String>,

    /// Scanner threshold: groups scoring below this (0-1) are not tables.
    #[arg(long, default_value_t = 0.5, value_name = "SCORE")]
    pub min_confidence: f32,

    #[command(flatten)]
    pub limits: crate::inputs::ScanLimits,

    /// Format scheme for letters neither table declares.
    #[arg(long, default_value = "flux-unified", value_parser = clap::builder::PossibleValuesParser::new(Scheme::BUILTIN_NAMES))]
    pub scheme: String,
}

/// One implementation table found under SOURCE_PATH.
struct Found {
    table: Table,
    symbol: String,
    confidence: f32,
}

fn threshold(f: FailOn) -> Option<Severity> {
    match f {
        FailOn::Critical => Some(Severity::Critical),
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Info => Some(Severity::Info),
        FailOn::Never => None,
    }
}

fn fail_on_str(f: FailOn) -> &'static str {
    match f {
        FailOn::Critical => "critical",
        FailOn::Error => "error",
        FailOn::Warning => "warning",
        FailOn::Info => "info",
        FailOn::Never => "never",
    }
}

fn find_tables(args: &Args) -> Result<Vec<Found>> {
    let mut errors = Vec::new();
    for p in &args.sources {
        if !p.exists() {
            errors.push(format!("{}: no such file or directory", p.display()));
        }
    }
    if !errors.is_empty() {
        bail!("{}", errors.join("\nerror: "));
    }
    let (mut table_files, sources): (Vec<PathBuf>, Vec<PathBuf>) = args
        .sources
        .iter()
        .cloned()
        .partition(|p| p.is_file() && isa_io::TableFormat::from_path(p).is_some());
    // Sorted like the scanner's files, so the report never depends on argument order.
    table_files.sort();
    let mut found: Vec<Found> = isa_io::load_tables(&table_files)
        .map_err(inputs::InputErrors)?
        .into_iter()
        .map(|t| Found {
            symbol: t.implementation.clone(),
            table: t,
            confidence: 1.0,
        })
        .collect();
    if !sources.is_empty() {
        let options = args
            .limits
            .options(args.min_confidence, std::io::stderr().is_terminal());
        let outcome = isa_scan::scan_paths(&sources, &options);
        for n in &outcome.notes {
            style::note(&format!("{}: {}", n.path.display(), n.message));
        }
        // A gate that cannot read part of the implementation must not say it conforms.
        let unreadable: Vec<String> = outcome
            .notes
            .iter()
            .filter(|n| n.unreadable)
            .map(|n| format!("{}: {}", n.path.display(), n.message))
            .collect();
        if !unreadable.is_empty() {
            bail!(
                "{} source file{} could not be read, so conformance cannot be decided:\n  {}",
                unreadable.len(),
                if unreadable.len() == 1 { "" } else { "s" },
                unreadable.join("\n  ")
            );
        }
        found.extend(outcome.tables.into_iter().map(|t| Found {
            table: t.table,
            symbol: t.symbol,
            confidence: t.confidence,
        }));
    }
    let shown: Vec<String> = args
        .sources
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    if found.is_empty() {
        bail!(
            "no opcode table found in {}\nhint: conform reads enums, constant blocks, maps, switch statements and Markdown tables; run `isa-authority scan {}` to see what the scanner finds, or lower --min-confidence",
            shown.join(", "),
            shown.join(" ")
        );
    }
    if !args.tables.is_empty() {
        let symbols: Vec<String> = found.iter().map(|f| f.symbol.clone()).collect();
        for wanted in &args.tables {
            if !symbols.contains(wanted) {
                bail!(
                    "--table {wanted}: no table with that symbol in {}\nhint: tables found: {}",
                    shown.join(", "),
                    symbols.join(", ")
                );
            }
        }
        found.retain(|f| args.tables.contains(&f.symbol));
    }
    Ok(found)
}

/// Runs `conform`.
pub fn run(args: Args) -> Result<u8> {
    let canonical = inputs::resolve_table(&args.against)?;
    let aliases = crate::inputs::aliases(args.aliases.as_deref())?;
    let options = ConformOptions {
        aliases: aliases.clone(),
        scheme: Scheme::builtin(&args.scheme).context("unknown scheme")?,
    };
    inputs::require_decodable(&canonical, "the canonical table", &options.scheme, &aliases)
        .with_context(|| format!("--against {}", args.against))?;
    isa_codegen::validate(&canonical, &options.scheme)
        .with_context(|| format!("--against {}", args.against))?;
    let index = Canonical::new(&canonical, &aliases);
    let found = find_tables(&args)?;
    let (checked, skipped): (Vec<Found>, Vec<Found>) =
        found.into_iter().partition(|f| index.shared(&f.table) > 0);
    for s in &skipped {
        style::note(&format!(
            "ignored {} ({}): no instruction in common with the canonical table",
            s.symbol, s.table.implementation
        ));
    }
    if checked.is_empty() {
        let names: Vec<&str> = skipped
            .iter()
            .map(|s| s.table.implementation.as_str())
            .collect();
        bail!(
            "none of the {} table(s) found shares an instruction with {}: {}\nhint: point SOURCE_PATH at the implementation's opcode table, or pass --aliases for renamed instructions",
            skipped.len(),
            args.against,
            names.join(", ")
        );
    }
    let mut divergences = Vec::new();
    let mut per_table = Vec::new();
    for f in &checked {
        let d = compare(&index, &f.table, &options);
        per_table.push(d.len());
        divergences.extend(d);
    }
    let failed =
        threshold(args.fail_on).is_some_and(|t| divergences.iter().any(|d| d.severity >= t));
    let report = Report {
        canonical: &canonical,
        canonical_arg: &args.against,
        checked: &checked,
        per_table: &per_table,
        skipped: &skipped,
        divergences: &divergences,
        fail_on: args.fail_on,
        failed,
    };
    let out = match args.format {
        ReportFormat::Text => report.text(),
        ReportFormat::Json => pretty(&report.json()),
        ReportFormat::Sarif => pretty(&report.sarif()),
    };
    write_stdout(&out)?;
    Ok(if failed { EXIT_FAIL } else { EXIT_OK })
}

/// Writes data to stdout; a closed pipe (`conform … | head`) is not an error.
pub fn write_stdout(text: &str) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(anyhow::anyhow!("cannot write to stdout: {e}"))
        }
        _ => Ok(()),
    }
}

struct Report<'a> {
    canonical: &'a Table,
    canonical_arg: &'a str,
    checked: &'a [Found],
    per_table: &'a [usize],
    skipped: &'a [Found],
    divergences: &'a [Divergence],
    fail_on: FailOn,
    failed: bool,
}

fn severity_style(s: Severity) -> Style {
    match s {
        Severity::Critical => Style::Critical,
        Severity::Error => Style::Error,
        Severity::Warning => Style::Warning,
        Severity::Info => Style::Info,
    }
}

fn location_json(l: &Option<Location>) -> Value {
    match l {
        Some(l) => json!({"file": l.file, "line": l.line, "column": l.column}),
        None => Value::Null,
    }
}

fn table_file(t: &Table) -> Option<String> {
    t.entries
        .iter()
        .find_map(|e| e.location.as_ref().map(|l| l.file.clone()))
        .or_else(|| t.location.as_ref().map(|l| l.file.clone()))
        .or_else(|| t.source_path.clone())
}

impl Report<'_> {
    fn count(&self, s: Severity) -> usize {
        self.divergences.iter().filter(|d| d.severity == s).count()
    }

    fn text(&self) -> String {
        let mut out = String::new();
        // Missing instructions are listed in one line per table: a partial table (a dispatch
        // switch, a mini VM) can lack hundreds, and one line each would bury the errors.
        let mut missing: Vec<(&str, &Option<Location>, Vec<&str>)> = Vec::new();
        for d in self.divergences {
            if d.kind == DivergenceKind::MissingInstruction {
                match missing.iter_mut().find(|m| m.0 == d.implementation) {
                    Some(m) => m.2.push(&d.mnemonic),
                    None => missing.push((&d.implementation, &d.location, vec![&d.mnemonic])),
                }
                continue;
            }
            let at = d
                .location
                .as_ref()
                .map(|l| l.to_string())
                .unwrap_or_else(|| d.implementation.clone());
            out.push_str(&format!(
                "{}: {}[{}]: {}\n",
                paint(Style::Dim, &at),
                paint(severity_style(d.severity), d.severity.as_str()),
                d.kind,
                d.message
            ));
        }
        for (table, location, names) in &missing {
            let at = location
                .as_ref()
                .map(|l| l.to_string())
                .unwrap_or_else(|| table.to_string());
            out.push_str(&format!(
                "{}: {}[{}]: {} canonical instruction{} missing from {table}: {}\n",
                paint(Style::Dim, &at),
                paint(Style::Warning, "warning"),
                DivergenceKind::MissingInstruction,
                names.len(),
                if names.len() == 1 { " is" } else { "s are" },
                names.join(", ")
            ));
        }
        if !self.divergences.is_empty() {
            out.push('\n');
        }
        let hash = isa_core::hash::table_hash(self.canonical);
        let tables: Vec<String> = self
            .checked
            .iter()
            .map(|f| {
                format!(
                    "{} ({} instructions)",
                    f.table.implementation,
                    f.table.instructions().count()
                )
            })
            .collect();
        out.push_str(&format!(
            "checked {} against {} ({}, {})\n",
            tables.join(", "),
            self.canonical_arg,
            self.canonical
                .isa_version
                .as_deref()
                .unwrap_or(&self.canonical.implementation),
            hash
        ));
        let counts: Vec<String> = Severity::DESCENDING
            .iter()
            .map(|s| format!("{} {}", self.count(*s), s))
            .collect();
        out.push_str(&format!(
            "{} divergence{}: {}\n",
            self.divergences.len(),
            if self.divergences.len() == 1 { "" } else { "s" },
            counts.join(", ")
        ));
        out.push_str(&if self.failed {
            paint(
                Style::Error,
                &format!(
                    "FAIL: diverges from the canonical table (divergences at or above `{}`)",
                    fail_on_str(self.fail_on)
                ),
            )
        } else {
            paint(
                Style::Good,
                &format!(
                    "ok: conforms (nothing at or above `{}`)",
                    fail_on_str(self.fail_on)
                ),
            )
        });
        out.push('\n');
        out
    }

    fn json(&self) -> Value {
        let divergences: Vec<Value> = self
            .divergences
            .iter()
            .map(|d| {
                json!({
                    "kind": d.kind.as_str(),
                    "severity": d.severity.as_str(),
                    "implementation": d.implementation,
                    "mnemonic": d.mnemonic,
                    "source_name": d.source_name,
                    "opcode": d.opcode,
                    "canonical_opcode": d.canonical_opcode,
                    "canonical_mnemonic": d.canonical_mnemonic,
                    "location": location_json(&d.location),
                    "canonical_location": location_json(&d.canonical_location),
                    "message": d.message,
                })
            })
            .collect();
        let tables: Vec<Value> = self
            .checked
            .iter()
            .zip(self.per_table)
            .map(|(f, n)| {
                json!({
                    "implementation": f.table.implementation,
                    "symbol": f.symbol,
                    "file": table_file(&f.table),
                    "confidence": f.confidence,
                    "instructions": f.table.instructions().count(),
                    "divergences": n,
                })
            })
            .collect();
        let skipped: Vec<Value> = self
            .skipped
            .iter()
            .map(|f| {
                json!({
                    "implementation": f.table.implementation,
                    "symbol": f.symbol,
                    "file": table_file(&f.table),
                    "reason": "no instruction in common with the canonical table",
                })
            })
            .collect();
        let by_kind: Map<String, Value> = DivergenceKind::ALL
            .iter()
            .map(|k| {
                let n = self.divergences.iter().filter(|d| d.kind == *k).count();
                (k.as_str().to_string(), json!(n))
            })
            .collect();
        let by_severity: Map<String, Value> = Severity::DESCENDING
            .iter()
            .map(|s| (s.as_str().to_string(), json!(self.count(*s))))
            .collect();
        json!({
            "canonical": {
                "argument": self.canonical_arg,
                "implementation": self.canonical.implementation,
                "isa_version": self.canonical.isa_version,
                "content_hash": isa_core::hash::table_hash(self.canonical),
                "instructions": self.canonical.instructions().count(),
            },
            "tables": tables,
            "skipped": skipped,
            "divergences": divergences,
            "summary": {
                "tables": self.checked.len(),
                "divergences": self.divergences.len(),
                "by_kind": by_kind,
                "by_severity": by_severity,
                "fail_on": fail_on_str(self.fail_on),
                "conforms": !self.failed,
            }
        })
    }

    /// SARIF 2.1.0 in the conventions of `check --format sarif`: one rule per divergence kind,
    /// one result per divergence located at the implementation's line, the canonical entry as a
    /// related location, and a content-derived fingerprint.
    fn sarif(&self) -> Value {
        let physical = |l: &Location| sarif::location(l, None);
        let rules: Vec<Value> = DivergenceKind::ALL
            .iter()
            .map(|k| sarif::rule(k.as_str(), k.description(), k.severity()))
            .collect();
        let results: Vec<Value> = self
            .divergences
            .iter()
            .map(|d| {
                let fingerprint = isa_core::hash::sha256_hex(
                    format!(
                        "{}\0{}\0{}\0{:?}\0{:?}",
                        d.kind.as_str(),
                        d.implementation,
                        d.mnemonic,
                        d.opcode,
                        d.canonical_opcode
                    )
                    .as_bytes(),
                );
                let mut r = json!({
                    "ruleId": d.kind.as_str(),
                    "ruleIndex": DivergenceKind::ALL.iter().position(|k| *k == d.kind),
                    "level": sarif::level(d.severity),
                    "message": {"text": d.message},
                    "partialFingerprints": {"isaAuthorityDivergence/v1": &fingerprint[..32]},
                    "properties": {"severity": d.severity.as_str(), "implementation": d.implementation},
                });
                if let Some(l) = &d.location {
                    r["locations"] = json!([physical(l)]);
                }
                if let Some(l) = &d.canonical_location {
                    let mut rel = physical(l);
                    rel["id"] = json!(1);
                    rel["message"] = json!({"text": "canonical entry"});
                    r["relatedLocations"] = json!([rel]);
                }
                r
            })
            .collect();
        sarif::log(rules, results)
    }
}
