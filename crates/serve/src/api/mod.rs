//! The JSON API under `/v1` (described by `openapi.json`), plus `/healthz` and `/metrics`.
//!
//! Every document is rendered by `isa-report`, exactly as the command line prints it with
//! `--format json` (`GET /v1/versions` is `log --format json`, `GET /v1/versions/{a}/diff/{b}`
//! is `diff --format json`, `POST /v1/check` is `check --format json`, …), and every rule is
//! the library's: proposals, approvals and declarations go through [`isa_history::Store`], so
//! the quorum, lifecycle and parent rules are the CLI's own code.
//!
//! Tables in request bodies are either `{"name": "vm.toml", "content": "<the file's text>"}`
//! (any format the CLI reads, with errors located in that text) or the interchange JSON object
//! itself. Request bodies are JSON objects whose unknown fields are refused, so a misspelt
//! option is an error rather than a silently ignored default.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use base64::Engine as _;
use isa_core::diff::{diff as diff_tables, Change, Compatibility, DiffOptions};
use isa_core::{Aliases, CheckOptions, Scheme, Table};
use isa_history::{Declared, ProposalStatus, ProposeOptions, Store};
use isa_io::TableFormat;
use isa_report::check::FailOn;
use serde_json::{json, Map, Value};

use crate::limits::read_body;
use crate::{App, Problem};

mod compute;
mod governance;
mod reads;

use compute::{check, compatibility, negotiate, translate};
pub use governance::proposal_json;
use governance::{approve, declare, proposal, proposals, propose};
use reads::{diff, export, table_by_hash, verify, version, versions};
pub use reads::{history, log_json};

type Answer = Result<Response, Problem>;
type Params = BTreeMap<String, String>;

/// The API's routes (state: the [`App`]).
pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/v1/openapi.json", get(openapi))
        .route("/v1/versions", get(versions))
        .route("/v1/versions/{version}", get(version))
        .route("/v1/versions/{from}/diff/{to}", get(diff))
        .route("/v1/tables/{hash}", get(table_by_hash))
        .route("/v1/compatibility", post(compatibility))
        .route("/v1/check", post(check))
        .route("/v1/negotiate", post(negotiate))
        .route("/v1/translate", post(translate))
        .route("/v1/proposals", get(proposals).post(propose))
        .route("/v1/proposals/{id}", get(proposal))
        .route("/v1/proposals/{id}/approvals", post(approve))
        .route("/v1/declarations", post(declare))
        .route("/v1/verify", get(verify))
        .route("/v1/export", get(export))
}

// ---------------------------------------------------------------------------------------------
// Plumbing

/// Runs store work on the blocking pool (file system or a synchronous database client).
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, Problem> + Send + 'static,
) -> Result<T, Problem> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Problem::internal(format!("the request's worker stopped: {e}")))?
}

/// A JSON answer, pretty-printed exactly as the command line prints it.
pub fn json_response(status: StatusCode, value: &Value) -> Response {
    let mut r = (status, isa_io::pretty_json(value)).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

fn ok(value: &Value) -> Answer {
    Ok(json_response(StatusCode::OK, value))
}

fn path<T>(p: Result<Path<T>, PathRejection>) -> Result<T, Problem> {
    p.map(|Path(v)| v)
        .map_err(|e| Problem::bad_request(format!("bad path: {}", e.body_text())))
}

fn query(q: Result<Query<Params>, QueryRejection>, allowed: &[&str]) -> Result<Params, Problem> {
    let Query(params) = q.map_err(|e| Problem::bad_request(e.body_text()))?;
    if let Some(unknown) = params.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(Problem::bad_request(format!(
            "unknown query parameter `{unknown}` (accepted: {})",
            if allowed.is_empty() {
                "none".to_string()
            } else {
                allowed.join(", ")
            }
        )));
    }
    Ok(params)
}

/// A request body as a JSON object whose fields are all among `allowed`.
async fn json_body(app: &App, body: Body, allowed: &[&str]) -> Result<Map<String, Value>, Problem> {
    let bytes = read_body(body, app.config.max_body).await?;
    let value: Value = serde_json::from_slice(&bytes)
        .map_err(|e| Problem::bad_request(format!("the request body is not valid JSON: {e}")))?;
    let Value::Object(map) = value else {
        return Err(Problem::bad_request(
            "the request body must be a JSON object",
        ));
    };
    if let Some(unknown) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(Problem::bad_request(format!(
            "unknown field `{unknown}` in the request body (accepted: {})",
            allowed.join(", ")
        )));
    }
    Ok(map)
}

fn str_field<'a>(
    map: &'a Map<String, Value>,
    key: &str,
    default: Option<&'a str>,
) -> Result<&'a str, Problem> {
    match map.get(key) {
        Some(Value::String(s)) => Ok(s),
        // An explicit `null` is not a string: the OpenAPI document describes these fields as
        // strings, and a client that sends null most likely meant something else.
        None => default.ok_or_else(|| {
            Problem::bad_request(format!("the request body needs the field `{key}`"))
        }),
        Some(_) => Err(Problem::bad_request(format!("`{key}` must be a string"))),
    }
}

fn bool_field(map: &Map<String, Value>, key: &str) -> Result<bool, Problem> {
    match map.get(key) {
        None => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(Problem::bad_request(format!(
            "`{key}` must be true or false"
        ))),
    }
}

/// A table given in a request (see the module documentation); `at` names it in errors
/// (`tables[2]`).
pub fn table_of(value: &Value, at: &str) -> Result<Table, Problem> {
    let (name, text, format) = match value {
        Value::Object(o) if o.contains_key("content") => {
            let Some(Value::String(content)) = o.get("content") else {
                return Err(Problem::bad_request(format!(
                    "{at}.content must be the table file's text"
                )));
            };
            let name = match o.get("name") {
                Some(Value::String(n)) => n.clone(),
                None => format!("{at}.json"),
                Some(_) => return Err(Problem::bad_request(format!("{at}.name must be a string"))),
            };
            if let Some(extra) = o.keys().find(|k| *k != "content" && *k != "name") {
                return Err(Problem::bad_request(format!(
                    "unknown field `{extra}` in {at} (a table is {{\"name\", \"content\"}} or the interchange object)"
                )));
            }
            // Only the name's extension is used: it picks the reader, and names the table in
            // messages. It is never a path on the server.
            let format = TableFormat::from_path(std::path::Path::new(&name)).unwrap_or(TableFormat::Json);
            (name, content.clone(), format)
        }
        Value::Object(_) => (
            format!("{at}.json"),
            isa_io::pretty_json(value),
            TableFormat::Json,
        ),
        _ => {
            return Err(Problem::bad_request(format!(
                "{at} must be a table: {{\"name\": \"vm.toml\", \"content\": \"...\"}} or the interchange JSON object"
            )))
        }
    };
    isa_io::parse_table(&name, &text, format).map_err(|e| Problem::invalid(e.to_string()))
}

/// Several tables of a request, each named `at` in errors: every table's errors at once (as
/// the CLI reports every input error before giving up), then the same implementation named
/// twice. A malformed item is that item's 400; tables that do not load are one 422 listing
/// each. The API's `check` and the console's check form both read tables through this.
pub fn tables_of<'v>(
    items: impl IntoIterator<Item = (&'v Value, String)>,
) -> Result<Vec<Table>, Problem> {
    let mut tables = Vec::new();
    let mut errors = Vec::new();
    for (value, at) in items {
        match table_of(value, &at) {
            Ok(t) => tables.push(t),
            Err(p) => errors.push(p),
        }
    }
    if let Some(first) = errors.first() {
        if errors.iter().any(|p| p.status == StatusCode::BAD_REQUEST) {
            return Err(first.clone());
        }
        let details: Vec<&str> = errors.iter().map(|p| p.detail.as_str()).collect();
        return Err(Problem::invalid(details.join("\n")));
    }
    let duplicates = isa_io::read::duplicate_implementations(&tables);
    if !duplicates.is_empty() {
        let details: Vec<String> = duplicates.iter().map(|e| e.to_string()).collect();
        return Err(Problem::invalid(details.join("\n")));
    }
    Ok(tables)
}

fn table_json_response(app: &App, table: &Table, hash: &str, immutable: bool) -> Response {
    let body = app.rendered_text(&format!("{hash}.json"), || {
        isa_io::table_to_json_string(table)
    });
    let mut r = (StatusCode::OK, body).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    set_cache(h, hash, immutable);
    r
}

fn set_cache(h: &mut HeaderMap, hash: &str, immutable: bool) {
    if let Ok(v) = HeaderValue::from_str(&format!("\"{hash}\"")) {
        h.insert(header::ETAG, v);
    }
    // A declared version never changes; `latest` does.
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if immutable {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        }),
    );
}

fn not_modified(headers: &HeaderMap, hash: &str) -> bool {
    headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',').any(|t| {
                t.trim().trim_start_matches("W/").trim_matches('"') == hash || t.trim() == "*"
            })
        })
}

/// The name of the client whose bearer token authorises a write, or 401/403.
pub fn authorise(app: &App, headers: &HeaderMap) -> Result<String, Problem> {
    let Some(tokens) = &app.config.tokens else {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            "read-only",
            "this server accepts no writes: it was started without --tokens FILE",
        ));
    };
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let unauthorised = |detail: &str| {
        let mut p = Problem::new(StatusCode::UNAUTHORIZED, "unauthorized", detail);
        p.detail
            .push_str(" (the CLI sends $ISA_AUTHORITY_TOKEN; `isa-authority token new` makes one)");
        p
    };
    match presented {
        None => Err(unauthorised(
            "this request needs an `Authorization: Bearer <token>` header",
        )),
        Some(token) => tokens
            .check(token)
            .map(str::to_string)
            .ok_or_else(|| unauthorised("the bearer token is not one this server accepts")),
    }
}

// ---------------------------------------------------------------------------------------------
// Operations

async fn healthz(State(app): State<Arc<App>>) -> Response {
    let backend = app.config.backend.clone();
    match history(&app).await {
        Ok(log) => json_response(
            StatusCode::OK,
            &json!({"status": "ok", "backend": backend, "versions": log.len()}),
        ),
        Err(p) => json_response(
            StatusCode::SERVICE_UNAVAILABLE,
            &json!({"status": "unavailable", "backend": backend, "detail": p.detail}),
        ),
    }
}

async fn metrics(State(app): State<Arc<App>>) -> Response {
    let mut r = app.metrics.render().into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    r
}

async fn openapi() -> Response {
    let mut r = crate::OPENAPI.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}
