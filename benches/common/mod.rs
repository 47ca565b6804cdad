//! What the benchmarks share: their settings from the environment, the database they run on,
//! the release server started as a child process, and its resident memory.

// Each benchmark uses its own part of this module.
#![allow(dead_code)]

pub mod text;

use std::{
    path::Path,
    process::{Child, Command, Stdio},
    time::Duration,
};

use diesel::{Connection, PgConnection, RunQueryDsl};

/// A number from the environment variable `name`, or `default`.
pub fn env_num<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The resident memory of process `pid`, in KiB (0 when unknown).
pub fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

/// The resident memory of process `pid`, in MiB.
pub fn rss_mib(pid: u32) -> f64 {
    rss_kib(pid) as f64 / 1024.0
}

/// The database to run on, emptied: with `BENCH_DATABASE_URL=postgres://…` the PostgreSQL
/// database `postgres_name` there, dropped and created again; otherwise the SQLite file
/// `sqlite_file`, removed with its journal files.
pub fn fresh_database(postgres_name: &str, sqlite_file: &Path) -> anyhow::Result<String> {
    match std::env::var("BENCH_DATABASE_URL") {
        Ok(admin) if !admin.is_empty() => {
            let mut conn = PgConnection::establish(&admin)?;
            diesel::sql_query(format!("DROP DATABASE IF EXISTS {postgres_name}"))
                .execute(&mut conn)?;
            diesel::sql_query(format!("CREATE DATABASE {postgres_name}")).execute(&mut conn)?;
            let mut url = url::Url::parse(&admin)?;
            url.set_path(postgres_name);
            Ok(url.to_string())
        }
        _ => {
            if let Some(dir) = sqlite_file.parent() {
                std::fs::create_dir_all(dir)?;
            }
            for suffix in ["", "-wal", "-shm"] {
                let mut name = sqlite_file.as_os_str().to_owned();
                name.push(suffix);
                let _ = std::fs::remove_file(name);
            }
            Ok(format!("sqlite://{}", sqlite_file.display()))
        }
    }
}

/// The release server, a child process; stopped when dropped.
pub struct Server {
    child: Child,
    pub pid: u32,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the server on `database_url` as `domain`, listening on `port`, with `RUST_LOG=log`
/// and the settings `env` besides; returns once it answers.
pub async fn start_server(
    database_url: &str,
    domain: &str,
    port: u16,
    log: &str,
    env: &[(&str, &str)],
) -> anyhow::Result<Server> {
    let mut command = Command::new(env!("CARGO_BIN_EXE_commonplace"));
    command
        .env("COMMONPLACE_DATABASE_URL", database_url)
        .env("COMMONPLACE_DOMAIN", domain)
        .env("COMMONPLACE_BIND", format!("127.0.0.1:{port}"))
        // Every simulated client comes from 127.0.0.1: no per-address cap in the way.
        .env("COMMONPLACE_LIMITS__CONNECTIONS_PER_ADDRESS", "1000000")
        .env("RUST_LOG", log)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (name, value) in env {
        command.env(name, value);
    }
    let child = command.spawn()?;
    let mut server = Server {
        pid: child.id(),
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    let probe = reqwest::Client::new();
    for _ in 0..100 {
        if probe
            .get(format!("{}/api/v1/site", server.base))
            .send()
            .await
            .is_ok()
        {
            return Ok(server);
        }
        if let Ok(Some(status)) = server.child.try_wait() {
            anyhow::bail!("server exited: {status}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::bail!("server did not start")
}
