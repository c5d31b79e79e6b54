//! The canonical-declaration commands over an `isa-history` store: `keygen`, `init`,
//! `propose`, `approve`, `declare`, `log`, `show`, `diff` and `verify`.
//!
//! Exit codes: 0 success; 1 a governance refusal (missing approvals, a reused number, a version
//! that does not increase, a stale proposal), a store that fails `verify` (which every command
//! refuses when its `authority.json` does not verify), or a `diff` that breaks the
//! compatibility `--require`d; 2 bad input, usage or IO errors, including a store
//! that holds a symbolic link (which no command follows; `verify` reports it, with exit 1).

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use isa_core::conflict::hex_opcode;
use isa_core::diff::Compatibility;
use isa_history::{
    Authority, HistoryError, KeyPair, Maintainer, Override, ProposeOptions, PublicKey, Rename,
    Store, VerifyReport,
};
use serde_json::{json, Value};

use crate::output::json as pretty;
use isa_report::store::{self, diff_json, diff_text, verify_json, version_json};
use isa_report::style::{note, paint, Style};

use crate::args::{Format, Location, StoreArg, StoreOrRegistry};
use crate::registry::{segment, Registry, RegistryError};
use crate::{inputs, EXIT_FAIL, EXIT_OK};

/// The value of a registry's answer, or `None` after reporting a refusal (409, the command
/// then exits 1, as the same refusal does locally); other failures are returned (exit 2).
fn unless_remote_refused<T>(result: Result<T, RegistryError>) -> Result<Option<T>> {
    unless(result, RegistryError::is_refusal)
}

/// The value, or `None` after printing an error that `refusal` says is a refusal; any other
/// error is returned.
fn unless<T, E>(result: Result<T, E>, refusal: impl Fn(&E) -> bool) -> Result<Option<T>>
where
    E: std::error::Error + Send + Sync + 'static,
{
    match result {
        Ok(value) => Ok(Some(value)),
        Err(e) if refusal(&e) => {
            crate::output::print_error(&anyhow::Error::new(e));
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

/// A string field of a registry's answer.
fn field<'a>(value: &'a Value, key: &str, registry: &Registry) -> Result<&'a str> {
    value.get(key).and_then(Value::as_str).with_context(|| {
        format!(
            "the registry {} answered without `{key}` (is it an isa-authority registry?)",
            registry.name()
        )
    })
}

/// Maps a library result to an exit code: refusals — by the governance rules, or of a store
/// that fails verification — are verdicts (exit 1), every other error is bad input (exit 2).
fn verdict<T>(result: Result<T, HistoryError>, ok: impl FnOnce(T) -> Result<u8>) -> Result<u8> {
    match unless_refused(result)? {
        Some(value) => ok(value),
        None => Ok(EXIT_FAIL),
    }
}

/// The value, or `None` after reporting a refusal (the command then exits 1); other errors
/// are returned (exit 2).
fn unless_refused<T>(result: Result<T, HistoryError>) -> Result<Option<T>> {
    unless(result, HistoryError::is_refusal)
}

// ---------------------------------------------------------------------------------------------
// keygen

/// Arguments of `keygen`.
#[derive(Debug, clap::Args)]
pub struct KeygenArgs {
    /// Maintainer name (letters, digits, `_`, `-`); the files are NAME.key and NAME.pub.
    pub name: String,
    /// Directory to write the key files into.
    #[arg(short = 'o', long = "out-dir", value_name = "DIR", default_value = ".")]
    pub out_dir: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

/// Runs `keygen`.
pub fn keygen(args: KeygenArgs) -> Result<u8> {
    let pair = KeyPair::generate(&args.name)?;
    std::fs::create_dir_all(&args.out_dir)
        .with_context(|| format!("cannot create {}", args.out_dir.display()))?;
    let key_path = args.out_dir.join(format!("{}.key", args.name));
    let pub_path = args.out_dir.join(format!("{}.pub", args.name));
    if pub_path.exists() {
        bail!(
            "{} already exists (an existing key is never overwritten)",
            pub_path.display()
        );
    }
    isa_history::write_key_file(&key_path, &pair.to_file_text(), 0o600)?;
    isa_history::write_key_file(&pub_path, &pair.public().to_file_text(), 0o644)?;
    // Make the two new directory entries durable, as an atomic write would.
    isa_io::fsutil::sync_dir(&args.out_dir)
        .with_context(|| format!("cannot sync {}", args.out_dir.display()))?;
    match args.format {
        Format::Json => print!(
            "{}",
            pretty(&json!({
                "name": args.name,
                "key": key_path.display().to_string(),
                "public": pub_path.display().to_string(),
                "public_key": pair.public().to_hex(),
            }))
        ),
        Format::Text => println!(
            "wrote {} (secret, mode 0600) and {} (mode 0644)\npublic key {}",
            key_path.display(),
            pub_path.display(),
            pair.public().to_hex()
        ),
    }
    Ok(EXIT_OK)
}

// ---------------------------------------------------------------------------------------------
// init

/// Arguments of `init`.
#[derive(Debug, clap::Args)]
pub struct InitArgs {
    #[command(flatten)]
    pub store: StoreArg,
    /// A maintainer and their public key file (repeat for each maintainer).
    #[arg(long = "maintainer", value_name = "NAME=PUBFILE", required = true)]
    pub maintainers: Vec<String>,
    /// Approvals from this many distinct maintainers declare a version.
    #[arg(long, value_name = "N")]
    pub quorum: usize,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

/// Runs `init`.
pub fn init(args: InitArgs) -> Result<u8> {
    let mut maintainers = Vec::new();
    for spec in &args.maintainers {
        let Some((name, file)) = spec.split_once('=') else {
            bail!("--maintainer {spec}: expected NAME=PUBFILE");
        };
        let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {file}"))?;
        let public = PublicKey::parse(file, &text)?;
        if public.name != name {
            bail!(
                "--maintainer {spec}: {file} is the key of `{}`, not `{name}`\n  hint: check that the right .pub file goes with each name",
                public.name
            );
        }
        maintainers.push(Maintainer {
            name: name.to_string(),
            public_key: public.to_hex(),
        });
    }
    let authority = Authority::new(maintainers, args.quorum).map_err(anyhow::Error::msg)?;
    let dir = args.store.dir();
    Store::init(&dir, &authority)?;
    let names: Vec<&str> = authority
        .maintainers
        .iter()
        .map(|m| m.name.as_str())
        .collect();
    match args.format {
        Format::Json => print!(
            "{}",
            pretty(&json!({
                "store": dir.display().to_string(),
                "maintainers": names,
                "quorum": authority.quorum,
            }))
        ),
        Format::Text => println!(
            "initialised store {}: maintainers {}, quorum {}",
            dir.display(),
            names.join(", "),
            authority.quorum
        ),
    }
    Ok(EXIT_OK)
}

// ---------------------------------------------------------------------------------------------
// propose

/// Arguments of `propose`.
#[derive(Debug, clap::Args)]
// `--version SEMVER` is this command's own option, so the global `--version` flag steps aside.
#[command(disable_version_flag = true)]
pub struct ProposeArgs {
    #[command(flatten)]
    pub store: StoreOrRegistry,
    /// The table to propose (.json interchange or .toml).
    #[arg(value_name = "TABLE")]
    pub table: String,
    /// The semver version it would declare; must be greater than the current version.
    #[arg(long, value_name = "SEMVER")]
    pub version: String,
    /// Why (recorded and signed with the proposal).
    #[arg(long, value_name = "TEXT", default_value = "")]
    pub message: String,
    /// Declare that instruction OLD is now called NEW (repeatable).
    #[arg(long = "rename", value_name = "OLD=NEW")]
    pub renames: Vec<String>,
    /// Explicitly hand a declared number to another instruction, with the reason recorded
    /// forever (repeatable; NUMBER is decimal or 0x hex).
    #[arg(long = "override", value_name = "NUMBER=REASON")]
    pub overrides: Vec<String>,
    /// Output format (`json`: `{"id": ...}`).
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

/// Runs `propose`.
pub fn propose(args: ProposeArgs) -> Result<u8> {
    let version = isa_history::semver::Version::parse(
        args.version.strip_prefix('v').unwrap_or(&args.version),
    )
    .with_context(|| format!("--version {}: not a semver version", args.version))?;
    let mut options = ProposeOptions::new(version);
    options.message = args.message.clone();
    for spec in &args.renames {
        match spec.split_once('=') {
            Some((from, to)) if !from.trim().is_empty() && !to.trim().is_empty() => {
                options.renames.push(Rename {
                    from: from.trim().to_string(),
                    to: to.trim().to_string(),
                })
            }
            _ => bail!("--rename {spec}: expected OLD=NEW"),
        }
    }
    for spec in &args.overrides {
        let parsed = spec
            .split_once('=')
            .and_then(|(n, reason)| Some((isa_io::parse_number(n)?, reason)));
        match parsed {
            Some((opcode, reason)) => options.overrides.push(Override {
                opcode,
                reason: reason.to_string(),
            }),
            None => bail!("--override {spec}: expected NUMBER=REASON (NUMBER decimal or 0x hex)"),
        }
    }
    if let Some(registry) = args.store.registry()? {
        return propose_remote(&registry, &args, &options);
    }
    let store = args.store.open()?;
    let table = inputs::resolve_table(&args.table)?;
    // A version whose bytecode cannot be decoded must never be declared; refuse it before it is
    // written, with check's explanation.
    inputs::require_decodable(
        &table,
        "the proposed table",
        &isa_core::Scheme::flux_unified(),
        &isa_core::Aliases::new(),
    )?;
    verdict(store.propose(table, options), |id| {
        print_proposed(&id, args.format);
        Ok(EXIT_OK)
    })
}

fn print_proposed(id: &str, format: Format) {
    match format {
        Format::Json => print!("{}", pretty(&json!({ "id": id }))),
        Format::Text => {
            println!("{id}");
            note(&format!(
                "maintainers approve it with `isa-authority approve {id} --key NAME.key`"
            ));
        }
    }
}

/// `propose --registry`: the table file's text goes to the server as it is (named as given,
/// so the server's messages locate errors in it as a local `propose` would); a store version
/// or standard input is resolved here and sent as the interchange object.
fn propose_remote(registry: &Registry, args: &ProposeArgs, options: &ProposeOptions) -> Result<u8> {
    let path = Path::new(&args.table);
    let table = if args.table != "-" && path.is_file() {
        let bytes = isa_io::read_limited(path, isa_io::max_input())
            .with_context(|| format!("{}: cannot read", args.table))?;
        let content = String::from_utf8(bytes)
            .map_err(|_| anyhow::anyhow!("{}: not UTF-8 text", args.table))?;
        json!({ "name": args.table, "content": content })
    } else {
        let table = inputs::resolve_table_in(&args.table, Some(registry.name()))?;
        serde_json::from_str(&isa_io::table_to_json_string(&table))?
    };
    let body = json!({
        "table": table,
        "version": options.version.to_string(),
        "message": options.message,
        "renames": options.renames.iter().map(|r| json!({"from": r.from, "to": r.to})).collect::<Vec<_>>(),
        "overrides": options.overrides.iter().map(|o| json!({"opcode": o.opcode, "reason": o.reason})).collect::<Vec<_>>(),
    });
    let Some(answer) = unless_remote_refused(registry.post_json("v1/proposals", &body))? else {
        return Ok(EXIT_FAIL);
    };
    print_proposed(field(&answer, "id", registry)?, args.format);
    Ok(EXIT_OK)
}

// ---------------------------------------------------------------------------------------------
// approve

/// Arguments of `approve`.
#[derive(Debug, clap::Args)]
pub struct ApproveArgs {
    #[command(flatten)]
    pub store: StoreOrRegistry,
    /// The proposal id (`sha256:…`, or a unique prefix of at least 8 hex digits).
    pub id: String,
    /// The maintainer's secret key file (NAME.key).
    #[arg(long, value_name = "KEYFILE")]
    pub key: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

/// Runs `approve`.
pub fn approve(args: ApproveArgs) -> Result<u8> {
    if let Some(registry) = args.store.registry()? {
        return approve_remote(&registry, &args);
    }
    let store = args.store.open()?;
    let key = isa_history::read_secret_file(&args.key)?;
    verdict(store.approve(&args.id, &key), |approval| {
        let status = store.status(&approval.proposal)?;
        print_approved(
            &Approved {
                id: &approval.proposal,
                maintainer: &approval.maintainer,
                version: &status.proposal.version.to_string(),
                approved_by: &status.approved_by,
                missing: status.missing,
            },
            args.format,
        );
        Ok(EXIT_OK)
    })
}

/// What `approve` reports, from the local store or from a registry's answer.
struct Approved<'a> {
    id: &'a str,
    maintainer: &'a str,
    version: &'a str,
    approved_by: &'a [String],
    missing: usize,
}

fn print_approved(a: &Approved<'_>, format: Format) {
    match format {
        Format::Json => print!(
            "{}",
            pretty(&json!({
                "id": a.id,
                "maintainer": a.maintainer,
                "approved_by": a.approved_by,
                "missing": a.missing,
            }))
        ),
        Format::Text => println!(
            "{} approved {} (version {}); approved by {}; {}",
            a.maintainer,
            a.id,
            a.version,
            a.approved_by.join(", "),
            if a.missing == 0 {
                "quorum reached: `isa-authority declare` can declare it".to_string()
            } else {
                format!("{} more approval(s) needed", a.missing)
            }
        ),
    }
}

/// `approve --registry`: the proposal's full id from the registry, the signature made here
/// with the key file (the key never leaves this machine), the approval sent to the registry.
fn approve_remote(registry: &Registry, args: &ApproveArgs) -> Result<u8> {
    let key = isa_history::read_secret_file(&args.key)?;
    let proposal = registry.get_json(&format!("v1/proposals/{}", segment(&args.id)))?;
    let id = field(&proposal, "id", registry)?;
    let body = json!({
        "public_key": key.public().to_hex(),
        "signature": key.sign_approval(id),
    });
    let path = format!("v1/proposals/{}/approvals", segment(id));
    let Some(answer) = unless_remote_refused(registry.post_json(&path, &body))? else {
        return Ok(EXIT_FAIL);
    };
    let approved_by: Vec<String> = answer
        .get("approved_by")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let missing = answer
        .get("missing")
        .and_then(Value::as_u64)
        .with_context(|| {
            format!(
                "the registry {} answered without `missing`",
                registry.name()
            )
        })?;
    print_approved(
        &Approved {
            id: field(&answer, "id", registry)?,
            maintainer: field(&answer, "maintainer", registry)?,
            version: field(&answer, "version", registry)?,
            approved_by: &approved_by,
            missing: usize::try_from(missing)?,
        },
        args.format,
    );
    Ok(EXIT_OK)
}

// ---------------------------------------------------------------------------------------------
// declare

/// Arguments of `declare`.
#[derive(Debug, clap::Args)]
pub struct DeclareArgs {
    #[command(flatten)]
    pub store: StoreOrRegistry,
    /// The proposal id (`sha256:…`, or a unique prefix of at least 8 hex digits).
    pub id: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

/// Runs `declare`.
pub fn declare(args: DeclareArgs) -> Result<u8> {
    if let Some(registry) = args.store.registry()? {
        return declare_remote(&registry, &args);
    }
    let store = args.store.open()?;
    verdict(store.declare(&args.id), |d| {
        match args.format {
            Format::Json => print!("{}", pretty(&version_json(&d))),
            Format::Text => print_declared(
                &d.version().to_string(),
                &d.hash,
                &d.record.proposal.table_hash(),
            ),
        }
        Ok(EXIT_OK)
    })
}

fn print_declared(version: &str, hash: &str, table_hash: &str) {
    println!(
        "declared {} (record {hash}, table {table_hash})",
        paint(Style::Good, version)
    );
}

/// `declare --registry`: the registry declares it; its answer is the version's JSON, which is
/// `version_json` of the new record, so it prints as a local `declare` does.
fn declare_remote(registry: &Registry, args: &DeclareArgs) -> Result<u8> {
    let body = json!({ "proposal": args.id });
    let Some(answer) = unless_remote_refused(registry.post_json("v1/declarations", &body))? else {
        return Ok(EXIT_FAIL);
    };
    match args.format {
        Format::Json => print!("{}", pretty(&answer)),
        Format::Text => print_declared(
            field(&answer, "version", registry)?,
            field(&answer, "hash", registry)?,
            field(&answer, "table_hash", registry)?,
        ),
    }
    Ok(EXIT_OK)
}

// ---------------------------------------------------------------------------------------------
// log

/// Arguments of `log`.
#[derive(Debug, clap::Args)]
pub struct LogArgs {
    #[command(flatten)]
    pub store: StoreOrRegistry,
    /// Output format (`json`: `{"versions": [{"version", "hash", ...}], "head": ...}`).
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

/// Runs `log`.
pub fn log(args: LogArgs) -> Result<u8> {
    let store = args.store.open()?;
    let Some(history) = unless_refused(store.log())? else {
        return Ok(EXIT_FAIL);
    };
    match args.format {
        Format::Json => {
            let versions: Vec<Value> = history.iter().map(version_json).collect();
            let head = history.last().map(|d| d.hash.clone());
            print!("{}", pretty(&json!({ "versions": versions, "head": head })));
        }
        Format::Text => {
            if history.is_empty() {
                println!("no version declared yet");
            }
            for d in history.iter().rev() {
                let p = &d.record.proposal;
                println!(
                    "{} {}",
                    paint(Style::Bold, &format!("version {}", p.version)),
                    paint(Style::Dim, &format!("(record {})", d.record.sequence))
                );
                println!("  hash      {}", d.hash);
                println!("  table     {}", p.table_hash());
                println!("  previous  {}", d.record.previous);
                println!(
                    "  approved  {}",
                    d.record
                        .approvals
                        .iter()
                        .map(|a| a.maintainer.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                for r in &p.renames {
                    println!("  rename    {} -> {}", r.from, r.to);
                }
                for o in &p.overrides {
                    println!("  override  {}: {}", hex_opcode(o.opcode), o.reason);
                }
                if !p.message.is_empty() {
                    println!("  message   {}", p.message);
                }
                println!();
            }
        }
    }
    Ok(EXIT_OK)
}

// ---------------------------------------------------------------------------------------------
// show

/// Arguments of `show`.
#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    #[command(flatten)]
    pub store: StoreOrRegistry,
    /// The declared version (semver, or `latest`).
    #[arg(id = "declared_version", value_name = "VERSION")]
    pub version: String,
    /// Output format: `text` prints the TOML table, `json` the interchange table.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

/// Runs `show`.
pub fn show(args: ShowArgs) -> Result<u8> {
    let store = args.store.open()?;
    let Some(table) = unless_refused(store.show(&args.version))? else {
        return Ok(EXIT_FAIL);
    };
    match args.format {
        Format::Json => print!("{}", isa_io::table_to_json_string(&table)),
        Format::Text => print!("{}", isa_io::table_to_toml(&table)),
    }
    Ok(EXIT_OK)
}

// ---------------------------------------------------------------------------------------------
// diff

/// Arguments of `diff`.
#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    #[command(flatten)]
    pub store: StoreOrRegistry,
    /// The old version (semver, or `latest`).
    pub from: String,
    /// The new version (semver, or `latest`).
    pub to: String,
    #[command(flatten)]
    pub aliases: crate::args::AliasArg,
    /// Exit 1 unless the versions are compatible in this mode.
    #[arg(long, value_enum, value_name = "MODE")]
    pub require: Option<RequireMode>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

/// The `--require` modes of `diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RequireMode {
    /// New VMs run old bytecode.
    Backward,
    /// Old VMs run new bytecode.
    Forward,
    /// Both.
    Full,
}

impl RequireMode {
    fn mode(self) -> Compatibility {
        match self {
            RequireMode::Backward => Compatibility::Backward,
            RequireMode::Forward => Compatibility::Forward,
            RequireMode::Full => Compatibility::Full,
        }
    }
}

/// Runs `diff`.
pub fn diff(args: DiffArgs) -> Result<u8> {
    let aliases = args.aliases.load()?;
    let store = args.store.open()?;
    let Some(d) = unless_refused(store.diff(&args.from, &args.to, &aliases))? else {
        return Ok(EXIT_FAIL);
    };
    match args.format {
        Format::Json => print!("{}", pretty(&diff_json(&args.from, &args.to, &d))),
        Format::Text => print!("{}", diff_text(&args.from, &args.to, &d)),
    }
    let failed = args.require.is_some_and(|m| !d.is_compatible(m.mode()));
    Ok(if failed { EXIT_FAIL } else { EXIT_OK })
}

// ---------------------------------------------------------------------------------------------
// verify

/// Arguments of `verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub store: StoreOrRegistry,
    /// Also require the history to still contain this record hash (a checkpoint from an earlier
    /// `log` or `verify`, or the genesis hash), which detects a history cut short or replaced
    /// since then. The history may have grown past it.
    #[arg(long, value_name = "HASH")]
    pub head: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

/// Runs `verify`.
pub fn verify(args: VerifyArgs) -> Result<u8> {
    let store = match args.store.location() {
        // The registry's bytes, verified here: its own verdict (`GET /v1/verify`) is not asked.
        Location::Registry(url) => Registry::new(&url)?.store()?,
        Location::Store(dir) => {
            if !dir.is_dir() {
                return Err(HistoryError::NotAStore(dir).into());
            }
            // Deliberately not `Store::open`: a store whose authority.json is missing, damaged
            // or a link is a verification failure (exit 1) to report, not an unusable argument.
            Store::open(&dir).or_else(|e| match e {
                HistoryError::NotAStore(_) if dir.join("history").is_dir() => Ok(unchecked(&dir)),
                HistoryError::Symlink(_) => Ok(unchecked(&dir)),
                other => Err(other),
            })?
        }
    };
    let checkpoint = args.head.as_deref().map(checkpoint_hash).transpose()?;
    let report = store.verify()?;
    let head = report.versions.last().map(|v| v.hash.as_str());
    let found = checkpoint
        .as_deref()
        .map(|want| find_checkpoint(&report, want));
    let head_problem = match (&checkpoint, &found) {
        (Some(want), Some(None)) => Some(format!(
            "the history no longer contains --head {want}: it runs from the genesis hash {} to {} \
             ({} version(s)); records were removed or replaced since that checkpoint",
            report.genesis.as_deref().unwrap_or("(no authority.json)"),
            head.unwrap_or("(no version)"),
            report.versions.len()
        )),
        _ => None,
    };
    let ok = report.is_ok() && head_problem.is_none();
    match args.format {
        Format::Json => print!("{}", pretty(&verify_json(&report, head_problem.as_deref()))),
        Format::Text => {
            print!(
                "{}",
                store::verify_findings_text(&report, head_problem.as_deref())
            );
            for path in &report.ignored {
                note(&format!(
                    "ignored {path}: a temporary file left by an interrupted write"
                ));
            }
            let summary = format!(
                "{} version(s), {} proposal(s), {} approval file(s), {} signature(s) checked",
                report.versions.len(),
                report.proposals,
                report.approvals,
                report.signatures
            );
            if ok {
                let at = match found.flatten() {
                    Some(place) => format!("; contains --head at {place}"),
                    None => String::new(),
                };
                println!(
                    "{} {summary}; head {}{at}",
                    paint(Style::Good, "ok:"),
                    head.unwrap_or("(no version declared)")
                );
            } else {
                let n = report.findings.len() + usize::from(head_problem.is_some());
                println!(
                    "{} {n} problem(s); {summary}",
                    paint(Style::Error, "verification failed:")
                );
            }
        }
    }
    Ok(if ok { EXIT_OK } else { EXIT_FAIL })
}

/// `--head HASH` as the store writes hashes: `sha256:` and 64 lower-case hex digits (the prefix
/// may be left out). Anything else is a usage error rather than a hash that is merely absent.
fn checkpoint_hash(text: &str) -> Result<String> {
    let hash = match text.strip_prefix("sha256:") {
        Some(_) => text.to_string(),
        None => format!("sha256:{text}"),
    };
    if !isa_history::model::is_content_hash(&hash) {
        bail!("--head {text}: not a record hash (sha256: and 64 lower-case hex digits, as `log` prints it)");
    }
    Ok(hash)
}

/// Where the chain holds a checkpoint: a record (`version 1.1.0 (record 2)`) or its start (the
/// genesis hash, a checkpoint taken before the first declaration). A CI job keeps the head it
/// last saw; the chain growing past it is the normal case, losing it is the failure.
fn find_checkpoint(report: &VerifyReport, want: &str) -> Option<String> {
    if report.genesis.as_deref() == Some(want) {
        return Some("the genesis hash".to_string());
    }
    let index = report.versions.iter().position(|v| v.hash == want)?;
    Some(format!(
        "version {} (record {})",
        report.versions[index].version,
        index + 1
    ))
}

/// A store handle for a directory whose authority.json is missing, so that `verify` can still
/// report on everything else.
fn unchecked(dir: &Path) -> Store {
    Store::open_unchecked(dir)
}
