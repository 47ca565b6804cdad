use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_with, TestApp};

async fn walk(app: &TestApp, path: &str, token: Option<&str>) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor = String::new();
    loop {
        let sep = if path.contains('?') { '&' } else { '?' };
        let (status, page) = app
            .get(&format!("{path}{sep}limit=2&cursor={cursor}"), token)
            .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = c.to_string(),
            None => return items,
        }
    }
}

fn titles(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|t| t["title"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn threads_are_posted_listed_in_three_orders_and_paged() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    app.group(&alice, "design").await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(app.thread(&alice, "design", &format!("T{i}")).await);
    }
    let all = walk(&app, "/api/v1/groups/design/threads", None).await;
    assert_eq!(titles(&all), ["T4", "T3", "T2", "T1", "T0"]);

    // Votes reorder `top`; a comment reorders `active`.
    app.post(
        &format!("/api/v1/threads/{}/vote", ids[1]),
        Some(&bob),
        json!({"score": 1}),
    )
    .await;
    app.post(
        &format!("/api/v1/threads/{}/vote", ids[1]),
        Some(&alice),
        json!({"score": 1}),
    )
    .await;
    app.post(
        &format!("/api/v1/threads/{}/vote", ids[3]),
        Some(&bob),
        json!({"score": 1}),
    )
    .await;
    app.post(
        &format!("/api/v1/threads/{}/vote", ids[4]),
        Some(&bob),
        json!({"score": -1}),
    )
    .await;
    let top = walk(&app, "/api/v1/groups/design/threads?sort=top", None).await;
    assert_eq!(titles(&top), ["T1", "T3", "T2", "T0", "T4"]);
    app.comment(&bob, ids[0], None, "Reviving this").await;
    let active = walk(&app, "/api/v1/groups/design/threads?sort=active", None).await;
    assert_eq!(titles(&active)[0], "T0");
    assert_eq!(active.len(), 5);

    let (_, page) = app
        .get("/api/v1/groups/design/threads?sort=top", Some(&bob))
        .await;
    assert_eq!(page["items"][0]["my_vote"], 1);
    assert_eq!(page["items"][0]["author"]["agency"], "Treasury");
    let (status, _) = app
        .get("/api/v1/groups/design/threads?sort=hot", None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = app.get("/api/v1/groups/nope/threads", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn thread_input_is_validated_and_sanitized() {
    let app = spawn_with(|c| c.limits.body_bytes = 1000).await;
    let alice = app.register("alice").await;
    app.group(&alice, "design").await;
    let before = app.fingerprint().await;
    for (body, status, field) in [
        (
            json!({"title": ""}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "title",
        ),
        (
            json!({"title": "x".repeat(201)}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "title",
        ),
        (
            json!({"title": "ok", "url": "javascript:alert(1)"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "url",
        ),
        (
            json!({"title": "ok", "url": "not a url"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "url",
        ),
        (
            json!({"title": "ok", "body": "x".repeat(1001)}),
            StatusCode::PAYLOAD_TOO_LARGE,
            "body",
        ),
    ] {
        let (got, err) = app
            .post("/api/v1/groups/design/threads", Some(&alice), body.clone())
            .await;
        assert_eq!(got, status, "{err}");
        assert_eq!(err["field"], field);
    }
    assert_eq!(
        app.fingerprint().await,
        before,
        "refused threads leave no trace"
    );

    let (status, t) = app
        .post("/api/v1/groups/design/threads", Some(&alice), json!({
            "title": "Forms",
            "url": "https://example.org/forms",
            "body": "Hello <script>alert(1)</script> <a href=\"javascript:alert(2)\" onclick=\"x()\">link</a> <img src=x onerror=alert(3)> [md](javascript:alert(4)) **ok**"
        }))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let html = t["body"].as_str().unwrap();
    // Raw HTML is shown as text; no element or attribute of it survives.
    let tags: Vec<&str> = html
        .split('<')
        .skip(1)
        .filter_map(|s| s.split('>').next())
        .collect();
    for tag in &tags {
        for bad in ["script", "img", "onclick", "onerror", "javascript:"] {
            assert!(!tag.contains(bad), "{bad} survived in <{tag}> of {html}");
        }
    }
    assert!(html.contains("&lt;script&gt;"), "{html}");
    assert!(html.contains("<strong>ok</strong>"));
    assert!(
        t["body_source"].as_str().unwrap().contains("<script>"),
        "the source is kept as written"
    );
    assert_eq!(t["url"], "https://example.org/forms");
}

#[tokio::test]
async fn comment_tree_counts_and_votes() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    app.group(&alice, "design").await;
    let t = app.thread(&alice, "design", "Tree").await;
    let other = app.thread(&alice, "design", "Other").await;
    let c1 = app.comment(&bob, t, None, "top one").await;
    let c2 = app.comment(&alice, t, Some(c1), "reply to one").await;
    let c3 = app.comment(&bob, t, Some(c2), "deeper").await;
    let c4 = app.comment(&alice, t, None, "top two").await;

    let (status, detail) = app.get(&format!("/api/v1/threads/{t}"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(detail["thread"]["comment_count"], 4);
    let roots = detail["comments"].as_array().unwrap();
    assert_eq!(roots.len(), 2);
    assert_eq!(roots[0]["id"], c1);
    assert_eq!(roots[0]["replies"][0]["id"], c2);
    assert_eq!(roots[0]["replies"][0]["replies"][0]["id"], c3);
    assert_eq!(roots[0]["replies"][0]["replies"][0]["depth"], 2);
    assert_eq!(roots[1]["id"], c4);

    let (status, err) = app
        .post(
            &format!("/api/v1/threads/{other}/comments"),
            Some(&bob),
            json!({"body": "x", "parent_id": c1}),
        )
        .await;
    assert_eq!(
        (status, err["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("parent_id"))
    );
    let (status, _) = app
        .post(
            &format!("/api/v1/threads/{t}/comments"),
            Some(&bob),
            json!({"body": "   "}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = app
        .post(
            "/api/v1/threads/99999/comments",
            Some(&bob),
            json!({"body": "x"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Votes: one per person, changed and withdrawn, counts stay consistent.
    let vote = |who: String, score: i64| {
        let app = &app;
        async move {
            app.post(
                &format!("/api/v1/comments/{c1}/vote"),
                Some(&who),
                json!({"score": score}),
            )
            .await
        }
    };
    let (_, v) = vote(alice.clone(), 1).await;
    assert_eq!(
        (
            v["score"].as_i64(),
            v["upvotes"].as_i64(),
            v["my_vote"].as_i64()
        ),
        (Some(1), Some(1), Some(1))
    );
    let (_, v) = vote(alice.clone(), 1).await;
    assert_eq!(v["score"], 1, "voting twice counts once");
    let (_, v) = vote(bob.clone(), -1).await;
    assert_eq!(
        (
            v["score"].as_i64(),
            v["upvotes"].as_i64(),
            v["downvotes"].as_i64()
        ),
        (Some(0), Some(1), Some(1))
    );
    let (_, v) = vote(alice.clone(), -1).await;
    assert_eq!(
        (
            v["score"].as_i64(),
            v["upvotes"].as_i64(),
            v["downvotes"].as_i64()
        ),
        (Some(-2), Some(0), Some(2))
    );
    let (_, v) = vote(bob.clone(), 0).await;
    assert_eq!(
        (v["score"].as_i64(), v["downvotes"].as_i64()),
        (Some(-1), Some(1))
    );
    assert!(v["my_vote"].is_null());
    let (status, err) = vote(bob.clone(), 2).await;
    assert_eq!(
        (status, err["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("score"))
    );
    let (_, detail) = app.get(&format!("/api/v1/threads/{t}"), Some(&alice)).await;
    assert_eq!(detail["comments"][0]["score"], -1);
    assert_eq!(detail["comments"][0]["my_vote"], -1);
    let (_, tv) = app
        .post(
            &format!("/api/v1/threads/{t}/vote"),
            Some(&bob),
            json!({"score": 1}),
        )
        .await;
    assert_eq!(tv["score"], 1);

    // Edits and deletions: authors only; a deleted comment stays as a tombstone in the tree.
    let (status, _) = app
        .patch(
            &format!("/api/v1/comments/{c1}"),
            Some(&alice),
            json!({"body": "not mine"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, edited) = app
        .patch(
            &format!("/api/v1/comments/{c1}"),
            Some(&bob),
            json!({"body": "top *one*"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(edited["body"].as_str().unwrap().contains("<em>one</em>"));
    assert!(edited["updated_at"].is_string());
    let (status, _) = app
        .delete(&format!("/api/v1/comments/{c1}"), Some(&alice))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app
        .delete(&format!("/api/v1/comments/{c1}"), Some(&bob))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, detail) = app.get(&format!("/api/v1/threads/{t}"), None).await;
    assert_eq!(detail["thread"]["comment_count"], 3);
    assert_eq!(detail["comments"][0]["deleted"], true);
    assert_eq!(detail["comments"][0]["body"], "");
    assert_eq!(
        detail["comments"][0]["replies"][0]["id"], c2,
        "replies keep their place"
    );
    let (status, _) = vote(bob.clone(), 1).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "no votes on deleted content"
    );
    let (status, _) = app
        .post(
            &format!("/api/v1/threads/{t}/comments"),
            Some(&bob),
            json!({"body": "x", "parent_id": c1}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "no replies to deleted comments"
    );
}

#[tokio::test]
async fn authors_edit_and_delete_threads() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    app.group(&alice, "design").await;
    let t = app.thread(&alice, "design", "Draft").await;
    let (status, _) = app
        .patch(
            &format!("/api/v1/threads/{t}"),
            Some(&bob),
            json!({"title": "Mine now"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, edited) = app
        .patch(
            &format!("/api/v1/threads/{t}"),
            Some(&alice),
            json!({"title": "Final", "url": "https://example.org/"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(edited["title"], "Final");
    let (_, edited) = app
        .patch(
            &format!("/api/v1/threads/{t}"),
            Some(&alice),
            json!({"url": ""}),
        )
        .await;
    assert!(edited["url"].is_null());
    let c = app.comment(&bob, t, None, "kept").await;
    let (status, _) = app
        .delete(&format!("/api/v1/threads/{t}"), Some(&bob))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app
        .delete(&format!("/api/v1/threads/{t}"), Some(&alice))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, detail) = app.get(&format!("/api/v1/threads/{t}"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(detail["thread"]["deleted"], true);
    assert_eq!(detail["thread"]["title"], "");
    assert_eq!(detail["comments"][0]["id"], c);
    let (_, list) = app.get("/api/v1/groups/design/threads", None).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
    let (_, group) = app.get("/api/v1/groups/design", None).await;
    assert_eq!(group["thread_count"], 0);
    let (status, _) = app
        .patch(
            &format!("/api/v1/threads/{t}"),
            Some(&alice),
            json!({"title": "Back"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = app
        .post(
            &format!("/api/v1/threads/{t}/vote"),
            Some(&bob),
            json!({"score": 1}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = app.get("/api/v1/threads/123456", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.get("/api/v1/threads/abc", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn stewards_pin_lock_and_remove() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    app.group(&alice, "design").await;
    let t = app.thread(&bob, "design", "Bob's thread").await;
    let c = app.comment(&bob, t, None, "comment").await;
    let before = app.fingerprint().await;
    for action in ["pin", "lock", "remove"] {
        let (status, _) = app
            .post(
                &format!("/api/v1/threads/{t}/{action}"),
                Some(&bob),
                json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{action} by a non-steward");
    }
    let (status, _) = app
        .post(
            &format!("/api/v1/comments/{c}/remove"),
            Some(&bob),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(app.fingerprint().await, before);

    let res = app
        .client
        .post(format!("{}/api/v1/threads/{t}/pin", app.base))
        .bearer_auth(&alice)
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "an empty body means value=true"
    );
    let (_, list) = app.get("/api/v1/groups/design/threads", None).await;
    assert_eq!(list["items"][0]["pinned"], true);
    let (_, unpinned) = app
        .post(
            &format!("/api/v1/threads/{t}/pin"),
            Some(&alice),
            json!({"value": false}),
        )
        .await;
    assert_eq!(unpinned["pinned"], false);

    let (_, locked) = app
        .post(
            &format!("/api/v1/threads/{t}/lock"),
            Some(&alice),
            json!({}),
        )
        .await;
    assert_eq!(locked["locked"], true);
    let (status, body) = app
        .post(
            &format!("/api/v1/threads/{t}/comments"),
            Some(&bob),
            json!({"body": "more"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body["message"].as_str().unwrap().contains("locked"));

    let (_, removed) = app
        .post(
            &format!("/api/v1/comments/{c}/remove"),
            Some(&alice),
            json!({}),
        )
        .await;
    assert_eq!(removed["removed"], true);
    assert_eq!(
        removed["body_source"], "comment",
        "stewards still see what they removed"
    );
    let (_, removed) = app
        .post(
            &format!("/api/v1/threads/{t}/remove"),
            Some(&alice),
            json!({}),
        )
        .await;
    assert_eq!(removed["removed"], true);
    let (_, list) = app.get("/api/v1/groups/design/threads", None).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
    let (status, _) = app.get(&format!("/api/v1/threads/{t}"), Some(&bob)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "gone for members");
    let (_, detail) = app.get(&format!("/api/v1/threads/{t}"), Some(&alice)).await;
    assert_eq!(
        detail["thread"]["title"], "Bob's thread",
        "visible to stewards"
    );
    let (status, _) = app
        .patch(
            &format!("/api/v1/threads/{t}"),
            Some(&bob),
            json!({"title": "sneaky"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (_, restored) = app
        .post(
            &format!("/api/v1/threads/{t}/remove"),
            Some(&alice),
            json!({"value": false}),
        )
        .await;
    assert_eq!(restored["removed"], false);
    let (_, group) = app.get("/api/v1/groups/design", None).await;
    assert_eq!(group["thread_count"], 1);
}

#[tokio::test]
async fn feed_shows_threads_from_my_groups() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    app.group(&alice, "design").await;
    app.group(&alice, "data").await;
    app.group(&alice, "other").await;
    app.post("/api/v1/groups/design/join", Some(&bob), json!({}))
        .await;
    app.post("/api/v1/groups/data/join", Some(&bob), json!({}))
        .await;
    app.thread(&alice, "design", "D1").await;
    app.thread(&alice, "other", "O1").await;
    app.thread(&alice, "data", "DA1").await;
    app.thread(&alice, "design", "D2").await;
    let feed = walk(&app, "/api/v1/feed", Some(&bob)).await;
    assert_eq!(titles(&feed), ["D2", "DA1", "D1"]);
    let (status, _) = app.get("/api/v1/feed", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    app.post("/api/v1/groups/design/leave", Some(&bob), json!({}))
        .await;
    let feed = walk(&app, "/api/v1/feed", Some(&bob)).await;
    assert_eq!(titles(&feed), ["DA1"]);
}

#[tokio::test]
async fn invisible_text_is_empty_text() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    app.group(&alice, "design").await;
    let thread = app.thread(&alice, "design", "A thread").await;
    let before = app.fingerprint().await;
    for blank in [
        "\u{3000}",
        "\u{200B}\u{200B}",
        "\u{00A0} \u{00A0}",
        "\u{FEFF}\u{2060}\u{200D}",
        "\t\u{3164}\u{180E}",
    ] {
        let (status, body) = app
            .post(
                "/api/v1/groups/design/threads",
                Some(&alice),
                json!({"title": blank, "body": "text"}),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{blank:?}: {body}"
        );
        assert_eq!(body["field"], "title");
        let (status, body) = app
            .post(
                &format!("/api/v1/threads/{thread}/comments"),
                Some(&alice),
                json!({"body": blank}),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{blank:?}: {body}"
        );
        assert_eq!(body["field"], "body");
        let (status, body) = app
            .post(
                "/api/v1/groups",
                Some(&alice),
                json!({"name": "blank", "title": blank}),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{blank:?}: {body}"
        );
    }
    assert_eq!(app.fingerprint().await, before);
    // Visible text around such characters is kept as typed.
    let (status, body) = app
        .post(
            "/api/v1/groups/design/threads",
            Some(&alice),
            json!({"title": "I \u{2764}\u{FE0F} forms", "body": ""}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["title"], "I \u{2764}\u{FE0F} forms");
}

#[tokio::test]
async fn posting_is_limited_per_member() {
    let app = spawn_with(|c| c.limits.posts_per_minute = 3).await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    app.group(&alice, "design").await;
    let thread = app.thread(&alice, "design", "One").await;
    app.thread(&alice, "design", "Two").await;
    app.comment(&alice, thread, None, "Three").await;
    let before = app.fingerprint().await;
    let (status, body) = app
        .post(
            "/api/v1/groups/design/threads",
            Some(&alice),
            json!({"title": "Four", "body": ""}),
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["error"], "rate_limited");
    let (status, _) = app
        .post(
            &format!("/api/v1/threads/{thread}/comments"),
            Some(&alice),
            json!({"body": "Four"}),
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    // Through the Mastodon API too: the limit is the member's, whatever the door.
    let app_token = crate::helpers::mastodon::sign_in(&app, "alice", "read write")
        .await
        .token;
    let toot = crate::helpers::mastodon::post_form(
        &app,
        "/api/v1/statuses",
        Some(&app_token),
        &[("status", "@design Five")],
    )
    .await;
    assert_eq!(toot.status, StatusCode::TOO_MANY_REQUESTS, "{}", toot.body);
    let without_tokens = |f: Vec<(String, i64)>| {
        f.into_iter()
            .filter(|(t, _)| t != "tokens")
            .collect::<Vec<_>>()
    };
    assert_eq!(
        without_tokens(app.fingerprint().await),
        without_tokens(before)
    );
    // Someone else still posts.
    app.comment(&bob, thread, None, "Bob's turn").await;
}
