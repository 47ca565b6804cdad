//! Members follow people, here and on other servers; followed people's threads reach the feed.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::federation::{at, post_signed, resolve_and_join, signer};
use crate::helpers::{eventually, spawn_app, spawn_named, TestApp};

async fn feed_titles(app: &TestApp, token: &str) -> Vec<String> {
    let (status, feed) = app.get("/api/v1/feed", Some(token)).await;
    assert_eq!(status, StatusCode::OK, "{feed}");
    feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["title"].as_str().unwrap().to_string())
        .collect()
}

fn names(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["person"]["handle"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn members_follow_each_other_and_see_their_threads() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    app.group(&bob, "research").await;
    app.thread(&bob, "research", "Interview guides").await;
    assert!(feed_titles(&app, &alice).await.is_empty());

    let (status, body) = app
        .post("/api/v1/people/bob/follow", Some(&alice), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["state"], "accepted");
    // Again: nothing changes.
    let (_, again) = app
        .post("/api/v1/people/bob/follow", Some(&alice), json!({}))
        .await;
    assert_eq!(again["state"], "accepted");
    assert_eq!(feed_titles(&app, &alice).await, vec!["Interview guides"]);

    let (_, profile) = app.get("/api/v1/people/bob", Some(&alice)).await;
    assert_eq!(profile["followers_count"], 1, "{profile}");
    assert_eq!(profile["following_count"], 0);
    assert_eq!(profile["follow"], "accepted");
    let (_, anonymous) = app.get("/api/v1/people/bob", None).await;
    assert!(anonymous.get("follow").is_none(), "{anonymous}");
    let (_, followers) = app.get("/api/v1/people/bob/followers", None).await;
    assert_eq!(names(&followers), vec![app.handle("alice")]);
    let (_, following) = app.get("/api/v1/people/alice/following", None).await;
    assert_eq!(names(&following), vec![app.handle("bob")]);

    // Refusals.
    let (status, _) = app
        .post("/api/v1/people/alice/follow", Some(&alice), json!({}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = app
        .post("/api/v1/people/nobody/follow", Some(&alice), json!({}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.post("/api/v1/people/bob/follow", None, json!({})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = app.get("/api/v1/people/bob/followers?limit=0", None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let (status, body) = app
        .post("/api/v1/people/bob/unfollow", Some(&alice), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["state"], "none");
    assert!(feed_titles(&app, &alice).await.is_empty());
    let (_, profile) = app.get("/api/v1/people/bob", Some(&alice)).await;
    assert_eq!(profile["followers_count"], 0);
    assert_eq!(profile["follow"], "none");
}

#[tokio::test]
async fn following_someone_elsewhere_waits_for_their_server() {
    let alpha = spawn_named("alpha").await;
    let beta = spawn_named("beta").await;
    // Alice is a member, not a steward: beta, which reads the group's stewards when it joins,
    // does not know her before looking her up.
    let owner = alpha.register("owner").await;
    alpha.group(&owner, "design").await;
    let alice = alpha.register("alice").await;
    alpha
        .post("/api/v1/groups/design/join", Some(&alice), json!({}))
        .await;
    // Someone on beta belongs to the group, so beta receives its threads.
    let carol = beta.register("carol").await;
    resolve_and_join(&beta, &carol, &alpha.handle("design")).await;

    let bob = beta.register("bob").await;
    let alice_handle = alpha.handle("alice");
    let (status, body) = beta
        .post(
            &format!("/api/v1/people/{alice_handle}/follow"),
            Some(&bob),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "look them up first: {body}");
    let (status, found) = beta
        .get(&format!("/api/v1/resolve?q=@{alice_handle}"), Some(&bob))
        .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    let (_, body) = beta
        .post(
            &format!("/api/v1/people/{alice_handle}/follow"),
            Some(&bob),
            json!({}),
        )
        .await;
    assert_eq!(body["state"], "pending");
    eventually("alice's server accepts", || async {
        beta.get(&format!("/api/v1/people/{alice_handle}"), Some(&bob))
            .await
            .1["follow"]
            == "accepted"
    })
    .await;
    let (_, profile) = alpha.get("/api/v1/people/alice", None).await;
    assert_eq!(profile["followers_count"], 1);
    let (_, followers) = alpha.get("/api/v1/people/alice/followers", None).await;
    assert_eq!(names(&followers), vec![beta.handle("bob")]);

    // Alice's new thread reaches beta through the group, and bob's feed through the follow.
    alpha.thread(&alice, "design", "Plain language").await;
    eventually("the thread is in bob's feed", || async {
        feed_titles(&beta, &bob).await == vec!["Plain language"]
    })
    .await;

    // Unfollowing tells alice's server.
    beta.post(
        &format!("/api/v1/people/{alice_handle}/unfollow"),
        Some(&bob),
        json!({}),
    )
    .await;
    eventually("alice's server hears of it", || async {
        alpha.get("/api/v1/people/alice", None).await.1["followers_count"] == 0
    })
    .await;
    assert!(feed_titles(&beta, &bob).await.is_empty());

    // A follow the other side refuses ends.
    let (_, body) = beta
        .post(
            &format!("/api/v1/people/{alice_handle}/follow"),
            Some(&bob),
            json!({}),
        )
        .await;
    assert!(
        body["state"] == "pending" || body["state"] == "accepted",
        "{body}"
    );
    let as_alice = signer(&alpha, &at(&alpha, "/u/alice")).await;
    let reject = json!({
        "id": at(&alpha, "/activities/reject/1"), "type": "Reject", "actor": at(&alpha, "/u/alice"),
        "object": {"id": at(&beta, "/activities/follow/x"), "type": "Follow",
                   "actor": at(&beta, "/u/bob"), "object": at(&alpha, "/u/alice")}
    });
    let (status, body) = post_signed(&as_alice, &beta, &reject, None, |_| {}).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, profile) = beta
        .get(&format!("/api/v1/people/{alice_handle}"), Some(&bob))
        .await;
    assert_eq!(profile["follow"], "none", "{profile}");
}
