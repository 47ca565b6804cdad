//! What a group relays: activities unchanged, each once, and Announces that carry only a link.

use commonplace::db::schema::activities;
use diesel::prelude::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::federation::{at, post_signed, resolve_and_join, signer};
use crate::helpers::{eventually, spawn_named, TestApp};

/// Our own activities of one kind, as stored for delivery.
async fn sent(app: &TestApp, kind: &'static str) -> Vec<Value> {
    app.server
        .state
        .db
        .read(move |c| {
            Ok(activities::table
                .filter(activities::local.eq(true))
                .filter(activities::kind.eq(kind))
                .select(activities::data)
                .load::<String>(c)?)
        })
        .await
        .unwrap()
        .iter()
        .map(|d| serde_json::from_str(d).unwrap())
        .collect()
}

#[tokio::test]
async fn a_group_relays_activities_unchanged_and_once() {
    let alpha = spawn_named("alpha").await;
    let beta = spawn_named("beta").await;
    let gamma = spawn_named("gamma").await;
    let alice = alpha.register("alice").await;
    alpha.group(&alice, "design").await;
    let thread = alpha.thread(&alice, "design", "Forms").await;
    let bob = beta.register("bob").await;
    resolve_and_join(&beta, &bob, &alpha.handle("design")).await;
    gamma.register("carol").await;

    let (group, carol) = (at(&alpha, "/g/design"), at(&gamma, "/u/carol"));
    let thread_ap_id = alpha
        .get(&format!("/api/v1/threads/{thread}"), None)
        .await
        .1["thread"]["ap_id"]
        .clone();
    // A reply with fields we do not read ourselves, as other servers send them.
    let create = json!({
        "@context": ["https://www.w3.org/ns/activitystreams", {"extra": "https://other.example/ns#extra"}],
        "id": at(&gamma, "/activities/create/1"), "type": "Create", "actor": carol,
        "to": ["https://www.w3.org/ns/activitystreams#Public"], "cc": [group], "audience": group,
        "extra": {"kept": true},
        "object": {
            "id": at(&gamma, "/c/1"), "type": "Note", "attributedTo": carol,
            "to": ["https://www.w3.org/ns/activitystreams#Public"], "cc": [group], "audience": group,
            "inReplyTo": thread_ap_id, "content": "<p>Short forms</p>", "mediaType": "text/html",
            "distinguished": false, "published": "2026-11-24T10:00:00Z"
        }
    });
    let as_carol = signer(&gamma, &carol).await;
    // The same activity five times at once: stored once, relayed once.
    let send = || post_signed(&as_carol, &alpha, &create, None, |_| {});
    let (a, b, c, d, e) = tokio::join!(send(), send(), send(), send(), send());
    for (status, body) in [a, b, c, d, e] {
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (_, t) = alpha.get(&format!("/api/v1/threads/{thread}"), None).await;
    assert_eq!(t["thread"]["comment_count"], 1, "{t}");
    let announces = sent(&alpha, "Announce").await;
    let relays: Vec<&Value> = announces
        .iter()
        .filter(|a| a["object"]["id"] == create["id"])
        .collect();
    assert_eq!(relays.len(), 1, "{announces:?}");
    assert_eq!(relays[0]["object"], create, "relayed as it came");

    // It reaches beta, which joined after the thread was posted and fetches it to place the
    // reply.
    eventually("the reply reaches beta", || async {
        beta.get("/api/v1/feed", Some(&bob)).await.1["items"][0]["comment_count"] == 1
    })
    .await;
    let on_beta = beta.get("/api/v1/feed", Some(&bob)).await.1["items"][0]["id"]
        .as_i64()
        .unwrap();
    eventually("the reply is under the thread", || async {
        let (_, d) = beta.get(&format!("/api/v1/threads/{on_beta}"), None).await;
        d["comments"][0]["author"]["handle"] == gamma.handle("carol")
    })
    .await;
}

#[tokio::test]
async fn an_announce_carrying_only_a_link_is_fetched_from_its_origin() {
    let alpha = spawn_named("alpha").await;
    let beta = spawn_named("beta").await;
    let gamma = spawn_named("gamma").await;
    let alice = alpha.register("alice").await;
    alpha.group(&alice, "design").await;
    let group = alpha.handle("design");
    let carol = gamma.register("carol").await;
    resolve_and_join(&gamma, &carol, &group).await;
    let (status, posted) = gamma
        .post(
            &format!("/api/v1/groups/{group}/threads"),
            Some(&carol),
            json!({"title": "Linked, not embedded", "body": "Fetch me."}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{posted}");
    // A report of it: sent to alpha, and never shown to anyone else.
    let (status, body) = gamma
        .post(
            &format!("/api/v1/threads/{}/report", posted["id"]),
            Some(&carol),
            json!({"reason": "testing"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    // Our activities are served at their ids, as they were sent; reports are not.
    let create = sent(&gamma, "Create").await.pop().unwrap();
    let client = reqwest::Client::builder()
        .resolve("gamma.localhost", gamma.server.addr)
        .build()
        .unwrap();
    let res = client
        .get(create["id"].as_str().unwrap())
        .header("accept", "application/activity+json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let served: Value = res.json().await.unwrap();
    assert_eq!(served["object"], create["object"]);
    assert_eq!(served["type"], "Create");
    let flag = sent(&gamma, "Flag").await.pop().unwrap();
    let res = client
        .get(flag["id"].as_str().unwrap())
        .header("accept", "application/activity+json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // Beta joins afterwards; the group announces the thread by the id of the author's Create.
    let bob = beta.register("bob").await;
    resolve_and_join(&beta, &bob, &group).await;
    let as_group = signer(&alpha, &at(&alpha, "/g/design")).await;
    let announce = json!({
        "id": at(&alpha, "/activities/announce/by-link"), "type": "Announce",
        "actor": at(&alpha, "/g/design"), "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "object": create["id"],
    });
    let (status, body) = post_signed(&as_group, &beta, &announce, None, |_| {}).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, feed) = beta.get("/api/v1/feed", Some(&bob)).await;
    assert_eq!(feed["items"][0]["title"], "Linked, not embedded", "{feed}");
    assert_eq!(feed["items"][0]["author"]["handle"], gamma.handle("carol"));

    // The same link announced by a group the receiver does not follow is refused.
    let dave = beta.register("dave").await;
    beta.group(&dave, "other").await;
    let as_other = signer(&beta, &at(&beta, "/g/other")).await;
    let foreign = json!({
        "id": at(&beta, "/activities/announce/1"), "type": "Announce",
        "actor": at(&beta, "/g/other"), "object": create["id"],
    });
    let (status, _) = post_signed(&as_other, &gamma, &foreign, None, |_| {}).await;
    assert!(status.is_client_error(), "{status}");
}

#[tokio::test]
async fn a_group_cannot_speak_for_our_own_members() {
    let alpha = spawn_named("alpha").await;
    let beta = spawn_named("beta").await;
    let alice = alpha.register("alice").await;
    alpha.group(&alice, "design").await;
    alpha.thread(&alice, "design", "Forms").await;
    let bob = beta.register("bob").await;
    let group = resolve_and_join(&beta, &bob, &alpha.handle("design")).await;
    let thread_ap_id = alpha.get("/api/v1/groups/design/threads", None).await.1["items"][0]
        ["ap_id"]
        .as_str()
        .unwrap()
        .to_string();
    // Beta needs the thread to vote on it.
    let (status, _) = beta
        .get(&format!("/api/v1/resolve?q={thread_ap_id}"), Some(&bob))
        .await;
    assert_eq!(status, StatusCode::OK);
    // The group announces a Like "by bob" that bob never sent.
    let as_group = signer(&alpha, &at(&alpha, "/g/design")).await;
    let forged = json!({
        "id": at(&alpha, "/activities/announce/forged"), "type": "Announce",
        "actor": at(&alpha, "/g/design"),
        "object": {
            "id": at(&beta, "/activities/like/forged"), "type": "Like",
            "actor": at(&beta, "/u/bob"), "object": thread_ap_id,
        },
    });
    let (status, body) = post_signed(&as_group, &beta, &forged, None, |_| {}).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (_, threads) = beta
        .get(&format!("/api/v1/groups/{group}/threads"), Some(&bob))
        .await;
    assert_eq!(threads["items"][0]["score"], 0);
    assert_eq!(threads["items"][0]["my_vote"], Value::Null);
    // Nothing was sent in bob's name either.
    assert!(sent(&beta, "Like").await.is_empty());
}
