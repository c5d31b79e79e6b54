//! The command line as a client of a registry served by `isa-authority serve`.
//!
//! One model. The reading commands (`log`, `show`, `diff`, `verify`) fetch the store's export
//! (`GET /v1/export`: every object's bytes), keep it in an [`isa_history::MemoryStorage`] and
//! run exactly the code they run over a folder, so their output is byte for byte what they
//! print against the store itself, and `verify` checks every hash and signature of the bytes
//! it received instead of trusting the server's verdict. The writing commands (`propose`,
//! `approve`, `declare`) send the request to the server, which applies the same rules with the
//! same library; `approve` signs on the client, so a private key never leaves the machine.
//! Tables (`gen`, `conform --against`, `migrate`, `translate`) come from
//! `GET /v1/versions/{version}`.
//!
//! Transport. Plain `http://` only (a registry on this host, or behind a proxy that terminates
//! TLS): this build carries no TLS stack, so an `https://` address is refused with a message
//! rather than sent in clear. Connecting times out after 10 s and a whole request after 60 s;
//! a response body over 256 MiB is refused. `$ISA_AUTHORITY_TOKEN`, when set, is sent as the
//! bearer token. `HTTP_PROXY`/`NO_PROXY` are honoured, except for loopback addresses, which are
//! always reached directly.
//!
//! Errors. The server answers a failure with RFC 9457 problem details whose `detail` is the
//! command line's own message; it is printed as the error. A 409 (a refusal by the governance
//! rules) is a verdict, exit 1, as the same refusal is locally; every other failure, and a
//! registry that cannot be reached, is exit 2.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use isa_core::Table;
use isa_history::{MemoryStorage, Store};
use serde_json::Value;

/// The environment variable that names the registry when `--registry` is not given.
pub const REGISTRY_ENV: &str = "ISA_AUTHORITY_REGISTRY";
/// The environment variable whose value is sent as the bearer token of writes.
pub const TOKEN_ENV: &str = "ISA_AUTHORITY_TOKEN";
/// The largest response body read (256 MiB): a registry's export is every object of the store.
pub const MAX_RESPONSE: u64 = 256 << 20;

/// `$ISA_AUTHORITY_REGISTRY`, when set and not empty.
pub fn env_url() -> Option<String> {
    std::env::var(REGISTRY_ENV)
        .ok()
        .filter(|s| !s.trim().is_empty())
}

/// A failed request: the HTTP status when the server answered, and the message to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryError {
    /// The status of the server's answer; `None` when there was none (unreachable, timeout).
    pub status: Option<u16>,
    /// The server's problem `detail`, or what went wrong on the way.
    pub message: String,
}

impl RegistryError {
    /// True for a refusal by the governance rules (409), which commands report as a verdict.
    pub fn is_refusal(&self) -> bool {
        self.status == Some(409)
    }

    fn local(message: impl Into<String>) -> RegistryError {
        RegistryError {
            status: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for RegistryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RegistryError {}

/// A registry's address and the HTTP agent that talks to it.
#[derive(Debug, Clone)]
pub struct Registry {
    /// The address as given, without a trailing slash, for messages (`http://host:8080`).
    name: String,
    /// The address with exactly one trailing slash, that API paths are appended to.
    base: String,
    agent: ureq::Agent,
    token: Option<String>,
}

impl Registry {
    /// A client of the registry at `url` (`http://host:port`, optionally with a path prefix).
    /// Refuses `https://` (see the module documentation) and anything that is not an HTTP URL.
    pub fn new(url: &str) -> Result<Registry, RegistryError> {
        let url = url.trim();
        let lower = url.to_ascii_lowercase();
        if lower.starts_with("https://") {
            return Err(RegistryError::local(format!(
                "--registry {url}: https:// is not supported by this build, only http:// \
                 (a registry on this host, or behind a proxy on it that terminates TLS)"
            )));
        }
        let Some(rest) = lower.strip_prefix("http://") else {
            return Err(RegistryError::local(format!(
                "--registry {url}: not an http:// URL (expected http://HOST:PORT, as `isa-authority serve` prints it)"
            )));
        };
        let host = rest.split(['/', '?', '#']).next().unwrap_or("");
        if host.is_empty() || url.contains(['?', '#']) {
            return Err(RegistryError::local(format!(
                "--registry {url}: expected http://HOST:PORT with at most a path after it"
            )));
        }
        let name = url.trim_end_matches('/').to_string();
        let base = format!("{name}/");
        let mut config = ureq::Agent::config_builder()
            .timeout_connect(Some(Duration::from_secs(10)))
            .timeout_global(Some(Duration::from_secs(60)))
            .http_status_as_error(false)
            .max_redirects(0)
            .user_agent(concat!("isa-authority/", env!("CARGO_PKG_VERSION")));
        if is_loopback(host) {
            config = config.proxy(None);
        }
        let token = std::env::var(TOKEN_ENV)
            .ok()
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty());
        Ok(Registry {
            name,
            base,
            agent: config.build().into(),
            token,
        })
    }

    /// The address, for messages.
    pub fn name(&self) -> &str {
        &self.name
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The body of a successful answer, or the error: the problem's `detail` when the server
    /// sent problem details, else the status and the start of the body.
    fn answer(
        &self,
        url: &str,
        result: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<(u16, String), RegistryError> {
        let mut response = result.map_err(|e| self.transport(url, e))?;
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_RESPONSE)
            .read_to_string()
            .map_err(|e| self.transport(url, e))?;
        if (200..300).contains(&status) {
            return Ok((status, body));
        }
        let detail = serde_json::from_str::<Value>(&body)
            .ok()
            .and_then(|v| v.get("detail").and_then(Value::as_str).map(str::to_string));
        let message = match detail {
            Some(detail) => detail,
            None => {
                let start: String = body.chars().take(200).collect();
                format!("{url}: HTTP {status}: {}", start.trim())
            }
        };
        Err(RegistryError {
            status: Some(status),
            message,
        })
    }

    fn transport(&self, url: &str, error: ureq::Error) -> RegistryError {
        match error {
            ureq::Error::BodyExceedsLimit(limit) => RegistryError::local(format!(
                "{url}: the registry's answer is larger than {} MiB, the most this client reads",
                limit >> 20
            )),
            ureq::Error::Timeout(_) => RegistryError::local(format!(
                "cannot reach the registry {}: {url} timed out",
                self.name
            )),
            e => RegistryError::local(format!("cannot reach the registry {}: {e}", self.name)),
        }
    }

    /// `GET path` (relative to the registry's address), the body of a 2xx answer.
    pub fn get(&self, path: &str) -> Result<String, RegistryError> {
        let url = self.url(path);
        let mut request = self.agent.get(&url).header("Accept", "application/json");
        if let Some(token) = &self.token {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        self.answer(&url, request.call()).map(|(_, body)| body)
    }

    /// `GET path` as JSON.
    pub fn get_json(&self, path: &str) -> Result<Value, RegistryError> {
        let url = self.url(path);
        let text = self.get(path)?;
        serde_json::from_str(&text)
            .map_err(|e| RegistryError::local(format!("{url}: the answer is not JSON: {e}")))
    }

    /// `POST path` with a JSON body (and the bearer token), the answer as JSON.
    pub fn post_json(&self, path: &str, body: &Value) -> Result<Value, RegistryError> {
        let url = self.url(path);
        let mut request = self
            .agent
            .post(&url)
            .header("Accept", "application/json")
            .header("Content-Type", "application/json");
        if let Some(token) = &self.token {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        let (_, text) = self.answer(&url, request.send(isa_io::pretty_json(body)))?;
        serde_json::from_str(&text)
            .map_err(|e| RegistryError::local(format!("{url}: the answer is not JSON: {e}")))
    }

    /// The registry's store, fetched whole (`GET /v1/export`) and kept in memory, for the
    /// same [`Store`] code that runs over a folder. Nothing in it is trusted: a damaged or
    /// forged export is what `verify` reports.
    pub fn store(&self) -> anyhow::Result<Store> {
        let url = self.url("v1/export");
        let text = self.get("v1/export")?;
        let snapshot = isa_history::export::import_json(&url, &text)?;
        let storage = MemoryStorage::from_snapshot(self.base.clone(), snapshot);
        Ok(Store::with_storage(Arc::new(storage)))
    }

    /// The table of a declared version (`1.2.0`, `latest`), from `GET /v1/versions/{version}`,
    /// named `URL@VERSION` in messages.
    pub fn table(&self, version: &str) -> anyhow::Result<Table> {
        let name = format!("{}@{version}", self.name);
        let text = self
            .get(&format!("v1/versions/{}", segment(version)))
            .map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
        Ok(isa_io::parse_table(
            &name,
            &text,
            isa_io::TableFormat::Json,
        )?)
    }
}

/// True for `localhost`, `127.x.x.x` and `[::1]` (with or without a port).
fn is_loopback(host: &str) -> bool {
    let bare = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(h, _)| h),
    };
    bare == "localhost"
        || bare == "::1"
        || bare
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// `text` as one URL path segment: unreserved characters and `:` as they are, every other
/// byte percent-encoded.
pub fn segment(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~:".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        let r = Registry::new("http://127.0.0.1:8080/").unwrap();
        assert_eq!(r.name(), "http://127.0.0.1:8080");
        assert_eq!(r.url("v1/export"), "http://127.0.0.1:8080/v1/export");
        let r = Registry::new("http://host/prefix").unwrap();
        assert_eq!(r.url("v1/versions"), "http://host/prefix/v1/versions");
        let e = Registry::new("https://host").unwrap_err().to_string();
        assert!(e.contains("https:// is not supported"), "{e}");
        let e = Registry::new("ftp://host").unwrap_err().to_string();
        assert!(e.contains("not an http:// URL"), "{e}");
        assert!(Registry::new("http://").is_err());
        assert!(Registry::new("http://host/?x=1").is_err());
    }

    #[test]
    fn loopback_and_segments() {
        for host in ["localhost:80", "127.0.0.1:9", "127.1.2.3", "[::1]:8080"] {
            assert!(is_loopback(host), "{host}");
        }
        for host in ["example.org", "10.0.0.1:80", "[::2]"] {
            assert!(!is_loopback(host), "{host}");
        }
        assert_eq!(segment("1.2.0"), "1.2.0");
        assert_eq!(segment("sha256:ab"), "sha256:ab");
        assert_eq!(segment("a/b c"), "a%2Fb%20c");
    }
}
