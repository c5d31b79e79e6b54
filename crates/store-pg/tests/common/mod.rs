//! What every PostgreSQL test shares: a fresh database of its own on the server that
//! `ISA_TEST_DATABASE_URL` names, and the store's keys, authority and tables.
#![allow(dead_code)]

use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

use isa_core::{Entry, Table};
use isa_history::semver::Version;
use isa_history::{Authority, KeyPair, Maintainer};
use postgres::{Client, NoTls};

/// A database created for one test and dropped when it ends (also when it fails).
pub struct TestDb {
    /// The URL of the test's own database.
    pub url: String,
    /// The URL of the database the server was given (where CREATE/DROP DATABASE run).
    admin: String,
    /// `isa_test_<16 hex digits>`.
    pub name: String,
}

/// The test's own database, or `None` (after a loud note) when `ISA_TEST_DATABASE_URL` is
/// unset and `ISA_PG_OPTIONAL=1` says these tests may be skipped. Unset without that, the
/// test fails: CI must not pass without having run them.
pub fn database() -> Option<TestDb> {
    match std::env::var("ISA_TEST_DATABASE_URL") {
        Ok(url) if !url.trim().is_empty() => Some(TestDb::create(url.trim())),
        _ if std::env::var("ISA_PG_OPTIONAL").as_deref() == Ok("1") => {
            // Straight to stderr, past the test harness's capture of eprintln!, so that the
            // note shows although the test passes.
            let note = "\n*** NOTE: ISA_TEST_DATABASE_URL is unset and ISA_PG_OPTIONAL=1, so \
                        this PostgreSQL test did NOT run (it passes vacuously). ***\n";
            let _ = std::io::Write::write_all(&mut std::io::stderr(), note.as_bytes());
            None
        }
        _ => panic!(
            "ISA_TEST_DATABASE_URL is unset: the isa-store-pg tests need a PostgreSQL server.\n  \
             start one with:  export ISA_TEST_DATABASE_URL=$(tests/pg/start)   (tests/pg/stop stops it)\n  \
             or set ISA_PG_OPTIONAL=1 to skip these tests on purpose"
        ),
    }
}

/// `url` with its database name replaced.
pub fn with_dbname(url: &str, dbname: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (url, String::new()),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    format!("{base}/{dbname}{query}")
}

fn random_hex() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    format!("{:016x}", hasher.finish())
}

impl TestDb {
    fn create(admin: &str) -> TestDb {
        let name = format!("isa_test_{}", random_hex());
        let mut client = Client::connect(admin, NoTls).unwrap_or_else(|e| {
            panic!(
                "cannot connect to ISA_TEST_DATABASE_URL (is the server up? tests/pg/start): {e}"
            )
        });
        // DDL takes no parameters; the name is this function's own hex digits.
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"));
        TestDb {
            url: with_dbname(admin, &name),
            admin: admin.to_string(),
            name,
        }
    }

    /// A plain client on the test's database, for looking behind the backend's back.
    pub fn client(&self) -> Client {
        Client::connect(&self.url, NoTls).unwrap()
    }

    /// Another fresh database on the same server, dropped with it.
    pub fn another(&self) -> TestDb {
        TestDb::create(&self.admin)
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let (admin, name) = (self.admin.clone(), self.name.clone());
        // On a thread of its own: the synchronous client cannot run inside an async test's
        // runtime (the registry's tests share this module).
        let dropped = std::thread::spawn(move || {
            Client::connect(&admin, NoTls).and_then(|mut c| {
                c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            })
        })
        .join();
        match dropped {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("note: could not drop test database {}: {e}", self.name),
            Err(_) => eprintln!("note: dropping test database {} panicked", self.name),
        }
    }
}

/// alice and bob (and carol, who is no maintainer unless a test adds her).
pub fn keys() -> Vec<KeyPair> {
    ["alice", "bob", "carol"]
        .iter()
        .enumerate()
        .map(|(i, n)| KeyPair::from_seed(n, [i as u8 + 1; 32]))
        .collect()
}

/// alice and bob, both needed: quorum 2.
pub fn authority() -> Authority {
    let maintainers = keys()[..2]
        .iter()
        .map(|k| Maintainer {
            name: k.name.clone(),
            public_key: k.public().to_hex(),
        })
        .collect();
    Authority::new(maintainers, 2).unwrap()
}

pub fn table(entries: Vec<Entry>) -> Table {
    Table {
        entries,
        ..Table::new("canonical")
    }
}

pub fn v(s: &str) -> Version {
    Version::parse(s).unwrap()
}
