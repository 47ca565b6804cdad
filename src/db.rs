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
    connection::SimpleConnection,
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
                    // WAL lets readers run beside the single writer; busy_timeout waits
                    // instead of failing when another process holds the write lock.
                    c.batch_execute(
                        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                         PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
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
/// SQLite allows one writer at a time, so its writes share a single connection instead of racing
/// for the lock; reads use the others. PostgreSQL uses one pool for both.
#[derive(Clone)]
pub struct Db {
    read: Pool,
    write: Pool,
    backend: Backend,
}

impl Db {
    /// Connects and runs pending migrations.
    ///
    /// # Errors
    /// The database cannot be reached or a migration fails.
    pub fn connect(url: &str, pool_size: u32) -> anyhow::Result<Db> {
        let manager = Manager::new(url);
        let backend = manager.backend;
        {
            let mut conn = manager
                .open()
                .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", backend.name()))?;
            run_migrations(&mut conn)?;
        }
        let build = |size: u32| {
            r2d2::Pool::builder()
                .max_size(size)
                .min_idle(Some(1))
                .connection_timeout(Duration::from_secs(10))
                .build(manager.clone())
        };
        let (read, write) = match backend {
            Backend::Postgres => {
                let pool = build(pool_size)?;
                (pool.clone(), pool)
            }
            Backend::Sqlite => (build(pool_size)?, build(1)?),
        };
        Ok(Db {
            read,
            write,
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

    /// Runs `f` in one transaction on a blocking thread: all of it lands, or none of it.
    ///
    /// # Errors
    /// Whatever `f` returns (the transaction is then rolled back), or a pool time-out.
    pub async fn write<T, F>(&self, f: F) -> Result<T>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        run(self.write.clone(), |conn| conn.transaction(f)).await
    }
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
