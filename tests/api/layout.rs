//! The shape of the code, kept by a test rather than by memory: the domain is the ground floor
//! (it imports nothing above `db/`), and no source file grows past what one reader can hold.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn the_domain_imports_nothing_above_the_database() {
    let above = [
        "app",
        "api",
        "web",
        "mastodon",
        "federation",
        "extract",
        "server",
        "workers",
    ];
    let mut domain = rust_files(&src().join("domain"));
    domain.push(src().join("domain.rs"));
    let mut found = Vec::new();
    for file in domain {
        let text = std::fs::read_to_string(&file).expect("read");
        for (n, line) in text.lines().enumerate() {
            for layer in above {
                if line.contains(&format!("crate::{layer}::"))
                    || line.contains(&format!("crate::{layer};"))
                    || line.contains(&format!("crate::{{{layer}"))
                {
                    found.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "the domain reaches above itself:\n{}",
        found.join("\n")
    );
}

#[test]
fn no_source_file_is_over_700_lines() {
    let long: Vec<String> = rust_files(&src())
        .into_iter()
        .filter_map(|f| {
            let lines = std::fs::read_to_string(&f).expect("read").lines().count();
            (lines > 700).then(|| format!("{}: {lines} lines", f.display()))
        })
        .collect();
    assert!(
        long.is_empty(),
        "split these along their seams:\n{}",
        long.join("\n")
    );
}
