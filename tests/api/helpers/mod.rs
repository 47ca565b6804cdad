//! Test harness: each test gets a whole server on a loopback port with a fresh database —
//! a new SQLite file, or a new PostgreSQL database when COMMONPLACE_TEST_DATABASE_URL is set.
//! What several test modules share lives here too: [`federation`] (signed deliveries, small
//! remote servers, captured documents), [`mastodon`] (the client API as apps drive it) and
//! [`web`] (a browser without script).

pub mod federation;
pub mod mastodon;
pub mod web;

use commonplace::app::{self, RunningServer};
use commonplace::config::Config;
use commonplace::db::schema::*;
use diesel::prelude::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub server: RunningServer,
    config: Config,
    dir: tempfile::TempDir,
}

/// An instance that was stopped; `start` brings it back on the same port and database.
pub struct Stopped {
    config: Config,
    dir: tempfile::TempDir,
}

/// A database URL no other test uses.
pub fn fresh_database(dir: &tempfile::TempDir) -> String {
    match std::env::var("COMMONPLACE_TEST_DATABASE_URL") {
        Ok(admin_url) if !admin_url.is_empty() => fresh_postgres_database(&admin_url),
        _ => format!("sqlite://{}", dir.path().join("test.db").display()),
    }
}

/// A new, empty PostgreSQL database `cp_test_…` on the server of `admin_url`; returns its URL.
pub fn fresh_postgres_database(admin_url: &str) -> String {
    let name = format!("cp_test_{}_{}", std::process::id(), rand_suffix());
    let mut conn = PgConnection::establish(admin_url)
        .unwrap_or_else(|e| panic!("cannot reach the PostgreSQL server {admin_url}: {e}"));
    diesel::sql_query(format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .expect("create test database");
    let mut url = url::Url::parse(admin_url).expect("database URL");
    url.set_path(&name);
    url.to_string()
}

fn rand_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{}_{}", COUNTER.fetch_add(1, Ordering::Relaxed), nanos)
}

pub async fn spawn_app() -> TestApp {
    spawn_with(|_| {}).await
}

/// An instance under its own host name, `NAME.localhost:PORT`: distinct names keep the origin
/// checks of several instances in one process honest.
pub async fn spawn_named(name: &str) -> TestApp {
    let name = name.to_string();
    spawn_with(move |c| {
        let port = c.domain.rsplit(':').next().unwrap_or_default().to_string();
        c.domain = format!("{name}.localhost:{port}");
        c.delivery_retry_seconds = 1;
        c.delivery_claim_seconds = 2;
    })
    .await
}

/// Waits until `check` holds, polling; panics with `what` after ten seconds.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..200 {
        if check().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for: {what}");
}

pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    commonplace::federation::client::install_tls();
    // `TEST_LOG=commonplace=debug cargo test …` shows the servers' logs.
    if let Ok(filter) = std::env::var("TEST_LOG") {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_test_writer()
            .try_init();
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let mut config = Config {
        domain: format!("localhost:{port}"),
        database_url: fresh_database(&dir),
        pool_size: 4,
        ..Config::default()
    };
    config.limits.auth_attempts_per_minute = 10_000;
    config.limits.posts_per_minute = 10_000;
    adjust(&mut config);
    config.validate().expect("valid test config");
    launch(config, listener, dir).await
}

async fn launch(
    config: Config,
    listener: tokio::net::TcpListener,
    dir: tempfile::TempDir,
) -> TestApp {
    let port = listener.local_addr().expect("addr").port();
    let server = app::start(config.clone(), listener)
        .await
        .expect("server starts");
    TestApp {
        base: format!("http://127.0.0.1:{port}"),
        client: reqwest::Client::new(),
        server,
        config,
        dir,
    }
}

impl Stopped {
    /// Starts again on the same port and database, as after a crash or an upgrade.
    pub async fn start(self) -> TestApp {
        let port = self.config.domain.rsplit(':').next().unwrap().to_string();
        let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}"))
            .await
            .expect("rebind");
        launch(self.config, listener, self.dir).await
    }
}

impl TestApp {
    /// Stops the server (its database stays).
    pub async fn stop(self) -> Stopped {
        self.server.stop().await;
        Stopped {
            config: self.config,
            dir: self.dir,
        }
    }

    /// Sends a request; returns the status and the body parsed as JSON (Null when empty).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.expect("request sent");
        let status = res.status();
        let text = res.text().await.expect("body");
        let value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text)
                .unwrap_or_else(|_| panic!("{status} body is not JSON: {text}"))
        };
        if status.is_client_error() || status.is_server_error() {
            assert!(
                value["error"].is_string() && value["message"].is_string(),
                "error body shape: {value}"
            );
        }
        (status, value)
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        self.call(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, token, Some(body)).await
    }

    pub async fn patch(&self, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        self.call(Method::PATCH, path, token, Some(body)).await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        self.call(Method::DELETE, path, token, None).await
    }

    /// Registers a member and returns their token.
    pub async fn register(&self, name: &str) -> String {
        let (status, body) = self
            .post(
                "/api/v1/auth/register",
                None,
                json!({"username": name, "password": "correct horse", "agency": "Treasury"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["token"].as_str().expect("token").to_string()
    }

    /// Creates an administrator directly through the domain layer, as the CLI does, and signs in.
    pub async fn admin(&self, name: &str) -> String {
        commonplace::domain::people::create_local_person(
            &self.server.state,
            commonplace::domain::people::Registration {
                username: name.into(),
                password: "correct horse".into(),
                display_name: None,
                agency: None,
                role: None,
            },
            true,
            true,
        )
        .await
        .expect("admin created");
        let (status, body) = self
            .post(
                "/api/v1/auth/login",
                None,
                json!({"username": name, "password": "correct horse"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["token"].as_str().expect("token").to_string()
    }

    /// `NAME@DOMAIN` of a local actor here.
    pub fn handle(&self, name: &str) -> String {
        format!("{name}@{}", self.server.state.config.domain)
    }

    pub async fn group(&self, token: &str, name: &str) -> Value {
        let (status, body) = self
            .post(
                "/api/v1/groups",
                Some(token),
                json!({"name": name, "title": format!("The {name} group")}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body
    }

    pub async fn thread(&self, token: &str, group: &str, title: &str) -> i64 {
        self.thread_with_body(token, group, title, "Some *text*.")
            .await
    }

    /// Posts a thread with its body; returns its id.
    pub async fn thread_with_body(&self, token: &str, group: &str, title: &str, body: &str) -> i64 {
        let (status, value) = self
            .post(
                &format!("/api/v1/groups/{group}/threads"),
                Some(token),
                json!({"title": title, "body": body}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{value}");
        value["id"].as_i64().expect("id")
    }

    pub async fn comment(&self, token: &str, thread: i64, parent: Option<i64>, body: &str) -> i64 {
        let (status, value) = self
            .post(
                &format!("/api/v1/threads/{thread}/comments"),
                Some(token),
                json!({"body": body, "parent_id": parent}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{value}");
        value["id"].as_i64().expect("id")
    }

    /// Every row of every table, summarised: equal fingerprints mean nothing was written.
    pub async fn fingerprint(&self) -> Vec<(String, i64)> {
        self.server
            .state
            .db
            .read(|c| {
                let mut out: Vec<(String, i64)> = vec![
                    ("persons".into(), persons::table.count().get_result(c)?),
                    ("groups".into(), groups::table.count().get_result(c)?),
                    (
                        "memberships".into(),
                        memberships::table.count().get_result(c)?,
                    ),
                    ("stewards".into(), stewards::table.count().get_result(c)?),
                    ("threads".into(), threads::table.count().get_result(c)?),
                    ("comments".into(), comments::table.count().get_result(c)?),
                    (
                        "thread_votes".into(),
                        thread_votes::table.count().get_result(c)?,
                    ),
                    (
                        "comment_votes".into(),
                        comment_votes::table.count().get_result(c)?,
                    ),
                    ("tokens".into(), tokens::table.count().get_result(c)?),
                ];
                let scores: Vec<(i64, i64, bool, bool, bool)> = threads::table
                    .select((
                        threads::score,
                        threads::comment_count,
                        threads::pinned,
                        threads::locked,
                        threads::deleted,
                    ))
                    .load(c)?;
                for (i, s) in scores.iter().enumerate() {
                    out.push((
                        format!("thread{i}"),
                        s.0 * 1000
                            + s.1 * 10
                            + i64::from(s.2)
                            + i64::from(s.3) * 2
                            + i64::from(s.4) * 4,
                    ));
                }
                let titles: Vec<(String, String)> = threads::table
                    .select((threads::title, threads::body_source))
                    .load(c)?;
                for (i, (t, b)) in titles.iter().enumerate() {
                    out.push((format!("text{i}:{t}:{b}"), 0));
                }
                let members: Vec<(i64, i64)> = groups::table
                    .select((groups::member_count, groups::thread_count))
                    .load(c)?;
                for (i, (m, t)) in members.iter().enumerate() {
                    out.push((format!("group{i}"), m * 1000 + t));
                }
                Ok(out)
            })
            .await
            .expect("fingerprint")
    }
}
