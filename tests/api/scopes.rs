//! OAuth scopes on every door: a token granted `read` may read and nothing more, a token granted
//! `write` may not administer. The JSON API's routes are taken from its own OpenAPI document, so
//! a route added later is walked without editing this file.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::mastodon::{send, sign_in};
use crate::helpers::{spawn_app, TestApp};

/// Every route of the JSON API with its method, placeholders filled with real ids.
async fn json_api_routes(app: &TestApp, thread: i64, comment: i64) -> Vec<(Method, String)> {
    let (status, doc) = app.get("/api/v1/openapi.json", None).await;
    assert_eq!(status, StatusCode::OK);
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        // Registering and signing in take no token; signing out ends any token.
        if path.starts_with("/api/v1/auth/") {
            continue;
        }
        let id = if path.starts_with("/api/v1/comments/") {
            comment
        } else {
            thread
        };
        let name = if path.starts_with("/api/v1/people/") {
            "root"
        } else {
            "design"
        };
        let filled = path
            .replace("{name}", name)
            .replace("{person}", "root")
            .replace("{id}", &id.to_string());
        for method in item.as_object().expect("path item").keys() {
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            out.push((m, filled.clone()));
        }
    }
    assert!(out.len() > 40, "the OpenAPI document lists the routes");
    out
}

fn is_admin_route(method: &Method, path: &str) -> bool {
    path.starts_with("/api/v1/admin/") || (path == "/api/v1/site" && !method.is_safe())
}

async fn setup() -> (TestApp, String, i64, i64) {
    let app = spawn_app().await;
    let root = app.admin("root").await;
    app.group(&root, "design").await;
    let thread = app.thread(&root, "design", "A thread").await;
    let comment = app.comment(&root, thread, None, "A reply").await;
    (app, root, thread, comment)
}

#[tokio::test]
async fn a_read_token_reads_and_writes_nothing_through_the_json_api() {
    let (app, _root, thread, comment) = setup().await;
    let read = sign_in(&app, "root", "read").await.token;
    let before = app.fingerprint().await;
    let mut walked = 0;
    for (method, path) in json_api_routes(&app, thread, comment).await {
        let (status, body) = app
            .call(method.clone(), &path, Some(&read), Some(json!({})))
            .await;
        let needs_more = !method.is_safe() || is_admin_route(&method, &path);
        if needs_more {
            assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}: {body}");
            assert!(
                body["message"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("scope"),
                "{method} {path}: {body}"
            );
        } else {
            // Readable: whatever else the route says of the request, it is not the scope.
            assert!(
                status != StatusCode::FORBIDDEN
                    && status != StatusCode::UNAUTHORIZED
                    && !status.is_server_error(),
                "{method} {path}: {status} {body}"
            );
        }
        walked += 1;
    }
    assert!(walked > 40);
    assert_eq!(
        app.fingerprint().await,
        before,
        "a read token wrote something"
    );
}

#[tokio::test]
async fn a_write_token_does_not_administer_and_an_admin_token_does() {
    let (app, _root, thread, comment) = setup().await;
    let write = sign_in(&app, "root", "read write").await.token;
    for (method, path) in json_api_routes(&app, thread, comment).await {
        if !is_admin_route(&method, &path) || method.is_safe() {
            continue;
        }
        let (status, body) = app
            .call(method.clone(), &path, Some(&write), Some(json!({})))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}: {body}");
        assert!(body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("admin:write"));
    }
    // The administration scopes open the administration routes to an administrator's app.
    let admin = sign_in(&app, "root", "read admin:read admin:write")
        .await
        .token;
    let (status, body) = app
        .patch(
            "/api/v1/site",
            Some(&admin),
            json!({"name": "Treasury commons"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = app.get("/api/v1/admin/queue", Some(&admin)).await;
    assert_eq!(status, StatusCode::OK);
    // …and nothing to a member who is not one.
    app.register("bob").await;
    let bob = sign_in(&app, "bob", "read admin:read admin:write")
        .await
        .token;
    let (status, _) = app.get("/api/v1/admin/queue", Some(&bob)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // A read token may still sign itself out.
    let read = sign_in(&app, "root", "read").await.token;
    let (status, body) = app
        .post("/api/v1/auth/logout", Some(&read), json!({}))
        .await;
    assert!(status.is_success(), "{body}");
    let (status, _) = app.get("/api/v1/me", Some(&read)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_apps_token_is_no_session_for_the_pages() {
    let (app, _root, _thread, _comment) = setup().await;
    let read = sign_in(&app, "root", "read").await.token;
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = |token: String| {
        let (app, browser) = (&app, &browser);
        async move {
            browser
                .get(format!("{}/settings", app.base))
                .header(reqwest::header::ACCEPT, "text/html")
                .header(reqwest::header::COOKIE, format!("cp_session={token}"))
                .send()
                .await
                .unwrap()
        }
    };
    // Signed out: the pages send it to sign in.
    let res = page(read).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(res.headers()[reqwest::header::LOCATION]
        .to_str()
        .unwrap()
        .starts_with("/signin"));
    // A session of the pages is one.
    let (_, body) = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"username": "root", "password": "correct horse"}),
        )
        .await;
    let res = page(body["token"].as_str().unwrap().to_string()).await;
    assert_eq!(res.status(), StatusCode::OK);
}

/// Every route of the Mastodon API that changes something.
const MASTODON_WRITES: &[(&str, &str)] = &[
    ("PATCH", "/api/v1/accounts/update_credentials"),
    ("POST", "/api/v1/accounts/{account}/follow"),
    ("POST", "/api/v1/accounts/{account}/unfollow"),
    ("POST", "/api/v1/accounts/{account}/remove_from_followers"),
    ("POST", "/api/v1/accounts/{account}/block"),
    ("POST", "/api/v1/accounts/{account}/unblock"),
    ("POST", "/api/v1/accounts/{account}/mute"),
    ("POST", "/api/v1/accounts/{account}/unmute"),
    ("POST", "/api/v1/accounts/{account}/pin"),
    ("POST", "/api/v1/accounts/{account}/unpin"),
    ("POST", "/api/v1/accounts/{account}/note"),
    ("POST", "/api/v1/lists"),
    ("PUT", "/api/v1/lists/1"),
    ("DELETE", "/api/v1/lists/1"),
    ("POST", "/api/v1/lists/1/accounts"),
    ("DELETE", "/api/v1/lists/1/accounts"),
    ("POST", "/api/v1/featured_tags"),
    ("POST", "/api/v1/announcements/1/dismiss"),
    ("POST", "/api/v1/tags/design/follow"),
    ("POST", "/api/v1/tags/design/unfollow"),
    ("POST", "/api/v1/reports"),
    ("POST", "/api/v1/media"),
    ("POST", "/api/v2/media"),
    ("POST", "/api/v1/notifications/clear"),
    ("PATCH", "/api/v1/notifications/policy"),
    ("PATCH", "/api/v2/notifications/policy"),
    ("POST", "/api/v1/notifications/1/dismiss"),
    ("POST", "/api/v1/markers"),
    ("POST", "/api/v1/follow_requests/{account}/authorize"),
    ("POST", "/api/v1/follow_requests/{account}/reject"),
    ("POST", "/api/v1/statuses"),
    ("PUT", "/api/v1/statuses/{status}"),
    ("DELETE", "/api/v1/statuses/{status}"),
    ("POST", "/api/v1/statuses/{status}/favourite"),
    ("POST", "/api/v1/statuses/{status}/unfavourite"),
    ("POST", "/api/v1/statuses/{status}/bookmark"),
    ("POST", "/api/v1/statuses/{status}/unbookmark"),
    ("POST", "/api/v1/statuses/{status}/reblog"),
    ("POST", "/api/v1/statuses/{status}/unreblog"),
    ("POST", "/api/v1/statuses/{status}/pin"),
    ("POST", "/api/v1/statuses/{status}/unpin"),
    ("POST", "/api/v1/statuses/{status}/mute"),
    ("POST", "/api/v1/statuses/{status}/unmute"),
];

#[tokio::test]
async fn a_read_token_writes_nothing_through_the_mastodon_api() {
    let (app, _root, _thread, _comment) = setup().await;
    app.register("bob").await;
    let read = sign_in(&app, "root", "read").await.token;
    let lookup = |acct: &'static str| {
        let (app, read) = (&app, read.clone());
        async move {
            let path = format!("/api/v1/accounts/lookup?acct={acct}");
            let found = send(app, Method::GET, &path, Some(&read), None, None).await;
            found.body["id"].as_str().expect("account id").to_string()
        }
    };
    let account = lookup("bob").await;
    let path = format!("/api/v1/accounts/{}/statuses", lookup("root").await);
    let statuses = send(&app, Method::GET, &path, Some(&read), None, None).await;
    let status_id = statuses.body[0]["id"]
        .as_str()
        .expect("the thread is a status")
        .to_string();
    let before = app.fingerprint().await;
    for (method, path) in MASTODON_WRITES {
        let path = path
            .replace("{account}", &account)
            .replace("{status}", &status_id);
        let m = Method::from_bytes(method.as_bytes()).expect("method");
        let answer = send(&app, m, &path, Some(&read), None, Some(json!({}))).await;
        assert_eq!(
            answer.status,
            StatusCode::FORBIDDEN,
            "{method} {path}: {}",
            answer.body
        );
    }
    assert_eq!(
        app.fingerprint().await,
        before,
        "a read token wrote something"
    );
}
