//! The `commonplace` command as an operator uses it.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

fn commonplace(dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_commonplace"));
    cmd.current_dir(dir)
        .env_remove("COMMONPLACE_DATABASE_URL")
        .env_remove("COMMONPLACE_DOMAIN")
        .env("COMMONPLACE_BIND", "127.0.0.1:0")
        .env("RUST_LOG", "warn");
    cmd
}

#[test]
fn operator_commands_create_admin_and_group_on_the_default_database() {
    let dir = tempfile::tempdir().unwrap();
    let out = commonplace(dir.path())
        .args(["config", "check"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("database_url = \"sqlite://commonplace.db\""),
        "{text}"
    );
    assert!(text.contains("does not exist yet"), "{text}");
    assert!(
        !dir.path().join("commonplace.db").exists(),
        "a check creates nothing: the SQLite file is created on first use"
    );

    let out = commonplace(dir.path())
        .args(["admin", "create-user", "root", "--admin"])
        .env("COMMONPLACE_PASSWORD", "a long passphrase")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("created root (administrator)"));

    let out = commonplace(dir.path())
        .args(["admin", "create-user", "root"])
        .env("COMMONPLACE_PASSWORD", "a long passphrase")
        .output()
        .unwrap();
    assert!(!out.status.success(), "a taken name fails");
    assert!(String::from_utf8_lossy(&out.stderr).contains("already taken"));

    let out = commonplace(dir.path())
        .args([
            "admin",
            "create-group",
            "data",
            "--steward",
            "root",
            "--title",
            "Data people",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = commonplace(dir.path())
        .args(["admin", "create-group", "other", "--steward", "nobody"])
        .output()
        .unwrap();
    assert!(!out.status.success());

    let out = commonplace(dir.path()).arg("migrate").output().unwrap();
    assert!(out.status.success());
    let out = commonplace(dir.path())
        .env("COMMONPLACE_DATABASE_URL", "mysql://nope")
        .arg("migrate")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "bad configuration exits 2");
    assert!(String::from_utf8_lossy(&out.stderr).contains("database_url"));
}

#[test]
fn config_check_reports_a_domain_the_database_does_not_belong_to() {
    let dir = tempfile::tempdir().unwrap();
    let out = commonplace(dir.path()).arg("migrate").output().unwrap();
    assert!(out.status.success());
    let out = commonplace(dir.path())
        .args(["config", "check"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("set up for localhost:8080"));
    // The first start records the domain (creating an account starts the instance too).
    let out = commonplace(dir.path())
        .args(["admin", "create-user", "root", "--admin"])
        .env("COMMONPLACE_PASSWORD", "a long passphrase")
        .output()
        .unwrap();
    assert!(out.status.success());
    let db = dir.path().join("commonplace.db");
    let before = std::fs::read(&db).unwrap();
    let out = commonplace(dir.path())
        .args(["config", "check"])
        .env("COMMONPLACE_DOMAIN", "community.example.org")
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "a domain the database does not belong to fails"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("this database belongs to the instance at localhost:8080"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read(&db).unwrap(),
        before,
        "the check wrote nothing"
    );
    let out = commonplace(dir.path())
        .args(["config", "check"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("it belongs to localhost:8080"));
}

#[test]
fn first_start_without_an_administrator_says_how_to_make_one() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = commonplace(dir.path())
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut seen = false;
    for line in BufReader::new(stderr).lines().take(20) {
        if line.unwrap().contains("admin create-user NAME --admin") {
            seen = true;
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(seen, "the hint was printed");
}
