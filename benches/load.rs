//! Load benchmark: seeds an instance with many groups, threads and comments (each with its status
//! id, as the domain writes them, so Mastodon timelines serve them too), starts the release
//! server as a child process on that database, and measures requests per second, p50/p99 latency
//! and the server's resident memory. What it shares with the federation benchmark (settings,
//! database, the server process) is in `common/`.
//!
//! `cargo bench --bench load` (SQLite); with `BENCH_DATABASE_URL=postgres://…/postgres` the
//! PostgreSQL leg (a database `cp_bench` is dropped and recreated there). Sizes and duration:
//! `BENCH_GROUPS`, `BENCH_THREADS`, `BENCH_COMMENTS`, `BENCH_SECONDS`, and `BENCH_CONCURRENCY`
//! (a comma-separated list of client counts, default `1,4,16`).

mod common;

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use commonplace::{
    app::AppState,
    config::Config,
    db::schema::*,
    domain::text::{now, render_markdown},
};
use diesel::prelude::*;

use common::{env_num, rss_kib, start_server, text};

#[derive(Insertable)]
#[diesel(table_name = persons)]
struct SeedPerson {
    id: i64,
    ap_id: String,
    local: bool,
    instance_id: i64,
    username: String,
    public_key: String,
    inbox_url: String,
    created_at: chrono::NaiveDateTime,
    updated_at: chrono::NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = groups)]
struct SeedGroup {
    id: i64,
    ap_id: String,
    local: bool,
    instance_id: i64,
    name: String,
    title: String,
    member_count: i64,
    thread_count: i64,
    public_key: String,
    inbox_url: String,
    created_at: chrono::NaiveDateTime,
    updated_at: chrono::NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = threads)]
struct SeedThread {
    id: i64,
    ap_id: String,
    local: bool,
    group_id: i64,
    author_id: i64,
    title: String,
    body_source: String,
    body_html: String,
    score: i64,
    upvotes: i64,
    comment_count: i64,
    created_at: chrono::NaiveDateTime,
    last_activity_at: chrono::NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = comments)]
struct SeedComment {
    id: i64,
    ap_id: String,
    local: bool,
    thread_id: i64,
    parent_id: Option<i64>,
    author_id: i64,
    body_source: String,
    body_html: String,
    depth: i32,
    created_at: chrono::NaiveDateTime,
}

/// The status id of a thread or comment, as the domain gives each when it is stored (one id for
/// both, in the order they were written): what the Mastodon API pages by.
#[derive(Insertable)]
#[diesel(table_name = statuses)]
struct SeedStatus {
    thread_id: Option<i64>,
    comment_id: Option<i64>,
    group_id: i64,
    author_id: i64,
    created_at: chrono::NaiveDateTime,
}

impl SeedStatus {
    fn of_thread(t: &SeedThread) -> SeedStatus {
        SeedStatus {
            thread_id: Some(t.id),
            comment_id: None,
            group_id: t.group_id,
            author_id: t.author_id,
            created_at: t.created_at,
        }
    }

    fn of_comment(c: &SeedComment, group_id: i64) -> SeedStatus {
        SeedStatus {
            thread_id: None,
            comment_id: Some(c.id),
            group_id,
            author_id: c.author_id,
            created_at: c.created_at,
        }
    }
}

/// Each thread's status, then its comments', in the order they were written (a thread's
/// comments all come before the next thread).
fn statuses_of(threads: &[SeedThread], comments: &[SeedComment]) -> Vec<SeedStatus> {
    let mut rows = Vec::with_capacity(threads.len() + comments.len());
    let mut comments = comments.iter().peekable();
    for t in threads {
        rows.push(SeedStatus::of_thread(t));
        while let Some(c) = comments.next_if(|c| c.thread_id == t.id) {
            rows.push(SeedStatus::of_comment(c, t.group_id));
        }
    }
    assert!(comments.next().is_none(), "comments in thread order");
    rows.sort_by_key(|r| r.created_at);
    rows
}

fn insert_statuses(
    c: &mut commonplace::db::AnyConnection,
    rows: &[SeedStatus],
) -> commonplace::error::Result<()> {
    for chunk in rows.chunks(2000) {
        commonplace::per_backend!(c, |c| diesel::insert_into(statuses::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(())
}

struct Sizes {
    groups: i64,
    threads: i64,
    comments: i64,
}

async fn seed(state: &AppState, sizes: &Sizes) -> anyhow::Result<()> {
    let base = state.config.base_url();
    let instance_id = state.instance_id;
    let key = activitypub_federation::http_signatures::generate_actor_keypair()?.public_key;
    let people = 1000_i64;
    let start = now() - chrono::Duration::days(365);
    let t0 = Instant::now();
    {
        let (base, key) = (base.clone(), key.clone());
        let g = sizes.groups;
        let per_group = sizes.threads / sizes.groups;
        state
            .db
            .write(move |c| {
                let rows: Vec<SeedPerson> = (1..=people)
                    .map(|i| SeedPerson {
                        id: i,
                        ap_id: format!("{base}/u/p{i}"),
                        local: true,
                        instance_id,
                        username: format!("p{i}"),
                        public_key: key.clone(),
                        inbox_url: format!("{base}/u/p{i}/inbox"),
                        created_at: start,
                        updated_at: start,
                    })
                    .collect();
                for chunk in rows.chunks(500) {
                    commonplace::per_backend!(c, |c| diesel::insert_into(persons::table)
                        .values(chunk)
                        .execute(c))?;
                }
                let rows: Vec<SeedGroup> = (1..=g)
                    .map(|i| SeedGroup {
                        id: i,
                        ap_id: format!("{base}/g/g{i}"),
                        local: true,
                        instance_id,
                        name: format!("g{i}"),
                        title: format!("Group {i}"),
                        member_count: 0,
                        thread_count: per_group,
                        public_key: key.clone(),
                        inbox_url: format!("{base}/g/g{i}/inbox"),
                        created_at: start,
                        updated_at: start,
                    })
                    .collect();
                for chunk in rows.chunks(500) {
                    commonplace::per_backend!(c, |c| diesel::insert_into(groups::table)
                        .values(chunk)
                        .execute(c))?;
                }
                Ok(())
            })
            .await?;
    }
    // Words from a made-up vocabulary, spread as words are (common::text), so that searches
    // have common words, rare words and a phrase to look for.
    let comments_per_thread = sizes.comments / sizes.threads;
    let batch = 5_000_i64;
    let mut first = 1_i64;
    while first <= sizes.threads {
        let last = (first + batch - 1).min(sizes.threads);
        let (base, groups_n) = (base.clone(), sizes.groups);
        state
            .db
            .write(move |c| {
                let threads: Vec<SeedThread> = (first..=last)
                    .map(|i| {
                        let at = start + chrono::Duration::seconds(i * 60);
                        SeedThread {
                            id: i,
                            ap_id: format!("{base}/t/{i}"),
                            local: true,
                            group_id: (i % groups_n) + 1,
                            author_id: (i % people) + 1,
                            title: text::sentence(i as u64 * 7 + 1, 6, 100),
                            body_source: text::sentence(i as u64 * 7 + 2, 30, 0),
                            body_html: format!(
                                "<p>{}</p>",
                                text::sentence(i as u64 * 7 + 2, 30, 0)
                            ),
                            score: i % 50,
                            upvotes: i % 50,
                            comment_count: comments_per_thread,
                            created_at: at,
                            last_activity_at: at
                                + chrono::Duration::seconds(comments_per_thread * 5),
                        }
                    })
                    .collect();
                for chunk in threads.chunks(1000) {
                    commonplace::per_backend!(c, |c| diesel::insert_into(threads::table)
                        .values(chunk)
                        .execute(c))?;
                }
                let comments: Vec<SeedComment> = (first..=last)
                    .flat_map(|t| {
                        let base = base.clone();
                        (0..comments_per_thread).map(move |k| {
                            let id = (t - 1) * comments_per_thread + k + 1;
                            let first_of_thread = (t - 1) * comments_per_thread + 1;
                            let reply = k % 2 == 1;
                            SeedComment {
                                id,
                                ap_id: format!("{base}/c/{id}"),
                                local: true,
                                thread_id: t,
                                parent_id: reply.then_some(first_of_thread),
                                author_id: (id % people) + 1,
                                body_source: text::sentence(1_000_000 + id as u64, 20, 1000),
                                body_html: format!(
                                    "<p>{}</p>",
                                    text::sentence(1_000_000 + id as u64, 20, 1000)
                                ),
                                depth: i32::from(reply),
                                created_at: start + chrono::Duration::seconds(t * 60 + k * 5),
                            }
                        })
                    })
                    .collect();
                for chunk in comments.chunks(2000) {
                    commonplace::per_backend!(c, |c| diesel::insert_into(comments::table)
                        .values(chunk)
                        .execute(c))?;
                }
                insert_statuses(c, &statuses_of(&threads, &comments))?;
                Ok(())
            })
            .await?;
        first = last + 1;
    }
    if state.db.backend() == commonplace::db::Backend::Postgres {
        state
            .db
            .write(|c| {
                sync_id_sequences(c, &["persons", "groups", "threads", "comments"])?;
                diesel::sql_query("ANALYZE").execute(c)?;
                Ok(())
            })
            .await?;
    } else {
        state
            .db
            .write(|c| {
                diesel::sql_query("ANALYZE").execute(c)?;
                Ok(())
            })
            .await?;
    }
    println!(
        "seeded {} groups, {} threads, {} comments, {people} people in {:.1} s",
        sizes.groups,
        sizes.threads,
        sizes.threads * comments_per_thread,
        t0.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Rows inserted with explicit ids leave PostgreSQL's id sequences behind; moves them past.
fn sync_id_sequences(
    c: &mut commonplace::db::AnyConnection,
    tables: &[&str],
) -> commonplace::error::Result<()> {
    for table in tables {
        diesel::sql_query(format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
        ))
        .execute(c)?;
    }
    Ok(())
}

/// One more thread in group 1 with 200 comments, as a busy discussion: a third are top-level,
/// the rest answer them, two levels deep. Its id is one past the seeded threads.
async fn seed_big_thread(state: &AppState, sizes: &Sizes) -> anyhow::Result<i64> {
    let base = state.config.base_url();
    let thread_id = sizes.threads + 1;
    let first_comment = sizes.comments / sizes.threads * sizes.threads + 1;
    let body =
        "A reply that says something useful, with *emphasis* and a [link](https://example.org/).";
    let html = render_markdown(body);
    let start = now() - chrono::Duration::days(1);
    let postgres = state.db.backend() == commonplace::db::Backend::Postgres;
    state
        .db
        .write(move |c| {
            let thread = SeedThread {
                id: thread_id,
                ap_id: format!("{base}/t/{thread_id}"),
                local: true,
                group_id: 1,
                author_id: 1,
                title: "A busy discussion with two hundred replies".into(),
                body_source: body.to_string(),
                body_html: html.clone(),
                score: 40,
                upvotes: 40,
                comment_count: 200,
                created_at: start,
                last_activity_at: start,
            };
            commonplace::per_backend!(c, |c| diesel::insert_into(threads::table)
                .values(&thread)
                .execute(c))?;
            let comments: Vec<SeedComment> = (0..200_i64)
                .map(|k| {
                    let id = first_comment + k;
                    // 0, 3, 6… are top-level; 1, 4… answer the one before; 2, 5… answer that.
                    let (parent_id, depth) = match k % 3 {
                        0 => (None, 0),
                        1 => (Some(id - 1), 1),
                        _ => (Some(id - 1), 2),
                    };
                    SeedComment {
                        id,
                        ap_id: format!("{base}/c/{id}"),
                        local: true,
                        thread_id,
                        parent_id,
                        author_id: k % 50 + 1,
                        body_source: body.to_string(),
                        body_html: html.clone(),
                        depth,
                        created_at: start + chrono::Duration::seconds(k * 30),
                    }
                })
                .collect();
            commonplace::per_backend!(c, |c| diesel::insert_into(comments::table)
                .values(&comments)
                .execute(c))?;
            insert_statuses(c, &statuses_of(std::slice::from_ref(&thread), &comments))?;
            if postgres {
                sync_id_sequences(c, &["threads", "comments"])?;
            }
            Ok(())
        })
        .await?;
    Ok(thread_id)
}

/// Makes the n-th request's path from a pseudo-random number.
type PathOf = Arc<dyn Fn(u64) -> String + Send + Sync>;

struct Outcome {
    requests: usize,
    errors: usize,
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    peak_rss_kib: u64,
}

/// Drives `concurrency` clients for `seconds`, each request on a path made by `path_of(n)`.
async fn load(base: &str, pid: u32, seconds: u64, concurrency: u64, path_of: PathOf) -> Outcome {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency as usize)
        .build()
        .expect("client");
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for worker in 0..concurrency {
        let (client, base, path_of) = (client.clone(), base.to_string(), path_of.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0;
            let mut n = worker.wrapping_mul(7919);
            while Instant::now() < deadline {
                n = n
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let url = format!("{base}{}", path_of(n >> 33));
                let t = Instant::now();
                match client.get(&url).send().await {
                    Ok(res) if res.status().is_success() => {
                        let _ = res.bytes().await;
                        latencies.push(t.elapsed());
                    }
                    _ => errors += 1,
                }
            }
            (latencies, errors)
        }));
    }
    let sampler = tokio::spawn(async move {
        let mut peak = 0;
        while Instant::now() < deadline {
            peak = peak.max(rss_kib(pid));
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        peak
    });
    let started = Instant::now();
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await.expect("worker");
        all.extend(l);
        errors += e;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let peak_rss_kib = sampler.await.unwrap_or(0);
    all.sort();
    let pct = |p: f64| {
        all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1)))
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    Outcome {
        requests: all.len(),
        errors,
        rps: all.len() as f64 / elapsed,
        p50_ms: pct(0.50),
        p99_ms: pct(0.99),
        peak_rss_kib,
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    commonplace::federation::client::install_tls();
    let sizes = Sizes {
        groups: env_num("BENCH_GROUPS", 1000_i64),
        threads: env_num("BENCH_THREADS", 100_000_i64),
        comments: env_num("BENCH_COMMENTS", 1_000_000_i64),
    };
    let seconds = env_num("BENCH_SECONDS", 20_u64);
    let levels: Vec<u64> = std::env::var("BENCH_CONCURRENCY")
        .unwrap_or_else(|_| "1,4,16".into())
        .split(',')
        .filter_map(|v| v.trim().parse().ok())
        .collect();
    let port = env_num("BENCH_PORT", 18_080_u16);
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench");
    let database_url = common::fresh_database("cp_bench", &dir.join("bench.db"))?;
    let domain = format!("localhost:{port}");
    let config = Config {
        domain: domain.clone(),
        database_url: database_url.clone(),
        ..Config::default()
    };
    let backend = commonplace::db::Backend::of(&database_url).name();
    println!(
        "backend {backend}; {} cores",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let state = AppState::new(config).await?;
    seed(&state, &sizes).await?;
    let big_thread = seed_big_thread(&state, &sizes).await?;
    // Every thread and comment has its status, as the domain writes them: Mastodon timelines
    // serve this data too.
    let (stored, written): (i64, i64) = state
        .db
        .read(|c| {
            let stored = statuses::table.count().get_result(c)?;
            let threads: i64 = threads::table.count().get_result(c)?;
            let comments: i64 = comments::table.count().get_result(c)?;
            Ok((stored, threads + comments))
        })
        .await?;
    anyhow::ensure!(
        stored == written,
        "{stored} statuses for {written} threads and comments"
    );
    let statuses_n = stored as u64;
    // `admin reindex` on this data: the whole search index rebuilt.
    let summary = commonplace::domain::reindex::rebuild_search_index(&state, |_| {}).await?;
    let reindex_s = summary.elapsed.as_secs_f64();
    println!(
        "admin reindex: {summary}; ceiling 60 s: {}",
        verdict(reindex_s <= 60.0)
    );
    drop(state);

    let server = start_server(&database_url, &domain, port, "warn", &write_env()).await?;
    let (pid, base) = (server.pid, server.base.clone());
    let probe = reqwest::Client::new();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle = rss_kib(pid);
    println!("idle resident memory: {:.1} MiB", idle as f64 / 1024.0);

    let groups_n = sizes.groups as u64;
    let threads_n = sizes.threads as u64;
    // What a reader downloads for a group page: the HTML and the one stylesheet (no script is
    // needed; the small one there is counted apart).
    let weight = |path: String| {
        let (probe, base) = (probe.clone(), base.clone());
        async move {
            let res = probe.get(format!("{base}{path}")).send().await?;
            anyhow::Ok(res.bytes().await?.len())
        }
    };
    let group_html = weight("/g/g1".into()).await?;
    let thread_html = weight(format!("/t/{big_thread}")).await?;
    let css = weight("/static/style.css".into()).await?;
    let js = weight("/static/app.js".into()).await?;
    println!(
        "page weight, uncompressed: group page HTML {:.1} KB + CSS {:.1} KB = {:.1} KB (script, optional: {:.1} KB); thread page with 200 comments HTML {:.1} KB",
        group_html as f64 / 1024.0,
        css as f64 / 1024.0,
        (group_html + css) as f64 / 1024.0,
        js as f64 / 1024.0,
        thread_html as f64 / 1024.0
    );

    // The seeded statuses serve Mastodon clients: the public timeline has them.
    let timeline: serde_json::Value = probe
        .get(format!("{base}/api/v1/timelines/public"))
        .send()
        .await?
        .json()
        .await?;
    anyhow::ensure!(
        timeline.as_array().is_some_and(|a| !a.is_empty()),
        "the public timeline is empty: {timeline}"
    );

    let cases: Vec<(&str, PathOf)> = vec![
        (
            "GET /g/{name} (HTML page)",
            Arc::new(move |n| format!("/g/g{}", n % groups_n + 1)),
        ),
        (
            "GET /t/{id} (HTML page, 200 comments)",
            Arc::new(move |_| format!("/t/{big_thread}")),
        ),
        (
            "GET /api/v1/groups/{name}/threads",
            Arc::new(move |n| format!("/api/v1/groups/g{}/threads", n % groups_n + 1)),
        ),
        (
            "GET /api/v1/groups/{name}/threads?sort=top",
            Arc::new(move |n| format!("/api/v1/groups/g{}/threads?sort=top", n % groups_n + 1)),
        ),
        (
            "GET /api/v1/threads/{id}",
            Arc::new(move |n| format!("/api/v1/threads/{}", n % threads_n + 1)),
        ),
        (
            "GET /api/v1/timelines/public?max_id={id} (Mastodon API)",
            Arc::new(move |n| format!("/api/v1/timelines/public?max_id={}", n % statuses_n + 1)),
        ),
    ];
    println!("\n| backend | endpoint | concurrency | requests | errors | req/s | p50 ms | p99 ms | peak RSS MiB |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for (name, path_of) in cases {
        for &concurrency in &levels {
            let o = load(&base, pid, seconds, concurrency, path_of.clone()).await;
            println!(
                "| {backend} | `{name}` | {concurrency} | {} | {} | {:.0} | {:.2} | {:.2} | {:.1} |",
                o.requests,
                o.errors,
                o.rps,
                o.p50_ms,
                o.p99_ms,
                o.peak_rss_kib as f64 / 1024.0
            );
        }
    }
    // Search: a common word, a rare word and a phrase, with one and four clients; the ceiling
    // is p99 <= 25 ms with one client.
    println!("\n| backend | search | matching rows | concurrency | requests | errors | req/s | p50 ms | p99 ms | ceiling |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for (what, query) in text::queries() {
        let encoded: String = url::form_urlencoded::byte_serialize(query.as_bytes()).collect();
        let path = format!("/api/v1/search?q={encoded}");
        let first: serde_json::Value = probe
            .get(format!("{base}{path}"))
            .send()
            .await?
            .json()
            .await?;
        anyhow::ensure!(
            first["hits"].as_array().is_some_and(|h| !h.is_empty()),
            "{what}: no results: {first}"
        );
        let matching = matching_rows(&database_url, &query)?;
        for concurrency in [1_u64, 4] {
            let p = path.clone();
            let o = load(
                &base,
                pid,
                seconds,
                concurrency,
                Arc::new(move |_| p.clone()),
            )
            .await;
            let ceiling = if concurrency == 1 {
                verdict(o.p99_ms <= 25.0 && o.errors == 0)
            } else {
                "–".into()
            };
            println!(
                "| {backend} | {what} `{query}` | {matching} | {concurrency} | {} | {} | {:.0} | {:.2} | {:.2} | {ceiling} |",
                o.requests, o.errors, o.rps, o.p50_ms, o.p99_ms
            );
        }
    }
    println!(
        "\nresident memory after the load: {:.1} MiB",
        rss_kib(pid) as f64 / 1024.0
    );
    // Writes as members make them (a comment posted through the JSON API, one at a time)
    // with the search index, then on the same database with it taken away (its triggers, or
    // the generated column): what the index costs a write.
    let with_index = api_write_rate(&base, "writer1", seconds).await?;
    drop(server);
    {
        let state = AppState::new(Config {
            domain: domain.clone(),
            database_url: database_url.clone(),
            ..Config::default()
        })
        .await?;
        state
            .db
            .write(|c| {
                let drop_index = match c {
                    commonplace::db::AnyConnection::Sqlite(_) => {
                        "DROP TRIGGER comments_fts_insert; DROP TRIGGER comments_fts_update; \
                         DROP TRIGGER comments_fts_delete;"
                    }
                    commonplace::db::AnyConnection::Postgresql(_) => {
                        "ALTER TABLE comments DROP COLUMN search;"
                    }
                };
                diesel::connection::SimpleConnection::batch_execute(c, drop_index)?;
                Ok(())
            })
            .await?;
    }
    let server = start_server(&database_url, &domain, port, "warn", &write_env()).await?;
    let without_index = api_write_rate(&server.base, "writer2", seconds).await?;
    drop(server);
    let slower = (without_index / with_index - 1.0) * 100.0;
    println!(
        "\nwrites (POST /api/v1/threads/1/comments, one client): {with_index:.0} comments/s with the search index, {without_index:.0}/s without: {slower:.1} % slower; ceiling 20 %: {}",
        verdict(slower <= 20.0)
    );
    Ok(())
}

/// The server's settings for the write measurement: no per-minute cap on posts.
fn write_env() -> Vec<(&'static str, &'static str)> {
    vec![
        ("COMMONPLACE_LIMITS__POSTS_PER_MINUTE", "100000000"),
        ("COMMONPLACE_LIMITS__AUTH_ATTEMPTS_PER_MINUTE", "100000"),
    ]
}

/// Comments per second posted by one member through the JSON API for `seconds`.
async fn api_write_rate(base: &str, name: &str, seconds: u64) -> anyhow::Result<f64> {
    let client = reqwest::Client::new();
    let registered: serde_json::Value = client
        .post(format!("{base}/api/v1/auth/register"))
        .json(&serde_json::json!({"username": name, "password": "correct horse battery"}))
        .send()
        .await?
        .json()
        .await?;
    let token = registered["token"]
        .as_str()
        .ok_or_else(|| anyhow::anyhow!("registration: {registered}"))?
        .to_string();
    let joined = client
        .post(format!("{base}/api/v1/groups/g2/join"))
        .bearer_auth(&token)
        .json(&serde_json::json!({}))
        .send()
        .await?;
    anyhow::ensure!(joined.status().is_success(), "join: {}", joined.status());
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut n = 0_u64;
    while Instant::now() < deadline {
        let body = text::sentence(90_000_000 + n, 20, 1000);
        let res = client
            .post(format!("{base}/api/v1/threads/1/comments"))
            .bearer_auth(&token)
            .json(&serde_json::json!({"body": body}))
            .send()
            .await?;
        anyhow::ensure!(res.status().is_success(), "comment: {}", res.status());
        n += 1;
    }
    Ok(n as f64 / started.elapsed().as_secs_f64())
}

fn verdict(ok: bool) -> String {
    if ok { "met" } else { "NOT MET" }.into()
}

/// Rows the search index matches for `query`, counted on the database directly.
fn matching_rows(database_url: &str, query: &str) -> anyhow::Result<i64> {
    use diesel::sql_types::{BigInt, Text};
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let q = commonplace::domain::search::Query::parse(query)?;
    let mut c = commonplace::db::Manager::new(database_url).open()?;
    let n: N = match &mut c {
        commonplace::db::AnyConnection::Sqlite(c) => diesel::sql_query(
            "SELECT (SELECT count(*) FROM threads_fts WHERE threads_fts MATCH ?1) \
             + (SELECT count(*) FROM comments_fts WHERE comments_fts MATCH ?1) AS n",
        )
        .bind::<Text, _>(q.fts5())
        .get_result(c)?,
        commonplace::db::AnyConnection::Postgresql(c) => diesel::sql_query(
            "SELECT (SELECT count(*) FROM threads WHERE search @@ to_tsquery('commonplace', $1)) \
             + (SELECT count(*) FROM comments WHERE search @@ to_tsquery('commonplace', $1)) AS n",
        )
        .bind::<Text, _>(q.tsquery())
        .get_result(c)?,
    };
    Ok(n.n)
}
