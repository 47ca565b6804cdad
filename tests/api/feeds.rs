//! Atom feeds: a group's latest threads as a feed reader sees them, with the same visibility
//! as every other door.

use atom_syndication::Feed;
use reqwest::{header, StatusCode};
use serde_json::json;

use crate::helpers::federation::resolve_and_join;
use crate::helpers::web::Browser;
use crate::helpers::{eventually, spawn_app, spawn_named, TestApp};

struct Fetched {
    status: StatusCode,
    headers: header::HeaderMap,
    body: String,
}

async fn fetch(app: &TestApp, path: &str, if_none_match: Option<&str>) -> Fetched {
    let mut req = app.client.get(format!("{}{path}", app.base));
    if let Some(tag) = if_none_match {
        req = req.header(header::IF_NONE_MATCH, tag);
    }
    let res = req.send().await.expect("sent");
    Fetched {
        status: res.status(),
        headers: res.headers().clone(),
        body: res.text().await.expect("body"),
    }
}

async fn feed(app: &TestApp, path: &str) -> Feed {
    let f = fetch(app, path, None).await;
    assert_eq!(f.status, StatusCode::OK, "{}", f.body);
    assert_eq!(
        f.headers[header::CONTENT_TYPE],
        "application/atom+xml; charset=utf-8"
    );
    Feed::read_from(f.body.as_bytes()).unwrap_or_else(|e| panic!("{e}: {}", f.body))
}

fn titles(feed: &Feed) -> Vec<&str> {
    feed.entries().iter().map(|e| e.title().as_str()).collect()
}

#[tokio::test]
async fn a_groups_feed_lists_its_threads_newest_first_as_text() {
    let app = spawn_app().await;
    let root = app.admin("root").await;
    let group = app.group(&root, "design").await;
    let empty = feed(&app, "/g/design/feed.atom").await;
    assert!(empty.entries().is_empty());
    let bob = app.register("bob").await;
    app.post("/api/v1/groups/design/join", Some(&bob), json!({}))
        .await;
    let first = app.thread(&root, "design", "First").await;
    let (status, tricky) = app
        .post(
            "/api/v1/groups/design/threads",
            Some(&bob),
            json!({"title": "<script>alert(1)</script> & more", "body": "Plans & *notes* <b>bold</b>"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{tricky}");

    let raw = fetch(&app, "/g/design/feed.atom", None).await.body;
    assert!(!raw.contains("<script>"), "escaped in the XML: {raw}");
    let f = feed(&app, "/g/design/feed.atom").await;
    assert_eq!(titles(&f), ["<script>alert(1)</script> & more", "First"]);
    let base = app.server.state.config.base_url();
    let group_ap_id = group["ap_id"].as_str().unwrap();
    assert_eq!(f.id(), format!("{group_ap_id}/feed.atom"));
    assert_eq!(f.title().as_str(), "The design group");
    let links: Vec<(&str, &str)> = f.links().iter().map(|l| (l.rel(), l.href())).collect();
    assert!(
        links.contains(&("self", &format!("{base}/g/design/feed.atom"))),
        "{links:?}"
    );
    assert!(
        links.contains(&("alternate", &format!("{base}/g/design"))),
        "{links:?}"
    );
    assert_eq!(f.updated(), f.entries()[0].updated(), "the latest entry");

    let newest = &f.entries()[0];
    assert_eq!(newest.id(), tricky["ap_id"].as_str().unwrap());
    assert_eq!(
        newest.links()[0].href(),
        format!("{base}/t/{}", tricky["id"])
    );
    assert_eq!(newest.authors()[0].name(), "bob");
    assert!(newest.authors()[0]
        .uri()
        .is_some_and(|u| u.ends_with("/u/bob")));
    assert!(newest.published().is_some());
    let content = newest.content().expect("content");
    assert_eq!(content.content_type(), Some("html"));
    let html = content.value().unwrap_or_default();
    assert!(html.contains("<em>notes</em>"), "{html}");
    assert!(!html.contains("<script"), "sanitized: {html}");
    let summary = newest.summary().expect("summary").as_str();
    assert!(
        summary.starts_with("Plans & notes"),
        "plain text: {summary}"
    );
    let older = &f.entries()[1];
    assert_eq!(older.links()[0].href(), format!("{base}/t/{first}"));
}

#[tokio::test]
async fn a_feed_answers_not_modified_and_unknown_groups_are_pages_not_found() {
    let app = spawn_app().await;
    let root = app.admin("root").await;
    app.group(&root, "design").await;
    app.thread(&root, "design", "Only one").await;
    let f = fetch(&app, "/g/design/feed.atom", None).await;
    let tag = f.headers[header::ETAG].to_str().unwrap().to_string();
    assert!(f.headers.contains_key(header::LAST_MODIFIED));
    let again = fetch(&app, "/g/design/feed.atom", Some(&tag)).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());
    app.thread(&root, "design", "A second").await;
    let changed = fetch(&app, "/g/design/feed.atom", Some(&tag)).await;
    assert_eq!(changed.status, StatusCode::OK, "a new thread, a new tag");

    for path in [
        "/g/nobody/feed.atom",
        "/g/nobody@elsewhere.example/feed.atom",
    ] {
        let missing = fetch(&app, path, None).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND, "{path}");
        assert!(
            missing.headers[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/html"),
            "{path}: the site's error page"
        );
        assert!(missing.body.contains("<main"), "{}", missing.body);
    }
}

#[tokio::test]
async fn a_feed_carries_the_fifty_latest_threads() {
    let app = spawn_app().await;
    let root = app.admin("root").await;
    app.group(&root, "design").await;
    for i in 1..=52 {
        app.thread(&root, "design", &format!("Thread {i}")).await;
    }
    let f = feed(&app, "/g/design/feed.atom").await;
    let shown = titles(&f);
    assert_eq!(shown.len(), 50);
    assert_eq!(shown[0], "Thread 52");
    assert_eq!(shown[49], "Thread 3");
}

#[tokio::test]
async fn a_feed_leaves_out_removed_deleted_banned_and_suspended() {
    let app = spawn_app().await;
    let root = app.admin("root").await;
    app.group(&root, "design").await;
    let mut authors = Vec::new();
    for name in ["bob", "carol", "dave"] {
        let token = app.register(name).await;
        app.post("/api/v1/groups/design/join", Some(&token), json!({}))
            .await;
        authors.push(token);
    }
    let [bob, carol, dave] = [&authors[0], &authors[1], &authors[2]];
    app.thread(&root, "design", "Kept").await;
    let removed = app.thread(bob, "design", "Removed by a steward").await;
    let deleted = app.thread(bob, "design", "Deleted by its author").await;
    app.thread(carol, "design", "By a member later banned")
        .await;
    app.thread(dave, "design", "By a member later suspended")
        .await;
    app.thread(bob, "design", "Also kept").await;
    assert_eq!(feed(&app, "/g/design/feed.atom").await.entries().len(), 6);

    let (status, body) = app
        .post(
            &format!("/api/v1/threads/{removed}/remove"),
            Some(&root),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = app
        .delete(&format!("/api/v1/threads/{deleted}"), Some(bob))
        .await;
    assert!(status.is_success(), "{body}");
    let (status, body) = app
        .post(
            "/api/v1/groups/design/members/carol/ban",
            Some(&root),
            json!({}),
        )
        .await;
    assert!(status.is_success(), "{body}");
    let mut admin = Browser::signed_in(&app, &root);
    let suspended = admin
        .submit("/admin", "/admin/accounts/dave", &[("action", "suspend")])
        .await;
    assert!(
        suspended.status.is_success() || suspended.status.is_redirection(),
        "{}",
        suspended.body
    );

    let f = feed(&app, "/g/design/feed.atom").await;
    assert_eq!(titles(&f), ["Also kept", "Kept"]);
    // A steward reading the feed sees no more than anyone: feeds are read without a session.
    let mut steward = Browser::signed_in(&app, &root);
    let page = steward.get("/g/design/feed.atom").await;
    assert!(!page.body.contains("Removed by a steward"), "{}", page.body);
}

#[tokio::test]
async fn the_group_page_links_to_its_feed_in_both_languages() {
    let app = spawn_app().await;
    let root = app.admin("root").await;
    app.group(&root, "design").await;
    let mut b = Browser::new(&app);
    let page = b.get("/g/design").await;
    assert!(
        page.body.contains(
            r#"<link rel="alternate" type="application/atom+xml" title="The design group: latest threads" href="/g/design/feed.atom">"#
        ),
        "{}",
        page.body
    );
    assert!(page.body.contains(">Feed (Atom)</a>"), "{}", page.body);
    let mut fr = Browser::new(&app);
    fr.lang = Some("fr");
    let page = fr.get("/g/design").await;
    assert!(page.body.contains(">Flux (Atom)</a>"), "{}", page.body);
}

#[tokio::test]
async fn a_remote_groups_feed_carries_its_threads_ids() {
    let alpha = spawn_named("alpha").await;
    let root = alpha.admin("root").await;
    alpha.group(&root, "design").await;
    let beta = spawn_named("beta").await;
    let dan = beta.register("dan").await;
    let handle = resolve_and_join(&beta, &dan, &alpha.handle("design")).await;
    let (status, thread) = alpha
        .post(
            "/api/v1/groups/design/threads",
            Some(&root),
            json!({"title": "From alpha", "body": "Hello"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{thread}");
    let path = format!("/g/{handle}/feed.atom");
    eventually("the thread reaches beta", || async {
        feed(&beta, &path).await.entries().len() == 1
    })
    .await;
    let f = feed(&beta, &path).await;
    assert_eq!(f.entries()[0].id(), thread["ap_id"].as_str().unwrap());
    assert_eq!(f.entries()[0].title().as_str(), "From alpha");
    let base = beta.server.state.config.base_url();
    assert_eq!(f.id(), format!("{base}/g/{handle}/feed.atom"), "our feed");
}

#[tokio::test]
async fn a_saved_search_is_a_feed_of_its_results() {
    let app = spawn_app().await;
    let root = app.admin("root").await;
    app.group(&root, "data").await;
    let (status, body) = app
        .post(
            "/api/v1/groups/data/threads",
            Some(&root),
            json!({"title": "Open <data> & SDMX", "body": "An SDMX <script>x</script> endpoint"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    app.thread(&root, "data", "Nothing to find here").await;
    let found = feed(&app, "/search/feed.atom?q=sdmx&kind=threads").await;
    assert_eq!(titles(&found), ["Open <data> & SDMX"]);
    let entry = &found.entries()[0];
    assert_eq!(entry.id(), body["ap_id"].as_str().unwrap());
    let content = entry.content().unwrap().value().unwrap();
    assert!(content.contains("<mark>SDMX</mark>"), "{content}");
    assert!(!content.contains("<script>"), "{content}");
    assert!(entry.links()[0]
        .href()
        .ends_with(&format!("/t/{}", body["id"])));
    // The feed's own link asks for the same search; a bad query is refused as the API does.
    assert!(found.id().contains("/search/feed.atom?q=sdmx&kind=threads"));
    let bad = fetch(&app, "/search/feed.atom?q=-", None).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
}
