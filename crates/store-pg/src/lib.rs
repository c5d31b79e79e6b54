//! # isa-store-pg: the isa-history store kept in a PostgreSQL database
//!
//! [`PgStorage`] implements [`isa_history::Storage`], so [`isa_history::Store`] runs the same
//! governance rules (quorum, lifecycle, parents, the hash chain, signatures, verification)
//! over a database that several processes, or several instances in one process, share:
//!
//! ```no_run
//! use std::sync::Arc;
//! use isa_history::Store;
//! use isa_store_pg::PgStorage;
//!
//! let storage = PgStorage::connect("postgres://isa@127.0.0.1:5432/isa")?;
//! let store = Store::with_storage(Arc::new(storage));
//! for declared in store.log()? {
//!     println!("{} {}", declared.version(), declared.hash);
//! }
//! # Ok::<(), isa_history::HistoryError>(())
//! ```
//!
//! ## Schema
//!
//! One store per database. [`PgStorage::connect`] brings the schema up to date before it
//! returns: `isa_schema_migrations(version integer PRIMARY KEY, applied_at timestamptz)` lists
//! the migrations applied, and the numbered migrations (`src/migrations/NNNN_*.sql`) that are
//! missing are applied in order in one transaction that first takes
//! `pg_advisory_xact_lock(MIGRATION_LOCK)`. Two instances connecting at once therefore migrate
//! one after the other, and the second finds nothing left to do. A database whose schema is
//! newer than this build ([`SCHEMA_VERSION`]) is refused rather than written. Migration 1:
//!
//! ```text
//! isa_objects(folder text, name text, bytes bytea, PRIMARY KEY (folder, name))
//!     ('', 'authority.json')         the authority; a store exists exactly when this row does
//!     ('proposals', '<id hex>.json') proposals
//!     ('approvals', '<id hex>.<maintainer>.json') approvals
//! isa_history(sequence bigint PRIMARY KEY, name text UNIQUE NOT NULL, bytes bytea NOT NULL)
//!     (n, '<6-digit n>-<version>.json') declared records, 1..=n
//! ```
//!
//! Bytes are stored exactly as given (`bytea`), since the store's hashes and signatures cover
//! them, and [`Storage::snapshot`] returns every row by its store path (`authority.json`,
//! `proposals/<name>`, `approvals/<name>`, `history/<name>`), so
//! [`isa_history::verify::verify`] checks a database store exactly as it checks a folder, and
//! [`isa_history::Store::restore`] copies a store between the two backends byte for byte.
//!
//! ## Sessions and why they are safe
//!
//! Each [`Session`] is one transaction on one connection (connections are kept in a small
//! idle list and reused; a session never shares one).
//!
//! - A **write session** is a `READ COMMITTED` transaction whose first statement is
//!   `pg_advisory_xact_lock(WRITE_LOCK)`: the database-wide counterpart of the folder store's
//!   exclusive lock. Every writer (write sessions, [`Storage::create`], [`Storage::restore`])
//!   takes it, so writers run one at a time, and everything the store checks (the head, the
//!   approvals, the rules) is read under the lock, after the previous writer committed, and
//!   stays true until this one commits: no update is lost. The lock is released by the
//!   transaction's end, also when the connection or the process dies. `READ COMMITTED` matters
//!   here: under `REPEATABLE READ` the snapshot would be taken when the lock statement
//!   *starts*, before the wait, and the session would not see the writer it waited for.
//! - The **compare-and-append** ([`Session::append`]) is one statement,
//!   `INSERT … SELECT … WHERE (SELECT count(*) FROM isa_history) = sequence - 1 ON CONFLICT DO
//!   NOTHING`, and a refusal ([`isa_history::storage::stale_append`]) when it inserts nothing.
//!   The lock already makes it the only writer, but the condition and the primary key on
//!   `sequence` (and the unique `name`) make two records with one number impossible even for a
//!   writer that does not take the lock (another program, a hand-written query): the database
//!   itself refuses the second.
//! - A **read session** is a `REPEATABLE READ READ ONLY` transaction: every query in it reads
//!   the one snapshot taken at its first statement, so the names it lists, the objects it reads
//!   and its [`Session::snapshot`] are one consistent state of the store, however many writers
//!   commit meanwhile, and it never waits for them.
//! - [`Session::commit`] commits; a session dropped without it (an error, a refusal, a panic)
//!   is rolled back, so it leaves nothing behind.
//!
//! Every query passes request data (names, bytes, sequence numbers) as parameters; no SQL is
//! built from it. Every database failure is a [`HistoryError::Storage`] naming the database
//! (`postgres://user@host:port/dbname`, never the password); none panics.
//!
//! ## Connections
//!
//! The connection is plain TCP or a Unix socket with no TLS (the `postgres` crate's `NoTls`),
//! so [`PgStorage::connect`] accepts only a loopback host (`localhost`, `127.0.0.0/8`, `::1`)
//! or a Unix socket folder: credentials never cross a network in clear. A URL without a
//! `connect_timeout` gets one of 10 seconds.

#![deny(missing_docs)]

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use isa_history::storage::{file_name, stale_append, Access, Session, Storage, AUTHORITY};
use isa_history::verify::{is_temp_name, STORE_FOLDERS};
use isa_history::{HistoryError, Snapshot};
use postgres::config::Host;
use postgres::types::ToSql;
use postgres::{Client, Config, NoTls, Row};

/// The advisory lock key the migrations run under (`"isa_migr"` in ASCII).
pub const MIGRATION_LOCK: i64 = 0x6973_615f_6d69_6772;
/// The advisory lock key every writer holds for its whole transaction (`"isa_writ"`).
pub const WRITE_LOCK: i64 = 0x6973_615f_7772_6974;
/// The newest schema version this build knows: the number of its migrations.
pub const SCHEMA_VERSION: i32 = MIGRATIONS.len() as i32;

/// The numbered migrations, in order; migration `n` is `MIGRATIONS[n - 1]`. A migration is
/// never edited once released: a change to the schema is a new one.
const MIGRATIONS: &[&str] = &[include_str!("migrations/0001_objects_and_history.sql")];

const CREATE_MIGRATIONS_TABLE: &str = "CREATE TABLE IF NOT EXISTS isa_schema_migrations (\
     version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())";

/// How many sessions of one [`PgStorage`] run at once (each holds one connection): a server
/// with many requests in flight queues them here instead of opening a connection per request
/// (PostgreSQL allows 100 by default, shared by every instance). As many connections are
/// kept idle for later sessions, so a busy server reuses them rather than reconnecting.
pub const MAX_CONNECTIONS: usize = 16;

/// How many idle connections a [`PgStorage`] keeps for later sessions.
const MAX_IDLE: usize = MAX_CONNECTIONS;

/// Bounds the sessions in flight (see [`MAX_CONNECTIONS`]).
#[derive(Debug, Default)]
struct Gate {
    used: Mutex<usize>,
    freed: std::sync::Condvar,
}

/// One session's place at the [`Gate`], given back when dropped.
struct Permit<'a>(&'a Gate);

impl Gate {
    fn enter(&self) -> Permit<'_> {
        let mut used = self.used.lock().unwrap_or_else(PoisonError::into_inner);
        while *used >= MAX_CONNECTIONS {
            used = self
                .freed
                .wait(used)
                .unwrap_or_else(PoisonError::into_inner);
        }
        *used += 1;
        Permit(self)
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let mut used = self.0.used.lock().unwrap_or_else(PoisonError::into_inner);
        *used -= 1;
        self.0.freed.notify_one();
    }
}

/// A store kept in a PostgreSQL database (see the crate documentation).
pub struct PgStorage {
    config: Config,
    /// `postgres://user@host:port/dbname`, for messages: never the password.
    name: String,
    /// Connections no session is using, each outside any transaction.
    idle: Mutex<Vec<Client>>,
    /// The sessions in flight.
    gate: Gate,
}

impl Drop for PgStorage {
    fn drop(&mut self) {
        // Closing a synchronous client blocks on the client's own runtime, which panics on a
        // thread that is already inside one — and a server drops its storage inside tokio's
        // (at shutdown, or an async test at its end). So the idle connections are closed on a
        // thread of their own, and waited for, wherever the storage is dropped.
        let idle = std::mem::take(self.idle.get_mut().unwrap_or_else(|e| e.into_inner()));
        if !idle.is_empty() {
            let _ = std::thread::spawn(move || drop(idle)).join();
        }
    }
}

impl fmt::Debug for PgStorage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgStorage")
            .field("database", &self.name)
            .finish_non_exhaustive()
    }
}

impl PgStorage {
    /// Connects to the database at `url` (`postgres://user[:password]@host[:port]/dbname`, or
    /// the `key=value` form), refusing a host that is not loopback or a Unix socket folder,
    /// and applies the schema migrations it is missing (see the crate documentation). Fails
    /// with [`HistoryError::Storage`] when the URL does not parse, the server cannot be
    /// reached or refuses the login, or the schema is newer than this build.
    pub fn connect(url: &str) -> Result<PgStorage, HistoryError> {
        let mut config: Config = url.parse().map_err(|e| {
            // The parser's messages name the option, never its value, so no password leaks.
            HistoryError::Storage(format!("the PostgreSQL database URL is invalid: {e}"))
        })?;
        let name = describe(&config);
        check_loopback(&config)
            .map_err(|m| HistoryError::Storage(format!("PostgreSQL database {name}: {m}")))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        let storage = PgStorage {
            config,
            name,
            idle: Mutex::new(Vec::new()),
            gate: Gate::default(),
        };
        let mut client = storage.new_client()?;
        storage.migrate(&mut client)?;
        storage.release(client);
        Ok(storage)
    }

    /// The database, as `postgres://user@host:port/dbname` (never with the password).
    pub fn database(&self) -> &str {
        &self.name
    }

    /// The schema version the database is at (the newest applied migration; 0 for none).
    pub fn schema_version(&self) -> Result<i32, HistoryError> {
        let mut client = self.client()?;
        let result = client
            .query_one(
                "SELECT coalesce(max(version), 0) FROM isa_schema_migrations",
                &[],
            )
            .and_then(|row| row.try_get::<_, i32>(0));
        let version = result.map_err(|e| self.error("read the schema version", e));
        self.release(client);
        version
    }

    fn error(&self, what: &str, e: postgres::Error) -> HistoryError {
        HistoryError::Storage(format!(
            "PostgreSQL database {}: could not {what}: {}",
            self.name,
            explain(&e)
        ))
    }

    fn new_client(&self) -> Result<Client, HistoryError> {
        self.config
            .connect(NoTls)
            .map_err(|e| self.error("connect", e))
    }

    /// An idle connection, or a new one.
    fn client(&self) -> Result<Client, HistoryError> {
        let pooled = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        match pooled {
            Some(client) if !client.is_closed() => Ok(client),
            _ => self.new_client(),
        }
    }

    /// A connection inside a transaction begun with `begin`. An idle connection the server has
    /// closed meanwhile (a restart, an idle timeout) is replaced by a new one.
    fn begin(&self, begin: &str) -> Result<Client, HistoryError> {
        let pooled = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        if let Some(mut client) = pooled {
            if !client.is_closed() && client.batch_execute(begin).is_ok() {
                return Ok(client);
            }
        }
        let mut client = self.new_client()?;
        client
            .batch_execute(begin)
            .map_err(|e| self.error("begin a transaction", e))?;
        Ok(client)
    }

    /// Keeps a connection that is outside any transaction for a later session.
    fn release(&self, client: Client) {
        if client.is_closed() {
            return;
        }
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < MAX_IDLE {
            idle.push(client);
        }
    }

    /// Applies the missing migrations, in order, in one transaction under the migration lock.
    fn migrate(&self, client: &mut Client) -> Result<(), HistoryError> {
        let mut tx = client
            .transaction()
            .map_err(|e| self.error("begin the schema migration", e))?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .map_err(|e| self.error("take the migration lock", e))?;
        tx.batch_execute(CREATE_MIGRATIONS_TABLE)
            .map_err(|e| self.error("create isa_schema_migrations", e))?;
        let rows = tx
            .query("SELECT version FROM isa_schema_migrations", &[])
            .map_err(|e| self.error("read isa_schema_migrations", e))?;
        let mut applied = Vec::new();
        for row in &rows {
            applied.push(
                row.try_get::<_, i32>(0)
                    .map_err(|e| self.error("read isa_schema_migrations", e))?,
            );
        }
        if let Some(newest) = applied
            .iter()
            .copied()
            .filter(|v| *v > SCHEMA_VERSION)
            .max()
        {
            return Err(HistoryError::Storage(format!(
                "PostgreSQL database {}: its schema is at version {newest}, newer than this \
                 build knows (version {SCHEMA_VERSION}); use a newer isa-authority",
                self.name
            )));
        }
        for (index, sql) in MIGRATIONS.iter().enumerate() {
            let version = index as i32 + 1;
            if applied.contains(&version) {
                continue;
            }
            tx.batch_execute(sql)
                .map_err(|e| self.error(&format!("apply schema migration {version}"), e))?;
            tx.execute(
                "INSERT INTO isa_schema_migrations (version) VALUES ($1)",
                &[&version],
            )
            .map_err(|e| self.error(&format!("record schema migration {version}"), e))?;
        }
        tx.commit()
            .map_err(|e| self.error("commit the schema migration", e))
    }

    /// A write session on a database that must hold no store objects at all (for `create`
    /// and `restore`): refuses one that holds a store, or stray objects without an authority.
    fn empty_for_writing(&self) -> Result<PgSession<'_>, HistoryError> {
        let session = PgSession::open(self, Access::Write, false)?;
        if session.has_authority {
            return Err(HistoryError::AlreadyExists(PathBuf::from(&self.name)));
        }
        let row = session.query_one(
            "check that the database holds no store objects",
            "SELECT (SELECT count(*) FROM isa_objects) + (SELECT count(*) FROM isa_history)",
            &[],
        )?;
        let count: i64 = session.get(&row, 0, "count the store objects")?;
        if count > 0 {
            return Err(HistoryError::Storage(format!(
                "PostgreSQL database {}: holds {count} store object(s) but no authority.json, \
                 so it is neither empty nor a store; nothing was written",
                self.name
            )));
        }
        Ok(session)
    }
}

impl Storage for PgStorage {
    fn session(&self, access: Access) -> Result<Box<dyn Session + '_>, HistoryError> {
        Ok(Box::new(PgSession::open(self, access, true)?))
    }

    fn create(&self, authority: &[u8]) -> Result<(), HistoryError> {
        let session = self.empty_for_writing()?;
        session.execute(
            "write authority.json",
            "INSERT INTO isa_objects (folder, name, bytes) VALUES ('', $1, $2)",
            &[&AUTHORITY, &authority],
        )?;
        Box::new(session).commit()
    }

    fn history_names(&self) -> Result<Option<Vec<String>>, HistoryError> {
        // One indexed query outside any explicit transaction: a committed append is visible
        // at once, and a half-done one never is.
        let _permit = self.gate.enter();
        let mut client = self.client()?;
        let rows = client
            .query("SELECT name FROM isa_history ORDER BY sequence", &[])
            .map_err(|e| self.error("list the history", e))?;
        let mut names = Vec::with_capacity(rows.len());
        for row in &rows {
            names.push(
                row.try_get::<_, String>(0)
                    .map_err(|e| self.error("list the history", e))?,
            );
        }
        self.release(client);
        Ok(Some(names))
    }

    fn snapshot(&self) -> Result<Snapshot, HistoryError> {
        // Without requiring a store: an empty database is verify's to report.
        let session = PgSession::open(self, Access::Read, false)?;
        let snapshot = session.snapshot()?;
        Box::new(session).commit()?;
        Ok(snapshot)
    }

    fn restore(&self, snapshot: &Snapshot) -> Result<(), HistoryError> {
        if let Some((path, _)) = snapshot.others.iter().next() {
            return Err(HistoryError::Invalid(format!(
                "{path}: not a regular file, so it cannot be copied into a store"
            )));
        }
        let Some(authority) = snapshot.files.get(AUTHORITY) else {
            return Err(HistoryError::Invalid(
                "the export holds no authority.json, so it is not a store".into(),
            ));
        };
        let mut objects = Vec::new();
        let mut records = BTreeMap::new();
        for (path, bytes) in &snapshot.files {
            if path == AUTHORITY || path == "lock" || is_temp_name(file_name(path)) {
                continue;
            }
            let target = path
                .split_once('/')
                .filter(|(dir, name)| STORE_FOLDERS.contains(dir) && valid_name(name));
            match target {
                Some(("history", name)) => {
                    let Some(sequence) = record_sequence(name) else {
                        return Err(HistoryError::Invalid(format!(
                            "{path}: not named like a history record (NNNNNN-VERSION.json), so \
                             it cannot be copied into a database store"
                        )));
                    };
                    if records.insert(sequence, (name, bytes)).is_some() {
                        return Err(HistoryError::Invalid(format!(
                            "{path}: a second history record numbered {sequence}"
                        )));
                    }
                }
                Some((dir, name)) => objects.push((dir, name, bytes)),
                None => {
                    return Err(HistoryError::Invalid(format!(
                        "{path}: not a file of a store folder, so it cannot be copied into a store"
                    )))
                }
            }
        }
        // The append's condition counts records, so the numbers must be 1..=n.
        for (expected, sequence) in (1..).zip(records.keys()) {
            if *sequence != expected {
                return Err(HistoryError::Invalid(format!(
                    "the export's history has no record {expected} (the next is {sequence}), \
                     so it cannot be copied into a database store"
                )));
            }
        }
        let session = self.empty_for_writing()?;
        for (dir, name, bytes) in objects {
            session.execute(
                "write an object",
                "INSERT INTO isa_objects (folder, name, bytes) VALUES ($1, $2, $3)",
                &[&dir, &name, bytes],
            )?;
        }
        for (sequence, (name, bytes)) in records {
            session.execute(
                "write a history record",
                "INSERT INTO isa_history (sequence, name, bytes) VALUES ($1, $2, $3)",
                &[&sequence, &name, bytes],
            )?;
        }
        session.execute(
            "write authority.json",
            "INSERT INTO isa_objects (folder, name, bytes) VALUES ('', $1, $2)",
            &[&AUTHORITY, authority],
        )?;
        // One transaction: the store appears whole at this commit, or not at all.
        Box::new(session).commit()
    }

    fn locate(&self, folder: &str) -> String {
        format!("{} ({folder})", self.name)
    }
}

/// One transaction on one connection (see the crate documentation).
struct PgSession<'a> {
    storage: &'a PgStorage,
    /// `None` only once the session has ended.
    client: RefCell<Option<Client>>,
    access: Access,
    has_authority: bool,
    /// The names of each folder's objects when the session began, sorted.
    names: BTreeMap<&'static str, Vec<String>>,
    /// The transaction was committed (or is no longer open), so drop has nothing to undo.
    ended: bool,
    /// Held for the session's life; declared last, so it is given back only after the
    /// connection has gone back to the idle list.
    _permit: Permit<'a>,
}

impl<'a> PgSession<'a> {
    fn open(
        storage: &'a PgStorage,
        access: Access,
        require_store: bool,
    ) -> Result<PgSession<'a>, HistoryError> {
        let begin = match access {
            Access::Write => "BEGIN ISOLATION LEVEL READ COMMITTED",
            Access::Read => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        };
        let permit = storage.gate.enter();
        let client = storage.begin(begin)?;
        let mut session = PgSession {
            storage,
            client: RefCell::new(Some(client)),
            access,
            has_authority: false,
            names: BTreeMap::new(),
            ended: false,
            _permit: permit,
        };
        if access == Access::Write {
            session.execute(
                "take the writer lock",
                "SELECT pg_advisory_xact_lock($1)",
                &[&WRITE_LOCK],
            )?;
        }
        // The first query of a read session: its snapshot is the session's view.
        session.has_authority = session
            .query(
                "look for authority.json",
                "SELECT 1 FROM isa_objects WHERE folder = '' AND name = $1",
                &[&AUTHORITY],
            )?
            .len()
            == 1;
        if !session.has_authority {
            if require_store {
                return Err(HistoryError::NotAStore(PathBuf::from(&storage.name)));
            }
            return Ok(session);
        }
        for dir in STORE_FOLDERS {
            session.names.insert(dir, Vec::new());
        }
        let what = "list the store's objects";
        let rows = session.query(
            what,
            "SELECT folder, name FROM isa_objects WHERE folder <> '' \
             UNION ALL SELECT 'history', name FROM isa_history",
            &[],
        )?;
        for row in &rows {
            let dir: String = session.get(row, 0, what)?;
            let name: String = session.get(row, 1, what)?;
            if let Some(names) = STORE_FOLDERS
                .iter()
                .find(|d| **d == dir)
                .and_then(|d| session.names.get_mut(d))
            {
                names.push(name);
            }
        }
        // Byte order, as the folder store sorts, whatever the database's collation.
        for names in session.names.values_mut() {
            names.sort();
        }
        Ok(session)
    }

    fn with_client<T>(
        &self,
        what: &str,
        f: impl FnOnce(&mut Client) -> Result<T, postgres::Error>,
    ) -> Result<T, HistoryError> {
        let ended = || {
            HistoryError::Storage(format!(
                "PostgreSQL database {}: could not {what}: the session has ended",
                self.storage.name
            ))
        };
        let mut slot = self.client.try_borrow_mut().map_err(|_| ended())?;
        let client = slot.as_mut().ok_or_else(ended)?;
        f(client).map_err(|e| self.storage.error(what, e))
    }

    fn query(
        &self,
        what: &str,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, HistoryError> {
        self.with_client(what, |c| c.query(sql, params))
    }

    fn query_one(
        &self,
        what: &str,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Row, HistoryError> {
        self.with_client(what, |c| c.query_one(sql, params))
    }

    fn execute(
        &self,
        what: &str,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<u64, HistoryError> {
        self.with_client(what, |c| c.execute(sql, params))
    }

    fn get<'r, T: postgres::types::FromSql<'r>>(
        &self,
        row: &'r Row,
        index: usize,
        what: &str,
    ) -> Result<T, HistoryError> {
        row.try_get(index).map_err(|e| self.storage.error(what, e))
    }

    /// The bytes of the first row's first column, if there is a row.
    fn bytes(
        &self,
        what: &str,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<Vec<u8>>, HistoryError> {
        match self.query(what, sql, params)?.first() {
            Some(row) => Ok(Some(self.get(row, 0, what)?)),
            None => Ok(None),
        }
    }

    fn writable(&self, what: &str) -> Result<(), HistoryError> {
        match self.access {
            Access::Write => Ok(()),
            Access::Read => Err(HistoryError::Storage(format!(
                "PostgreSQL database {}: cannot {what} in a read session",
                self.storage.name
            ))),
        }
    }

    /// Ends the transaction with `sql` (`COMMIT` or `ROLLBACK`) and keeps the connection for
    /// a later session if that worked.
    fn end(&mut self, what: &str, sql: &str) -> Result<(), HistoryError> {
        self.ended = true;
        let client = match self.client.get_mut().take() {
            Some(client) => client,
            None => return Ok(()),
        };
        let mut client = client;
        match client.batch_execute(sql) {
            Ok(()) => {
                self.storage.release(client);
                Ok(())
            }
            // The connection is in an unknown state: drop it (the server rolls back).
            Err(e) => Err(self.storage.error(what, e)),
        }
    }
}

impl Drop for PgSession<'_> {
    fn drop(&mut self) {
        if !self.ended {
            // Nothing to report to: a failed rollback drops the connection, and the server
            // rolls back what it had.
            let _ = self.end("roll back", "ROLLBACK");
        }
    }
}

impl Session for PgSession<'_> {
    fn names(&self, folder: &str) -> &[String] {
        self.names.get(folder).map_or(&[], |names| names)
    }

    fn read(&self, folder: &str, name: &str) -> Result<Option<Vec<u8>>, HistoryError> {
        let what = format!("read {folder}/{name}");
        match folder {
            "history" => self.bytes(
                &what,
                "SELECT bytes FROM isa_history WHERE name = $1",
                &[&name],
            ),
            "proposals" | "approvals" => self.bytes(
                &what,
                "SELECT bytes FROM isa_objects WHERE folder = $1 AND name = $2",
                &[&folder, &name],
            ),
            _ => Ok(None),
        }
    }

    fn authority(&self) -> Result<Vec<u8>, HistoryError> {
        self.bytes(
            "read authority.json",
            "SELECT bytes FROM isa_objects WHERE folder = '' AND name = $1",
            &[&AUTHORITY],
        )?
        .ok_or_else(|| HistoryError::NotAStore(PathBuf::from(&self.storage.name)))
    }

    fn put(&mut self, folder: &str, name: &str, bytes: &[u8]) -> Result<(), HistoryError> {
        let what = format!("write {folder}/{name}");
        self.writable(&what)?;
        if !matches!(folder, "proposals" | "approvals") || !valid_name(name) {
            return Err(HistoryError::Invalid(format!(
                "{folder}/{name}: not a proposal or approval object name"
            )));
        }
        self.execute(
            &what,
            "INSERT INTO isa_objects (folder, name, bytes) VALUES ($1, $2, $3) \
             ON CONFLICT (folder, name) DO UPDATE SET bytes = EXCLUDED.bytes",
            &[&folder, &name, &bytes],
        )?;
        Ok(())
    }

    fn append(&mut self, sequence: u64, name: &str, bytes: &[u8]) -> Result<(), HistoryError> {
        let what = format!("append history/{name}");
        self.writable(&what)?;
        if !valid_name(name) {
            return Err(HistoryError::Invalid(format!(
                "history/{name}: not a history record name"
            )));
        }
        let Ok(sequence_i64) = i64::try_from(sequence) else {
            return Err(stale_append(sequence));
        };
        if sequence_i64 < 1 {
            return Err(stale_append(sequence));
        }
        // The compare-and-append: inserts only onto exactly sequence - 1 records, and never a
        // second row for a sequence or a name (see the crate documentation).
        let inserted = self.execute(
            &what,
            "INSERT INTO isa_history (sequence, name, bytes) \
             SELECT $1::bigint, $2::text, $3::bytea \
             WHERE (SELECT count(*) FROM isa_history) = $1::bigint - 1 \
             ON CONFLICT DO NOTHING",
            &[&sequence_i64, &name, &bytes],
        )?;
        if inserted == 1 {
            Ok(())
        } else {
            Err(stale_append(sequence))
        }
    }

    fn snapshot(&self) -> Result<Snapshot, HistoryError> {
        let mut snapshot = Snapshot::new();
        let what = "read the store's objects";
        // Every row, whatever its folder (the constraints allow only the store's), so that
        // anything unexpected is there for verify to report.
        let rows = self.query(what, "SELECT folder, name, bytes FROM isa_objects", &[])?;
        for row in &rows {
            let dir: String = self.get(row, 0, what)?;
            let name: String = self.get(row, 1, what)?;
            let bytes: Vec<u8> = self.get(row, 2, what)?;
            let path = if dir.is_empty() {
                name
            } else {
                format!("{dir}/{name}")
            };
            snapshot.insert(path, bytes);
        }
        let rows = self.query(what, "SELECT name, bytes FROM isa_history", &[])?;
        for row in &rows {
            let name: String = self.get(row, 0, what)?;
            let bytes: Vec<u8> = self.get(row, 1, what)?;
            snapshot.insert(format!("history/{name}"), bytes);
        }
        Ok(snapshot)
    }

    fn commit(mut self: Box<Self>) -> Result<(), HistoryError> {
        self.end("commit", "COMMIT")
    }
}

/// A name an object can have: one path component.
fn valid_name(name: &str) -> bool {
    !name.is_empty() && name != "." && name != ".." && !name.contains(['/', '\0'])
}

/// The sequence number a history record's name starts with (`000012-1.2.0.json` → 12).
fn record_sequence(name: &str) -> Option<i64> {
    let (digits, _) = name.strip_suffix(".json")?.split_once('-')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|n| *n >= 1)
}

/// `postgres://user@host:port/dbname`, for messages; never the password.
fn describe(config: &Config) -> String {
    let user = config.get_user().unwrap_or("");
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .map(|host| match host {
            Host::Tcp(name) => name.clone(),
            Host::Unix(path) => path.display().to_string(),
        })
        .collect();
    let hosts = if hosts.is_empty() {
        config
            .get_hostaddrs()
            .iter()
            .map(IpAddr::to_string)
            .collect()
    } else {
        hosts
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let dbname = config.get_dbname().unwrap_or(user);
    let at = if user.is_empty() {
        String::new()
    } else {
        format!("{user}@")
    };
    format!("postgres://{at}{}:{port}/{dbname}", hosts.join(","))
}

/// Refuses a connection that would leave this machine: there is no TLS.
fn check_loopback(config: &Config) -> Result<(), String> {
    let refuse = |host: &str| {
        Err(format!(
            "host {host} is not a loopback address; this backend connects without TLS, so it \
             accepts only localhost, 127.0.0.0/8, ::1 or a Unix socket folder"
        ))
    };
    // libpq's rule, which the postgres crate follows: hostaddr, when given, is where it
    // connects; the host names are then only names.
    if !config.get_hostaddrs().is_empty() {
        for addr in config.get_hostaddrs() {
            if !addr.is_loopback() {
                return refuse(&addr.to_string());
            }
        }
        return Ok(());
    }
    for host in config.get_hosts() {
        if let Host::Tcp(name) = host {
            let bare = name.trim_start_matches('[').trim_end_matches(']');
            let loopback = bare.eq_ignore_ascii_case("localhost")
                || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
            if !loopback {
                return refuse(name);
            }
        }
    }
    Ok(())
}

/// A postgres error's message: the server's own words (with its SQLSTATE) when it sent any.
fn explain(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!(
            "{}: {} (SQLSTATE {})",
            db.severity(),
            db.message(),
            db.code().code()
        ),
        None => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(url: &str) -> Config {
        url.parse().unwrap()
    }

    #[test]
    fn only_loopback_hosts_are_accepted() {
        for ok in [
            "postgres://u@127.0.0.1:5432/db",
            "postgres://u@127.1.2.3/db",
            "postgres://u@localhost/db",
            "postgres://u@[::1]:5432/db",
            "host=/tmp/sock user=u dbname=db",
            "host=db.example hostaddr=127.0.0.1 user=u",
        ] {
            assert!(check_loopback(&config(ok)).is_ok(), "{ok}");
        }
        for bad in [
            "postgres://u@db.example.com/db",
            "postgres://u@10.0.0.1/db",
            "postgres://u@127.0.0.1,db.example.com/db",
            "host=localhost hostaddr=192.0.2.1 user=u",
        ] {
            let e = check_loopback(&config(bad)).unwrap_err();
            assert!(e.contains("not a loopback address"), "{bad}: {e}");
        }
    }

    #[test]
    fn the_description_never_holds_the_password() {
        let c = config("postgres://alice:s3cret@127.0.0.1:6543/isa");
        assert_eq!(describe(&c), "postgres://alice@127.0.0.1:6543/isa");
        let c = config("host=/run/pg user=bob password=s3cret");
        assert_eq!(describe(&c), "postgres://bob@/run/pg:5432/bob");
    }

    #[test]
    fn record_names_give_their_sequence() {
        assert_eq!(record_sequence("000001-1.0.0.json"), Some(1));
        assert_eq!(record_sequence("1234567-9.0.0.json"), Some(1234567));
        assert_eq!(record_sequence("000000-1.0.0.json"), None);
        assert_eq!(record_sequence("x-1.0.0.json"), None);
        assert_eq!(record_sequence("000001-1.0.0.txt"), None);
        assert!(valid_name("a.json") && !valid_name("a/b") && !valid_name("..") && !valid_name(""));
    }
}
