//! Argument groups every subcommand that needs them flattens in, so an option is spelled,
//! documented, defaulted and validated once: `--format` of reports, `--fail-on`, `--aliases`,
//! `--scheme` (and the `--from-scheme`/`--to-scheme` pair), `--store` (and `--registry`), and
//! the scanner's limits.

use std::path::PathBuf;

use anyhow::{Context, Result};
use isa_core::{Aliases, Scheme};
use isa_history::Store;

pub use isa_report::check::FailOn;

use crate::inputs::InputErrors;

/// Output formats of diagnostic reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// A readable report grouped by severity.
    Text,
    /// The JSON contract (docs/reference/json-contracts.md).
    Json,
    /// SARIF 2.1.0, for code-scanning views.
    Sarif,
}

/// `--aliases FILE`.
#[derive(Debug, Clone, clap::Args)]
pub struct AliasArg {
    /// Alias map (TOML `IADD = "ADD"` lines, or a JSON object) applied to every table before
    /// names are compared.
    #[arg(long, value_name = "FILE")]
    pub aliases: Option<PathBuf>,
}

impl AliasArg {
    /// The alias map (empty without `--aliases`).
    pub fn load(&self) -> Result<Aliases, InputErrors> {
        match &self.aliases {
            Some(path) => isa_io::load_aliases(path).map_err(|e| InputErrors(vec![e])),
            None => Ok(Aliases::new()),
        }
    }
}

/// `--scheme NAME`, for commands that read one kind of table.
#[derive(Debug, Clone, clap::Args)]
pub struct SchemeArg {
    /// Format scheme for letters a table does not declare.
    #[arg(long, default_value = "flux-unified", value_parser = clap::builder::PossibleValuesParser::new(Scheme::BUILTIN_NAMES))]
    pub scheme: String,
}

impl SchemeArg {
    /// The scheme.
    pub fn resolve(&self) -> Result<Scheme> {
        scheme(&self.scheme)
    }
}

/// `--format` and `--fail-on` of the commands that report diagnostics (`check`, `conform`).
#[derive(Debug, Clone, clap::Args)]
pub struct ReportArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: ReportFormat,

    /// Exit 1 when any finding is at or above this severity.
    #[arg(long, value_enum, default_value = "error", value_name = "SEVERITY")]
    pub fail_on: FailOn,
}

/// The format schemes of a pair of tables (old/`--from` and new/`--to`), shared by `translate`
/// and `migrate` so both read letters the same way.
#[derive(Debug, clap::Args)]
pub struct SchemePair {
    /// Format scheme for letters a table does not declare (both sides).
    #[arg(long, default_value = "flux-unified", value_parser = clap::builder::PossibleValuesParser::new(Scheme::BUILTIN_NAMES))]
    pub scheme: String,

    /// Scheme for the first table's undeclared letters (--from, or the old table; overrides --scheme).
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(Scheme::BUILTIN_NAMES))]
    pub from_scheme: Option<String>,

    /// Scheme for the second table's undeclared letters (--to, or the new table; overrides --scheme).
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(Scheme::BUILTIN_NAMES))]
    pub to_scheme: Option<String>,
}

impl SchemePair {
    /// The first table's scheme name.
    pub fn source_name(&self) -> &str {
        self.from_scheme.as_deref().unwrap_or(&self.scheme)
    }

    /// The second table's scheme name.
    pub fn target_name(&self) -> &str {
        self.to_scheme.as_deref().unwrap_or(&self.scheme)
    }

    /// Both schemes, resolved.
    pub fn resolve(&self) -> Result<(Scheme, Scheme)> {
        Ok((scheme(self.source_name())?, scheme(self.target_name())?))
    }
}

/// Resolves a scheme name that clap already validated.
fn scheme(name: &str) -> Result<Scheme> {
    Scheme::builtin(name).with_context(|| format!("unknown scheme `{name}`"))
}

/// `--format text|json`: the output formats of commands without SARIF.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Readable text.
    Text,
    /// JSON (each command's shape: docs/reference/json-contracts.md).
    Json,
}

/// Where the store is: `--store DIR`, else `$ISA_AUTHORITY_STORE`, else `./.isa-authority`.
#[derive(Debug, Clone, clap::Args)]
pub struct StoreArg {
    /// Store directory [default: $ISA_AUTHORITY_STORE, else ./.isa-authority].
    #[arg(long, value_name = "DIR")]
    pub store: Option<PathBuf>,
}

impl StoreArg {
    /// The store directory.
    pub fn dir(&self) -> PathBuf {
        if let Some(dir) = &self.store {
            return dir.clone();
        }
        match std::env::var_os("ISA_AUTHORITY_STORE") {
            Some(dir) if !dir.is_empty() => PathBuf::from(dir),
            _ => PathBuf::from(Store::DEFAULT_DIR),
        }
    }

    /// Opens the store.
    pub fn open(&self) -> Result<Store> {
        Ok(Store::open(self.dir())?)
    }
}

/// Where a store command works: `--store DIR` or `--registry URL`, else
/// `$ISA_AUTHORITY_REGISTRY`, else `$ISA_AUTHORITY_STORE`, else `./.isa-authority` (an
/// explicit flag always wins over the environment). For the commands that can work against a
/// registry (`log`, `show`, `diff`, `verify`, `propose`, `approve`, `declare`); `init` and
/// `serve` take [`StoreArg`] alone.
#[derive(Debug, Clone, clap::Args)]
pub struct StoreOrRegistry {
    /// Store directory [default: $ISA_AUTHORITY_STORE, else ./.isa-authority].
    #[arg(long, value_name = "DIR", conflicts_with = "registry")]
    pub store: Option<PathBuf>,

    /// Work against the registry served at this http:// address (`isa-authority serve`)
    /// instead of a store directory: reads fetch the store's export and run the same code over
    /// it (so `verify` checks the bytes itself); writes send $ISA_AUTHORITY_TOKEN [default:
    /// $ISA_AUTHORITY_REGISTRY].
    #[arg(long, value_name = "URL")]
    pub registry: Option<String>,
}

/// Where [`StoreOrRegistry`] points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A store directory.
    Store(PathBuf),
    /// A registry's address.
    Registry(String),
}

impl StoreOrRegistry {
    /// Where the command works (see the type's documentation for the order).
    pub fn location(&self) -> Location {
        if let Some(url) = &self.registry {
            return Location::Registry(url.clone());
        }
        if let Some(dir) = &self.store {
            return Location::Store(dir.clone());
        }
        if let Some(url) = crate::registry::env_url() {
            return Location::Registry(url);
        }
        Location::Store(
            StoreArg {
                store: self.store.clone(),
            }
            .dir(),
        )
    }

    /// The registry, when the command works against one.
    pub fn registry(&self) -> Result<Option<crate::registry::Registry>> {
        match self.location() {
            Location::Registry(url) => Ok(Some(crate::registry::Registry::new(&url)?)),
            Location::Store(_) => Ok(None),
        }
    }

    /// The store: the directory's, or the registry's export held in memory.
    pub fn open(&self) -> Result<Store> {
        match self.location() {
            Location::Store(dir) => Ok(Store::open(dir)?),
            Location::Registry(url) => crate::registry::Registry::new(&url)?.store(),
        }
    }
}

/// `--registry URL` of the commands that take tables (`gen`, `conform`, `migrate`,
/// `translate`): a bare version argument (`1.2.0`, `latest`) is then that version of the
/// registry's history rather than of the default store.
#[derive(Debug, Clone, clap::Args)]
pub struct RegistryArg {
    /// Resolve bare store versions (`1.2.0`, `latest`) through the registry served at this
    /// http:// address (`GET /v1/versions/VERSION`) instead of the default store [default:
    /// $ISA_AUTHORITY_REGISTRY].
    #[arg(long, value_name = "URL")]
    pub registry: Option<String>,
}

impl RegistryArg {
    /// The registry's address: `--registry`, else `$ISA_AUTHORITY_REGISTRY`.
    pub fn url(&self) -> Option<String> {
        self.registry.clone().or_else(crate::registry::env_url)
    }
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

    /// Parse a source file larger than this (bytes, or with a K, M or G suffix) in pieces of
    /// about this size, cut between top-level items or between the members of a very large
    /// item, so that memory stays a few times the file's size; what is found is the same.
    /// 0 parses every file whole.
    #[arg(long, default_value = "64K", value_name = "SIZE", value_parser = parse_size)]
    pub piece_size: u64,
}

impl ScanLimits {
    /// Scan options with these limits and the given threshold.
    pub fn options(&self, min_confidence: f32, progress: bool) -> isa_scan::ScanOptions {
        isa_scan::ScanOptions {
            min_confidence,
            progress,
            max_file_bytes: self.max_file_size,
            parse_timeout: self.parse_timeout,
            chunk_bytes: usize::try_from(self.piece_size).unwrap_or(usize::MAX),
        }
    }
}

/// `4096`, `64K`, `4M`, `1G` (binary multiples).
pub fn parse_size(text: &str) -> Result<u64, String> {
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
mod tests {
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
