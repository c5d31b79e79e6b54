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

fn table_json_response(app: &App, table: &Table, hash: &str, immutable: bool) -> Response {
    let body = app
        .rendered::<std::convert::Infallible>(&format!("{hash}.json"), || {
            Ok(isa_io::table_to_json_string(table))
        })
        .unwrap_or_else(|never| match never {});
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

// ---------------------------------------------------------------------------------------------
// Reads

/// The history, from the server's cache while it is current (see [`App::log`]).
pub async fn history(app: &Arc<App>) -> Result<Arc<Vec<Declared>>, Problem> {
    let app = app.clone();
    blocking(move || Ok(app.log()?)).await
}

async fn versions(State(app): State<Arc<App>>, q: Result<Query<Params>, QueryRejection>) -> Answer {
    query(q, &[])?;
    let log = history(&app).await?;
    ok(&log_json(&log))
}

/// The `log --format json` document.
pub fn log_json(log: &[Declared]) -> Value {
    let versions: Vec<Value> = log.iter().map(isa_report::store::version_json).collect();
    json!({ "versions": versions, "head": log.last().map(|d| d.hash.clone()) })
}

async fn version(
    State(app): State<Arc<App>>,
    p: Result<Path<String>, PathRejection>,
    q: Result<Query<Params>, QueryRejection>,
    headers: HeaderMap,
) -> Answer {
    let version = path(p)?;
    let params = query(q, &["lang", "format"])?;
    let log = history(&app).await?;
    let declared = isa_history::store::find(&log, &version)?;
    let table = &declared.record.proposal.table;
    let hash = declared.record.proposal.table_hash();
    let immutable = version != "latest";
    // Checked before `lang` is looked at, so that a bad format is refused with or without it.
    let format = params.get("format").map(String::as_str);
    if let Some(other) = format.filter(|f| !["json", "toml"].contains(f)) {
        return Err(Problem::bad_request(format!(
            "format={other}: expected json or toml"
        )));
    }
    if let Some(lang) = params.get("lang") {
        let Some(lang) = isa_codegen::Lang::parse(lang) else {
            return Err(Problem::bad_request(format!(
                "lang={lang}: not a target (python, go, typescript, rust, c, markdown)"
            )));
        };
        let mut meta = isa_codegen::Meta::for_table(table);
        meta.isa_version = declared.version().to_string();
        let tag = format!("{hash}.{}@{}", lang.extension(), meta.isa_version);
        let code = app.rendered(&tag, || {
            isa_codegen::generate(lang, table, &meta)
                .map_err(|e| Problem::invalid(format!("cannot generate a {lang} table: {e}")))
        })?;
        if not_modified(&headers, &tag) {
            return Ok(StatusCode::NOT_MODIFIED.into_response());
        }
        let mut r = code.into_response();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        if let Ok(v) = HeaderValue::from_str(&format!(
            "inline; filename=\"opcodes.{}\"",
            lang.extension()
        )) {
            r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
        }
        set_cache(r.headers_mut(), &tag, immutable);
        return Ok(r);
    }
    if not_modified(&headers, &hash) {
        return Ok(StatusCode::NOT_MODIFIED.into_response());
    }
    match format {
        None | Some("json") => Ok(table_json_response(&app, table, &hash, immutable)),
        Some("toml") => {
            let body = app
                .rendered::<std::convert::Infallible>(&format!("{hash}.toml"), || {
                    Ok(isa_io::table_to_toml(table))
                })
                .unwrap_or_else(|never| match never {});
            let mut r = body.into_response();
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/toml"),
            );
            set_cache(r.headers_mut(), &format!("{hash}.toml"), immutable);
            Ok(r)
        }
        Some(other) => Err(Problem::bad_request(format!(
            "format={other}: expected json or toml"
        ))),
    }
}

async fn table_by_hash(
    State(app): State<Arc<App>>,
    p: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Answer {
    let wanted = path(p)?;
    let hex = wanted
        .strip_prefix("sha256:")
        .unwrap_or(&wanted)
        .to_ascii_lowercase();
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Problem::bad_request(format!(
            "`{wanted}` is not a content hash (sha256:<64 hex digits>)"
        )));
    }
    let hash = format!("sha256:{hex}");
    if not_modified(&headers, &hash) {
        return Ok(StatusCode::NOT_MODIFIED.into_response());
    }
    let log = history(&app).await?;
    match log.iter().find(|d| d.record.proposal.table_hash() == hash) {
        Some(d) => Ok(table_json_response(
            &app,
            &d.record.proposal.table,
            &hash,
            true,
        )),
        None => Err(Problem::not_found(format!(
            "no declared version has the table {hash}"
        ))),
    }
}

async fn diff(
    State(app): State<Arc<App>>,
    p: Result<Path<(String, String)>, PathRejection>,
) -> Answer {
    let (from, to) = path(p)?;
    let log = history(&app).await?;
    let d = isa_history::store::diff_versions(&log, &from, &to, &Aliases::new())?;
    ok(&isa_report::store::diff_json(&from, &to, &d))
}

async fn verify(State(app): State<Arc<App>>) -> Answer {
    let store = app.store.clone();
    let report = blocking(move || Ok(store.verify()?)).await?;
    ok(&isa_report::store::verify_json(&report, None))
}

/// Every object of the store, byte for byte (see [`isa_history::export`]): what a client
/// verifies itself instead of trusting the server's verdict, and what `import` copies into
/// another backend.
async fn export(State(app): State<Arc<App>>) -> Answer {
    let store = app.store.clone();
    let value = blocking(move || Ok(isa_history::export::export_json(&store.snapshot()?)?)).await?;
    ok(&value)
}

// ---------------------------------------------------------------------------------------------
// Computations

fn parse_level(text: &str) -> Result<Compatibility, Problem> {
    Compatibility::parse(text).ok_or_else(|| {
        Problem::bad_request(format!("level={text}: expected backward, forward or full"))
    })
}

fn breaks(c: &Change, level: Compatibility) -> bool {
    match level {
        Compatibility::Backward => c.breaking,
        Compatibility::Forward => c.breaks_forward,
        Compatibility::Full => c.breaking || c.breaks_forward,
    }
}

fn renames_of(map: &Map<String, Value>) -> Result<Vec<(String, String)>, Problem> {
    let Some(value) = map.get("renames") else {
        return Ok(Vec::new());
    };
    let bad = || Problem::bad_request("`renames` must be a list of {\"from\": OLD, \"to\": NEW}");
    let list = value.as_array().ok_or_else(bad)?;
    list.iter()
        .map(|r| {
            let from = r.get("from").and_then(Value::as_str).ok_or_else(bad)?;
            let to = r.get("to").and_then(Value::as_str).ok_or_else(bad)?;
            if from.trim().is_empty() || to.trim().is_empty() {
                return Err(bad());
            }
            Ok((from.trim().to_string(), to.trim().to_string()))
        })
        .collect()
}

async fn compatibility(State(app): State<Arc<App>>, body: Body) -> Answer {
    let map = json_body(&app, body, &["table", "against", "level", "renames"]).await?;
    let table = table_of(map.get("table").unwrap_or(&Value::Null), "table")?;
    let level = parse_level(str_field(&map, "level", Some("backward"))?)?;
    let against = str_field(&map, "against", Some("latest"))?.to_string();
    if against != "latest" && against != "all" {
        return Err(Problem::bad_request(format!(
            "against={against}: expected latest or all"
        )));
    }
    let renames = renames_of(&map)?;
    let log = history(&app).await?;
    let compared: Vec<&Declared> = if against == "all" {
        log.iter().collect()
    } else {
        log.last().into_iter().collect()
    };
    let mut compatible = true;
    let mut per_version = Vec::new();
    let mut changes = Vec::new();
    for d in compared {
        let options = DiffOptions {
            renames: renames.iter().cloned().collect(),
            ..DiffOptions::new()
        };
        let result = diff_tables(&d.record.proposal.table, &table, &options);
        let ok = result.is_compatible(level);
        compatible &= ok;
        let version = d.version().to_string();
        per_version.push(json!({
            "version": version,
            "compatible": ok,
            "breaking": result.changes.iter().filter(|c| breaks(c, level)).count(),
        }));
        for c in &result.changes {
            let mut v = isa_report::store::change_json(c);
            if let Value::Object(o) = &mut v {
                o.insert("against".into(), json!(version));
                o.insert("incompatible".into(), json!(breaks(c, level)));
            }
            changes.push(v);
        }
    }
    ok(&json!({
        "compatible": compatible,
        "level": level.as_str(),
        "against": against,
        "versions": per_version,
        "changes": changes,
    }))
}

async fn check(State(app): State<Arc<App>>, body: Body) -> Answer {
    let map = json_body(&app, body, &["tables", "fail_on", "no_info", "format"]).await?;
    let Some(Value::Array(list)) = map.get("tables") else {
        return Err(Problem::bad_request(
            "the request body needs `tables`: a list of tables",
        ));
    };
    let fail_on_text = str_field(&map, "fail_on", Some("error"))?;
    let fail_on = FailOn::parse(fail_on_text).ok_or_else(|| {
        Problem::bad_request(format!(
            "fail_on={fail_on_text}: expected critical, error, warning, info or never"
        ))
    })?;
    let format = str_field(&map, "format", Some("json"))?;
    if format != "json" && format != "sarif" {
        return Err(Problem::bad_request(format!(
            "format={format}: expected json or sarif"
        )));
    }
    let no_info = bool_field(&map, "no_info")?;
    // Every table's errors at once, as the CLI reports every input error before giving up.
    let mut tables = Vec::new();
    let mut errors = Vec::new();
    for (i, t) in list.iter().enumerate() {
        match table_of(t, &format!("tables[{i}]")) {
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
    let sarif = format == "sarif";
    // Detection is CPU work proportional to the input; off the event loop like store work.
    let value = blocking(move || {
        let mut report = isa_core::detect(&tables, &CheckOptions::new());
        if no_info {
            report.drop_info();
        }
        let failed = fail_on
            .threshold()
            .is_some_and(|t| report.count_at_least(t) > 0);
        Ok(if sarif {
            isa_report::check::sarif(&report)
        } else {
            isa_report::check::report_json(&report, fail_on, failed)
        })
    })
    .await?;
    ok(&value)
}

fn advertisement(
    value: Option<&Value>,
    at: &str,
) -> Result<isa_negotiate::Advertisement<'static>, Problem> {
    let bytes = match value {
        Some(Value::Object(o)) if o.len() == 1 && o.contains_key("base64") => {
            let Some(Value::String(b64)) = o.get("base64") else {
                return Err(Problem::bad_request(format!("{at}.base64 must be a string")));
            };
            base64::engine::general_purpose::STANDARD
                .decode(b64.trim())
                .map_err(|e| Problem::bad_request(format!("{at}.base64: not base64: {e}")))?
        }
        Some(v @ Value::Object(_)) => isa_io::pretty_json(v).into_bytes(),
        _ => {
            return Err(Problem::bad_request(format!(
                "`{at}` must be an advertisement: its JSON form, or {{\"base64\": \"<the binary form>\"}}"
            )))
        }
    };
    let ad = isa_negotiate::read::read_any(&bytes, at).map_err(Problem::invalid)?;
    ad.check_mnemonics()
        .map_err(|e| Problem::invalid(format!("{at}: malformed advertisement: {e}")))?;
    Ok(ad)
}

async fn negotiate(State(app): State<Arc<App>>, body: Body) -> Answer {
    let map = json_body(&app, body, &["a", "b"]).await?;
    let a = advertisement(map.get("a"), "a")?;
    let b = advertisement(map.get("b"), "b")?;
    let agreed = isa_negotiate::negotiate(&a, &b);
    ok(&isa_report::negotiate::agreement_json(&agreed))
}

async fn translate(
    State(app): State<Arc<App>>,
    q: Result<Query<Params>, QueryRejection>,
    body: Body,
) -> Answer {
    let params = query(q, &["from", "to", "container"])?;
    let need = |k: &str| {
        params.get(k).cloned().ok_or_else(|| {
            Problem::bad_request(format!("the query needs `{k}` (a declared version)"))
        })
    };
    let (from, to) = (need("from")?, need("to")?);
    let container = params
        .get("container")
        .map_or("auto", String::as_str)
        .to_string();
    if !["auto", "raw", "module"].contains(&container.as_str()) {
        return Err(Problem::bad_request(format!(
            "container={container}: expected auto, raw or module"
        )));
    }
    let bytes = read_body(body, app.config.max_body).await?;
    let store = app.store.clone();
    let (out, stats) = blocking(move || {
        let a = store.show(&from)?;
        let b = store.show(&to)?;
        let scheme = Scheme::flux_unified();
        let aliases = Aliases::new();
        for (t, role) in [(&a, "the source table"), (&b, "the target table")] {
            if let Some(why) = isa_report::check::undecodable_message(t, role, &scheme, &aliases) {
                return Err(Problem::invalid(why));
            }
        }
        let options = isa_migrate::TranslateOptions {
            aliases,
            from_scheme: scheme.clone(),
            to_scheme: scheme,
        };
        let translator = isa_migrate::Translator::new(&a, &b, &options)
            .map_err(|e| Problem::invalid(e.to_string()))?;
        let module = match container.as_str() {
            "raw" => false,
            "module" => true,
            _ => isa_migrate::module::looks_like_module(&bytes),
        };
        let context = |e: &dyn std::fmt::Display| {
            Problem::invalid(format!("cannot translate from {from} to {to}: {e}"))
        };
        if module {
            let t = isa_migrate::module::translate_module(&translator, &bytes)
                .map_err(|e| context(&e))?;
            Ok((t.bytes, t.stats))
        } else {
            let t = translator.translate(&bytes).map_err(|e| context(&e))?;
            Ok((t.bytes, t.stats))
        }
    })
    .await?;
    let mut r = out.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    for (name, value) in [
        ("x-isa-instructions", stats.instructions.to_string()),
        ("x-isa-branches-fixed", stats.branches_fixed.to_string()),
        ("x-isa-same-size", stats.same_size.to_string()),
    ] {
        if let Ok(v) = HeaderValue::from_str(&value) {
            h.insert(name, v);
        }
    }
    Ok(r)
}

// ---------------------------------------------------------------------------------------------
// Governance

/// Where a proposal stands, as `GET /v1/proposals/{id}` answers.
pub fn proposal_json(s: &ProposalStatus) -> Value {
    let p = &s.proposal;
    json!({
        "id": s.id,
        "version": p.version.to_string(),
        "message": p.message,
        "parent": p.parent,
        "table_hash": p.table_hash(),
        "instructions": p.table.instructions().count(),
        "renames": p.renames.iter().map(|r| json!({"from": r.from, "to": r.to})).collect::<Vec<_>>(),
        "overrides": p.overrides.iter().map(|o| json!({"opcode": o.opcode, "reason": o.reason})).collect::<Vec<_>>(),
        "approved_by": s.approved_by,
        "missing": s.missing,
        "pending": s.pending,
        "declared": s.declared.as_ref().map(|v| v.to_string()),
    })
}

async fn proposals(State(app): State<Arc<App>>) -> Answer {
    let store = app.store.clone();
    let list = blocking(move || Ok(store.proposals()?)).await?;
    ok(&json!({"proposals": list.iter().map(proposal_json).collect::<Vec<_>>()}))
}

async fn proposal(State(app): State<Arc<App>>, p: Result<Path<String>, PathRejection>) -> Answer {
    let id = path(p)?;
    let store = app.store.clone();
    let status = blocking(move || Ok(store.status(&id)?)).await?;
    ok(&proposal_json(&status))
}

fn created(value: &Value, location: &str) -> Response {
    let mut r = json_response(StatusCode::CREATED, value);
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

async fn propose(State(app): State<Arc<App>>, headers: HeaderMap, body: Body) -> Answer {
    authorise(&app, &headers)?;
    let map = json_body(
        &app,
        body,
        &["table", "version", "message", "renames", "overrides"],
    )
    .await?;
    let table = table_of(map.get("table").unwrap_or(&Value::Null), "table")?;
    let version_text = str_field(&map, "version", None)?;
    let version =
        isa_history::semver::Version::parse(version_text.strip_prefix('v').unwrap_or(version_text))
            .map_err(|e| {
                Problem::bad_request(format!("version {version_text}: not a semver version: {e}"))
            })?;
    let mut options = ProposeOptions::new(version);
    options.message = str_field(&map, "message", Some(""))?.to_string();
    options.renames = renames_of(&map)?
        .into_iter()
        .map(|(from, to)| isa_history::Rename { from, to })
        .collect();
    if let Some(list) = map.get("overrides") {
        let bad = || {
            Problem::bad_request(
                "`overrides` must be a list of {\"opcode\": NUMBER, \"reason\": TEXT}",
            )
        };
        for o in list.as_array().ok_or_else(bad)? {
            let opcode = o
                .get("opcode")
                .and_then(Value::as_u64)
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(bad)?;
            let reason = o.get("reason").and_then(Value::as_str).ok_or_else(bad)?;
            options.overrides.push(isa_history::Override {
                opcode,
                reason: reason.to_string(),
            });
        }
    }
    // The same refusal as `propose` on the command line: an undecodable table is never
    // declared, so it is not proposed either.
    if let Some(why) = isa_report::check::undecodable_message(
        &table,
        "the proposed table",
        &Scheme::flux_unified(),
        &Aliases::new(),
    ) {
        return Err(Problem::invalid(why));
    }
    let store = app.store.clone();
    let status = blocking(move || {
        let id = store.propose(table, options)?;
        Ok(store.status(&id)?)
    })
    .await?;
    Ok(created(
        &proposal_json(&status),
        &format!("/v1/proposals/{}", status.id),
    ))
}

async fn approve(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    p: Result<Path<String>, PathRejection>,
    body: Body,
) -> Answer {
    authorise(&app, &headers)?;
    let id = path(p)?;
    let map = json_body(&app, body, &["public_key", "signature"]).await?;
    let public = str_field(&map, "public_key", None)?.to_string();
    let signature = str_field(&map, "signature", None)?.to_string();
    let store = app.store.clone();
    let (approval, status) = blocking(move || {
        let approval = store.add_approval(&id, &public, &signature, None)?;
        let status = store.status(&approval.proposal)?;
        Ok((approval, status))
    })
    .await?;
    let mut value = proposal_json(&status);
    if let Value::Object(o) = &mut value {
        o.insert("maintainer".into(), json!(approval.maintainer));
    }
    Ok(created(&value, &format!("/v1/proposals/{}", status.id)))
}

async fn declare(State(app): State<Arc<App>>, headers: HeaderMap, body: Body) -> Answer {
    authorise(&app, &headers)?;
    let map = json_body(&app, body, &["proposal"]).await?;
    let id = str_field(&map, "proposal", None)?.to_string();
    let store: Store = app.store.clone();
    let declared = blocking(move || Ok(store.declare(&id)?)).await?;
    Ok(created(
        &isa_report::store::version_json(&declared),
        &format!("/v1/versions/{}", declared.version()),
    ))
}
