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
    let dir = args.store.dir();
    // The folder must hold a store now: a typo in --store should fail at start, not as a 503
    // on every request.
    Store::open(&dir)?;
    let storage: Arc<dyn Storage> = Arc::new(FolderStorage::new(&dir));
    let backend = format!("folder {}", dir.display());
    let store = Store::with_storage(storage);
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
