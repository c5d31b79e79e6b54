//! `isa-authority serve`: the registry as an HTTP service (see `isa-serve` and
//! docs/reference/serve.md), and `isa-authority token new`, which makes the bearer tokens its
//! write endpoints accept.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use isa_history::{FolderStorage, Storage, Store};
use isa_serve::{App, Config, Tokens};

use crate::args::StoreArg;
use crate::output::EXIT_OK;

/// Arguments of `serve`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub store: StoreArg,

    /// Keep the store in this PostgreSQL database instead of the folder (`postgres://user@host:port/db`,
    /// loopback only), so several servers behind a load balancer serve one registry. Fill it
    /// with `isa-authority import`.
    #[arg(long, value_name = "URL", conflicts_with = "store")]
    pub database: Option<String>,

    /// Address to listen on. Loopback by default: put a reverse proxy (TLS) in front before
    /// serving other machines. Port 0 picks a free port (printed on start).
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// The bearer tokens that may write (propose, approve, declare), as made by
    /// `isa-authority token new`; without it the server is read-only.
    #[arg(long, value_name = "FILE")]
    pub tokens: Option<PathBuf>,

    /// The largest request body accepted (bytes, or with a K, M or G suffix).
    #[arg(long, value_name = "SIZE", default_value = "8M", value_parser = crate::args::parse_size)]
    pub max_body: u64,

    /// Seconds one request may take before it is answered with 503.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub timeout: u64,

    /// Requests per second per client address (bursts of twice that); 0 turns the limit off.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub rate_limit: u32,
}

/// Runs `serve`.
pub fn run(args: Args) -> Result<u8> {
    let (store, backend) = open_backend(&args.store, args.database.as_deref(), true)?;
    // The store must be there now: a typo in --store or --database should fail at start, not
    // as a 503 on every request.
    store.authority()?;
    let tokens = match &args.tokens {
        Some(file) => Some(Tokens::load(file)?),
        None => None,
    };
    let writes = match (&args.tokens, &tokens) {
        (Some(file), Some(t)) => format!(
            "writes need one of the {} token(s) in {}",
            t.len(),
            file.display()
        ),
        _ => "read-only (no --tokens)".to_string(),
    };
    let config = Config {
        tokens,
        max_body: usize::try_from(args.max_body).unwrap_or(usize::MAX),
        timeout: Duration::from_secs(args.timeout.max(1)),
        header_timeout: isa_serve::HEADER_TIMEOUT,
        rate_limit: args.rate_limit,
        backend: backend.clone(),
    };
    let app = App::new(store, config);
    isa_serve::run(args.listen, app, |addr| {
        println!("serving the registry at http://{addr}/ ({backend}; {writes})");
        let _ = std::io::stdout().flush();
    })
    .with_context(|| format!("cannot serve on {}", args.listen))?;
    Ok(EXIT_OK)
}

/// The store in a folder or in a PostgreSQL database, and how to name it in messages (never
/// with a password).
pub fn open_backend(
    store: &StoreArg,
    database: Option<&str>,
    must_exist: bool,
) -> Result<(Store, String)> {
    match database {
        Some(url) => {
            let pg = isa_store_pg::PgStorage::connect(url)?;
            let name = format!("postgresql {}", pg.database());
            let storage: Arc<dyn Storage> = Arc::new(pg);
            Ok((Store::with_storage(storage), name))
        }
        None => {
            let dir = store.dir();
            if must_exist {
                // For its message: no store here is `NotAStore`, with the hint to run `init`.
                Store::open(&dir)?;
            }
            let storage: Arc<dyn Storage> = Arc::new(FolderStorage::new(&dir));
            Ok((
                Store::with_storage(storage),
                format!("folder {}", dir.display()),
            ))
        }
    }
}

/// Arguments of `export`.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub store: StoreArg,
    /// Export from this PostgreSQL database instead of a folder.
    #[arg(long, value_name = "URL", conflicts_with = "store")]
    pub database: Option<String>,
    /// Write the export here (atomically) instead of to stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Runs `export`: every object of the store, byte for byte, as one JSON document.
pub fn export(args: ExportArgs) -> Result<u8> {
    let (store, backend) = open_backend(&args.store, args.database.as_deref(), true)?;
    let snapshot = store
        .snapshot()
        .with_context(|| format!("cannot read the store ({backend})"))?;
    let text = crate::output::json(&isa_history::export::export_json(&snapshot)?);
    match &args.output {
        Some(path) => isa_io::write_output(path, text.as_bytes())
            .with_context(|| format!("{}: cannot write", path.display()))?,
        None => crate::output::write_stdout(&text)?,
    }
    Ok(EXIT_OK)
}

/// Arguments of `import`.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// An export written by `isa-authority export` (or `GET /v1/export`).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    #[command(flatten)]
    pub store: StoreArg,
    /// Import into this PostgreSQL database instead of a folder.
    #[arg(long, value_name = "URL", conflicts_with = "store")]
    pub database: Option<String>,
}

/// Runs `import`: copies an export into an empty backend, refusing one that does not verify,
/// and checks the copy holds exactly the exported bytes.
pub fn import(args: ImportArgs) -> Result<u8> {
    let name = args.file.display().to_string();
    let bytes = isa_io::read_limited(&args.file, isa_io::max_input())
        .with_context(|| format!("{name}: cannot read"))?;
    let text = String::from_utf8(bytes)
        .map_err(|e| anyhow::anyhow!("{name}: byte {}: not UTF-8", e.utf8_error().valid_up_to()))?;
    let snapshot = isa_history::export::import_json(&name, &text)?;
    let (store, backend) = open_backend(&args.store, args.database.as_deref(), false)?;
    let result = Store::restore(store.storage().clone(), &snapshot);
    match result {
        Ok(_) => {
            println!(
                "imported {} object(s) into {backend}; it verifies",
                snapshot.files.len()
            );
            Ok(EXIT_OK)
        }
        Err(e) if e.is_refusal() => {
            crate::output::print_error(&anyhow::Error::new(e));
            Ok(crate::output::EXIT_FAIL)
        }
        Err(e) => Err(e.into()),
    }
}

/// Arguments of `token`.
#[derive(Debug, clap::Args)]
pub struct TokenArgs {
    #[command(subcommand)]
    pub command: TokenCommand,
}

/// What `token` does.
#[derive(Debug, clap::Subcommand)]
pub enum TokenCommand {
    /// Make a bearer token for NAME: prints it once and adds only its hash to the token file.
    New {
        /// Who the token is for (letters, digits, `-`, `_`, `.`).
        name: String,
        /// The token file `serve --tokens` reads (created, mode 0600, when missing).
        #[arg(long, value_name = "FILE")]
        tokens: PathBuf,
    },
}

/// Runs `token`.
pub fn token(args: TokenArgs) -> Result<u8> {
    match args.command {
        TokenCommand::New { name, tokens } => {
            let token = isa_serve::new_token(&tokens, &name)?;
            println!("{token}");
            isa_report::style::note(&format!(
                "added `{name}` to {}; this is the only time the token is shown: give it to the client as ISA_AUTHORITY_TOKEN",
                tokens.display()
            ));
        }
    }
    Ok(EXIT_OK)
}
