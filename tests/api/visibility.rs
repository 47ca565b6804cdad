//! One visibility rule and one posting rule through every door: what stewards removed is gone
//! from the JSON API, the Mastodon API, ActivityPub and the pages alike, and only those who may
//! post may vote.

use reqwest::{header, Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::federation::resolve_and_join;
use crate::helpers::mastodon::{get as mget, send, sign_in};
use crate::helpers::{spawn_app, spawn_named, TestApp};

/// The Mastodon status id of a comment, read from its author's statuses.
async fn status_of_comment(app: &TestApp, token: &str, body: &str) -> String {
    let me = mget(app, "/api/v1/accounts/verify_credentials", Some(token)).await;
    let id = me.body["id"].as_str().expect("account id");
    let statuses = mget(app, &format!("/api/v1/accounts/{id}/statuses"), Some(token)).await;
    statuses
        .body
        .as_array()
        .expect("statuses")
        .iter()
        .find(|s| s["content"].as_str().unwrap_or_default().contains(body))
        .and_then(|s| s["id"].as_str())
        .expect("the comment is a status")
        .to_string()
}

async fn activity_get(app: &TestApp, path: &str) -> (StatusCode, Value) {
    let res = app
        .client
        .get(format!("{}{path}", app.base))
        .header(header::ACCEPT, "application/activity+json")
        .send()
        .await
        .expect("sent");
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_removed_threads_comments_are_gone_through_every_door() {
    let app = spawn_named("alpha").await;
    let root = app.admin("root").await;
    app.group(&root, "design").await;
    // A member elsewhere, so that the group's activities are sent, and kept at their ids.
    let beta = spawn_named("beta").await;
    let dan = beta.register("dan").await;
    resolve_and_join(&beta, &dan, &app.handle("design")).await;
    let bob = app.register("bob").await;
    let carol_app = {
        app.register("carol").await;
        sign_in(&app, "carol", "read write").await.token
    };
    let thread = app.thread(&bob, "design", "Soon removed").await;
    let comment = app
        .comment(&carol_app, thread, None, "A reply that must go")
        .await;
    let status = status_of_comment(&app, &carol_app, "A reply that must go").await;
    let (status_code, _) = activity_get(&app, &format!("/c/{comment}")).await;
    assert_eq!(status_code, StatusCode::OK, "served before the removal");

    let (code, body) = app
        .post(
            &format!("/api/v1/threads/{thread}/remove"),
            Some(&root),
            json!({}),
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{body}");

    // The JSON API: the thread and its comments are gone, for the comment's own author too.
    for token in [None, Some(carol_app.as_str())] {
        let (code, _) = app.get(&format!("/api/v1/threads/{thread}"), token).await;
        assert_eq!(code, StatusCode::NOT_FOUND);
    }
    // …but the stewards see what they removed, with its replies.
    let (code, detail) = app
        .get(&format!("/api/v1/threads/{thread}"), Some(&root))
        .await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(detail["comments"][0]["id"], comment);

    // The Mastodon API: the status, its source and history, timelines and profiles.
    for path in [
        format!("/api/v1/statuses/{status}"),
        format!("/api/v1/statuses/{status}/source"),
        format!("/api/v1/statuses/{status}/history"),
        format!("/api/v1/statuses/{status}/context"),
    ] {
        let a = mget(&app, &path, Some(&carol_app)).await;
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{path}: {}", a.body);
    }
    for path in [
        "/api/v1/timelines/public".to_string(),
        "/api/v1/timelines/home".to_string(),
    ] {
        let a = mget(&app, &path, Some(&carol_app)).await;
        assert_eq!(a.status, StatusCode::OK);
        let text = a.body.to_string();
        assert!(!text.contains("A reply that must go"), "{path}: {text}");
    }
    let me = mget(
        &app,
        "/api/v1/accounts/verify_credentials",
        Some(&carol_app),
    )
    .await;
    let mine = mget(
        &app,
        &format!(
            "/api/v1/accounts/{}/statuses",
            me.body["id"].as_str().unwrap()
        ),
        None,
    )
    .await;
    assert_eq!(mine.body, json!([]));

    // ActivityPub: a Tombstone, for the comment and for every activity that carries it.
    let (code, doc) = activity_get(&app, &format!("/c/{comment}")).await;
    assert_eq!(code, StatusCode::GONE);
    assert_eq!(doc["type"], "Tombstone");
    let comment_ap_id = format!("http://{}/c/{comment}", app.server.state.config.domain);
    let carrying: Vec<String> = app
        .server
        .state
        .db
        .read(move |c| {
            use commonplace::db::schema::activities;
            use diesel::prelude::*;
            Ok(activities::table
                .filter(activities::data.like(format!("%{comment_ap_id}\"%")))
                .filter(activities::kind.ne("Delete"))
                .select(activities::ap_id)
                .load(c)?)
        })
        .await
        .unwrap();
    assert!(!carrying.is_empty(), "the comment's Create is kept");
    for id in carrying {
        let path = url::Url::parse(&id).unwrap().path().to_string();
        let (code, doc) = activity_get(&app, &path).await;
        assert_eq!(code, StatusCode::GONE, "{path}: {doc}");
    }

    // The pages.
    let res = app
        .client
        .get(format!("{}/t/{thread}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // Nothing gone may be edited or voted on, through either API.
    let before = app.fingerprint().await;
    let (code, body) = app
        .patch(
            &format!("/api/v1/comments/{comment}"),
            Some(&carol_app),
            json!({"body": "edited after all"}),
        )
        .await;
    assert_eq!(code, StatusCode::CONFLICT, "{body}");
    let edit = send(
        &app,
        Method::PUT,
        &format!("/api/v1/statuses/{status}"),
        Some(&carol_app),
        Some(&[("status", "edited after all")]),
        None,
    )
    .await;
    assert!(edit.status.is_client_error(), "{}", edit.body);
    let (code, _) = app
        .post(
            &format!("/api/v1/comments/{comment}/vote"),
            Some(&bob),
            json!({"score": 1}),
        )
        .await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY);
    let fav = send(
        &app,
        Method::POST,
        &format!("/api/v1/statuses/{status}/favourite"),
        Some(&carol_app),
        None,
        None,
    )
    .await;
    assert!(fav.status.is_client_error(), "{}", fav.body);
    assert_eq!(app.fingerprint().await, before);

    // Restored, everything is back.
    let (code, _) = app
        .post(
            &format!("/api/v1/threads/{thread}/remove"),
            Some(&root),
            json!({"value": false}),
        )
        .await;
    assert_eq!(code, StatusCode::OK);
    let a = mget(&app, &format!("/api/v1/statuses/{status}"), None).await;
    assert_eq!(a.status, StatusCode::OK);
    let (code, _) = activity_get(&app, &format!("/c/{comment}")).await;
    assert_eq!(code, StatusCode::OK);
}

#[tokio::test]
async fn only_those_who_may_post_may_vote() {
    let app = spawn_app().await;
    let root = app.admin("root").await;
    let (code, body) = app
        .post(
            "/api/v1/groups",
            Some(&root),
            json!({"name": "closed", "title": "Closed", "approval_required": true}),
        )
        .await;
    assert_eq!(code, StatusCode::CREATED, "{body}");
    let thread = app.thread(&root, "closed", "Members only vote").await;
    let comment = app.comment(&root, thread, None, "A reply").await;
    // A member, later banned; one waiting for approval; a stranger.
    let banned = app.register("banned").await;
    app.post("/api/v1/groups/closed/join", Some(&banned), json!({}))
        .await;
    let (code, _) = app
        .post(
            "/api/v1/groups/closed/members/banned/approve",
            Some(&root),
            json!({}),
        )
        .await;
    assert!(code.is_success());
    let (code, body) = app
        .post(
            &format!("/api/v1/threads/{thread}/vote"),
            Some(&banned),
            json!({"score": 1}),
        )
        .await;
    assert_eq!(code, StatusCode::OK, "a member votes: {body}");
    let (code, body) = app
        .post(
            "/api/v1/groups/closed/members/banned/ban",
            Some(&root),
            json!({}),
        )
        .await;
    assert!(code.is_success(), "{body}");
    let pending = app.register("pending").await;
    app.post("/api/v1/groups/closed/join", Some(&pending), json!({}))
        .await;
    let stranger = app.register("stranger").await;

    let before = app.fingerprint().await;
    let thread_status = {
        let t = sign_in(&app, "root", "read").await.token;
        let me = mget(&app, "/api/v1/accounts/verify_credentials", Some(&t)).await;
        let statuses = mget(
            &app,
            &format!(
                "/api/v1/accounts/{}/statuses",
                me.body["id"].as_str().unwrap()
            ),
            Some(&t),
        )
        .await;
        statuses
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(thread_status.len(), 2, "the thread and the reply");
    for (name, token) in [
        ("banned", &banned),
        ("pending", &pending),
        ("stranger", &stranger),
    ] {
        for path in [
            format!("/api/v1/threads/{thread}/vote"),
            format!("/api/v1/comments/{comment}/vote"),
        ] {
            let (code, body) = app.post(&path, Some(token), json!({"score": 1})).await;
            assert_eq!(code, StatusCode::FORBIDDEN, "{name} {path}: {body}");
        }
        let masto = sign_in(&app, name, "read write").await.token;
        for status in &thread_status {
            let fav = send(
                &app,
                Method::POST,
                &format!("/api/v1/statuses/{status}/favourite"),
                Some(&masto),
                None,
                None,
            )
            .await;
            assert_eq!(fav.status, StatusCode::FORBIDDEN, "{name}: {}", fav.body);
        }
    }
    // Sign-ins made tokens; nothing else was written.
    let without_tokens = |f: Vec<(String, i64)>| {
        f.into_iter()
            .filter(|(t, _)| t != "tokens" && !t.starts_with("oauth"))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        without_tokens(app.fingerprint().await),
        without_tokens(before)
    );
}
