use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn groups_are_created_found_and_searched() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let group = app.group(&alice, "service_design").await;
    assert_eq!(group["member_count"], 1);
    assert_eq!(group["membership"], "accepted");
    assert_eq!(group["viewer_is_steward"], true);
    assert_eq!(group["stewards"][0]["name"], "alice");
    assert!(group["ap_id"]
        .as_str()
        .unwrap()
        .ends_with("/g/service_design"));

    let (status, body) = app
        .post(
            "/api/v1/groups",
            Some(&alice),
            json!({"name": "service_design", "title": "Again"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["field"], "name");
    let (status, _) = app
        .post(
            "/api/v1/groups",
            Some(&alice),
            json!({"name": "alice", "title": "Same as a person"}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "groups and people share acct: names"
    );
    let (status, body) = app
        .post(
            "/api/v1/groups",
            Some(&alice),
            json!({"name": "Bad Name", "title": "x"}),
        )
        .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("name"))
    );
    let (status, _) = app
        .post(
            "/api/v1/groups",
            None,
            json!({"name": "anon", "title": "x"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    for name in ["data_people", "accessibility", "open_data"] {
        app.group(&alice, name).await;
    }
    let (_, found) = app.get("/api/v1/groups?q=DATA", None).await;
    let names: Vec<&str> = found["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.contains(&"data_people") && names.contains(&"open_data"));
    let (_, found) = app.get("/api/v1/groups?q=100%25", None).await;
    assert_eq!(
        found["items"].as_array().unwrap().len(),
        0,
        "% is matched literally"
    );

    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let (status, page) = app
            .get(&format!("/api/v1/groups?limit=3&cursor={cursor}"), None)
            .await;
        assert_eq!(status, StatusCode::OK);
        for g in page["items"].as_array().unwrap() {
            seen.push(g["name"].as_str().unwrap().to_string());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = c.to_string(),
            None => break,
        }
    }
    assert_eq!(seen.len(), 4);
    let (status, body) = app.get("/api/v1/groups?limit=0", None).await;
    assert_eq!(
        (status, body["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("limit"))
    );
    let (status, _) = app.get("/api/v1/groups?cursor=bogus", None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = app.get("/api/v1/groups/nope", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn stewards_edit_groups_and_others_cannot() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    app.group(&alice, "design").await;
    let before = app.fingerprint().await;
    let (status, _) = app
        .patch(
            "/api/v1/groups/design",
            Some(&bob),
            json!({"title": "Hijacked"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(app.fingerprint().await, before);
    let (status, group) = app
        .patch(
            "/api/v1/groups/design",
            Some(&alice),
            json!({"title": "Design", "rules": "1. Be *kind*\n<iframe src=x>"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(group["title"], "Design");
    assert!(group["rules"].as_str().unwrap().contains("<em>kind</em>"));
    assert!(!group["rules"].as_str().unwrap().contains("<iframe"));
}

#[tokio::test]
async fn joining_leaving_and_approval() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let carol = app.register("carol").await;
    app.group(&alice, "open").await;
    let (_, joined) = app
        .post("/api/v1/groups/open/join", Some(&bob), json!({}))
        .await;
    assert_eq!(joined["state"], "accepted");
    let (_, again) = app
        .post("/api/v1/groups/open/join", Some(&bob), json!({}))
        .await;
    assert_eq!(again["state"], "accepted", "joining twice is harmless");
    let (_, group) = app.get("/api/v1/groups/open", Some(&bob)).await;
    assert_eq!(group["member_count"], 2);
    assert_eq!(group["membership"], "accepted");
    assert_eq!(group["viewer_is_steward"], false);

    let (_, members) = app.get("/api/v1/groups/open/members", None).await;
    let items = members["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["person"]["name"], "alice");
    assert_eq!(items[0]["steward"], true);
    assert_eq!(items[1]["steward"], false);

    let (_, left) = app
        .post("/api/v1/groups/open/leave", Some(&bob), json!({}))
        .await;
    assert_eq!(left["state"], "none");
    let (status, body) = app
        .post("/api/v1/groups/open/leave", Some(&alice), json!({}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");

    // A group whose stewards approve members.
    app.post(
        "/api/v1/groups",
        Some(&alice),
        json!({"name": "closed_circle", "title": "Closed", "approval_required": true}),
    )
    .await;
    let (_, pending) = app
        .post("/api/v1/groups/closed_circle/join", Some(&bob), json!({}))
        .await;
    assert_eq!(pending["state"], "pending");
    let (status, _) = app
        .post(
            "/api/v1/groups/closed_circle/threads",
            Some(&bob),
            json!({"title": "Too early"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "pending members do not post");
    let (status, _) = app
        .get(
            "/api/v1/groups/closed_circle/members?state=pending",
            Some(&bob),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, requests) = app
        .get(
            "/api/v1/groups/closed_circle/members?state=pending",
            Some(&alice),
        )
        .await;
    assert_eq!(requests["items"][0]["person"]["name"], "bob");
    let (status, _) = app
        .post(
            "/api/v1/groups/closed_circle/members/bob/approve",
            Some(&carol),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, approved) = app
        .post(
            "/api/v1/groups/closed_circle/members/bob/approve",
            Some(&alice),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(approved["state"], "accepted");
    let (_, group) = app.get("/api/v1/groups/closed_circle", None).await;
    assert_eq!(group["member_count"], 2);
    app.thread(&bob, "closed_circle", "Now I can post").await;

    // Stewards: a second steward lets the first leave; stewards cannot be removed as members.
    let (status, made) = app
        .post(
            "/api/v1/groups/closed_circle/members/bob/steward",
            Some(&alice),
            json!({}),
        )
        .await;
    assert_eq!(
        (status, made["steward"].as_bool()),
        (StatusCode::OK, Some(true))
    );
    let (status, _) = app
        .post(
            "/api/v1/groups/closed_circle/members/bob/remove",
            Some(&alice),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    app.post("/api/v1/groups/closed_circle/join", Some(&carol), json!({}))
        .await;
    let (status, removed) = app
        .post(
            "/api/v1/groups/closed_circle/members/carol/remove",
            Some(&bob),
            json!({}),
        )
        .await;
    assert_eq!(
        (status, removed["state"].as_str()),
        (StatusCode::OK, Some("none"))
    );
    let (status, _) = app
        .post(
            "/api/v1/groups/closed_circle/leave",
            Some(&alice),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, group) = app.get("/api/v1/groups/closed_circle", None).await;
    assert_eq!(group["stewards"].as_array().unwrap().len(), 1);
    assert_eq!(group["member_count"], 1);
}
