//! What Mastodon servers send, as captured from real ones, reaches our groups: replies addressed
//! to the author become comments, posts that mention a group start threads, likes are votes.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::federation::{at, fixture, post_signed, resolve_and_join, signer};
use crate::helpers::{eventually, spawn_named, TestApp};

/// The captured `Create(Note)` as if `toot` (on `from`) wrote it: ids moved to `from`, the rest kept.
fn toot(
    from: &TestApp,
    n: u32,
    in_reply_to: Option<&str>,
    mention: (&str, &str),
    html: &str,
) -> Value {
    let mut a = fixture("mastodon/activities/create_note.json");
    let actor = at(from, "/u/toot");
    let status = format!("{actor}/statuses/{n}");
    a["id"] = json!(format!("{status}/activity"));
    a["actor"] = json!(actor);
    a["to"] = json!([format!("{actor}/followers")]);
    a["cc"] = json!(["https://www.w3.org/ns/activitystreams#Public", mention.0]);
    let (to, cc) = (a["to"].clone(), a["cc"].clone());
    let o = &mut a["object"];
    o["id"] = json!(status);
    o["url"] = json!(status);
    o["attributedTo"] = json!(actor);
    o["to"] = to;
    o["cc"] = cc;
    o["inReplyTo"] = in_reply_to.map_or(Value::Null, |r| json!(r));
    o["content"] = json!(html);
    o["contentMap"] = json!({"en": html});
    o["tag"] = json!([{"type": "Mention", "href": mention.0, "name": mention.1}]);
    o["replies"] = Value::Null;
    a
}

#[tokio::test]
async fn mastodon_replies_mentions_and_likes() {
    let alpha = spawn_named("alpha").await;
    let beta = spawn_named("beta").await;
    let masto = spawn_named("masto").await;
    let alice = alpha.register("alice").await;
    alpha.group(&alice, "design").await;
    let group = alpha.handle("design");
    let bob = beta.register("bob").await;
    resolve_and_join(&beta, &bob, &group).await;
    let thread = alpha.thread(&alice, "design", "Accessible forms").await;
    let thread_ap_id = alpha
        .get(&format!("/api/v1/threads/{thread}"), None)
        .await
        .1["thread"]["ap_id"]
        .as_str()
        .unwrap()
        .to_string();
    masto.register("toot").await;
    let as_toot = signer(&masto, &at(&masto, "/u/toot")).await;

    // A reply addressed to the thread's author (not the group), as Mastodon sends it.
    let reply = toot(
        &masto,
        1,
        Some(&thread_ap_id),
        (&at(&alpha, "/u/alice"), "@alice"),
        "<p>@alice Labels above fields, always.</p>",
    );
    let (status, body) = post_signed(&as_toot, &alpha, &reply, None, |_| {}).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, d) = alpha.get(&format!("/api/v1/threads/{thread}"), None).await;
    assert!(d["comments"][0]["body"]
        .as_str()
        .unwrap()
        .contains("Labels above fields"));
    assert_eq!(d["comments"][0]["author"]["handle"], masto.handle("toot"));
    // …and the group relays it to its followers.
    eventually("the reply reaches beta", || async {
        let (_, page) = beta
            .get(&format!("/api/v1/groups/{group}/threads"), None)
            .await;
        page["items"][0]["comment_count"] == 1
    })
    .await;

    // A public post that mentions the group starts a thread; its first line is the title.
    let post = toot(
        &masto,
        2,
        None,
        (&at(&alpha, "/g/design"), "@design"),
        "<p>@design Plain language in letters</p><p>Has anyone tested this?</p>",
    );
    let (status, body) = post_signed(&as_toot, &alpha, &post, None, |_| {}).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, page) = alpha.get("/api/v1/groups/design/threads", None).await;
    let started = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["title"] == "Plain language in letters")
        .expect("thread from a mention")
        .clone();
    assert!(started["body"]
        .as_str()
        .unwrap()
        .contains("Has anyone tested this?"));

    // A like, as Mastodon sends it, is a vote.
    let mut like = fixture("mastodon/activities/like_page.json");
    like["id"] = json!(format!("{}#likes/1", at(&masto, "/u/toot")));
    like["actor"] = json!(at(&masto, "/u/toot"));
    like["object"] = json!(thread_ap_id);
    let (status, body) = post_signed(&as_toot, &alpha, &like, None, |_| {}).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        alpha
            .get(&format!("/api/v1/threads/{thread}"), None)
            .await
            .1["thread"]["score"],
        1
    );

    // A post that is neither a reply nor addressed to a group of ours is refused.
    let stray = toot(
        &masto,
        3,
        None,
        (&at(&alpha, "/u/alice"), "@alice"),
        "<p>@alice hello</p>",
    );
    let (status, _) = post_signed(&as_toot, &alpha, &stray, None, |_| {}).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // A Mastodon user follows a member: accepted and remembered; undone on Undo(Follow).
    let mut follow = fixture("mastodon/activities/follow.json");
    follow["id"] = json!(format!("{}#follows/1", at(&masto, "/u/toot")));
    follow["actor"] = json!(at(&masto, "/u/toot"));
    follow["object"] = json!(at(&alpha, "/u/alice"));
    let (status, body) = post_signed(&as_toot, &alpha, &follow, None, |_| {}).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let followers = || async {
        alpha
            .server
            .state
            .db
            .read(|c| {
                use commonplace::db::schema::person_follows;
                use diesel::prelude::*;
                Ok(person_follows::table.count().get_result::<i64>(c)?)
            })
            .await
            .unwrap()
    };
    assert_eq!(followers().await, 1);
    let mut undo = fixture("mastodon/activities/undo_follow.json");
    undo["id"] = json!(format!("{}#follows/1/undo", at(&masto, "/u/toot")));
    undo["actor"] = json!(at(&masto, "/u/toot"));
    undo["object"] = follow.clone();
    let (status, body) = post_signed(&as_toot, &alpha, &undo, None, |_| {}).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(followers().await, 0);
}
