//! The server over real TCP: what only a socket shows — the client address the rate limit
//! keys on, the header read timeout that closes a trickling connection, graceful shutdown.

use std::sync::Arc;
use std::time::{Duration, Instant};

use isa_history::{Authority, FolderStorage, KeyPair, Maintainer, Store};
use isa_serve::{App, Config};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

async fn start(
    config: Config,
) -> (
    std::net::SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
    tempfile::TempDir,
) {
    let dir = tempfile::tempdir().unwrap();
    let key = KeyPair::from_seed("alice", [1; 32]);
    let authority = Authority::new(
        vec![Maintainer {
            name: "alice".into(),
            public_key: key.public().to_hex(),
        }],
        1,
    )
    .unwrap();
    let storage = Arc::new(FolderStorage::new(dir.path().join("store")));
    let store = Store::init_in(storage, &authority).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        isa_serve::serve(listener, App::new(store, config), async {
            let _ = stopped.await;
        })
        .await
        .unwrap();
    });
    (addr, stop, server, dir)
}

/// Sends one request on a fresh connection and returns the whole response text.
async fn request(addr: std::net::SocketAddr, path: &str) -> String {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trickling_client_is_cut_off_and_others_are_served() {
    let config = Config {
        header_timeout: Duration::from_millis(300),
        ..Config::default()
    };
    let (addr, stop, server, _dir) = start(config).await;
    let mut slow = tokio::net::TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    // Meanwhile another client is answered.
    assert!(request(addr, "/healthz").await.starts_with("HTTP/1.1 200"));
    let started = Instant::now();
    let mut rest = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), slow.read_to_end(&mut rest)).await;
    assert!(read.is_ok(), "the trickling connection was never closed");
    assert!(started.elapsed() < Duration::from_secs(3));
    let _ = stop.send(());
    server.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rate_limit_keys_on_the_client_address() {
    let config = Config {
        rate_limit: 1,
        ..Config::default()
    };
    let (addr, stop, server, _dir) = start(config).await;
    assert!(request(addr, "/healthz").await.starts_with("HTTP/1.1 200"));
    assert!(request(addr, "/healthz").await.starts_with("HTTP/1.1 200"));
    let third = request(addr, "/healthz").await;
    assert!(third.starts_with("HTTP/1.1 429"), "{third}");
    assert!(third.to_ascii_lowercase().contains("retry-after: 1"));
    let _ = stop.send(());
    server.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_stops_accepting_and_returns() {
    let (addr, stop, server, _dir) = start(Config::default()).await;
    assert!(request(addr, "/v1/versions")
        .await
        .contains("\"versions\": []"));
    let _ = stop.send(());
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("the server returns after shutdown")
        .unwrap();
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}
