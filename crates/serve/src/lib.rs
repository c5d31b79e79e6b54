//! # isa-serve: the registry as an HTTP service
//!
//! VMs, assemblers and CI pipelines fetch the canonical ISA where they run: a version's table or
//! its generated code, a table by the content hash they saw in a handshake, a candidate table's
//! compatibility, and the governance steps (proposals, approvals signed on the client,
//! declarations). The service is a thin layer: every answer is computed by the same library
//! code the command line runs — [`isa_history::Store`] for the governance rules over any
//! [`isa_history::Storage`] backend (the store's folder, or PostgreSQL for several instances),
//! `isa-report` for every JSON document — so the API and the CLI cannot disagree.
//!
//! Layers: [`problem`] (RFC 9457 errors), [`tokens`] (bearer tokens for writes), [`api`] (the
//! JSON endpoints under `/v1`), [`console`] (the server-rendered web console at `/`),
//! [`limits`] (body size, timeouts, the per-client rate limit) and [`metrics`] (Prometheus
//! text at `/metrics`). Store operations are blocking (file system or a synchronous database
//! client), so each runs on tokio's blocking pool and the event loop never waits on IO.
//!
//! Security: reads are open; every write needs a bearer token from the token file (a server
//! started without one accepts no writes); an approval counts only with a valid ed25519
//! signature by a maintainer's key, made on the client — the server never holds a private
//! key. Request data never names a file: versions, hashes and ids are looked up in the store.
//! Bodies are bounded, requests time out, and each client address has a rate limit.

#![deny(missing_docs)]

pub mod api;
pub mod console;
pub mod limits;
pub mod metrics;
pub mod problem;
pub mod tokens;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use isa_history::{Declared, Store};

pub use problem::Problem;
pub use tokens::{new_token, TokenError, Tokens};

/// The OpenAPI 3 document of the API, checked into the repository and served at
/// `/v1/openapi.json`.
pub const OPENAPI: &str = include_str!("../openapi.json");

/// What a server is configured with (see `isa-authority serve --help`).
#[derive(Debug, Clone)]
pub struct Config {
    /// Accepted bearer tokens; none means the server accepts no writes.
    pub tokens: Option<Tokens>,
    /// The largest request body accepted, in bytes.
    pub max_body: usize,
    /// How long one request may take before it is answered with 503.
    pub timeout: Duration,
    /// How long a client may take to send a request's headers before the connection is
    /// closed (slowloris); [`HEADER_TIMEOUT`] by default.
    pub header_timeout: Duration,
    /// Requests per second per client address (with a burst of twice that); 0: no limit.
    pub rate_limit: u32,
    /// How the store is named in `/healthz` and the console (`folder /path` or
    /// `postgresql host/db`; never a password).
    pub backend: String,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            tokens: None,
            max_body: 8 << 20,
            timeout: Duration::from_secs(30),
            header_timeout: HEADER_TIMEOUT,
            rate_limit: 1000,
            backend: "folder".into(),
        }
    }
}

/// The state every handler shares.
#[derive(Debug)]
pub struct App {
    /// The store, over its backend.
    pub store: Store,
    /// The configuration.
    pub config: Config,
    /// Request counters and latency histograms.
    pub metrics: metrics::Metrics,
    /// The per-client rate limiter.
    pub limiter: limits::RateLimiter,
    /// The history as last read, with the record names it was read at.
    cached_log: Mutex<Option<CachedLog>>,
    /// Rendered tables and generated code by table hash and form: a declared table never
    /// changes, so its renderings never do.
    rendered: Mutex<std::collections::HashMap<String, axum::body::Bytes>>,
}

/// A parsed history and the record names it was read at.
type CachedLog = (Vec<String>, Arc<Vec<Declared>>);

/// At most this many renderings are kept; then the cache starts over.
const MAX_RENDERED: usize = 256;

impl App {
    /// The state of a server over `store`.
    pub fn new(store: Store, config: Config) -> Arc<App> {
        Arc::new(App {
            store,
            limiter: limits::RateLimiter::new(config.rate_limit),
            config,
            metrics: metrics::Metrics::default(),
            cached_log: Mutex::new(None),
            rendered: Mutex::new(std::collections::HashMap::new()),
        })
    }

    /// [`App::rendered`] for a rendering that cannot fail.
    pub fn rendered_text(&self, key: &str, render: impl FnOnce() -> String) -> axum::body::Bytes {
        self.rendered::<std::convert::Infallible>(key, || Ok(render()))
            .unwrap_or_else(|never| match never {})
    }

    /// The rendering `key` (`<table hash>.<form>`), made by `render` the first time.
    pub fn rendered<E>(
        &self,
        key: &str,
        render: impl FnOnce() -> Result<String, E>,
    ) -> Result<axum::body::Bytes, E> {
        if let Some(bytes) = self
            .rendered
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
        {
            return Ok(bytes.clone());
        }
        let bytes = axum::body::Bytes::from(render()?);
        let mut map = self.rendered.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_RENDERED {
            map.clear();
        }
        map.insert(key.to_string(), bytes.clone());
        Ok(bytes)
    }

    /// The declared versions, oldest first (blocking: call it on the blocking pool).
    ///
    /// Reading the history means reading and parsing every record, and a busy registry answers
    /// the same history thousands of times a second. So the parsed history is kept with the
    /// list of record names it was read at, and reused while the backend's
    /// [`isa_history::Storage::history_names`] — one directory listing, or one indexed query —
    /// still gives that list: records are only ever appended, and each name carries its
    /// sequence, so the same names mean the same history, also when another server instance
    /// or the command line declared meanwhile. A backend without that cheap listing reads the
    /// history every time.
    pub fn log(&self) -> Result<Arc<Vec<Declared>>, isa_history::HistoryError> {
        let names = self.store.storage().history_names()?;
        if let Some(names) = &names {
            let cached = self.cached_log.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((at, log)) = &*cached {
                if at == names {
                    return Ok(log.clone());
                }
            }
        }
        let log = Arc::new(self.store.log()?);
        if let Some(names) = names {
            // Kept only when nothing was appended between the listing and the read, so the
            // names always describe the history they are kept with.
            let same = log.len() == names.len()
                && log.iter().zip(&names).all(|(d, n)| {
                    d.record.file_name().strip_prefix("history/") == Some(n.as_str())
                });
            if same {
                *self.cached_log.lock().unwrap_or_else(|e| e.into_inner()) =
                    Some((names, log.clone()));
            }
        }
        Ok(log)
    }
}

/// The whole service: the API, the console, `/healthz` and `/metrics`, behind the limits.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .merge(api::routes())
        .merge(console::routes())
        .fallback(|| async {
            Problem::not_found("no such endpoint (the API is under /v1; see /v1/openapi.json)")
        })
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            limits::guard,
        ))
        .with_state(app)
}

/// How long a client may take to send a request's headers by default
/// ([`Config::header_timeout`]): a connection that trickles them (slowloris) is closed instead
/// of holding a task forever. The request as a whole is bounded by [`Config::timeout`].
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// At most this many connections are served at once; further ones wait in the listen queue.
pub const MAX_CONNECTIONS: usize = 4096;

/// Serves `app` on `listener` until `shutdown` completes, then finishes the requests in
/// flight (graceful shutdown, bounded by [`Config::timeout`]).
///
/// The connection loop is hyper's own rather than `axum::serve`, for the two limits that one
/// does not offer: a header read timeout ([`Config::header_timeout`]) and a connection cap
/// ([`MAX_CONNECTIONS`]).
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Arc<App>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tower::ServiceExt as _;

    let drain_timeout = app.config.timeout;
    let header_timeout = app.config.header_timeout;
    let router = router(app);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let permits = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => match permit {
                Ok(p) => p,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                // Too many open files and the like pass; the listener itself stays good.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let service =
            router
                .clone()
                .map_request(move |request: hyper::Request<hyper::body::Incoming>| {
                    let mut request = request.map(axum::body::Body::new);
                    request
                        .extensions_mut()
                        .insert(axum::extract::ConnectInfo(peer));
                    request
                });
        let service = hyper_util::service::TowerToHyperService::new(service);
        let connection = http.serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            let _ = connection.await;
            drop(permit);
        });
    }
    drop(listener);
    // Requests in flight finish (each is bounded by the request timeout); idle connections close.
    let _ = tokio::time::timeout(drain_timeout, graceful.shutdown()).await;
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM (how service managers stop a server).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// Runs a server to completion on its own runtime (the command line's `serve`): binds
/// `listen`, calls `ready` with the bound address (port 0 picks a free one), serves until
/// Ctrl-C or SIGTERM.
pub fn run(
    listen: SocketAddr,
    app: Arc<App>,
    ready: impl FnOnce(SocketAddr),
) -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen).await?;
        ready(listener.local_addr()?);
        serve(listener, app, shutdown_signal()).await
    })
}
