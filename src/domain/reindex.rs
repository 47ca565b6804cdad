//! Rebuilding the full-text search index of an existing database (`commonplace admin reindex`).
//!
//! - SQLite: each FTS5 table (`threads_fts`, `comments_fts`, `groups_fts`, `persons_fts`) is
//!   emptied (`delete-all`), filled again from its table in batches of ids, each batch its own
//!   transaction so that progress shows and the writer is never held long, then merged
//!   (`optimize`).
//! - PostgreSQL: the `search` columns are generated, so always in step with their rows; what can
//!   go stale or bloat is the GIN index, rebuilt with `REINDEX INDEX`, then the tables are
//!   `ANALYZE`d so the planner knows the new index.
//!
//! Between emptying a table's index and its last batch, searches miss part of that table, and
//! on SQLite an edit made meanwhile to a row not yet re-inserted may leave the index wrong:
//! run it while the server is stopped or quiet (running it again is always safe).

use std::time::{Duration, Instant};

use diesel::prelude::*;
use diesel::sql_types::BigInt;

use crate::db::{AnyConnection, Backend};
use crate::domain::Context;
use crate::error::Result;
use crate::per_backend;

/// Ids re-inserted per transaction on SQLite.
pub const BATCH_IDS: i64 = 5_000;

/// The searchable tables: name, FTS5 table, its columns (SQLite), GIN index (PostgreSQL).
const TABLES: [(&str, &str, &str); 4] = [
    ("threads", "threads_fts", "title, body_source"),
    ("comments", "comments_fts", "body_source"),
    (
        "groups",
        "groups_fts",
        "name, title, description_source, rules_source",
    ),
    (
        "persons",
        "persons_fts",
        "username, display_name, agency, job_role, expertise, ask_me_about, bio_source",
    ),
];

/// What the rebuild tells its caller as it goes, for a progress bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// The work ahead, in units: rows on SQLite, indexes on PostgreSQL. Told once, first.
    Planned { total: u64 },
    /// A table's index is being rebuilt.
    Table(&'static str),
    /// `n` more units are done.
    Done(u64),
}

/// What was rebuilt.
#[derive(Debug, Clone)]
pub struct Summary {
    /// Each table with its rows (all of them indexed again).
    pub tables: Vec<(&'static str, u64)>,
    pub elapsed: Duration,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let counts: Vec<String> = self
            .tables
            .iter()
            .map(|(t, n)| format!("{t}: {n}"))
            .collect();
        write!(
            f,
            "reindexed {} in {:.1}s",
            counts.join(", "),
            self.elapsed.as_secs_f64()
        )
    }
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Rows and the highest id of a table.
fn extent(conn: &mut AnyConnection, table: &str) -> Result<(i64, i64)> {
    let sql = |what: &str| format!("SELECT {what} AS n FROM {table}");
    let rows = per_backend!(conn, |c| diesel::sql_query(sql("COUNT(*)"))
        .get_result::<Count>(c)?
        .n);
    let max = per_backend!(conn, |c| diesel::sql_query(sql("COALESCE(MAX(id), 0)"))
        .get_result::<Count>(c)?
        .n);
    Ok((rows, max))
}

fn execute(conn: &mut AnyConnection, sql: String) -> Result<usize> {
    Ok(per_backend!(conn, |c| diesel::sql_query(sql.clone()).execute(c)?))
}

/// Rebuilds the full-text index of every searchable table, telling `progress` how far it is.
///
/// # Errors
/// Database failures; what was rebuilt before one stays rebuilt.
#[tracing::instrument(skip_all)]
pub async fn rebuild_search_index(
    state: &Context,
    mut progress: impl FnMut(Step),
) -> Result<Summary> {
    let started = Instant::now();
    let extents = state
        .db
        .read(|conn| {
            TABLES
                .iter()
                .map(|(table, ..)| extent(conn, table))
                .collect::<Result<Vec<_>>>()
        })
        .await?;
    let backend = state.db.backend();
    let total = match backend {
        Backend::Sqlite => extents.iter().map(|(rows, _)| *rows as u64).sum(),
        Backend::Postgres => TABLES.len() as u64,
    };
    progress(Step::Planned { total });
    let mut tables = Vec::new();
    for ((table, fts, columns), (rows, _)) in TABLES.into_iter().zip(extents) {
        progress(Step::Table(table));
        match backend {
            Backend::Sqlite => {
                // The index is emptied and the last id read in one transaction: rows written
                // after it are indexed by their triggers, rows before it by the batches below.
                let sql = format!("INSERT INTO {fts} ({fts}) VALUES ('delete-all')");
                let max_id = state
                    .db
                    .write(move |conn| {
                        execute(conn, sql)?;
                        Ok(extent(conn, table)?.1)
                    })
                    .await?;
                let mut from = 1;
                while from <= max_id {
                    let to = from.saturating_add(BATCH_IDS - 1);
                    let sql = format!(
                        "INSERT INTO {fts} (rowid, {columns}) SELECT id, {columns} FROM {table} \
                         WHERE id BETWEEN {from} AND {to}"
                    );
                    let n = state.db.write(move |conn| execute(conn, sql)).await?;
                    progress(Step::Done(n as u64));
                    from = to.saturating_add(1);
                }
                let sql = format!("INSERT INTO {fts} ({fts}) VALUES ('optimize')");
                state.db.write(move |conn| execute(conn, sql)).await?;
            }
            Backend::Postgres => {
                let sql = format!("REINDEX INDEX {table}_search");
                state.db.write(move |conn| execute(conn, sql)).await?;
                let sql = format!("ANALYZE {table}");
                state.db.write(move |conn| execute(conn, sql)).await?;
                progress(Step::Done(1));
            }
        }
        tables.push((table, rows as u64));
    }
    // The expertise tags' canonical forms too, so that one command brings every search
    // structure back in step.
    progress(Step::Table("person_expertise"));
    let tags = state
        .db
        .write(crate::domain::expertise::rebuild_expertise)
        .await?;
    tables.push(("person_expertise", tags as u64));
    Ok(Summary {
        tables,
        elapsed: started.elapsed(),
    })
}
