//! Turning command-line paths into tables: files are read by extension, directories are expanded
//! to the table files they hold (sorted, so the order never depends on the file system), and
//! every error of every input is reported before giving up.

use std::fmt;
use std::path::{Path, PathBuf};

use isa_core::{Aliases, Table};
use isa_io::{LoadError, TableFormat};

/// Every input error at once; displays one `file:line:col: message` per line.
#[derive(Debug)]
pub struct InputErrors(pub Vec<LoadError>);

impl fmt::Display for InputErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\nerror: ")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for InputErrors {}

/// Expands directories into the `.json`/`.toml` files directly inside them.
pub fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>, InputErrors> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            // Standard input: a table, read by `isa_io::load_table`.
            out.push(path.clone());
        } else if path.is_dir() {
            let mut found: Vec<PathBuf> = match std::fs::read_dir(path) {
                Ok(rd) => rd
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.is_file() && TableFormat::from_path(p).is_some())
                    .collect(),
                Err(e) => {
                    errors.push(LoadError::file(
                        &path.display().to_string(),
                        format!("cannot read directory: {e}"),
                    ));
                    continue;
                }
            };
            if found.is_empty() {
                // A directory without table files may be a source tree: its source files
                // (walked recursively, respecting .gitignore) are scanned for tables instead.
                found = isa_scan::source_files(std::slice::from_ref(path)).0;
            }
            if found.is_empty() {
                errors.push(LoadError::file(
                    &path.display().to_string(),
                    "directory holds no .json or .toml table files and no source files",
                ));
            }
            found.sort();
            out.extend(found);
        } else if !path.exists() {
            errors.push(LoadError::file(
                &path.display().to_string(),
                "no such file or directory",
            ));
        } else {
            out.push(path.clone());
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(InputErrors(errors))
    }
}

/// Loads every table named by `paths` (files or directories). Source files (a language the
/// scanner reads, not .json/.toml) are scanned on the fly: their tables join the others and
/// their entries point at source lines; files the scanner skips get a note on stderr.
pub fn load(paths: &[PathBuf]) -> Result<Vec<Table>, InputErrors> {
    let files = expand(paths)?;
    let (sources, table_files): (Vec<PathBuf>, Vec<PathBuf>) = files.into_iter().partition(|p| {
        p.as_os_str() != "-"
            && TableFormat::from_path(p).is_none()
            && isa_scan::Lang::from_path(p).is_some()
    });
    let mut tables = isa_io::load_tables(&table_files).map_err(InputErrors)?;
    if !sources.is_empty() {
        let outcome = isa_scan::scan_paths(&sources, &isa_scan::ScanOptions::default());
        for note in &outcome.notes {
            crate::style::note(&format!("{}: {}", note.path.display(), note.message));
        }
        tables.extend(outcome.tables.into_iter().map(|t| t.table));
        // Scanned tables are named FILE#SYMBOL, but a table file may still use such a name.
        let duplicates = isa_io::read::duplicate_implementations(&tables);
        if !duplicates.is_empty() {
            return Err(InputErrors(duplicates));
        }
    }
    Ok(tables)
}

/// Loads exactly one table file.
#[allow(dead_code)] // used by subcommands that take a single table
pub fn load_one(path: &Path) -> Result<Table, InputErrors> {
    isa_io::load_table(path).map_err(|e| InputErrors(vec![e]))
}

/// The store a bare version argument refers to: `$ISA_AUTHORITY_STORE`, else `./.isa-authority`
/// (the same default as the store commands' `--store`).
pub fn default_store_dir() -> PathBuf {
    match std::env::var_os("ISA_AUTHORITY_STORE") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => PathBuf::from(isa_history::Store::DEFAULT_DIR),
    }
}

/// True for what a declared version is written as: `1.2.0`, `v1.2.0` or `latest`.
fn looks_like_version(text: &str) -> bool {
    let digits = text.strip_prefix('v').unwrap_or(text);
    text == "latest" || digits.chars().next().is_some_and(|c| c.is_ascii_digit())
}

/// Resolves a command-line argument naming one table, for every subcommand that takes "a table
/// or a store version":
/// - an existing file, or a name ending in `.json`/`.toml`, is read as a table file;
/// - `VERSION` (`1.2.0`, `v1.2.0`, `latest`) is that declared version in the default store
///   (`$ISA_AUTHORITY_STORE`, else `./.isa-authority`);
/// - `DIR@VERSION` is that version in the store at `DIR`.
pub fn resolve_table(arg: &str) -> anyhow::Result<Table> {
    let path = Path::new(arg);
    if arg == "-" || path.exists() || TableFormat::from_path(path).is_some() {
        return Ok(load_one(path)?);
    }
    let (dir, version) = match arg.rsplit_once('@') {
        Some((dir, version)) if !dir.is_empty() => (PathBuf::from(dir), version),
        _ => (default_store_dir(), arg),
    };
    if !looks_like_version(version) {
        anyhow::bail!(
            "{arg}: no such table file, and not a store version\n  hint: name a .json/.toml table, \
             a declared version such as 1.2.0 (from $ISA_AUTHORITY_STORE or ./.isa-authority), or DIR@VERSION"
        );
    }
    let store = isa_history::Store::open(&dir)
        .map_err(|e| anyhow::anyhow!("{arg}: cannot open the store {}: {e}", dir.display()))?;
    store.show(version).map_err(|e| {
        anyhow::anyhow!(
            "{arg}: version {version} of the store {}: {e}",
            dir.display()
        )
    })
}

/// The alias map of an optional `--aliases FILE` (empty without one).
pub fn aliases(path: Option<&Path>) -> Result<Aliases, InputErrors> {
    match path {
        Some(path) => isa_io::load_aliases(path).map_err(|e| InputErrors(vec![e])),
        None => Ok(Aliases::new()),
    }
}

/// Refuses a table whose bytecode cannot be decoded (see [`isa_core::undecodable`]): the error
/// lists each `check` conflict that makes it so — the same words `check` prints — and the
/// command exits 2. `role` says which table it is (`the target table`).
pub fn require_decodable(
    table: &Table,
    role: &str,
    scheme: &isa_core::Scheme,
    aliases: &Aliases,
) -> anyhow::Result<()> {
    let options = isa_core::CheckOptions {
        aliases: aliases.clone(),
        scheme: scheme.clone(),
        hint_limit: 0,
    };
    let problems = isa_core::undecodable(table, &options);
    if problems.is_empty() {
        return Ok(());
    }
    let mut text = format!(
        "{role} {} cannot be decoded unambiguously ({} problem{}; `check` reports the same):",
        table.implementation,
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    );
    const SHOWN: usize = 10;
    for c in problems.iter().take(SHOWN) {
        text.push_str(&format!("\n  {}[{}] {}", c.severity, c.kind, c.message));
        if let Some(loc) = c.entries.first().and_then(|e| e.location.as_ref()) {
            text.push_str(&format!(" ({loc})"));
        }
    }
    if problems.len() > SHOWN {
        text.push_str(&format!("\n  … and {} more", problems.len() - SHOWN));
    }
    anyhow::bail!("{text}")
}

/// The scanner's per-file limits, shared by every command that scans source files.
#[derive(Debug, Clone, clap::Args)]
pub struct ScanLimits {
    /// Skip source files larger than this (bytes, or with a K, M or G suffix for KiB, MiB,
    /// GiB), with a note.
    #[arg(long, default_value = "4M", value_name = "SIZE", value_parser = parse_size)]
    pub max_file_size: u64,

    /// Skip a source file, with a note, when parsing it takes more than this many seconds of
    /// CPU time (the grammars' error recovery on text in another language can be very slow).
    #[arg(long, default_value = "3", value_name = "SECONDS", value_parser = parse_seconds)]
    pub parse_timeout: std::time::Duration,
}

impl ScanLimits {
    /// Scan options with these limits and the given threshold.
    pub fn options(&self, min_confidence: f32, progress: bool) -> isa_scan::ScanOptions {
        isa_scan::ScanOptions {
            min_confidence,
            progress,
            max_file_bytes: self.max_file_size,
            parse_timeout: self.parse_timeout,
        }
    }
}

/// `4096`, `64K`, `4M`, `1G` (binary multiples).
fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let (digits, shift) = match t.char_indices().last() {
        Some((i, 'k' | 'K')) => (&t[..i], 10),
        Some((i, 'm' | 'M')) => (&t[..i], 20),
        Some((i, 'g' | 'G')) => (&t[..i], 30),
        _ => (t, 0),
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("`{text}`: expected a size such as 4096, 64K, 4M or 1G"))?;
    n.checked_mul(1u64 << shift)
        .ok_or_else(|| format!("`{text}`: too large"))
}

/// Seconds, fractions allowed, above 0 and at most a day.
fn parse_seconds(text: &str) -> Result<std::time::Duration, String> {
    let s: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("`{text}`: expected seconds, such as 3 or 0.5"))?;
    if !(s > 0.0 && s <= 86_400.0) {
        return Err(format!("`{text}`: must be above 0 and at most 86400"));
    }
    Ok(std::time::Duration::from_secs_f64(s))
}

#[cfg(test)]
mod limit_tests {
    use super::*;

    #[test]
    fn sizes_and_seconds() {
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size("64K"), Ok(65_536));
        assert_eq!(parse_size("4m"), Ok(4 << 20));
        assert_eq!(parse_size("1G"), Ok(1 << 30));
        assert!(parse_size("17179869184G").is_err());
        assert!(parse_size("-1").is_err());
        assert!(parse_size("4MB").is_err());
        assert_eq!(
            parse_seconds("0.5"),
            Ok(std::time::Duration::from_millis(500))
        );
        assert!(parse_seconds("0").is_err());
        assert!(parse_seconds("NaN").is_err());
        assert!(parse_seconds("inf").is_err());
    }
}
