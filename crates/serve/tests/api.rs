//! The API against both backends: every test runs once over the store's folder and once over
//! a PostgreSQL database of its own (on the server `ISA_TEST_DATABASE_URL` names; see
//! tests/pg/start), through the whole router in process — the same middleware, limits and
//! handlers a client reaches over TCP.

#[path = "../../store-pg/tests/common/mod.rs"]
mod common;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt as _;
use isa_history::{FolderStorage, KeyPair, Storage, Store};
use isa_serve::{App, Config, Tokens};
use serde_json::{json, Value};
use tower::ServiceExt as _;

const TOKEN: &str = "isa_test-token-for-the-api-tests";

/// One backend under test, kept alive for the test's length.
enum Backend {
    Folder(tempfile::TempDir),
    Pg(common::TestDb),
}

impl Backend {
    fn storage(&self) -> Arc<dyn Storage> {
        match self {
            Backend::Folder(dir) => Arc::new(FolderStorage::new(dir.path().join("store"))),
            Backend::Pg(db) => {
                sync(|| Arc::new(isa_store_pg::PgStorage::connect(&db.url).unwrap()))
            }
        }
    }
}

/// The backends every test runs on: the folder, and PostgreSQL unless the database tests are
/// skipped on purpose (`ISA_PG_OPTIONAL=1`, with a loud note); without a database and without
/// that switch the test fails, so CI cannot pass without having run them.
fn backends() -> Vec<Backend> {
    let mut out = vec![Backend::Folder(tempfile::tempdir().unwrap())];
    if let Some(db) = sync(common::database) {
        out.push(Backend::Pg(db));
    }
    out
}

/// Blocking work (the synchronous PostgreSQL client, store calls) from a test's async body, as
/// the server runs it on the blocking pool.
fn sync<T>(f: impl FnOnce() -> T) -> T {
    tokio::task::block_in_place(f)
}

fn tokens() -> Tokens {
    let text = {
        use sha2::Digest as _;
        format!(
            "ci sha256:{}\n",
            hex(&sha2::Sha256::digest(TOKEN.as_bytes()))
        )
    };
    Tokens::parse(std::path::Path::new("tokens"), &text).unwrap()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A server over `backend` with a fresh store (alice and bob, quorum 2).
fn server(backend: &Backend, config: Config) -> Arc<App> {
    let storage = backend.storage();
    let store = sync(|| Store::init_in(storage, &common::authority()).unwrap());
    App::new(store, config)
}

/// Another server instance over the same store (a second process behind a load balancer).
fn another(backend: &Backend, config: Config) -> Arc<App> {
    App::new(Store::with_storage(backend.storage()), config)
}

fn config() -> Config {
    Config {
        tokens: Some(tokens()),
        ..Config::default()
    }
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
    fn text(&self) -> String {
        String::from_utf8(self.body.to_vec()).unwrap()
    }
    /// The problem document, checking its shape and media type.
    fn problem(&self) -> Value {
        assert_eq!(
            self.headers[header::CONTENT_TYPE],
            "application/problem+json",
            "{}",
            self.text()
        );
        let p = self.json();
        assert_eq!(p["status"], self.status.as_u16());
        assert!(p["type"]
            .as_str()
            .unwrap()
            .starts_with("urn:isa-authority:problem:"));
        p
    }
}

async fn call(
    app: &Arc<App>,
    method: Method,
    uri: &str,
    token: Option<&str>,
    body: Body,
) -> Answer {
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(t) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let mut request = request.body(body).unwrap();
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
    let response = isa_serve::router(app.clone())
        .oneshot(request)
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        headers,
        body,
    }
}

async fn get(app: &Arc<App>, uri: &str) -> Answer {
    call(app, Method::GET, uri, None, Body::empty()).await
}

async fn post(app: &Arc<App>, uri: &str, token: Option<&str>, body: Value) -> Answer {
    call(app, Method::POST, uri, token, Body::from(body.to_string())).await
}

const V1: &str = r#"implementation = "canonical"
opcodes = [
  { opcode = 0x00, mnemonic = "HALT", format = "A" },
  { opcode = 0x01, mnemonic = "NOP", format = "A" },
  { opcode = 0x20, mnemonic = "ADD", format = "E" },
]
"#;

/// V1 plus SUB: backward compatible, not forward.
const V2: &str = r#"implementation = "canonical"
opcodes = [
  { opcode = 0x00, mnemonic = "HALT", format = "A" },
  { opcode = 0x01, mnemonic = "NOP", format = "A" },
  { opcode = 0x20, mnemonic = "ADD", format = "E" },
  { opcode = 0x21, mnemonic = "SUB", format = "E" },
]
"#;

/// ADD moved: breaks old bytecode.
const MOVED: &str = r#"implementation = "other"
opcodes = [
  { opcode = 0x00, mnemonic = "HALT", format = "A" },
  { opcode = 0x01, mnemonic = "NOP", format = "A" },
  { opcode = 0x30, mnemonic = "ADD", format = "E" },
]
"#;

fn table(content: &str) -> Value {
    json!({"name": "table.toml", "content": content})
}

async fn approve(app: &Arc<App>, id: &str, key: &KeyPair) -> Answer {
    post(
        app,
        &format!("/v1/proposals/{id}/approvals"),
        Some(TOKEN),
        json!({"public_key": key.public().to_hex(), "signature": key.sign_approval(id)}),
    )
    .await
}

/// Proposes, approves by alice and bob, and declares; returns the version document.
async fn declare(app: &Arc<App>, content: &str, version: &str) -> Value {
    let r = post(
        app,
        "/v1/proposals",
        Some(TOKEN),
        json!({"table": table(content), "version": version, "message": "test"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_str().unwrap().to_string();
    for key in &common::keys()[..2] {
        let r = approve(app, &id, key).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    }
    let r = post(
        app,
        "/v1/declarations",
        Some(TOKEN),
        json!({"proposal": id}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(
        r.headers[header::LOCATION],
        format!("/v1/versions/{version}")
    );
    r.json()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn governance_through_the_api_obeys_the_stores_rules() {
    for backend in backends() {
        let app = server(&backend, config());
        // Writes need a token; a wrong one is refused too.
        let body = json!({"table": table(V1), "version": "1.0.0"});
        let r = post(&app, "/v1/proposals", None, body.clone()).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert!(r.problem()["detail"].as_str().unwrap().contains("Bearer"));
        let r = post(&app, "/v1/proposals", Some("isa_wrong"), body.clone()).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);

        let r = post(&app, "/v1/proposals", Some(TOKEN), body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let proposal = r.json();
        let id = proposal["id"].as_str().unwrap().to_string();
        assert_eq!(r.headers[header::LOCATION], format!("/v1/proposals/{id}"));
        assert_eq!(proposal["missing"], 2);
        assert_eq!(proposal["pending"], json!(["alice", "bob"]));

        // Not declared without the quorum: the CLI's refusal, as 409.
        let r = post(
            &app,
            "/v1/declarations",
            Some(TOKEN),
            json!({"proposal": id}),
        )
        .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        let detail = r.problem()["detail"].as_str().unwrap().to_string();
        assert!(detail.contains("0 of 2 required approvals"), "{detail}");

        // An approval counts only with a maintainer's valid signature over this id.
        let keys = common::keys();
        let forged = json!({"public_key": keys[0].public().to_hex(), "signature": keys[0].sign_approval("sha256:00")});
        let r = post(
            &app,
            &format!("/v1/proposals/{id}/approvals"),
            Some(TOKEN),
            forged,
        )
        .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(r.problem()["detail"]
            .as_str()
            .unwrap()
            .contains("not a valid approval"));
        let r = approve(&app, &id, &keys[2]).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "carol is no maintainer");
        assert!(r.problem()["detail"]
            .as_str()
            .unwrap()
            .contains("belongs to no maintainer"));

        let r = approve(&app, &id, &keys[0]).await;
        assert_eq!(r.status, StatusCode::CREATED);
        assert_eq!(r.json()["maintainer"], "alice");
        assert_eq!(r.json()["missing"], 1);
        let r = get(&app, &format!("/v1/proposals/{}", &id[7..19])).await;
        assert_eq!(
            r.json()["approved_by"],
            json!(["alice"]),
            "a prefix resolves"
        );
        let r = approve(&app, &id, &keys[1]).await;
        assert_eq!(r.json()["missing"], 0);
        let r = post(
            &app,
            "/v1/declarations",
            Some(TOKEN),
            json!({"proposal": id}),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let declared = r.json();
        assert_eq!(declared["version"], "1.0.0");
        assert_eq!(declared["approved_by"], json!(["alice", "bob"]));

        // Declared once only; the listing says so.
        let r = post(
            &app,
            "/v1/declarations",
            Some(TOKEN),
            json!({"proposal": id}),
        )
        .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        let r = get(&app, "/v1/proposals").await;
        assert_eq!(r.json()["proposals"][0]["declared"], "1.0.0");

        // A version must increase.
        let r = post(
            &app,
            "/v1/proposals",
            Some(TOKEN),
            json!({"table": table(V2), "version": "0.9.0"}),
        )
        .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());

        // The log is `log --format json` of the same store.
        let r = get(&app, "/v1/versions").await;
        let log = r.json();
        assert_eq!(log["versions"][0], declared);
        assert_eq!(log["head"], declared["hash"]);
        let store = app.store.clone();
        let expected = isa_serve::api::log_json(&sync(|| store.log().unwrap()));
        assert_eq!(r.text(), isa_io::pretty_json(&expected));

        let r = get(&app, "/v1/verify").await;
        assert_eq!(r.json()["ok"], true, "{}", r.text());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_serve_tables_code_hashes_and_diffs() {
    for backend in backends() {
        let app = server(&backend, config());
        let r = get(&app, "/v1/versions/latest").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        r.problem();
        let v1 = declare(&app, V1, "1.0.0").await;
        declare(&app, V2, "1.1.0").await;

        let r = get(&app, "/v1/versions/1.0.0").await;
        assert_eq!(r.status, StatusCode::OK);
        let table = sync(|| app.store.show("1.0.0").unwrap());
        assert_eq!(r.text(), isa_io::table_to_json_string(&table));
        let etag = r.headers[header::ETAG].to_str().unwrap().to_string();
        assert_eq!(etag, format!("\"{}\"", v1["table_hash"].as_str().unwrap()));
        assert!(r.headers[header::CACHE_CONTROL]
            .to_str()
            .unwrap()
            .contains("immutable"));
        let r = call(&app, Method::GET, "/v1/versions/1.0.0", None, Body::empty()).await;
        assert_eq!(r.status, StatusCode::OK);
        let mut request = Request::builder()
            .uri("/v1/versions/1.0.0")
            .header(header::IF_NONE_MATCH, &etag)
            .body(Body::empty())
            .unwrap();
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 1))));
        let response = isa_serve::router(app.clone())
            .oneshot(request)
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NOT_MODIFIED);

        let r = get(&app, "/v1/versions/latest").await;
        assert_eq!(r.headers[header::CACHE_CONTROL], "no-cache");
        assert!(r.text().contains("\"SUB\""));

        // Generated code is `gen`'s, for the version.
        let r = get(&app, "/v1/versions/1.0.0?lang=python").await;
        assert_eq!(r.status, StatusCode::OK);
        let mut meta = isa_codegen::Meta::for_table(&table);
        meta.isa_version = "1.0.0".into();
        let expected = isa_codegen::generate(isa_codegen::Lang::Python, &table, &meta).unwrap();
        assert_eq!(r.text(), expected);
        let r = get(&app, "/v1/versions/1.0.0?lang=cobol").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        let r = get(&app, "/v1/versions/1.0.0?format=toml").await;
        assert_eq!(r.text(), isa_io::table_to_toml(&table));
        let r = get(&app, "/v1/versions/1.0.0?colour=red").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.problem()["detail"]
            .as_str()
            .unwrap()
            .contains("unknown query parameter"));

        // By content hash, with or without the prefix.
        let hash = v1["table_hash"].as_str().unwrap();
        for spelling in [hash, &hash[7..]] {
            let r = get(&app, &format!("/v1/tables/{spelling}")).await;
            assert_eq!(r.status, StatusCode::OK);
            assert_eq!(r.text(), isa_io::table_to_json_string(&table));
        }
        let r = get(&app, &format!("/v1/tables/sha256:{}", "0".repeat(64))).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = get(&app, "/v1/tables/../../etc/passwd").await;
        assert!(r.status.is_client_error());

        let r = get(&app, "/v1/versions/1.0.0/diff/1.1.0").await;
        let d = r.json();
        assert_eq!(d["compatibility"]["backward"], true);
        assert_eq!(d["compatibility"]["forward"], false);
        let expected = isa_report::store::diff_json(
            "1.0.0",
            "1.1.0",
            &sync(|| {
                app.store
                    .diff("1.0.0", "1.1.0", &isa_core::Aliases::new())
                    .unwrap()
            }),
        );
        assert_eq!(d, expected);
        let r = get(&app, "/v1/versions/1.0.0/diff/9.9.9").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compatibility_against_latest_or_all() {
    for backend in backends() {
        let app = server(&backend, config());
        // Nothing declared: anything is compatible.
        let r = post(&app, "/v1/compatibility", None, json!({"table": table(V1)})).await;
        assert_eq!(r.json()["compatible"], true, "{}", r.text());
        declare(&app, V1, "1.0.0").await;
        declare(&app, V2, "1.1.0").await;
        let ask = |t: &str, level: &str, against: &str| json!({"table": table(t), "level": level, "against": against});
        let r = post(&app, "/v1/compatibility", None, ask(V2, "backward", "all")).await;
        let v = r.json();
        assert_eq!(v["compatible"], true, "{}", r.text());
        assert_eq!(v["versions"].as_array().unwrap().len(), 2);
        let r = post(&app, "/v1/compatibility", None, ask(V2, "full", "all")).await;
        assert_eq!(r.json()["compatible"], false, "1.0.0 lacks SUB");
        let r = post(&app, "/v1/compatibility", None, ask(V2, "full", "latest")).await;
        assert_eq!(r.json()["compatible"], true, "identical to 1.1.0");
        let r = post(
            &app,
            "/v1/compatibility",
            None,
            ask(MOVED, "backward", "latest"),
        )
        .await;
        let v = r.json();
        assert_eq!(v["compatible"], false);
        let moved: Vec<&Value> = v["changes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["incompatible"] == true)
            .collect();
        assert!(
            moved
                .iter()
                .any(|c| c["mnemonic"] == "ADD" && c["kind"] == "renumbered"),
            "{v}"
        );
        let r = post(
            &app,
            "/v1/compatibility",
            None,
            ask(V1, "sideways", "latest"),
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_and_negotiate_answer_the_clis_documents() {
    let backend = Backend::Folder(tempfile::tempdir().unwrap());
    let app = server(&backend, config());
    let r = post(
        &app,
        "/v1/check",
        None,
        json!({"tables": [table(V1), {"name": "other.toml", "content": MOVED}]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let tables = vec![
        isa_io::parse_table("table.toml", V1, isa_io::TableFormat::Toml).unwrap(),
        isa_io::parse_table("other.toml", MOVED, isa_io::TableFormat::Toml).unwrap(),
    ];
    let report = isa_core::detect(&tables, &isa_core::CheckOptions::new());
    let failed = report.count_at_least(isa_core::Severity::Error) > 0;
    let expected =
        isa_report::check::report_json(&report, isa_report::check::FailOn::Error, failed);
    assert_eq!(r.text(), isa_io::pretty_json(&expected));
    assert!(!report.conflicts.is_empty());

    // A table error is located in the text sent.
    let r = post(
        &app,
        "/v1/check",
        None,
        json!({"tables": [{"name": "bad.toml", "content": "implementation = \"x\"\nopcodes = [ { opcode = \"zz\" } ]\n"}]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.problem()["detail"]
            .as_str()
            .unwrap()
            .starts_with("bad.toml:2:"),
        "{}",
        r.text()
    );

    // Two advertisements, JSON and binary.
    let scheme = isa_core::Scheme::flux_unified();
    let options = isa_negotiate::BuildOptions {
        scheme: &scheme,
        versions: Vec::new(),
        registers: 0,
        groups: Vec::new(),
        mnemonics: false,
    };
    let (a, _) = isa_negotiate::build(&tables[0], &options).unwrap();
    let (b, _) = isa_negotiate::build(&tables[1], &options).unwrap();
    let a_json: Value =
        serde_json::from_str(&isa_negotiate::json::advertisement_to_json(&a)).unwrap();
    let b_bin = isa_negotiate::encode_advertisement(&b).unwrap();
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(&b_bin);
    let r = post(
        &app,
        "/v1/negotiate",
        None,
        json!({"a": a_json, "b": {"base64": b64}}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let expected = isa_report::negotiate::agreement_json(&isa_negotiate::negotiate(&a, &b));
    assert_eq!(r.json(), expected);
    let r = post(
        &app,
        "/v1/negotiate",
        None,
        json!({"a": {"base64": "AAAA"}, "b": a_json}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.problem()["detail"]
        .as_str()
        .unwrap()
        .contains("malformed advertisement"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn translate_between_declared_versions() {
    for backend in backends() {
        let app = server(&backend, config());
        declare(&app, V1, "1.0.0").await;
        // ADD moves from 0x20 to 0x30.
        let moved = MOVED.replace("\"other\"", "\"canonical\"");
        declare(&app, &moved, "2.0.0").await;
        let program = vec![0x01, 0x20, 1, 2, 3, 0x00];
        let r = call(
            &app,
            Method::POST,
            "/v1/translate?from=1.0.0&to=2.0.0&container=raw",
            None,
            Body::from(program.clone()),
        )
        .await;
        assert_eq!(
            r.status,
            StatusCode::OK,
            "{}",
            String::from_utf8_lossy(&r.body)
        );
        assert_eq!(r.body.to_vec(), vec![0x01, 0x30, 1, 2, 3, 0x00]);
        assert_eq!(r.headers["x-isa-instructions"], "3");
        // Truncated bytecode is the library's error, at its byte offset.
        let r = call(
            &app,
            Method::POST,
            "/v1/translate?from=1.0.0&to=2.0.0&container=raw",
            None,
            Body::from(vec![0x20, 1]),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        r.problem();
        let r = call(
            &app,
            Method::POST,
            "/v1/translate?from=1.0.0",
            None,
            Body::empty(),
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_declaring_on_one_head_one_wins_the_other_gets_409() {
    for backend in backends() {
        let first = server(&backend, config());
        let second = another(&backend, config());
        declare(&first, V1, "1.0.0").await;
        for round in 0..3 {
            // Two proposals on the same head, each with its quorum.
            let mut ids = Vec::new();
            for (side, app) in [&first, &second].into_iter().enumerate() {
                // Each side adds an instruction of its own at a number never used before.
                let version = format!("{}.0.0", 2 + round);
                let opcode = 0x40 + 2 * round + side;
                let content = V1.replace(
                    "\n]\n",
                    &format!("\n  {{ opcode = {opcode}, mnemonic = \"X{round}_{side}\", format = \"A\" }},\n]\n"),
                );
                let r = post(
                    app,
                    "/v1/proposals",
                    Some(TOKEN),
                    json!({"table": table(&content), "version": version}),
                )
                .await;
                assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
                let id = r.json()["id"].as_str().unwrap().to_string();
                for key in &common::keys()[..2] {
                    assert_eq!(approve(app, &id, key).await.status, StatusCode::CREATED);
                }
                ids.push(id);
            }
            let (a, b) = tokio::join!(
                post(
                    &first,
                    "/v1/declarations",
                    Some(TOKEN),
                    json!({"proposal": ids[0]})
                ),
                post(
                    &second,
                    "/v1/declarations",
                    Some(TOKEN),
                    json!({"proposal": ids[1]})
                ),
            );
            let mut statuses = [a.status, b.status];
            statuses.sort();
            assert_eq!(
                statuses,
                [StatusCode::CREATED, StatusCode::CONFLICT],
                "{} / {}",
                a.text(),
                b.text()
            );
            let loser = if a.status == StatusCode::CONFLICT {
                a
            } else {
                b
            };
            assert_eq!(loser.problem()["code"], "refused");
            let r = get(&second, "/v1/verify").await;
            assert_eq!(r.json()["ok"], true, "{}", r.text());
            assert_eq!(
                get(&first, "/v1/versions").await.json()["versions"]
                    .as_array()
                    .unwrap()
                    .len(),
                2 + round
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_are_problems_never_server_errors() {
    let backend = Backend::Folder(tempfile::tempdir().unwrap());
    let app = server(
        &backend,
        Config {
            max_body: 1024,
            ..config()
        },
    );
    let cases: Vec<(Method, &str, Body, StatusCode)> = vec![
        (
            Method::POST,
            "/v1/check",
            Body::from("{"),
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::POST,
            "/v1/check",
            Body::from("[]"),
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::POST,
            "/v1/check",
            Body::from("{\"tables\": [], \"colour\": 1}"),
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::POST,
            "/v1/check",
            Body::from("{\"tables\": [1]}"),
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::POST,
            "/v1/check",
            Body::from(format!("{{\"tables\": [{}]}}", "[".repeat(100_000))),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
        (
            Method::POST,
            "/v1/compatibility",
            Body::from(format!("{}{}", "[".repeat(500), "]".repeat(500))),
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::POST,
            "/v1/compatibility",
            Body::from(vec![0xff, 0xfe]),
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::POST,
            "/v1/negotiate",
            Body::from("{\"a\": 1, \"b\": 2}"),
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::GET,
            "/v1/nothing",
            Body::empty(),
            StatusCode::NOT_FOUND,
        ),
        (
            Method::GET,
            "/v1/proposals/zz",
            Body::empty(),
            StatusCode::NOT_FOUND,
        ),
        (
            Method::GET,
            "/v1/versions/%FF",
            Body::empty(),
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::GET,
            "/v1/versions/not-a-version",
            Body::empty(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            Method::POST,
            "/v1/declarations",
            Body::from("{}"),
            StatusCode::UNAUTHORIZED,
        ),
    ];
    for (method, uri, body, expected) in cases {
        let r = call(&app, method.clone(), uri, None, body).await;
        assert_eq!(r.status, expected, "{method} {uri}: {}", r.text());
        if r.status != StatusCode::METHOD_NOT_ALLOWED {
            r.problem();
        }
    }
    // A read-only server says why it refuses writes.
    let ro = another(&backend, Config::default());
    let r = post(
        &ro,
        "/v1/declarations",
        Some(TOKEN),
        json!({"proposal": "x"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.problem()["detail"].as_str().unwrap().contains("--tokens"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rate_limit_answers_429_with_retry_after() {
    let backend = Backend::Folder(tempfile::tempdir().unwrap());
    let app = server(
        &backend,
        Config {
            rate_limit: 1,
            ..config()
        },
    );
    // A burst of two, then refused.
    assert_eq!(get(&app, "/healthz").await.status, StatusCode::OK);
    assert_eq!(get(&app, "/healthz").await.status, StatusCode::OK);
    let r = get(&app, "/healthz").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.headers["retry-after"], "1");
    r.problem();
    let metrics = get(&app, "/metrics").await;
    assert_eq!(
        metrics.status,
        StatusCode::TOO_MANY_REQUESTS,
        "metrics are limited too"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_requests_by_route_template() {
    let backend = Backend::Folder(tempfile::tempdir().unwrap());
    let app = server(&backend, config());
    get(&app, "/v1/versions/1.0.0").await;
    get(&app, "/v1/versions/2.0.0").await;
    let text = get(&app, "/metrics").await.text();
    assert!(
        text.contains("isa_http_requests_total{method=\"GET\",route=\"/v1/versions/{version}\",status=\"404\"} 2"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_moves_every_byte_between_backends() {
    let backends = backends();
    let source = &backends[0];
    let app = server(source, config());
    declare(&app, V1, "1.0.0").await;
    declare(&app, V2, "1.1.0").await;
    let r = get(&app, "/v1/export").await;
    let snapshot = isa_history::export::import_json("export", &r.text()).unwrap();
    for target in backends
        .iter()
        .skip(1)
        .chain([&Backend::Folder(tempfile::tempdir().unwrap())])
    {
        let storage = target.storage();
        let copy = sync(|| Store::restore(storage, &snapshot).unwrap());
        let other = App::new(copy, config());
        assert_eq!(get(&other, "/v1/export").await.text(), r.text());
        assert_eq!(get(&other, "/v1/verify").await.json()["ok"], true);
        assert_eq!(
            get(&other, "/v1/versions").await.text(),
            get(&app, "/v1/versions").await.text()
        );
    }
}

/// Every operation the OpenAPI document lists is routed (never the fallback's "no such
/// endpoint"), and every route is documented.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_matches_the_router() {
    let doc: Value = serde_json::from_str(isa_serve::OPENAPI).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let backend = Backend::Folder(tempfile::tempdir().unwrap());
    let app = server(&backend, config());
    let served = get(&app, "/v1/openapi.json").await;
    assert_eq!(served.text(), isa_serve::OPENAPI);
    let mut documented = Vec::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for method in ops.as_object().unwrap().keys() {
            documented.push(format!("{} {path}", method.to_uppercase()));
            let uri = path
                .replace("{version}", "1.0.0")
                .replace("{from}", "1.0.0")
                .replace("{to}", "1.0.0")
                .replace("{hash}", &"0".repeat(64))
                .replace("{id}", "00000000");
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let r = call(&app, method.clone(), &uri, None, Body::from("{}")).await;
            assert_ne!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {uri}");
            assert!(
                !r.text().contains("no such endpoint"),
                "{method} {uri} is documented but not routed"
            );
            assert!(!r.status.is_server_error(), "{method} {uri}: {}", r.text());
        }
    }
    let mut expected = vec![
        "GET /healthz",
        "GET /metrics",
        "GET /v1/openapi.json",
        "GET /v1/versions",
        "GET /v1/versions/{version}",
        "GET /v1/versions/{from}/diff/{to}",
        "GET /v1/tables/{hash}",
        "POST /v1/compatibility",
        "POST /v1/check",
        "POST /v1/negotiate",
        "POST /v1/translate",
        "GET /v1/proposals",
        "POST /v1/proposals",
        "GET /v1/proposals/{id}",
        "POST /v1/proposals/{id}/approvals",
        "POST /v1/declarations",
        "GET /v1/verify",
        "GET /v1/export",
    ];
    expected.sort();
    documented.sort();
    assert_eq!(
        documented, expected,
        "the router's API routes (api::routes) and the document"
    );
}

/// A server answers reads from its cached history, and still sees a version another instance
/// declared meanwhile (the cache is keyed by the history's record names).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cached_history_follows_declarations_made_elsewhere() {
    for backend in backends() {
        let reader = server(&backend, config());
        let writer = another(&backend, config());
        declare(&writer, V1, "1.0.0").await;
        assert_eq!(
            get(&reader, "/v1/versions/latest").await.status,
            StatusCode::OK
        );
        let before = get(&reader, "/v1/versions").await.json();
        assert_eq!(before["versions"].as_array().unwrap().len(), 1);
        declare(&writer, V2, "1.1.0").await;
        let after = get(&reader, "/v1/versions").await.json();
        assert_eq!(after["versions"].as_array().unwrap().len(), 2);
        assert!(get(&reader, "/v1/versions/latest")
            .await
            .text()
            .contains("\"SUB\""));
        assert_eq!(get(&reader, "/healthz").await.json()["versions"], 2);
    }
}
