use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{spawn_app, spawn_with};

#[tokio::test]
async fn site_describes_the_instance_and_counts() {
    let app = spawn_app().await;
    let (status, site) = app.get("/api/v1/site", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(site["name"], "Commonplace");
    assert_eq!(site["registration_mode"], "open");
    assert_eq!(site["counts"]["people"], 0);
    let alice = app.register("alice").await;
    app.group(&alice, "design").await;
    let t = app.thread(&alice, "design", "Hello").await;
    app.comment(&alice, t, None, "First!").await;
    let (_, site) = app.get("/api/v1/site", None).await;
    assert_eq!(
        site["counts"],
        json!({"people": 1, "groups": 1, "threads": 1, "comments": 1})
    );
}

#[tokio::test]
async fn openapi_document_lists_every_endpoint() {
    let app = spawn_app().await;
    let (status, doc) = app.get("/api/v1/openapi.json", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/api/v1/auth/register",
        "/api/v1/auth/login",
        "/api/v1/auth/logout",
        "/api/v1/me",
        "/api/v1/site",
        "/api/v1/groups",
        "/api/v1/groups/{name}",
        "/api/v1/groups/{name}/join",
        "/api/v1/groups/{name}/leave",
        "/api/v1/groups/{name}/members",
        "/api/v1/groups/{name}/threads",
        "/api/v1/threads/{id}",
        "/api/v1/threads/{id}/comments",
        "/api/v1/comments/{id}",
        "/api/v1/threads/{id}/vote",
        "/api/v1/comments/{id}/vote",
        "/api/v1/threads/{id}/pin",
        "/api/v1/threads/{id}/lock",
        "/api/v1/threads/{id}/remove",
        "/api/v1/people/{name}",
        "/api/v1/feed",
    ] {
        assert!(paths.contains_key(p), "missing {p}");
    }
    assert!(doc["paths"]["/api/v1/me"]["patch"].is_object());
    assert!(doc["paths"]["/api/v1/threads/{id}"]["delete"].is_object());
    assert!(doc["components"]["schemas"]["ThreadView"].is_object());
    // No native route takes a path that Mastodon's client API uses. (`/api/v1/search` is
    // ours: Mastodon removed its v1 search in 3.0 and searches under `/api/v2/search`.)
    assert!(paths.contains_key("/api/v1/search"));
    for taken in [
        "instance",
        "accounts",
        "statuses",
        "timelines",
        "apps",
        "lists",
        "notifications",
        "directory",
    ] {
        assert!(
            !paths
                .keys()
                .any(|k| k.starts_with(&format!("/api/v1/{taken}"))),
            "{taken} is Mastodon's"
        );
    }
}

#[tokio::test]
async fn front_page_shows_groups_and_threads_escaped() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    app.group(&alice, "data").await;
    app.thread(&alice, "data", "Dashboards <b>that</b> work")
        .await;
    let res = app
        .client
        .get(format!("{}/", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = res.text().await.unwrap();
    assert!(html.contains("<h1>Commonplace</h1>"), "{html}");
    assert!(html.contains(">The data group</a>"), "{html}");
    // The thread is listed on its group's page, its markup shown as text.
    let html = app
        .client
        .get(format!("{}/g/data", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Dashboards &#60;b&#62;that&#60;/b&#62; work"),
        "markup in titles is escaped: {html}"
    );
    assert!(!html.contains("<b>that"), "{html}");
}

#[tokio::test]
async fn unknown_routes_and_bad_bodies_get_json_errors() {
    let app = spawn_with(|c| c.limits.request_bytes = 60_000).await;
    let (status, body) = app.get("/api/v1/nothing-here", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"], "not_found");

    let res = app
        .client
        .post(format!("{}/api/v1/auth/register", app.base))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"], "bad_request");

    let (status, _) = app
        .post("/api/v1/auth/register", None, json!({"username": "x"}))
        .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a missing field is a malformed request"
    );

    let huge = "x".repeat(70_000);
    let (status, body) = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({"username": "x", "password": huge}),
        )
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body["error"], "too_large");
    assert_eq!(app.fingerprint().await[0], ("persons".to_string(), 0));
}

#[tokio::test]
async fn sign_in_attempts_are_rate_limited() {
    let app = spawn_with(|c| c.limits.auth_attempts_per_minute = 3).await;
    for _ in 0..3 {
        let (status, _) = app
            .post(
                "/api/v1/auth/login",
                None,
                json!({"username": "nobody", "password": "whatever1"}),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, body) = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"username": "nobody", "password": "whatever1"}),
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(body["error"], "rate_limited");
}

#[tokio::test]
async fn administrators_set_registration_mode_and_approve_accounts() {
    let app = spawn_app().await;
    let admin = app.admin("root").await;
    let member = app.register("member").await;
    let (status, _) = app
        .patch(
            "/api/v1/site",
            Some(&member),
            json!({"registration_mode": "closed"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (status, site) = app
        .patch(
            "/api/v1/site",
            Some(&admin),
            json!({"registration_mode": "approval", "name": "Data Commons", "rules": "Be kind."}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{site}");
    assert_eq!(site["name"], "Data Commons");
    assert_eq!(site["rules"], "Be kind.");

    let (status, body) = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({"username": "newbie", "password": "correct horse"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(body["pending_approval"], true);
    assert!(body["token"].is_null());
    let (status, body) = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"username": "newbie", "password": "correct horse"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

    let (status, _) = app
        .post(
            "/api/v1/admin/people/newbie/approve",
            Some(&member),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app
        .post(
            "/api/v1/admin/people/newbie/approve",
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"username": "newbie", "password": "correct horse"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    app.patch(
        "/api/v1/site",
        Some(&admin),
        json!({"registration_mode": "closed"}),
    )
    .await;
    let (status, body) = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({"username": "late", "password": "correct horse"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body["message"].as_str().unwrap().contains("closed"));
    let (status, _) = app
        .patch(
            "/api/v1/site",
            Some(&admin),
            json!({"registration_mode": "sometimes"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
