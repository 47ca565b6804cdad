//! Database access over SQLite or PostgreSQL through one connection type.
//!
//! Queries are written once against [`AnyConnection`] (diesel's `MultiConnection`). The few that
//! the multi-backend cannot express (`RETURNING`, upserts) go through [`per_backend!`], which repeats
//! the same query text for each backend so each arm is type-checked for its own.
//! All work runs on blocking threads so the async runtime never waits on the database.

pub mod models;
pub mod schema;

use std::time::Duration;

use diesel::{
    connection::{SimpleConnection, TransactionManager},
    r2d2::{self, ManageConnection, R2D2Connection},
    Connection, PgConnection, SqliteConnection,
};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::error::{Error, Result};

#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

/// Runs the same expression against whichever backend `conn` holds, with `$c` bound to the
/// backend's own connection.
#[macro_export]
macro_rules! per_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::AnyConnection::Postgresql($c) => $body,
            $crate::db::AnyConnection::Sqlite($c) => $body,
        }
    };
}

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Which backend a database URL selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of(url: &str) -> Backend {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// Opens connections by URL scheme (the derived `establish` would try SQLite on any string).
#[derive(Debug, Clone)]
pub struct Manager {
    url: String,
    backend: Backend,
}

impl Manager {
    pub fn new(url: &str) -> Manager {
        Manager {
            url: url.to_string(),
            backend: Backend::of(url),
        }
    }

    /// Opens one connection, set up for concurrent use.
    ///
    /// # Errors
    /// The backend refused the connection (logged with its real cause).
    pub fn open(&self) -> diesel::ConnectionResult<AnyConnection> {
        let result = match self.backend {
            Backend::Postgres => PgConnection::establish(&self.url).map(AnyConnection::Postgresql),
            Backend::Sqlite => {
                let path = self.url.trim_start_matches("sqlite://");
                SqliteConnection::establish(path).and_then(|mut c| {
                    // busy_timeout (first: the others may need the lock) waits instead of
                    // failing when another connection holds the write lock; WAL lets readers
                    // run beside the single writer.
                    c.batch_execute(
                        "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
                         PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
                    )
                    .map_err(|e| diesel::ConnectionError::BadConnection(e.to_string()))?;
                    Ok(AnyConnection::Sqlite(c))
                })
            }
        };
        if let Err(e) = &result {
            tracing::error!(backend = self.backend.name(), error = %e, "cannot open database connection");
        }
        result
    }
}

impl Manager {
    /// Opens one connection that cannot write, to look without changing anything; `None` when
    /// a SQLite file does not exist yet (the first start creates it).
    ///
    /// # Errors
    /// The backend refused the connection.
    pub fn open_read_only(&self) -> anyhow::Result<Option<AnyConnection>> {
        match self.backend {
            Backend::Postgres => {
                let mut c = PgConnection::establish(&self.url)?;
                c.batch_execute("SET default_transaction_read_only = on")?;
                Ok(Some(AnyConnection::Postgresql(c)))
            }
            Backend::Sqlite => {
                let path = self.url.trim_start_matches("sqlite://");
                if !std::path::Path::new(path).exists() {
                    return Ok(None);
                }
                // A URI filename, so `mode=ro`: its path's own `%`, `?` and `#` escaped.
                let escaped = path
                    .replace('%', "%25")
                    .replace('?', "%3f")
                    .replace('#', "%23");
                let mut c = SqliteConnection::establish(&format!("file:{escaped}?mode=ro"))?;
                c.batch_execute("PRAGMA busy_timeout = 10000; PRAGMA query_only = ON;")?;
                Ok(Some(AnyConnection::Sqlite(c)))
            }
        }
    }
}

/// Whether the database has a table of that name (a fresh one has none before migrations).
///
/// # Errors
/// The query failed.
pub fn has_table(conn: &mut AnyConnection, name: &str) -> Result<bool> {
    use diesel::{sql_types::Text, QueryableByName, RunQueryDsl};
    #[derive(QueryableByName)]
    struct Found {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let found: Found = match conn {
        AnyConnection::Postgresql(c) => diesel::sql_query(
            "SELECT count(*) AS n FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_name = $1",
        )
        .bind::<Text, _>(name)
        .get_result(c)?,
        AnyConnection::Sqlite(c) => diesel::sql_query(
            "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = ?",
        )
        .bind::<Text, _>(name)
        .get_result(c)?,
    };
    Ok(found.n > 0)
}

impl ManageConnection for Manager {
    type Connection = AnyConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> std::result::Result<AnyConnection, r2d2::Error> {
        self.open().map_err(r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut AnyConnection) -> std::result::Result<(), r2d2::Error> {
        conn.ping().map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut AnyConnection) -> bool {
        conn.is_broken()
    }
}

type Pool = r2d2::Pool<Manager>;

/// The connection pools of one server process.
///
/// SQLite allows one writer at a time, so its writes go to a single writer thread instead of
/// racing for the lock; reads use the pool. PostgreSQL uses one pool for both.
#[derive(Clone)]
pub struct Db {
    read: Pool,
    writes: Writes,
    backend: Backend,
}

#[derive(Clone)]
enum Writes {
    Pool(Pool),
    Writer(tokio::sync::mpsc::Sender<WriteJob>),
}

/// One caller's write, run by the writer thread inside a shared transaction. It returns what
/// to tell the caller once the transaction has committed (`None`) or failed (`Some(error)`).
type WriteJob = Box<dyn FnOnce(&mut AnyConnection) -> Box<dyn FnOnce(Option<&str>) + Send> + Send>;

/// Writes queued at once that share one SQLite transaction (group commit).
const WRITE_BATCH: usize = 64;

impl Db {
    /// Connects and runs pending migrations.
    ///
    /// # Errors
    /// The database cannot be reached or a migration fails.
    pub fn connect(url: &str, pool_size: u32) -> anyhow::Result<Db> {
        let manager = Manager::new(url);
        let backend = manager.backend;
        let mut first = manager
            .open()
            .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", backend.name()))?;
        run_migrations(&mut first)?;
        let build = |size: u32| {
            r2d2::Pool::builder()
                .max_size(size)
                .min_idle(Some(1))
                // A broken connection is noticed when it is returned (`has_broken`); testing
                // each one on checkout would cost a round trip per query.
                .test_on_check_out(false)
                .connection_timeout(Duration::from_secs(10))
                .build(manager.clone())
        };
        let (read, writes) = match backend {
            Backend::Postgres => {
                let pool = build(pool_size)?;
                (pool.clone(), Writes::Pool(pool))
            }
            Backend::Sqlite => (
                build(pool_size)?,
                Writes::Writer(spawn_writer(manager, first)?),
            ),
        };
        Ok(Db {
            read,
            writes,
            backend,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Runs read-only work on a blocking thread.
    ///
    /// # Errors
    /// Whatever `f` returns, or a pool time-out.
    pub async fn read<T, F>(&self, f: F) -> Result<T>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        run(self.read.clone(), f).await
    }

    /// Runs `f` in one transaction: all of it lands, or none of it. On SQLite, writes queued at
    /// the same moment share one commit, each in its own savepoint, so one caller's failure
    /// never undoes another's work and nobody hears of success before the commit.
    ///
    /// # Errors
    /// Whatever `f` returns (its work is then rolled back), a failed commit, or a pool time-out.
    pub async fn write<T, F>(&self, f: F) -> Result<T>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let sender = match &self.writes {
            Writes::Pool(pool) => return run(pool.clone(), |conn| conn.transaction(f)).await,
            Writes::Writer(sender) => sender,
        };
        let (tell, answer) = tokio::sync::oneshot::channel();
        let span = tracing::Span::current();
        let job: WriteJob = Box::new(move |conn| {
            let _entered = span.enter();
            let outcome = conn.transaction(f);
            Box::new(move |commit_error: Option<&str>| {
                // When the commit fails, nothing of the batch happened, whatever each write said
                // (a copy told "received before" may have seen another's uncommitted receipt).
                let outcome = match commit_error {
                    Some(e) => Err(Error::Internal(format!("commit failed: {e}"))),
                    None => outcome,
                };
                let _ = tell.send(outcome);
            })
        });
        sender
            .send(job)
            .await
            .map_err(|_| Error::Internal("the database writer has stopped".into()))?;
        answer
            .await
            .map_err(|_| Error::Internal("the database writer dropped a write".into()))?
    }
}

/// The SQLite writer: takes whatever writes are queued, runs them in one transaction, commits
/// once and answers each. It stops when the last `Db` handle is dropped.
///
/// The transaction begins `IMMEDIATE`, so the write lock is held from the start and another
/// process's commit cannot invalidate the batch halfway. If the transaction ends under a write
/// (SQLite rolls everything back on a full disk or an I/O error, and a panic leaves a savepoint
/// open), the writes already run are told they failed and the ones not yet run go into the next
/// batch.
fn spawn_writer(
    manager: Manager,
    first: AnyConnection,
) -> anyhow::Result<tokio::sync::mpsc::Sender<WriteJob>> {
    let (sender, mut jobs) = tokio::sync::mpsc::channel::<WriteJob>(WRITE_BATCH * 16);
    std::thread::Builder::new()
        .name("sqlite-writer".into())
        .spawn(move || {
            let mut conn = Some(first);
            let mut carried: Vec<WriteJob> = Vec::new();
            loop {
                let mut batch = std::mem::take(&mut carried);
                if batch.is_empty() {
                    match jobs.blocking_recv() {
                        Some(job) => batch.push(job),
                        None => break,
                    }
                }
                while batch.len() < WRITE_BATCH {
                    match jobs.try_recv() {
                        Ok(job) => batch.push(job),
                        Err(_) => break,
                    }
                }
                let Some(c) = conn.as_mut() else {
                    // Dropping the jobs tells their callers the write did not happen.
                    drop(batch);
                    conn = manager.open().ok();
                    continue;
                };
                if let Err(e) = begin_batch(c) {
                    tracing::error!(error = %e, writes = batch.len(), "cannot begin a write transaction");
                    drop(batch);
                    conn = None;
                    continue;
                }
                let mut answers = Vec::with_capacity(batch.len());
                let mut lost: Option<String> = None;
                let mut panicked = false;
                for job in batch {
                    if lost.is_some() {
                        carried.push(job);
                        continue;
                    }
                    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(c))) {
                        Ok(answer) => answers.push(answer),
                        Err(_) => {
                            panicked = true;
                            lost = Some("a write in the same transaction panicked".into());
                        }
                    }
                    if lost.is_none() && !in_transaction(c) {
                        lost = Some("the database ended the transaction".into());
                    }
                }
                let error = match lost {
                    Some(e) => {
                        if in_transaction(c) {
                            let _ = <AnyConnection as Connection>::TransactionManager::rollback_transaction(c);
                        }
                        Some(e)
                    }
                    None => <AnyConnection as Connection>::TransactionManager::commit_transaction(c)
                        .err()
                        .map(|e| e.to_string()),
                };
                if let Some(e) = &error {
                    tracing::error!(error = %e, writes = answers.len(), "a shared write transaction failed");
                }
                for answer in answers {
                    answer(error.as_deref());
                }
                if panicked || error.is_some() || c.is_broken() {
                    // A connection in an unknown state goes before a new one opens.
                    drop(conn.take());
                    conn = manager.open().ok();
                }
            }
        })?;
    Ok(sender)
}

/// Starts the writer's transaction, taking SQLite's write lock at once.
fn begin_batch(c: &mut AnyConnection) -> diesel::QueryResult<()> {
    use diesel::connection::AnsiTransactionManager;
    match c {
        AnyConnection::Sqlite(s) => {
            AnsiTransactionManager::begin_transaction_sql(s, "BEGIN IMMEDIATE")
        }
        AnyConnection::Postgresql(p) => AnsiTransactionManager::begin_transaction(p),
    }
}

/// Whether the writer's transaction is still open.
fn in_transaction(c: &mut AnyConnection) -> bool {
    matches!(
        <AnyConnection as Connection>::TransactionManager::transaction_manager_status_mut(c)
            .transaction_depth(),
        Ok(Some(_))
    )
}

async fn run<T, F>(pool: Pool, f: F) -> Result<T>
where
    F: FnOnce(&mut AnyConnection) -> Result<T> + Send + 'static,
    T: Send + 'static,
{
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || {
        let _entered = span.enter();
        let mut conn = pool.get().map_err(|e| Error::Pool(e.to_string()))?;
        f(&mut conn)
    })
    .await
    .map_err(|e| Error::Internal(format!("database task failed: {e}")))?
}

/// Applies the embedded migrations of the connection's backend.
///
/// # Errors
/// A migration failed; the message names it.
pub fn run_migrations(conn: &mut AnyConnection) -> anyhow::Result<()> {
    let applied = match conn {
        AnyConnection::Postgresql(c) => c
            .run_pending_migrations(POSTGRES_MIGRATIONS)
            .map(|v| v.len()),
        AnyConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
    }
    .map_err(|e| anyhow::anyhow!("migration failed: {e}"))?;
    if applied > 0 {
        tracing::info!(applied, "database migrations applied");
    }
    Ok(())
}
