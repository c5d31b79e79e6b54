//! The read operations: versions, tables by version or content hash, diffs, verify, export.

use super::*;

// ---------------------------------------------------------------------------------------------
// Reads

/// The history, from the server's cache while it is current (see [`App::log`]).
pub async fn history(app: &Arc<App>) -> Result<Arc<Vec<Declared>>, Problem> {
    let app = app.clone();
    blocking(move || Ok(app.log()?)).await
}

pub(super) async fn versions(
    State(app): State<Arc<App>>,
    q: Result<Query<Params>, QueryRejection>,
) -> Answer {
    query(q, &[])?;
    let log = history(&app).await?;
    ok(&log_json(&log))
}

/// The `log --format json` document.
pub fn log_json(log: &[Declared]) -> Value {
    let versions: Vec<Value> = log.iter().map(isa_report::store::version_json).collect();
    json!({ "versions": versions, "head": log.last().map(|d| d.hash.clone()) })
}

pub(super) async fn version(
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
            let body = app.rendered_text(&format!("{hash}.toml"), || isa_io::table_to_toml(table));
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

pub(super) async fn table_by_hash(
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

pub(super) async fn diff(
    State(app): State<Arc<App>>,
    p: Result<Path<(String, String)>, PathRejection>,
) -> Answer {
    let (from, to) = path(p)?;
    let log = history(&app).await?;
    let d = isa_history::store::diff_versions(&log, &from, &to, &Aliases::new())?;
    ok(&isa_report::store::diff_json(&from, &to, &d))
}

pub(super) async fn verify(State(app): State<Arc<App>>) -> Answer {
    let store = app.store.clone();
    let report = blocking(move || Ok(store.verify()?)).await?;
    ok(&isa_report::store::verify_json(&report, None))
}

/// Every object of the store, byte for byte (see [`isa_history::export`]): what a client
/// verifies itself instead of trusting the server's verdict, and what `import` copies into
/// another backend.
pub(super) async fn export(State(app): State<Arc<App>>) -> Answer {
    let store = app.store.clone();
    let value = blocking(move || Ok(isa_history::export::export_json(&store.snapshot()?)?)).await?;
    ok(&value)
}
