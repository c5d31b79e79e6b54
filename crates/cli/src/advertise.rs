//! `isa-authority advertise`: build a capability advertisement from a table.
//!
//! With `--store DIR` the advertisement claims every declared version of the canonical history
//! that the table implements in full (each of the version's instructions at the same number,
//! with the same name and a compatible layout), each with the content hash of that version's
//! table. Without a store — or when the table implements no declared version — it claims one
//! version whose hash is the table's own content hash (`isa_core::hash::table_hash`): two
//! tables that call themselves "2.0" but differ in content therefore never negotiate 2.0 with
//! each other. That label comes from `--isa-version`, else from the table's free-text
//! `isa_version` (`"FLUX ISA v2.0"` → 2.0.0), else 0.0.0 with a note. Feature groups come from
//! `--groups FILE` (TOML, includes/excludes) or, without it, one `category:<name>` group per
//! category of the table.
//!
//! A table whose bytecode cannot be decoded unambiguously (`check`'s encoding-ambiguity, or two
//! instructions at one number) is refused with `check`'s own messages and exit 2: a peer could
//! not rely on anything it advertised.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use isa_core::{Aliases, Scheme, Table};
use isa_negotiate::{
    build, category_groups, encode_advertisement, resolve, usable_count, BuildOptions, Version,
    VersionClaim,
};

use crate::{inputs, style, EXIT_OK};

/// Encodings of an advertisement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AdFormat {
    /// The compact binary wire encoding.
    Binary,
    /// The JSON encoding.
    Json,
}

/// Arguments of `advertise`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The implementation's table (.json interchange or .toml).
    #[arg(value_name = "TABLE")]
    pub table: PathBuf,

    /// Output file (written atomically); stdout when omitted (binary only when piped).
    #[arg(short, long, value_name = "AD")]
    pub output: Option<PathBuf>,

    /// Encoding of the advertisement.
    #[arg(long, value_enum, default_value = "binary")]
    pub format: AdFormat,

    /// Canonical-history store: claim every declared version the table implements in full.
    #[arg(long, value_name = "DIR")]
    pub store: Option<PathBuf>,

    /// ISA version label to claim (semantic version); overrides the table's own label.
    #[arg(long, value_name = "SEMVER")]
    pub isa_version: Option<String>,

    /// Feature-group declarations (TOML: `[name]` with `includes`, `mnemonics`, `excludes`).
    #[arg(long, value_name = "FILE")]
    pub groups: Option<PathBuf>,

    /// Number of registers the implementation has (0 = not stated).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub registers: u16,

    /// Send only instruction digests, not mnemonic text.
    #[arg(long)]
    pub digest_only: bool,

    #[command(flatten)]
    pub scheme: crate::args::SchemeArg,
}

/// The one version a table claims on its own: its label and its own content hash.
fn bare_claim(table: &Table, file: &str, flag: Option<&str>) -> Result<VersionClaim> {
    let (claim, note) = bare_claim_quiet(table, file, flag)?;
    if let Some(note) = note {
        style::note(&note);
    }
    Ok(claim)
}

/// [`bare_claim`] returning its note (no label found, 0.0.0 claimed) instead of printing it, for
/// callers that report notes their own way (the Python bindings).
pub fn bare_claim_quiet(
    table: &Table,
    file: &str,
    flag: Option<&str>,
) -> Result<(VersionClaim, Option<String>)> {
    let mut note = None;
    let label = match flag {
        Some(text) => Version::parse(text.trim_start_matches(['v', 'V']))
            .with_context(|| format!("--isa-version `{text}` is not a semantic version"))?,
        None => match table
            .isa_version
            .as_deref()
            .and_then(isa_negotiate::version_from_text)
        {
            Some(v) => v,
            None => {
                note = Some(format!(
                    "{file}: no ISA version in the table ({}); claiming 0.0.0 (pass --isa-version to set one)",
                    table
                        .isa_version
                        .as_deref()
                        .map_or("absent".to_string(), |t| format!("`{t}`"))
                ));
                Version::new(0, 0, 0)
            }
        },
    };
    let hash = isa_core::hash::table_hash(table);
    let claim = VersionClaim::from_hex(label, &hash).context("table hash is not a SHA-256")?;
    Ok((claim, note))
}

/// The declared versions of a store that `table` implements in full, each with the content
/// hash of the version's table. "In full" is decided by the negotiation itself: every
/// instruction of the version must be usable between the version and the table. A declared
/// version whose own table cannot be advertised (it is undecodable) is skipped with a note.
pub fn store_claims(
    table: &Table,
    file: &str,
    dir: &Path,
    scheme: &Scheme,
) -> Result<Vec<VersionClaim>> {
    let store = isa_history::Store::open(dir)
        .with_context(|| format!("{}: cannot open the store", dir.display()))?;
    let log = store
        .log()
        .with_context(|| format!("{}: cannot read the history", dir.display()))?;
    let options = |versions| BuildOptions {
        scheme,
        versions,
        registers: 0,
        groups: Vec::new(),
        mnemonics: false,
    };
    let (mine, _) =
        build(table, &options(Vec::new())).with_context(|| format!("{file}: cannot advertise"))?;
    let mut claims = Vec::new();
    for declared in &log {
        let proposal = &declared.record.proposal;
        let version_ad = match build(&proposal.table, &options(Vec::new())) {
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
        if usable_count(&version_ad, &mine) == version_ad.instructions.len() {
            let claim = VersionClaim::from_hex(proposal.version.clone(), &proposal.table_hash())
                .context("store table hash is not a SHA-256")?;
            claims.push(claim);
        }
    }
    Ok(claims)
}

/// Runs `advertise`.
pub fn run(args: Args) -> Result<u8> {
    let table = inputs::load_one(&args.table)?;
    let file = args.table.display().to_string();
    let scheme = args.scheme.resolve()?;
    // The advertisement's identities are normalised mnemonics, so no alias map applies.
    inputs::require_decodable(&table, "the table", &scheme, &Aliases::new())
        .with_context(|| format!("{file}: cannot advertise"))?;
    let mut claims = Vec::new();
    if let Some(dir) = &args.store {
        claims = store_claims(&table, &file, dir, &scheme)?;
        if claims.is_empty() {
            style::note(&format!(
                "{file}: implements no version declared in {} in full; claiming the table's own hash",
                dir.display()
            ));
        }
    }
    if claims.is_empty() {
        claims.push(bare_claim(&table, &file, args.isa_version.as_deref())?);
    }
    let groups = match &args.groups {
        Some(path) => resolve(&isa_io::load_groups(path)?)
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?,
        None => category_groups(&table),
    };
    let (ad, notes) = build(
        &table,
        &BuildOptions {
            scheme: &scheme,
            versions: claims,
            registers: args.registers,
            groups,
            mnemonics: !args.digest_only,
        },
    )
    .with_context(|| format!("{file}: cannot advertise"))?;
    for note in &notes {
        style::note(&format!("{file}: {note}"));
    }
    let bytes = match args.format {
        AdFormat::Binary => {
            encode_advertisement(&ad).with_context(|| format!("{file}: cannot encode"))?
        }
        AdFormat::Json => {
            let mut text = isa_negotiate::json::advertisement_to_json(&ad);
            text.push('\n');
            text.into_bytes()
        }
    };
    match &args.output {
        Some(path) => isa_io::write_output(path, &bytes)
            .with_context(|| format!("{}: cannot write", path.display()))?,
        None => {
            let mut out = std::io::stdout().lock();
            if args.format == AdFormat::Binary && out.is_terminal() {
                bail!("refusing to write a binary advertisement to a terminal\nhint: pass -o FILE, or --format json");
            }
            out.write_all(&bytes)?;
            out.flush()?;
        }
    }
    Ok(EXIT_OK)
}
