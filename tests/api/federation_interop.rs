//! What other servers send beyond the happy path, answered as they expect: activities about
//! objects we do not have, actors without `preferredUsername`, signers whose key we cannot fetch.

use activitypub_federation::config::FederationConfig;
use commonplace::domain::remote::{actor_by_ap_id, ActorRow};
use commonplace::federation::actors::DbActor;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::federation_security::{post_signed, signer};
use crate::helpers::{remote_server, resolve_and_join, spawn_named, TestApp};

fn at(app: &TestApp, path: &str) -> String {
    format!("http://{}{path}", app.server.state.config.domain)
}

/// A Lemmy fixture with its hosts moved to the test instances: `ds9` (the sender's) to `from`,
/// `enterprise` (the community's) to `to`.
fn lemmy(path: &str, from: &TestApp, to: &TestApp) -> Value {
    let text = std::fs::read_to_string(format!(
        "{}/tests/fixtures/lemmy/activities/{path}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
    .replace("http://ds9.lemmy.ml", &at(from, ""))
    .replace("https://enterprise.lemmy.ml", &at(to, ""))
    .replace("http://enterprise.lemmy.ml", &at(to, ""));
    serde_json::from_str(&text).unwrap()
}

#[tokio::test]
async fn activities_about_objects_we_do_not_have_are_accepted_and_dropped() {
    let alpha = spawn_named("alpha").await;
    let gamma = spawn_named("gamma").await;
    let alice = alpha.register("alice").await;
    alpha.group(&alice, "design").await;
    let thread = alpha.thread(&alice, "design", "Known").await;
    let lemmy_alpha = gamma.register("lemmy_alpha").await;
    gamma.group(&lemmy_alpha, "crafts").await;
    let as_sender = signer(&gamma, &at(&gamma, "/u/lemmy_alpha")).await;
    // Alice follows a group on gamma, whose Announces we take.
    resolve_and_join(&alpha, &alice, &gamma.handle("crafts")).await;
    let as_crafts = signer(&gamma, &at(&gamma, "/g/crafts")).await;
    // The sender is known here already: only what the activities do is compared.
    let (status, _) = alpha
        .get(
            &format!("/api/v1/resolve?q=@{}", gamma.handle("lemmy_alpha")),
            Some(&alice),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let before = alpha.fingerprint().await;

    // Lemmy's own activities about a comment and a post neither server has.
    for (path, n) in [
        ("voting/like_note.json", 1),
        ("voting/dislike_page.json", 2),
        ("voting/undo_like_note.json", 3),
        ("deletion/delete_page.json", 4),
        ("deletion/undo_delete_page.json", 5),
        ("deletion/remove_note.json", 6),
    ] {
        let mut activity = lemmy(path, &gamma, &alpha);
        // Signed by the actor it names, on the sender's server.
        activity["actor"] = json!(at(&gamma, "/u/lemmy_alpha"));
        if let Some(inner) = activity["object"].as_object_mut() {
            inner.insert("actor".into(), json!(at(&gamma, "/u/lemmy_alpha")));
        }
        activity["id"] = json!(at(&gamma, &format!("/activities/x/{n}")));
        let (status, body) = post_signed(&as_sender, &alpha, &activity, None, |_| {}).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{path}: {body}");
    }
    // One of ours that is not there.
    let like = json!({
        "id": at(&gamma, "/activities/like/7"), "type": "Like",
        "actor": at(&gamma, "/u/lemmy_alpha"), "object": at(&alpha, "/t/999999")
    });
    let (status, body) = post_signed(&as_sender, &alpha, &like, None, |_| {}).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    // Relayed by the followed group.
    let announce = |n: u32, object: Value| {
        json!({
            "id": at(&gamma, &format!("/activities/announce/x{n}")), "type": "Announce",
            "actor": at(&gamma, "/g/crafts"), "object": object,
            "to": ["https://www.w3.org/ns/activitystreams#Public"]
        })
    };
    let inner = json!({
        "id": at(&gamma, "/activities/like/8"), "type": "Like",
        "actor": at(&gamma, "/u/lemmy_alpha"), "object": at(&gamma, "/c/424242")
    });
    let (status, body) = post_signed(&as_crafts, &alpha, &announce(1, inner), None, |_| {}).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(alpha.fingerprint().await, before, "nothing stored");

    // What we have is still taken.
    let like = json!({
        "id": at(&gamma, "/activities/like/9"), "type": "Like",
        "actor": at(&gamma, "/u/lemmy_alpha"), "object": at(&alpha, &format!("/t/{thread}"))
    });
    let (status, body) = post_signed(&as_sender, &alpha, &like, None, |_| {}).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, t) = alpha.get(&format!("/api/v1/threads/{thread}"), None).await;
    assert_eq!(t["thread"]["score"], 1, "{t}");
}

#[tokio::test]
async fn an_actor_without_preferred_username_is_named_after_its_id() {
    let alpha = spawn_named("alpha").await;
    let alice = alpha.register("alice").await;
    let (origin, _) = remote_server(|origin| {
        let mut person: Value = serde_json::from_str(
            &include_str!("../fixtures/mastodon/person.json")
                .replace("https://masto.qa.urbanwildlife.biz", origin),
        )
        .unwrap();
        let id = format!("{origin}/ap/users/110224");
        person["id"] = json!(id);
        person["publicKey"]["id"] = json!(format!("{id}#main-key"));
        person["publicKey"]["owner"] = json!(id);
        person["inbox"] = json!(format!("{id}/inbox"));
        person.as_object_mut().unwrap().remove("preferredUsername");
        vec![("/ap/users/110224".into(), StatusCode::OK, person)]
    })
    .await;
    let (status, found) = alpha
        .get(
            &format!("/api/v1/resolve?q={origin}/ap/users/110224"),
            Some(&alice),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    let host = origin.trim_start_matches("http://");
    assert_eq!(
        found["person"]["handle"],
        format!("110224@{host}"),
        "{found}"
    );
}

#[tokio::test]
async fn a_signer_whose_key_we_cannot_fetch_is_unauthorized() {
    let alpha = spawn_named("alpha").await;
    let gamma = spawn_named("gamma").await;
    let alice = alpha.register("alice").await;
    alpha.group(&alice, "design").await;
    gamma.register("carol").await;
    let Some(ActorRow::Person(carol)) =
        actor_by_ap_id(&gamma.server.state, &at(&gamma, "/u/carol"))
            .await
            .unwrap()
    else {
        panic!("no carol");
    };
    // Carol's key, under an id on a server that refuses us her document, as a server in
    // secure mode refuses a fetch it does not like.
    for refusal in [StatusCode::UNAUTHORIZED, StatusCode::FORBIDDEN] {
        let (origin, seen) = remote_server(|_| {
            vec![(
                "/users/carol".into(),
                refusal,
                json!({"error": "Request not signed"}),
            )]
        })
        .await;
        let mut elsewhere = carol.clone();
        elsewhere.ap_id = format!("{origin}/users/carol");
        let actor = DbActor::from_person(elsewhere).unwrap();
        let as_carol = FederationConfig::builder()
            .domain(origin.trim_start_matches("http://").to_string())
            .app_data(())
            .signed_fetch_actor(&actor)
            .debug(true)
            .build()
            .await
            .unwrap()
            .to_request_data();
        let follow = json!({
            "id": format!("{origin}/activities/follow/1"), "type": "Follow",
            "actor": format!("{origin}/users/carol"), "object": at(&alpha, "/g/design")
        });
        let (status, body) = post_signed(&as_carol, &alpha, &follow, None, |_| {}).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{refusal}: {body}");
        assert_eq!(body["error"], "bad_signature", "{body}");
        assert!(
            seen.lock()
                .unwrap()
                .iter()
                .any(|s| s.path_and_query == "/users/carol"),
            "the key was asked for"
        );
    }
}
