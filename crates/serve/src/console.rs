//! The web console: server-rendered HTML pages over the same store and the same renderers as
//! the API — the version log (`/`), a version's table with its opcode map, the same SVG as
//! `isa-authority map` (`/versions/{version}`), the diff between two versions (`/diff`),
//! proposals with their approvals (`/proposals/{id}`), and the conflict report of tables pasted
//! into a form (`/check`). No script runs on any page; every value shown is escaped.

use std::fmt::Write as _;
use std::sync::Arc;

use axum::extract::rejection::{FormRejection, PathRejection, QueryRejection};
use axum::extract::{Form, Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use isa_core::conflict::hex_opcode;
use isa_core::{Aliases, CheckOptions, ResolveOptions, Scheme};
use isa_history::Declared;
use isa_viz::escape;

use crate::api::blocking;
use crate::{App, Problem};

/// The console's routes.
pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/", get(index))
        .route("/versions/{version}", get(version))
        .route("/diff", get(diff))
        .route("/proposals/{id}", get(proposal))
        .route("/check", get(check_form).post(check))
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#222}\
table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}\
th{background:#f4f4f4}tr:nth-child(even) td{background:#fafafa}code,pre{font-family:ui-monospace,monospace;font-size:.9em}\
pre{background:#f7f7f7;padding:.5rem;overflow:auto}table.facts td code{overflow-wrap:anywhere}\
nav a{margin-right:1rem}.bad{color:#b00020}.good{color:#1a7f37}\
.map{border:1px solid #ddd;overflow-x:auto}.map svg{display:block;max-width:100%;height:auto}\
textarea{width:100%;box-sizing:border-box;font-family:monospace}";

/// A whole page. The empty `data:` icon keeps browsers from asking for `/favicon.ico` (a 404 in
/// every browser console otherwise).
fn page(title: &str, body: &str) -> Response {
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <link rel=\"icon\" href=\"data:,\"><title>{} · isa-authority</title><style>{STYLE}</style></head><body>\
         <nav><a href=\"/\">Versions</a><a href=\"/check\">Check tables</a><a href=\"/v1/openapi.json\">API</a></nav>\
         <h1>{}</h1>\n{body}\n</body></html>\n",
        escape(title),
        escape(title)
    );
    let mut r = html.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    r
}

/// A problem as a page (the console's errors are for people, with the same message).
fn error_page(p: Problem) -> Response {
    let status = p.status;
    let mut r = page(
        status.canonical_reason().unwrap_or("Error"),
        &format!("<pre class=\"bad\">{}</pre>", escape(&p.detail)),
    );
    *r.status_mut() = status;
    r
}

/// A hash or id shortened for a table cell (`sha256:` and 12 hex digits), the whole of it in the
/// tooltip.
fn short_hash(hash: &str) -> String {
    let mut short: String = hash.chars().take(19).collect();
    if short.len() < hash.len() {
        short.push('…');
    }
    format!("<code title=\"{}\">{}</code>", escape(hash), escape(&short))
}

fn version_link(v: &str) -> String {
    format!(
        "<a href=\"/versions/{}\">{}</a>",
        escape(&urlencode(v)),
        escape(v)
    )
}

/// Percent-encodes a path segment or query value (versions and ids are plain, but a page must
/// never produce a broken link from anything).
fn urlencode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~:".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

async fn index(State(app): State<Arc<App>>) -> Response {
    let store = app.store.clone();
    let result = blocking(move || Ok((store.log()?, store.proposals()?))).await;
    let (log, proposals) = match result {
        Ok(v) => v,
        Err(p) => return error_page(p),
    };
    let mut body = String::new();
    let _ = write!(
        body,
        "<p>Store: {} · {} declared version{}{}</p>",
        escape(&app.config.backend),
        log.len(),
        if log.len() == 1 { "" } else { "s" },
        log.last()
            .map(|d| format!(" · head <code>{}</code>", escape(&d.hash)))
            .unwrap_or_default()
    );
    body.push_str("<h2>Versions</h2>");
    if log.is_empty() {
        body.push_str("<p>No version declared yet.</p>");
    } else {
        body.push_str("<table id=\"versions\"><tr><th>Version</th><th>Record</th><th>Instructions</th><th>Table hash</th><th>Approved by</th><th>Message</th></tr>");
        for d in log.iter().rev() {
            let p = &d.record.proposal;
            let _ = write!(
                body,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                version_link(&p.version.to_string()),
                d.record.sequence,
                p.table.instructions().count(),
                short_hash(&p.table_hash()),
                escape(
                    &d.record
                        .approvals
                        .iter()
                        .map(|a| a.maintainer.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                escape(&p.message)
            );
        }
        body.push_str("</table>");
    }
    if log.len() >= 2 {
        body.push_str("<h2>Compare two versions</h2><form action=\"/diff\" method=\"get\">");
        for (name, pick) in [("from", log.len() - 2), ("to", log.len() - 1)] {
            let _ = write!(body, "<label>{name} <select name=\"{name}\">");
            for (i, d) in log.iter().enumerate() {
                let v = escape(&d.version().to_string());
                let selected = if i == pick { " selected" } else { "" };
                let _ = write!(body, "<option value=\"{v}\"{selected}>{v}</option>");
            }
            body.push_str("</select></label> ");
        }
        body.push_str("<button type=\"submit\">Diff</button></form>");
    }
    let pending: Vec<_> = proposals.iter().filter(|s| s.declared.is_none()).collect();
    body.push_str("<h2>Pending proposals</h2>");
    if pending.is_empty() {
        body.push_str("<p>None.</p>");
    } else {
        body.push_str("<table id=\"proposals\"><tr><th>Proposal</th><th>Version</th><th>Approved by</th><th>Missing</th><th>Message</th></tr>");
        for s in pending {
            let _ = write!(
                body,
                "<tr><td><a href=\"/proposals/{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&urlencode(&s.id)),
                short_hash(&s.id),
                escape(&s.proposal.version.to_string()),
                escape(&s.approved_by.join(", ")),
                s.missing,
                escape(&s.proposal.message)
            );
        }
        body.push_str("</table>");
    }
    page("isa-authority registry", &body)
}

fn record_facts(d: &Declared) -> String {
    let p = &d.record.proposal;
    let mut out = String::from("<table class=\"facts\">");
    let approved = d
        .record
        .approvals
        .iter()
        .map(|a| a.maintainer.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    facts_rows(
        &mut out,
        [
            ("Record", d.record.sequence.to_string(), false),
            ("Hash", d.hash.clone(), true),
            ("Table hash", p.table_hash(), true),
            ("Previous", d.record.previous.clone(), true),
            ("Approved by", approved, false),
            ("Message", p.message.clone(), false),
        ],
    );
    out.push_str("</table>");
    out
}

/// Rows of a facts table: name, value, and whether the value is code (a hash, an id).
fn facts_rows<const N: usize>(out: &mut String, rows: [(&str, String, bool); N]) {
    for (k, v, code) in rows {
        let v = escape(&v);
        if code {
            let _ = write!(out, "<tr><th>{k}</th><td><code>{v}</code></td></tr>");
        } else {
            let _ = write!(out, "<tr><th>{k}</th><td>{v}</td></tr>");
        }
    }
}

async fn version(State(app): State<Arc<App>>, p: Result<Path<String>, PathRejection>) -> Response {
    let Ok(Path(version)) = p else {
        return error_page(Problem::bad_request("bad version in the path"));
    };
    let store = app.store.clone();
    let wanted = version.clone();
    let declared = match blocking(move || Ok(store.record(&wanted)?)).await {
        Ok(d) => d,
        Err(p) => return error_page(p),
    };
    let v = declared.version().to_string();
    let table = declared.record.proposal.table.clone();
    let title = format!("Version {v}");
    let map_version = v.clone();
    let svg = blocking(move || {
        let mut model = isa_report::map::map_model(
            std::slice::from_ref(&table),
            Some(&table),
            isa_report::map::By::Implementation,
            &format!(
                "Opcode map of version {map_version} ({})",
                table.implementation
            ),
            &Aliases::new(),
        )
        .map_err(|e| Problem::invalid(e.to_string()))?;
        // One table compared with itself: the agreement heatmap (one cell) and the reference's
        // own grids (the same table again) say nothing here, so only its grids are drawn.
        model.heatmap = None;
        model.heatmap_groups.clear();
        model.reference_grids.clear();
        let count = table.instructions().count();
        model.description = format!(
            "{count} instruction{} of version {map_version}, one grid per opcode page in use; each cell is one opcode (hover for its instruction).",
            if count == 1 { "" } else { "s" }
        );
        model.reference = format!("version {map_version} itself");
        Ok((isa_viz::map_svg(&model), table))
    })
    .await;
    let (svg, table) = match svg {
        Ok(v) => v,
        Err(p) => return error_page(p),
    };
    let mut body = record_facts(&declared);
    let enc = urlencode(&v);
    let _ = write!(
        body,
        "<p>Download: <a href=\"/v1/versions/{enc}\">JSON</a> · <a href=\"/v1/versions/{enc}?format=toml\">TOML</a>"
    );
    for lang in isa_codegen::Lang::ALL {
        let _ = write!(
            body,
            " · <a href=\"/v1/versions/{enc}?lang={}\">{}</a>",
            lang.as_str(),
            lang.as_str()
        );
    }
    body.push_str("</p><h2>Opcode map</h2><div class=\"map\" id=\"map\">");
    body.push_str(&svg);
    body.push_str("</div><h2>Instructions</h2><table id=\"instructions\"><tr><th>Opcode</th><th>Mnemonic</th><th>Format</th><th>Layout</th><th>Category</th><th>Status</th><th>Description</th></tr>");
    // The layout as every command resolves it (the table's letters, then the FLUX unified
    // scheme), so a letter-only entry still shows its size and fields.
    let scheme = Scheme::default();
    let aliases = Aliases::new();
    let resolved = isa_core::resolve(&table, &ResolveOptions::new(&scheme, &aliases));
    for i in &resolved.instructions {
        let e = i.entry;
        let _ = write!(
            body,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            hex_opcode(e.opcode),
            escape(e.mnemonic.as_deref().unwrap_or("")),
            escape(e.format.as_deref().unwrap_or("")),
            escape(&i.layout_text().unwrap_or_default()),
            escape(e.category.as_deref().unwrap_or("")),
            e.status.map(|s| s.as_str()).unwrap_or(""),
            escape(e.description().unwrap_or(""))
        );
    }
    body.push_str("</table>");
    page(&title, &body)
}

async fn diff(
    State(app): State<Arc<App>>,
    q: Result<Query<std::collections::BTreeMap<String, String>>, QueryRejection>,
) -> Response {
    let Ok(Query(q)) = q else {
        return error_page(Problem::bad_request("bad query"));
    };
    let (Some(from), Some(to)) = (q.get("from").cloned(), q.get("to").cloned()) else {
        return error_page(Problem::bad_request(
            "choose two versions: /diff?from=A&to=B",
        ));
    };
    let store = app.store.clone();
    let (a, b) = (from.clone(), to.clone());
    let d = match blocking(move || Ok(store.diff(&a, &b, &Aliases::new())?)).await {
        Ok(d) => d,
        Err(p) => return error_page(p),
    };
    let verdict = |ok: bool| {
        if ok {
            "<span class=\"good\">compatible</span>"
        } else {
            "<span class=\"bad\">breaks</span>"
        }
    };
    let mut body = format!(
        "<p>{} → {}: backward {}, forward {}, full {} · {} change(s), {} breaking, {} unchanged</p>",
        version_link(&from),
        version_link(&to),
        verdict(d.backward),
        verdict(d.forward),
        verdict(d.full),
        d.changes.len(),
        d.breaking_count(),
        d.unchanged
    );
    if !d.changes.is_empty() {
        body.push_str("<table id=\"changes\"><tr><th>Change</th><th>Instruction</th><th>From</th><th>To</th><th>Breaking</th><th>Detail</th></tr>");
        for c in &d.changes {
            let _ = write!(
                body,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                c.kind.as_str(),
                escape(&c.mnemonic),
                c.from.map(hex_opcode).unwrap_or_default(),
                c.to.map(hex_opcode).unwrap_or_default(),
                if c.breaking {
                    "<span class=\"bad\">yes</span>"
                } else {
                    "no"
                },
                escape(&c.detail)
            );
        }
        body.push_str("</table>");
    }
    page(&format!("Diff {from} → {to}"), &body)
}

async fn proposal(State(app): State<Arc<App>>, p: Result<Path<String>, PathRejection>) -> Response {
    let Ok(Path(id)) = p else {
        return error_page(Problem::bad_request("bad proposal id in the path"));
    };
    let store = app.store.clone();
    let s = match blocking(move || Ok(store.status(&id)?)).await {
        Ok(s) => s,
        Err(p) => return error_page(p),
    };
    let p = &s.proposal;
    let mut body = String::from("<table class=\"facts\">");
    facts_rows(
        &mut body,
        [
            ("Id", s.id.clone(), true),
            ("Version", p.version.to_string(), false),
            ("Parent", p.parent.clone(), true),
            ("Table hash", p.table_hash(), true),
            ("Approved by", s.approved_by.join(", "), false),
            ("Pending", s.pending.join(", "), false),
            ("Missing approvals", s.missing.to_string(), false),
            (
                "Declared",
                s.declared
                    .as_ref()
                    .map(|v| v.to_string())
                    .unwrap_or_else(|| "not yet".into()),
                false,
            ),
            ("Message", p.message.clone(), false),
        ],
    );
    body.push_str("</table>");
    for r in &p.renames {
        let _ = write!(
            body,
            "<p>Rename {} → {}</p>",
            escape(&r.from),
            escape(&r.to)
        );
    }
    for o in &p.overrides {
        let _ = write!(
            body,
            "<p>Override {}: {}</p>",
            hex_opcode(o.opcode),
            escape(&o.reason)
        );
    }
    let _ = write!(
        body,
        "<p>Approve with <code>isa-authority approve {} --key NAME.key</code> (the signature is made with your key, on your machine).</p>",
        escape(&s.id)
    );
    page(&format!("Proposal for {}", p.version), &body)
}

const SLOTS: usize = 4;

fn check_form_html(filled: &std::collections::BTreeMap<String, String>) -> String {
    let mut body = String::from(
        "<p>Paste two or more opcode tables (interchange JSON or TOML) to see every conflict among them.</p>\
         <form method=\"post\" action=\"/check\">",
    );
    for i in 1..=SLOTS {
        let name = filled
            .get(&format!("name{i}"))
            .cloned()
            .unwrap_or_else(|| format!("table{i}.json"));
        let content = filled
            .get(&format!("content{i}"))
            .cloned()
            .unwrap_or_default();
        let _ = write!(
            body,
            "<p><label>Table {i} file name <input name=\"name{i}\" value=\"{}\"></label><br>\
             <textarea name=\"content{i}\" rows=\"8\">{}</textarea></p>",
            escape(&name),
            escape(&content)
        );
    }
    body.push_str("<button type=\"submit\">Check</button></form>");
    body
}

async fn check_form() -> Response {
    page("Check tables", &check_form_html(&Default::default()))
}

async fn check(
    State(app): State<Arc<App>>,
    form: Result<Form<std::collections::BTreeMap<String, String>>, FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return error_page(Problem::bad_request("the form could not be read"));
    };
    if form.values().map(String::len).sum::<usize>() > app.config.max_body {
        return error_page(Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body-too-large",
            "the tables are larger than the server's limit",
        ));
    }
    // The filled slots, as the API's table objects, read by the API's own loader.
    let mut items = Vec::new();
    for i in 1..=SLOTS {
        let content = form
            .get(&format!("content{i}"))
            .map(String::as_str)
            .unwrap_or("");
        if content.trim().is_empty() {
            continue;
        }
        let name = form
            .get(&format!("name{i}"))
            .filter(|n| !n.trim().is_empty())
            .cloned()
            .unwrap_or_else(|| format!("table{i}.json"));
        items.push((
            serde_json::json!({"name": name, "content": content}),
            format!("table {i}"),
        ));
    }
    let mut body = String::new();
    if items.is_empty() {
        body.push_str("<p class=\"bad\">Paste at least one table.</p>");
    } else {
        match crate::api::tables_of(items.iter().map(|(v, at)| (v, at.clone()))) {
            Err(p) => {
                let _ = write!(body, "<pre class=\"bad\">{}</pre>", escape(&p.detail));
            }
            Ok(tables) => {
                let report =
                    match blocking(move || Ok(isa_core::detect(&tables, &CheckOptions::new())))
                        .await
                    {
                        Ok(r) => r,
                        Err(p) => return error_page(p),
                    };
                let _ = write!(
                    body,
                    "<p id=\"summary\">{} conflict(s) among {} table(s).</p>",
                    report.conflicts.len(),
                    report.summary.tables
                );
                if !report.conflicts.is_empty() {
                    body.push_str("<table id=\"conflicts\"><tr><th>Severity</th><th>Kind</th><th>Opcode</th><th>Mnemonic</th><th>Message</th></tr>");
                    for c in &report.conflicts {
                        let _ = write!(
                            body,
                            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                            c.severity.as_str(),
                            c.kind.as_str(),
                            c.opcode.map(hex_opcode).unwrap_or_default(),
                            escape(c.mnemonic.as_deref().unwrap_or("")),
                            escape(&c.message)
                        );
                    }
                    body.push_str("</table>");
                }
            }
        }
    }
    body.push_str(&check_form_html(&form));
    page("Check tables", &body)
}
