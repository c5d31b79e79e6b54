//! Turning command-line paths into tables: files are read by extension, directories are expanded
//! to the table files they hold (sorted, so the order never depends on the file system), and
//! every error of every input is reported before giving up.

use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context};
use isa_core::{Aliases, Table};
use isa_io::{LoadError, TableFormat};
use isa_negotiate::Advertisement;
use isa_report::conform::Checked;
use isa_report::style;

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
            style::note(&format!("{}: {}", note.path.display(), note.message));
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
/// or a store version" (see [`resolve_table_in`]), with the registry of
/// `$ISA_AUTHORITY_REGISTRY`, if any.
pub fn resolve_table(arg: &str) -> anyhow::Result<Table> {
    resolve_table_in(arg, crate::registry::env_url().as_deref())
}

/// Resolves a command-line argument naming one table:
/// - an existing file, or a name ending in `.json`/`.toml`, is read as a table file;
/// - `VERSION` (`1.2.0`, `v1.2.0`, `latest`) is that declared version of `registry` when one
///   is given (`--registry URL`, else `$ISA_AUTHORITY_REGISTRY`), else of the default store
///   (`$ISA_AUTHORITY_STORE`, else `./.isa-authority`);
/// - `DIR@VERSION` is that version in the store at `DIR`, and `http://HOST:PORT@VERSION`
///   that version of the registry there.
pub fn resolve_table_in(arg: &str, registry: Option<&str>) -> anyhow::Result<Table> {
    let path = Path::new(arg);
    if arg == "-" || path.exists() || TableFormat::from_path(path).is_some() {
        return Ok(load_one(path)?);
    }
    enum From<'a> {
        Dir(PathBuf),
        Registry(&'a str),
    }
    let (from, version) = match arg.rsplit_once('@') {
        Some((url, version)) if is_url(url) => (From::Registry(url), version),
        Some((dir, version)) if !dir.is_empty() => (From::Dir(PathBuf::from(dir)), version),
        _ => match registry {
            Some(url) => (From::Registry(url), arg),
            None => (From::Dir(default_store_dir()), arg),
        },
    };
    if !looks_like_version(version) {
        anyhow::bail!(
            "{arg}: no such table file, and not a store version\n  hint: name a .json/.toml table, \
             a declared version such as 1.2.0 (from --registry / $ISA_AUTHORITY_REGISTRY, else \
             $ISA_AUTHORITY_STORE or ./.isa-authority), DIR@VERSION or URL@VERSION"
        );
    }
    let dir = match from {
        From::Registry(url) => return crate::registry::Registry::new(url)?.table(version),
        From::Dir(dir) => dir,
    };
    let store = isa_history::Store::open(&dir)
        .map_err(|e| anyhow::anyhow!("{arg}: cannot open the store {}: {e}", dir.display()))?;
    store.show(version).map_err(|e| {
        anyhow::anyhow!(
            "{arg}: version {version} of the store {}: {e}",
            dir.display()
        )
    })
}

/// True for what names a registry rather than a store directory: `http://…` or `https://…`.
fn is_url(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
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
    match isa_report::check::undecodable_message(table, role, scheme, aliases) {
        None => Ok(()),
        Some(text) => anyhow::bail!("{text}"),
    }
}

/// The one loader of an implementation's tables for `conform`: table files as they are (at
/// confidence 1), source files and directories through the scanner with `options`, optionally
/// narrowed to the tables found under `symbols`. Stricter than [`load`]: a gate that cannot
/// read part of the implementation must not say it conforms, so an unreadable source file is
/// an error here rather than a note.
pub fn load_implementation(
    paths: &[PathBuf],
    options: &isa_scan::ScanOptions,
    symbols: &[String],
) -> anyhow::Result<Vec<Checked>> {
    let mut errors = Vec::new();
    for p in paths {
        if !p.exists() {
            errors.push(format!("{}: no such file or directory", p.display()));
        }
    }
    if !errors.is_empty() {
        anyhow::bail!("{}", errors.join("\nerror: "));
    }
    let (mut table_files, sources): (Vec<PathBuf>, Vec<PathBuf>) = paths
        .iter()
        .cloned()
        .partition(|p| p.is_file() && isa_io::TableFormat::from_path(p).is_some());
    // Sorted like the scanner's files, so the report never depends on argument order.
    table_files.sort();
    let mut found: Vec<Checked> = isa_io::load_tables(&table_files)
        .map_err(InputErrors)?
        .into_iter()
        .map(|t| Checked {
            symbol: t.implementation.clone(),
            table: t,
            confidence: 1.0,
        })
        .collect();
    if !sources.is_empty() {
        let outcome = isa_scan::scan_paths(&sources, options);
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
            anyhow::bail!(
                "{} source file{} could not be read, so conformance cannot be decided:\n  {}",
                unreadable.len(),
                if unreadable.len() == 1 { "" } else { "s" },
                unreadable.join("\n  ")
            );
        }
        found.extend(outcome.tables.into_iter().map(|t| Checked {
            table: t.table,
            symbol: t.symbol,
            confidence: t.confidence,
        }));
    }
    let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    if found.is_empty() {
        anyhow::bail!(
            "no opcode table found in {}\nhint: conform reads enums, constant blocks, maps, switch statements and Markdown tables; run `isa-authority scan {}` to see what the scanner finds, or lower --min-confidence",
            shown.join(", "),
            shown.join(" ")
        );
    }
    if !symbols.is_empty() {
        let found_symbols: Vec<String> = found.iter().map(|f| f.symbol.clone()).collect();
        for wanted in symbols {
            if !found_symbols.contains(wanted) {
                anyhow::bail!(
                    "--table {wanted}: no table with that symbol in {}\nhint: tables found: {}",
                    shown.join(", "),
                    found_symbols.join(", ")
                );
            }
        }
        found.retain(|f| symbols.contains(&f.symbol));
    }
    Ok(found)
}

/// Reads one advertisement file, binary (starts with the wire magic) or JSON, and checks that
/// its mnemonics match their digests (reports name instructions by them).
pub fn read_ad(path: &Path) -> anyhow::Result<Advertisement<'static>> {
    let ad = read_unchecked(path)?;
    ad.check_mnemonics()
        .map_err(|e| anyhow!("{}: malformed advertisement: {e}", path.display()))?;
    Ok(ad)
}

fn read_unchecked(path: &Path) -> anyhow::Result<Advertisement<'static>> {
    let file = path.display();
    let bytes = isa_io::read_limited(path, isa_io::max_input())
        .with_context(|| format!("{file}: cannot read"))?;
    parse_unchecked(&bytes, &file.to_string())
}

/// Parses the bytes of an advertisement, binary or JSON, as [`read_ad`] does a file (without the
/// mnemonic check); `file` names it in errors. Public for the Python bindings, which read
/// advertisements from memory.
pub fn parse_unchecked(bytes: &[u8], file: &str) -> anyhow::Result<Advertisement<'static>> {
    isa_negotiate::read::read_any(bytes, file).map_err(anyhow::Error::msg)
}

/// The declared versions of a store that `table` implements in full, each with the content
/// hash of the version's table. "In full" is decided by the negotiation itself: every
/// instruction of the version must be usable between the version and the table. A declared
/// version whose own table cannot be advertised (it is undecodable) is skipped with a note.
pub fn store_claims(
    table: &Table,
    file: &str,
    dir: &Path,
    scheme: &isa_core::Scheme,
) -> anyhow::Result<Vec<isa_negotiate::VersionClaim>> {
    let store = isa_history::Store::open(dir)
        .with_context(|| format!("{}: cannot open the store", dir.display()))?;
    let log = store
        .log()
        .with_context(|| format!("{}: cannot read the history", dir.display()))?;
    let options = |versions| isa_negotiate::BuildOptions {
        scheme,
        versions,
        registers: 0,
        groups: Vec::new(),
        mnemonics: false,
    };
    let (mine, _) = isa_negotiate::build(table, &options(Vec::new()))
        .with_context(|| format!("{file}: cannot advertise"))?;
    let mut claims = Vec::new();
    for declared in &log {
        let proposal = &declared.record.proposal;
        let version_ad = match isa_negotiate::build(&proposal.table, &options(Vec::new())) {
            Ok((ad, _)) => ad,
            Err(e) => {
                style::note(&format!(
                    "{}: declared version {} not claimed: {e}",
                    dir.display(),
                    proposal.version
                ));
                continue;
            }
        };
        if isa_negotiate::usable_count(&version_ad, &mine) == version_ad.instructions.len() {
            let claim = isa_negotiate::VersionClaim::from_hex(
                proposal.version.clone(),
                &proposal.table_hash(),
            )
            .context("store table hash is not a SHA-256")?;
            claims.push(claim);
        }
    }
    Ok(claims)
}
