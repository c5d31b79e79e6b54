//! The command line as a registry's client, against the real `isa-authority serve`: the whole
//! governance flow over HTTP; `log`, `show`, `diff` and `verify` printing byte for byte what
//! they print against the store's folder; `verify` checking the bytes it receives rather than
//! the server's word; refusals (exit 1), authentication and transport failures (exit 2); and
//! tables from a registry for `gen` and `conform`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Output, Stdio};

use serde_json::Value;

const EXE: &str = env!("CARGO_BIN_EXE_isa-authority");

/// The binary with none of the environment that would point it elsewhere.
fn bin() -> Command {
    let mut cmd = Command::new(EXE);
    for var in [
        "ISA_AUTHORITY_STORE",
        "ISA_AUTHORITY_REGISTRY",
        "ISA_AUTHORITY_TOKEN",
        "NO_COLOR",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

fn run(cmd: &mut Command) -> Output {
    cmd.stdin(Stdio::null()).output().expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs and expects exit `code`; returns stdout.
fn expect(cmd: &mut Command, code: i32) -> String {
    let out = run(cmd);
    assert_eq!(
        out.status.code(),
        Some(code),
        "{cmd:?}\nstdout:\n{}\nstderr:\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

fn json(out: &str) -> Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}

/// `isa-authority serve` on a free loopback port, stopped when dropped.
struct Server {
    child: Child,
    /// Kept open: the server's stdout, which it may still write to.
    _stdout: BufReader<ChildStdout>,
    url: String,
}

impl Server {
    fn start(store: &Path, tokens: &Path) -> Server {
        let mut child = bin()
            .args(["serve", "--listen", "127.0.0.1:0", "--store"])
            .arg(store)
            .arg("--tokens")
            .arg(tokens)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("serve starts");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no address in serve's first line: {line:?}"))
            .to_string();
        Server {
            child,
            _stdout: stdout,
            url,
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Two maintainers (ada, bob), a store with quorum 2, a token, and the server on it.
struct Registry {
    dir: tempfile::TempDir,
    token: String,
    server: Server,
}

impl Registry {
    fn new() -> Registry {
        let dir = tempfile::tempdir().unwrap();
        let keys = dir.path().join("keys");
        for name in ["ada", "bob"] {
            expect(bin().args(["keygen", name, "-o"]).arg(&keys), 0);
        }
        let store = dir.path().join("store");
        let mut init = bin();
        init.arg("init").arg("--store").arg(&store);
        for name in ["ada", "bob"] {
            init.arg("--maintainer").arg(format!(
                "{name}={}",
                keys.join(format!("{name}.pub")).display()
            ));
        }
        expect(init.args(["--quorum", "2"]), 0);
        let tokens = dir.path().join("tokens");
        let token = expect(
            bin().args(["token", "new", "ci", "--tokens"]).arg(&tokens),
            0,
        )
        .trim()
        .to_string();
        assert!(!token.is_empty());
        let server = Server::start(&store, &tokens);
        Registry { dir, token, server }
    }

    fn url(&self) -> &str {
        &self.server.url
    }

    fn store(&self) -> PathBuf {
        self.dir.path().join("store")
    }

    fn key(&self, name: &str) -> PathBuf {
        self.dir.path().join("keys").join(format!("{name}.key"))
    }

    /// A command against the registry, with the token.
    fn remote(&self, args: &[&str]) -> Command {
        let mut cmd = bin();
        cmd.args(args)
            .arg("--registry")
            .arg(self.url())
            .env("ISA_AUTHORITY_TOKEN", &self.token);
        cmd
    }

    /// The same command against the store's folder.
    fn local(&self, args: &[&str]) -> Command {
        let mut cmd = bin();
        cmd.args(args).arg("--store").arg(self.store());
        cmd
    }

    /// A table file in the fixture's folder.
    fn table(&self, name: &str, content: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        path
    }

    /// Proposes, approves (ada, bob) and declares a table through the registry; returns the
    /// proposal id.
    fn declare(&self, table: &Path, version: &str, extra: &[&str]) -> String {
        let file = table.to_str().unwrap();
        let mut args = vec!["propose", file, "--version", version];
        args.extend_from_slice(extra);
        let id = expect(&mut self.remote(&args), 0).trim().to_string();
        for who in ["ada", "bob"] {
            let key = self.key(who);
            expect(
                &mut self.remote(&["approve", &id, "--key", key.to_str().unwrap()]),
                0,
            );
        }
        expect(&mut self.remote(&["declare", &id]), 0);
        id
    }
}

fn unified() -> String {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/tables/unified-spec.toml");
    std::fs::read_to_string(path).unwrap()
}

/// Stdout, stderr and exit code must all be the same.
fn assert_same(remote: &mut Command, local: &mut Command) {
    let (r, l) = (run(remote), run(local));
    assert_eq!(
        (text(&r.stdout), text(&r.stderr), r.status.code()),
        (text(&l.stdout), text(&l.stderr), l.status.code()),
        "{remote:?} differs from {local:?}"
    );
}

#[test]
fn the_governance_flow_over_a_registry() {
    let reg = Registry::new();
    let table = reg.table("unified.toml", &unified());
    let file = table.to_str().unwrap();

    // propose, as text and as JSON; proposing the same thing again gives the same id.
    let out = run(&mut reg.remote(&["propose", file, "--version", "1.0.0", "--message", "first"]));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let id = text(&out.stdout).trim().to_string();
    assert!(id.starts_with("sha256:") && id.len() == 71, "{id}");
    assert!(
        text(&out.stderr).contains(&format!("isa-authority approve {id} --key NAME.key")),
        "{}",
        text(&out.stderr)
    );
    let again = expect(
        &mut reg.remote(&[
            "propose",
            file,
            "--version",
            "1.0.0",
            "--message",
            "first",
            "--format",
            "json",
        ]),
        0,
    );
    assert_eq!(json(&again), serde_json::json!({ "id": id }));

    // Declaring without a quorum is refused (exit 1) with the message a local declare prints.
    let refused = run(&mut reg.remote(&["declare", &id]));
    assert_eq!(refused.status.code(), Some(1));
    let message = text(&refused.stderr);
    assert!(
        message.contains("declaration of 1.0.0 refused: 0 of 2 required approvals"),
        "{message}"
    );
    assert_same(
        &mut reg.remote(&["declare", &id]),
        &mut reg.local(&["declare", &id]),
    );

    // approve by a unique prefix: the client gets the full id from the registry and signs it.
    let ada = reg.key("ada");
    let out = expect(
        &mut reg.remote(&["approve", &id[7..19], "--key", ada.to_str().unwrap()]),
        0,
    );
    assert_eq!(
        out,
        format!("ada approved {id} (version 1.0.0); approved by ada; 1 more approval(s) needed\n")
    );
    let bob = reg.key("bob");
    let out = expect(
        &mut reg.remote(&[
            "approve",
            &id,
            "--key",
            bob.to_str().unwrap(),
            "--format",
            "json",
        ]),
        0,
    );
    assert_eq!(
        json(&out),
        serde_json::json!({"id": id, "maintainer": "bob", "approved_by": ["ada", "bob"], "missing": 0})
    );

    // declare: the JSON is the version's, exactly as `log --format json` lists it.
    let declared = json(&expect(
        &mut reg.remote(&["declare", &id, "--format", "json"]),
        0,
    ));
    let log = json(&expect(&mut reg.local(&["log", "--format", "json"]), 0));
    assert_eq!(declared, log["versions"][0]);

    // A second version, with a rename, declared with text output.
    let renamed = unified().replacen("\"NOP\", ", "\"NOOP\",", 1);
    assert_ne!(renamed, unified());
    let table2 = reg.table("unified-1.1.toml", &renamed);
    let file2 = table2.to_str().unwrap();
    let id2 = expect(
        &mut reg.remote(&[
            "propose",
            file2,
            "--version",
            "1.1.0",
            "--rename",
            "NOP=NOOP",
        ]),
        0,
    )
    .trim()
    .to_string();
    for key in [&ada, &bob] {
        expect(
            &mut reg.remote(&["approve", &id2, "--key", key.to_str().unwrap()]),
            0,
        );
    }
    let out = expect(&mut reg.remote(&["declare", &id2]), 0);
    let log = json(&expect(&mut reg.local(&["log", "--format", "json"]), 0));
    let v = &log["versions"][1];
    assert_eq!(
        out,
        format!(
            "declared 1.1.0 (record {}, table {})\n",
            v["hash"].as_str().unwrap(),
            v["table_hash"].as_str().unwrap()
        )
    );

    // The reading commands print byte for byte what they print against the folder.
    let head = log["head"].as_str().unwrap().to_string();
    let reads: Vec<Vec<&str>> = vec![
        vec!["log"],
        vec!["show", "latest"],
        vec!["show", "1.0.0"],
        vec!["diff", "1.0.0", "1.1.0"],
        vec!["diff", "1.1.0", "1.0.0"],
        vec!["diff", "1.0.0", "latest", "--require", "full"],
        vec!["show", "9.9.9"],
        vec!["verify"],
        vec!["verify", "--head", &head],
    ];
    for args in reads {
        for format in ["text", "json"] {
            let mut all = args.clone();
            all.extend(["--format", format]);
            assert_same(&mut reg.remote(&all), &mut reg.local(&all));
        }
    }
    let verified = expect(&mut reg.remote(&["verify"]), 0);
    assert!(verified.starts_with("ok: 2 version(s)"), "{verified}");

    // $ISA_AUTHORITY_REGISTRY does what --registry does.
    let mut env = bin();
    env.args(["log", "--format", "json"])
        .env("ISA_AUTHORITY_REGISTRY", reg.url());
    let local = expect(&mut reg.local(&["log", "--format", "json"]), 0);
    assert_eq!(expect(&mut env, 0), local);
}

#[test]
fn writes_need_the_servers_token() {
    let reg = Registry::new();
    let table = reg.table("unified.toml", &unified());
    let file = table.to_str().unwrap();
    let propose = ["propose", file, "--version", "1.0.0"];

    let mut missing = reg.remote(&propose);
    missing.env_remove("ISA_AUTHORITY_TOKEN");
    let out = run(&mut missing);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("needs an `Authorization: Bearer <token>` header"),
        "{}",
        text(&out.stderr)
    );
    assert!(out.stdout.is_empty());

    let mut wrong = reg.remote(&propose);
    wrong.env("ISA_AUTHORITY_TOKEN", "isa_not-a-token");
    let out = run(&mut wrong);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("the bearer token is not one this server accepts"),
        "{}",
        text(&out.stderr)
    );

    // Nothing was proposed.
    let proposals = run(bin().arg("log").arg("--store").arg(reg.store()));
    assert_eq!(text(&proposals.stdout), "no version declared yet\n");

    // A governance refusal of a proposal is exit 1, bad content exit 2, as locally.
    let id = reg.declare(&table, "1.0.0", &[]);
    assert!(id.starts_with("sha256:"));
    assert_same(&mut reg.remote(&propose), &mut reg.local(&propose));
    let broken = reg.table(
        "broken.toml",
        "implementation = \"x\"\nopcodes = [ { opcode = \"no\" } ]\n",
    );
    let broken = broken.to_str().unwrap();
    let out = run(&mut reg.remote(&["propose", broken, "--version", "2.0.0"]));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let local = run(&mut reg.local(&["propose", broken, "--version", "2.0.0"]));
    assert_eq!(text(&out.stderr), text(&local.stderr));
    // An unknown proposal is exit 2 (not found), with the server's message.
    let ada = reg.key("ada");
    let out = run(&mut reg.remote(&["approve", "sha256:00000000", "--key", ada.to_str().unwrap()]));
    assert_eq!(out.status.code(), Some(2));
    assert!(!out.stderr.is_empty());
}

#[test]
fn tables_from_a_registry() {
    let reg = Registry::new();
    let table = reg.table("unified.toml", &unified());
    reg.declare(&table, "1.0.0", &[]);
    let store_latest = format!("{}@latest", reg.store().display());

    // gen: the same code from the registry as from the store.
    let local = expect(bin().args(["gen", "--lang", "python", &store_latest]), 0);
    let remote = expect(
        bin().args(["gen", "--lang", "python", "latest", "--registry", reg.url()]),
        0,
    );
    assert_eq!(remote, local);
    let mut env = bin();
    env.args(["gen", "--lang", "python", "1.0.0"])
        .env("ISA_AUTHORITY_REGISTRY", reg.url());
    assert_eq!(expect(&mut env, 0), local);
    let at = format!("{}@latest", reg.url().trim_end_matches('/'));
    assert_eq!(
        expect(bin().args(["gen", "--lang", "python", &at]), 0),
        local
    );

    // conform: a table that is the canonical one conforms; another does not, as locally.
    let file = table.to_str().unwrap();
    let out = expect(
        bin().args([
            "conform",
            file,
            "--against",
            "latest",
            "--registry",
            reg.url(),
        ]),
        0,
    );
    assert!(out.contains("conforms"), "{out}");
    let edge = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/tables/edge-vm.toml");
    let edge = edge.to_str().unwrap();
    let remote = run(bin().args([
        "conform",
        edge,
        "--against",
        "latest",
        "--registry",
        reg.url(),
    ]));
    let local = run(bin().args(["conform", edge, "--against", &store_latest]));
    assert_eq!(remote.status.code(), local.status.code());
    assert_ne!(remote.status.code(), Some(0));

    // migrate and translate take --registry too.
    expect(
        bin().args([
            "migrate",
            "plan",
            "1.0.0",
            "latest",
            "--registry",
            reg.url(),
        ]),
        0,
    );

    // An undeclared version is named URL@VERSION in the error.
    let out = run(bin().args(["gen", "--lang", "python", "9.9.9", "--registry", reg.url()]));
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("@9.9.9: version 9.9.9 has not been declared"),
        "{err}"
    );
}

/// A port on loopback that nothing listens on (bound, then released).
fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn an_unreachable_or_unsupported_registry_is_exit_2() {
    let url = format!("http://127.0.0.1:{}", closed_port());
    for args in [
        vec!["log"],
        vec!["verify"],
        vec!["declare", "sha256:00000000"],
        vec!["gen", "--lang", "python", "latest"],
    ] {
        let out = run(bin().args(&args).arg("--registry").arg(&url));
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = text(&out.stderr);
        assert!(
            err.contains(&format!("cannot reach the registry {url}")),
            "{args:?}: {err}"
        );
    }
    let out = run(bin().args(["log", "--registry", "https://registry.invalid"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("https:// is not supported"));
    let out = run(bin().args(["log", "--registry", "http://x", "--store", "s"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cannot be used with"));
}

/// A server that answers each of `answers` (status, body) to one request, in order, then stops.
fn canned(answers: Vec<(u16, String)>) -> (String, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        for (status, body) in answers {
            let (mut stream, _) = listener.accept().unwrap();
            let mut seen = Vec::new();
            let mut buf = [0u8; 4096];
            while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                let n = stream.read(&mut buf).unwrap();
                if n == 0 {
                    break;
                }
                seen.extend_from_slice(&buf[..n]);
            }
            let head = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(body.as_bytes());
        }
    });
    (url, handle)
}

#[test]
fn verify_checks_the_bytes_not_the_servers_word() {
    let reg = Registry::new();
    let table = reg.table("unified.toml", &unified());
    reg.declare(&table, "1.0.0", &[]);
    let export = json(&expect(
        bin().args(["verify", "--format", "json", "--registry", reg.url()]),
        0,
    ));
    assert_eq!(export["ok"], true, "{export}");

    // The real export with authority.json left out: whatever a server says of it, the client
    // finds the history unanchored.
    let url = format!("{}v1/export", reg.url());
    let mut doc = fetch_export(&url);
    doc["files"]
        .as_object_mut()
        .unwrap()
        .remove("authority.json")
        .unwrap();
    let (fake, server) = canned(vec![
        (200, doc.to_string()),
        (500, "not json".to_string()),
        (200, "{\"format\": \"other\", \"files\": {}}".to_string()),
    ]);
    let out = run(bin().args(["verify", "--registry", &fake]));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    assert!(report.contains("authority.json"), "{report}");
    assert!(report.contains("verification failed"), "{report}");
    // A server error without problem details: its status and body.
    let out = run(bin().args(["log", "--registry", &fake]));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("HTTP 500: not json"),
        "{}",
        text(&out.stderr)
    );
    // Something that is not an export.
    let out = run(bin().args(["log", "--registry", &fake]));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("is not isa-authority-store/1"),
        "{}",
        text(&out.stderr)
    );
    server.join().unwrap();
}

/// `GET url` with a bare HTTP/1.1 request (the tests need no HTTP client of their own).
fn fetch_export(url: &str) -> Value {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    let mut stream = std::net::TcpStream::connect(host).unwrap();
    write!(
        stream,
        "GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    json(body)
}
