//! A remote group looks whole: joined from another instance, it shows its recent threads, its
//! stewards, its guidelines and its member count, and keeps them up to date.

use commonplace::db::schema::{groups, stewards};
use diesel::prelude::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::federation::resolve_and_join;
use crate::helpers::{eventually, spawn_named, TestApp};

async fn remote_group(app: &TestApp, handle: &str) -> Value {
    let (status, g) = app.get(&format!("/api/v1/groups/{handle}"), None).await;
    assert_eq!(status, StatusCode::OK, "{g}");
    g
}

async fn thread_titles(app: &TestApp, handle: &str) -> Vec<String> {
    let (status, page) = app
        .get(&format!("/api/v1/groups/{handle}/threads?limit=50"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["title"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn steward_handles(g: &Value) -> Vec<String> {
    let mut s: Vec<String> = g["stewards"]
        .as_array()
        .map(|s| {
            s.iter()
                .map(|p| p["handle"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default();
    s.sort();
    s
}

#[tokio::test]
async fn a_group_joined_from_elsewhere_shows_its_threads_stewards_guidelines_and_members() {
    let alpha = spawn_named("alpha").await;
    let beta = spawn_named("beta").await;

    // A group with a history before anyone on beta knew of it.
    let alice = alpha.register("alice").await;
    let (status, body) = alpha
        .post(
            "/api/v1/groups",
            Some(&alice),
            json!({"name": "forms", "title": "Forms", "description": "About *forms*.",
                   "rules": "Be kind.\n\nNo **sales** pitches."}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let carol = alpha.register("carol").await;
    let dave = alpha.register("dave").await;
    for t in [&carol, &dave] {
        alpha
            .post("/api/v1/groups/forms/join", Some(t), json!({}))
            .await;
    }
    let (status, _) = alpha
        .post(
            "/api/v1/groups/forms/members/carol/steward",
            Some(&alice),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    for i in 1..=3 {
        let t = alpha
            .thread(&alice, "forms", &format!("Older thread {i}"))
            .await;
        alpha.comment(&dave, t, None, "A reply").await;
    }

    let bob = beta.register("bob").await;
    let handle = resolve_and_join(&beta, &bob, &alpha.handle("forms")).await;

    eventually("the recent threads are read from the outbox", || async {
        thread_titles(&beta, &handle).await.len() == 3
    })
    .await;
    let (_, page) = beta
        .get(&format!("/api/v1/groups/{handle}/threads"), None)
        .await;
    for t in page["items"].as_array().unwrap() {
        assert_eq!(t["comment_count"], 1, "the group's count of replies: {t}");
    }
    let mut titles = thread_titles(&beta, &handle).await;
    titles.sort();
    assert_eq!(
        titles,
        ["Older thread 1", "Older thread 2", "Older thread 3"]
    );
    let mut expected = vec![alpha.handle("alice"), alpha.handle("carol")];
    expected.sort();
    eventually(
        "the stewards are read from the moderators collection",
        || async { steward_handles(&remote_group(&beta, &handle).await) == expected },
    )
    .await;
    let g = remote_group(&beta, &handle).await;
    let rules = g["rules"].as_str().unwrap();
    assert!(
        rules.contains("Be kind.") && rules.contains("<strong>sales</strong>"),
        "{g}"
    );
    let on_alpha = alpha.get("/api/v1/groups/forms", None).await.1;
    assert_eq!(on_alpha["member_count"], 4, "alice, carol, dave and bob");
    eventually("the member count is the group's own", || async {
        remote_group(&beta, &handle).await["member_count"] == 4
    })
    .await;

    // New guidelines reach beta with the group's Update.
    let (status, _) = alpha
        .patch(
            "/api/v1/groups/forms",
            Some(&alice),
            json!({"rules": "Be kind, always."}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    eventually("new guidelines on beta", || async {
        remote_group(&beta, &handle).await["rules"]
            .as_str()
            .unwrap_or_default()
            .contains("always")
    })
    .await;

    // What drifted is put right by the periodic refresh.
    beta.server
        .state
        .db
        .write(|c| {
            let id: i64 = groups::table
                .filter(groups::local.eq(false))
                .select(groups::id)
                .first(c)?;
            diesel::update(groups::table.find(id))
                .set(groups::member_count.eq(1))
                .execute(c)?;
            diesel::delete(stewards::table.filter(stewards::group_id.eq(id))).execute(c)?;
            Ok(())
        })
        .await
        .unwrap();
    let federation = commonplace::app::federation_config(&beta.server.state)
        .await
        .unwrap();
    let refreshed = commonplace::federation::backfill::refresh_stale(
        &federation.to_request_data(),
        chrono::Duration::zero(),
    )
    .await
    .unwrap();
    assert_eq!(refreshed, 1);
    let g = remote_group(&beta, &handle).await;
    assert_eq!(g["member_count"], 4);
    assert_eq!(steward_handles(&g), expected);
}
