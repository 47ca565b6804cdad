//! `commonplace admin reindex`: an emptied or stale full-text index is rebuilt, on both backends,
//! through the domain function and through the command itself.

use std::process::Command;

use commonplace::db::{AnyConnection, Backend};
use commonplace::domain::reindex::{rebuild_search_index, Step};
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use crate::helpers::{fresh_database, spawn_app, TestApp};

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn count(conn: &mut AnyConnection, sql: &str) -> i64 {
    let sql = sql.to_string();
    match conn {
        AnyConnection::Sqlite(c) => diesel::sql_query(sql).get_result::<Count>(c),
        AnyConnection::Postgresql(c) => diesel::sql_query(sql).get_result::<Count>(c),
    }
    .expect("count")
    .n
}

/// Threads and comments whose text holds `word`, as the index finds them.
async fn found(app: &TestApp, word: &'static str) -> (i64, i64) {
    let backend = app.server.state.db.backend();
    app.server
        .state
        .db
        .read(move |c| {
            Ok(match backend {
                Backend::Sqlite => (
                    count(
                        c,
                        &format!("SELECT COUNT(*) AS n FROM threads_fts WHERE threads_fts MATCH '{word}'"),
                    ),
                    count(
                        c,
                        &format!("SELECT COUNT(*) AS n FROM comments_fts WHERE comments_fts MATCH '{word}'"),
                    ),
                ),
                Backend::Postgres => (
                    count(
                        c,
                        &format!("SELECT COUNT(*) AS n FROM threads WHERE search @@ to_tsquery('commonplace', '{word}')"),
                    ),
                    count(
                        c,
                        &format!("SELECT COUNT(*) AS n FROM comments WHERE search @@ to_tsquery('commonplace', '{word}')"),
                    ),
                ),
            })
        })
        .await
        .expect("read")
}

#[tokio::test]
async fn reindex_brings_back_an_emptied_index() {
    let app = spawn_app().await;
    let root = app.admin("root").await;
    app.group(&root, "design").await;
    let t1 = app.thread(&root, "design", "Zeppelin maintenance").await;
    app.thread(&root, "design", "Another zeppelin").await;
    app.comment(&root, t1, None, "The zeppelin needs helium")
        .await;
    assert_eq!(found(&app, "zeppelin").await, (2, 1), "indexed as written");

    if app.server.state.db.backend() == Backend::Sqlite {
        app.server
            .state
            .db
            .write(|c| {
                for fts in ["threads_fts", "comments_fts"] {
                    diesel::sql_query(format!("INSERT INTO {fts} ({fts}) VALUES ('delete-all')"))
                        .execute(c)?;
                }
                Ok(())
            })
            .await
            .expect("emptied");
        assert_eq!(found(&app, "zeppelin").await, (0, 0), "the index is empty");
    }

    let mut steps = Vec::new();
    let summary = rebuild_search_index(&app.server.state, |s| steps.push(s))
        .await
        .expect("reindexed");
    assert_eq!(found(&app, "zeppelin").await, (2, 1), "found again");
    assert!(
        matches!(steps.first(), Some(Step::Planned { .. })),
        "{steps:?}"
    );
    let Some(Step::Planned { total }) = steps.first().cloned() else {
        unreachable!()
    };
    let done: u64 = steps
        .iter()
        .map(|s| if let Step::Done(n) = s { *n } else { 0 })
        .sum();
    assert_eq!(done, total, "the bar ends full: {steps:?}");
    let tables: Vec<_> = summary.tables.iter().map(|(t, _)| *t).collect();
    assert_eq!(
        tables,
        [
            "threads",
            "comments",
            "groups",
            "persons",
            "person_expertise"
        ]
    );
    assert_eq!(summary.tables[0].1, 2);
    assert_eq!(summary.tables[1].1, 1);
    // Running it again changes nothing.
    rebuild_search_index(&app.server.state, |_| {})
        .await
        .expect("again");
    assert_eq!(found(&app, "zeppelin").await, (2, 1));
    // New rows are indexed by the triggers as before.
    app.thread(&root, "design", "A third zeppelin").await;
    assert_eq!(found(&app, "zeppelin").await, (3, 1));
}

#[test]
fn the_reindex_command_prints_a_summary_without_a_bar_off_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(&dir);
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_commonplace"))
            .current_dir(dir.path())
            .args(args)
            .env("COMMONPLACE_DATABASE_URL", &url)
            .env_remove("COMMONPLACE_DOMAIN")
            .env("COMMONPLACE_PASSWORD", "a long passphrase")
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    };
    let out = run(&["admin", "create-user", "root", "--admin"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&["admin", "create-group", "data", "--steward", "root"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&["admin", "reindex"]);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.starts_with("reindexed threads: 0, comments: 0, groups: 1, persons: ")
            && stdout.trim_end().ends_with('s'),
        "{stdout}"
    );
    assert!(
        !stderr.contains('['),
        "no bar when stderr is no terminal: {stderr}"
    );
}
