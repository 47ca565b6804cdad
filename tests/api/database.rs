//! The database layer itself: concurrent writes (which share one commit on SQLite) each land
//! whole or not at all, and each caller is told the truth.

use commonplace::db::{schema::instances, Db};
use commonplace::error::Error;
use diesel::prelude::*;

use crate::helpers::fresh_database;

fn insert_instance(c: &mut commonplace::db::AnyConnection, domain: &str) -> Result<(), Error> {
    let t = chrono::Utc::now().naive_utc();
    diesel::insert_into(instances::table)
        .values((
            instances::domain.eq(domain),
            instances::local.eq(false),
            instances::name.eq(domain),
            instances::created_at.eq(t),
            instances::updated_at.eq(t),
        ))
        .execute(c)?;
    Ok(())
}

/// Runs writes `range` at once; each inserts `wN` then `second(n)`, and `fail(n)` makes it
/// return an error afterwards; write `panic_at` panics half-way and write `end_at` ends the
/// transaction under everyone, as SQLite does on a full disk. Returns which writes were told
/// they succeeded.
async fn wave(
    db: &Db,
    range: std::ops::Range<usize>,
    second: fn(usize) -> String,
    fail: fn(usize) -> bool,
    panic_at: Option<usize>,
    end_at: Option<usize>,
) -> Vec<usize> {
    let mut tasks = Vec::new();
    for n in range {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            let outcome = db
                .write(move |c| {
                    insert_instance(c, &format!("w{n}.example"))?;
                    assert_ne!(Some(n), panic_at, "a bug in one write");
                    if Some(n) == end_at {
                        use diesel::connection::SimpleConnection;
                        // As a statement that fails on a full disk: the whole transaction is gone.
                        c.batch_execute("ROLLBACK")?;
                        return Err(Error::Internal("database or disk is full".into()));
                    }
                    insert_instance(c, &second(n))?;
                    if fail(n) {
                        return Err(Error::invalid("n", "refused after writing"));
                    }
                    Ok(())
                })
                .await;
            (n, outcome.is_ok())
        }));
    }
    let mut told_ok = Vec::new();
    for t in tasks {
        let (n, ok) = t.await.unwrap();
        if ok {
            told_ok.push(n);
        }
    }
    told_ok
}

async fn stored(db: &Db) -> Vec<String> {
    db.read(|c| {
        Ok(instances::table
            .filter(instances::domain.like("w%"))
            .select(instances::domain)
            .load(c)?)
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writes_land_whole_or_not_at_all() {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(&dir);
    let db = tokio::task::spawn_blocking(move || Db::connect(&url, 4))
        .await
        .unwrap()
        .unwrap();

    // Every third write fails after writing, and write 40 breaks a uniqueness rule with its
    // second row: exactly the others land, whole.
    let second = |n: usize| {
        if n == 40 {
            "w0.example".to_string()
        } else {
            format!("w{n}-b.example")
        }
    };
    let told_ok = wave(&db, 0..60, second, |n| n % 3 == 1, None, None).await;
    let expected: Vec<usize> = (0..60).filter(|n| n % 3 != 1 && *n != 40).collect();
    assert_eq!(told_ok, expected);
    let rows = stored(&db).await;
    for n in 0..60 {
        let landed = rows.contains(&format!("w{n}.example"));
        assert_eq!(landed, expected.contains(&n), "write {n}");
        if n != 40 {
            assert_eq!(
                rows.contains(&format!("w{n}-b.example")),
                landed,
                "write {n}"
            );
        }
    }

    // A write that panics half-way fails, leaves nothing, and may take the writes that shared
    // its commit with it; each caller is told what really happened.
    let told_ok = wave(
        &db,
        100..120,
        |n| format!("w{n}-b.example"),
        |_| false,
        Some(110),
        None,
    )
    .await;
    assert!(!told_ok.contains(&110));
    let rows = stored(&db).await;
    for n in 100..120 {
        let told = told_ok.contains(&n);
        assert_eq!(rows.contains(&format!("w{n}.example")), told, "write {n}");
        assert_eq!(rows.contains(&format!("w{n}-b.example")), told, "write {n}");
    }

    // A write that ends the transaction under the others (SQLite does so on a full disk or an
    // I/O error): those before it are undone and told so, those after it still happen.
    let told_ok = wave(
        &db,
        200..230,
        |n| format!("w{n}-b.example"),
        |_| false,
        None,
        Some(215),
    )
    .await;
    assert!(!told_ok.contains(&215));
    let rows = stored(&db).await;

    for n in 200..230 {
        let told = told_ok.contains(&n);
        assert_eq!(rows.contains(&format!("w{n}.example")), told, "write {n}");
        assert_eq!(rows.contains(&format!("w{n}-b.example")), told, "write {n}");
    }

    // The writer goes on.
    let after = db.write(|c| insert_instance(c, "after.example")).await;
    assert!(after.is_ok(), "{after:?}");
}
