//! Interop beyond the happy path: activities about objects we do not have, actors without
//! `preferredUsername`, signers whose key we cannot fetch; what we send, as a small real server
//! following our group receives it.

use activitypub_federation::config::{Data, FederationConfig};
use commonplace::db::models::Person;
use commonplace::domain::remote::{actor_by_ap_id, ActorRow};
use commonplace::federation::actors::DbActor;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::federation::{at, post_signed, remote_server, resolve_and_join, signer, Seen};
use crate::helpers::{eventually, spawn_named, TestApp};

/// A Lemmy fixture with its hosts moved to test origins: `ds9` (the sender's) to `from`,
/// `enterprise` (the community's) to `to`.
fn lemmy(path: &str, from: &str, to: &str) -> Value {
    let text = std::fs::read_to_string(format!(
        "{}/tests/fixtures/lemmy/activities/{path}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
    .replace("http://ds9.lemmy.ml", from)
    .replace("https://enterprise.lemmy.ml", to)
    .replace("http://enterprise.lemmy.ml", to);
    serde_json::from_str(&text).unwrap()
}

/// A person of `app`, for the key pair to sign with.
async fn person_of(app: &TestApp, name: &str) -> Person {
    let Some(ActorRow::Person(p)) =
        actor_by_ap_id(&app.server.state, &at(app, &format!("/u/{name}")))
            .await
            .unwrap()
    else {
        panic!("no {name}");
    };
    p
}

/// Signs as an actor under `id` whose key pair is `key_of`'s.
async fn sign_as(key_of: &Person, id: &str) -> Data<()> {
    let mut elsewhere = key_of.clone();
    elsewhere.ap_id = id.to_string();
    let actor = DbActor::from_person(elsewhere).unwrap();
    let domain = url::Url::parse(id).unwrap();
    FederationConfig::builder()
        .domain(commonplace::federation::actors::authority(&domain))
        .app_data(())
        .signed_fetch_actor(&actor)
        .debug(true)
        .build()
        .await
        .unwrap()
        .to_request_data()
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
        ("following/undo_follow.json", 7),
    ] {
        let mut activity = lemmy(path, &at(&gamma, ""), &at(&alpha, ""));
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
    let carol = person_of(&gamma, "carol").await;
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
        let as_carol = sign_as(&carol, &format!("{origin}/users/carol")).await;
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
    // An account deleted at its server (410) announcing its own deletion: nothing to verify
    // or delete, and nothing for the sender to retry.
    let (origin, _) = remote_server(|_| {
        let gone = json!({"type": "Tombstone"});
        vec![("/users/carol".into(), StatusCode::GONE, gone)]
    })
    .await;
    let as_carol = sign_as(&carol, &format!("{origin}/users/carol")).await;
    let actor = format!("{origin}/users/carol");
    let delete = json!({
        "id": format!("{actor}#delete"), "type": "Delete", "actor": actor, "object": actor,
        "to": ["https://www.w3.org/ns/activitystreams#Public"]
    });
    let (status, body) = post_signed(&as_carol, &alpha, &delete, None, |_| {}).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
}

/// The activities a small server received, by type (an `Announce` by the type it carries).
fn received(seen: &[Seen]) -> Vec<Value> {
    seen.iter()
        .filter(|s| s.method == "POST")
        .map(|s| serde_json::from_slice(&s.body).unwrap())
        .collect()
}

fn announced<'a>(activities: &'a [Value], inner_type: &str, object: &str) -> Option<&'a Value> {
    activities.iter().find(|a| {
        a["type"] == "Announce"
            && a["object"]["type"] == inner_type
            && (a["object"]["object"] == object || a["object"]["object"]["id"] == object)
    })
}

/// GETs one of `app`'s URLs as a federating server does.
async fn fetch_json(app: &TestApp, id: &str) -> (StatusCode, Value) {
    let path = url::Url::parse(id).unwrap().path().to_string();
    let res = app
        .client
        .get(format!("{}{path}", app.base))
        .header("accept", "application/activity+json")
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn every_activity_we_send_is_a_complete_document_whose_ids_resolve() {
    let alpha = spawn_named("alpha").await;
    let gamma = spawn_named("gamma").await;
    let alice = alpha.register("alice").await;
    let bob = alpha.register("bob").await;
    alpha.group(&alice, "design").await;
    let (status, _) = alpha
        .post("/api/v1/groups/design/join", Some(&bob), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    gamma.register("carol").await;
    let carol = person_of(&gamma, "carol").await;
    // A server that follows our group and hosts a Lemmy community, and keeps what it receives.
    let key = carol.public_key.clone();
    let (origin, seen) = remote_server(move |origin| {
        let id = format!("{origin}/users/carol");
        let person = json!({
            "id": id, "type": "Person", "preferredUsername": "carol",
            "inbox": format!("{id}/inbox"),
            "publicKey": {"id": format!("{id}#main-key"), "owner": id, "publicKeyPem": key}
        });
        let group = include_str!("../fixtures/lemmy/group.json")
            .replace("https://enterprise.lemmy.ml", origin);
        vec![
            ("/users/carol".into(), StatusCode::OK, person),
            (
                "/c/tenforward".into(),
                StatusCode::OK,
                serde_json::from_str(&group).unwrap(),
            ),
        ]
    })
    .await;
    let as_carol = sign_as(&carol, &format!("{origin}/users/carol")).await;
    let follow = json!({
        "id": format!("{origin}/activities/follow/1"), "type": "Follow",
        "actor": format!("{origin}/users/carol"), "object": at(&alpha, "/g/design")
    });
    let (status, body) = post_signed(&as_carol, &alpha, &follow, None, |_| {}).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // A thread, a reply, a vote, an edit, a deletion; and a Follow of a remote group.
    let thread = alpha.thread(&alice, "design", "Complete documents").await;
    let comment = alpha.comment(&bob, thread, None, "A reply").await;
    // A vote from elsewhere, which the group relays as it came, inside its own Announce.
    let dislike = json!({
        "id": format!("{origin}/activities/dislike/1"), "type": "Dislike",
        "actor": format!("{origin}/users/carol"), "object": at(&alpha, &format!("/t/{thread}"))
    });
    let (status, body) = post_signed(&as_carol, &alpha, &dislike, None, |_| {}).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = alpha
        .post(
            &format!("/api/v1/threads/{thread}/vote"),
            Some(&bob),
            json!({"score": 1}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = alpha
        .patch(
            &format!("/api/v1/threads/{thread}"),
            Some(&alice),
            json!({"body": "Edited."}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = alpha
        .delete(&format!("/api/v1/comments/{comment}"), Some(&bob))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, found) = alpha
        .get(
            &format!("/api/v1/resolve?q={origin}/c/tenforward"),
            Some(&alice),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    let handle = found["group"]["handle"].as_str().unwrap().to_string();
    let (status, _) = alpha
        .post(
            &format!("/api/v1/groups/{handle}/join"),
            Some(&alice),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let (thread_id, comment_id) = (
        at(&alpha, &format!("/t/{thread}")),
        at(&alpha, &format!("/c/{comment}")),
    );
    let wanted = [
        ("Create", thread_id.clone()),
        ("Create", comment_id.clone()),
        ("Like", thread_id.clone()),
        ("Update", thread_id.clone()),
        ("Delete", comment_id.clone()),
    ];
    eventually("every activity is delivered", || async {
        let got = received(&seen.lock().unwrap());
        wanted.iter().all(|(t, o)| announced(&got, t, o).is_some())
            && got.iter().any(|a| a["type"] == "Accept")
            && got.iter().any(|a| a["type"] == "Follow")
            && got.iter().any(|a| a["object"]["id"] == dislike["id"])
    })
    .await;
    let got = received(&seen.lock().unwrap());
    let relayed = got
        .iter()
        .find(|a| a["object"]["id"] == dislike["id"])
        .unwrap();
    assert_eq!(relayed["object"], dislike, "relayed unchanged");
    for activity in &got {
        let context = &activity["@context"];
        assert!(
            context[0] == "https://www.w3.org/ns/activitystreams"
                && context[1] == "https://w3id.org/security/v1",
            "no @context: {activity}"
        );
    }
    // Each Announce and the activity inside it resolve at their ids, as they were sent; the
    // reply's Create is a Tombstone already, as the reply is.
    for (t, o) in &wanted {
        let gone = *t == "Create" && *o == comment_id;
        let announce = announced(&got, t, o).unwrap();
        check_served(&alpha, announce, gone).await;
    }

    // So do the items of the group's outbox.
    let (status, outbox) = fetch_json(&alpha, &at(&alpha, "/g/design/outbox")).await;
    assert_eq!(status, StatusCode::OK);
    let item = outbox["orderedItems"][0].clone();
    assert_eq!(item["object"]["object"]["id"], thread_id, "{outbox}");
    check_served(&alpha, &item, false).await;

    // Once the thread is deleted, what carries or acts on it is gone too; Deletes stay.
    let (status, _) = alpha
        .delete(&format!("/api/v1/threads/{thread}"), Some(&alice))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    eventually("the thread's deletion is delivered", || async {
        announced(&received(&seen.lock().unwrap()), "Delete", &thread_id).is_some()
    })
    .await;
    let got = received(&seen.lock().unwrap());
    for (t, o, gone) in [
        ("Create", &thread_id, true),
        ("Update", &thread_id, true),
        ("Like", &thread_id, true),
        ("Create", &comment_id, true),
        ("Delete", &comment_id, false),
        ("Delete", &thread_id, false),
    ] {
        check_served(&alpha, announced(&got, t, o).unwrap(), gone).await;
    }
    check_served(&alpha, &item, true).await;
}

/// An `Announce` we sent and the activity inside it, fetched at their ids: as they were sent,
/// or (`gone`) a `Tombstone` with 410.
async fn check_served(app: &TestApp, announce: &Value, gone: bool) {
    for doc in [announce, &announce["object"]] {
        let id = doc["id"].as_str().unwrap();
        let (status, served) = fetch_json(app, id).await;
        if gone {
            assert_eq!(status, StatusCode::GONE, "{id}: {served}");
            assert_eq!(served["type"], "Tombstone", "{served}");
            assert_eq!(served["id"], id);
        } else {
            assert_eq!(status, StatusCode::OK, "{id}: {served}");
            assert_eq!(served["type"], doc["type"], "{id}");
            assert_eq!(served["object"], doc["object"], "{id}");
            assert!(served["@context"].is_array(), "{served}");
        }
    }
}

#[tokio::test]
async fn a_lemmy_moderators_removal_and_deletion_of_their_own_post_are_told_apart_and_undone() {
    let alpha = spawn_named("alpha").await;
    // Gamma plays the Lemmy instance: lemmy_beta moderates its community `main`.
    let gamma = spawn_named("gamma").await;
    let lemmy_beta = gamma.register("lemmy_beta").await;
    gamma.group(&lemmy_beta, "main").await;
    let alice = alpha.register("alice").await;
    // A removed thread is gone for members: alpha's administrator reads what became of it.
    let root = alpha.admin("root").await;
    let main = resolve_and_join(&alpha, &alice, &gamma.handle("main")).await;
    let thread = gamma
        .thread(&lemmy_beta, "main", "Removed by its own author")
        .await;
    let post = at(&gamma, &format!("/t/{thread}"));
    eventually("the post reaches alpha", || async {
        let (_, threads) = alpha
            .get(&format!("/api/v1/groups/{main}/threads"), Some(&alice))
            .await;
        threads["items"][0]["id"].is_i64()
    })
    .await;
    let (_, threads) = alpha
        .get(&format!("/api/v1/groups/{main}/threads"), Some(&alice))
        .await;
    let local = threads["items"][0]["id"].as_i64().unwrap();
    let (community, moderator) = (at(&gamma, "/g/main"), at(&gamma, "/u/lemmy_beta"));
    let as_community = signer(&gamma, &community).await;
    // Lemmy's own shapes, announced by the community.
    let shape = |a: &mut Value| {
        if a["type"] == "Delete" {
            a["object"] = json!(post);
        }
        a["actor"] = json!(moderator);
        a["cc"] = json!([community]);
        a["audience"] = json!(community);
    };
    let shaped = |mut activity: Value| {
        if activity["object"].is_object() {
            shape(&mut activity["object"]);
        }
        shape(&mut activity);
        activity
    };
    let announce = |n: u32, activity: Value| {
        json!({
            "id": at(&gamma, &format!("/activities/announce/lemmy{n}")), "type": "Announce",
            "actor": community, "object": activity,
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "cc": [format!("{community}/followers")]
        })
    };
    let origin = at(&gamma, "");
    let remove = shaped(lemmy("deletion/remove_note.json", &origin, &origin));
    assert_eq!(remove["summary"], "bad comment");
    let (status, body) =
        post_signed(&as_community, &alpha, &announce(1, remove), None, |_| {}).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, t) = alpha
        .get(&format!("/api/v1/threads/{local}"), Some(&root))
        .await;
    assert_eq!(
        (
            t["thread"]["removed"].clone(),
            t["thread"]["deleted"].clone()
        ),
        (json!(true), json!(false)),
        "{t}"
    );

    let undo = shaped(lemmy("deletion/undo_remove_note.json", &origin, &origin));
    let (status, body) = post_signed(&as_community, &alpha, &announce(2, undo), None, |_| {}).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, t) = alpha
        .get(&format!("/api/v1/threads/{local}"), Some(&root))
        .await;
    assert_eq!(
        (
            t["thread"]["removed"].clone(),
            t["thread"]["deleted"].clone()
        ),
        (json!(false), json!(false)),
        "{t}"
    );
    // Live again, here as on Lemmy: our members reply.
    alpha.comment(&alice, local, None, "Glad it is back").await;

    // Deleted by its author (no summary), then restored by them, as Lemmy lets authors do.
    let delete = shaped(lemmy("deletion/delete_page.json", &origin, &origin));
    assert!(delete.get("summary").is_none());
    let (status, body) =
        post_signed(&as_community, &alpha, &announce(3, delete), None, |_| {}).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let state = |t: &Value| {
        (
            t["thread"]["removed"].clone(),
            t["thread"]["deleted"].clone(),
        )
    };
    let (_, t) = alpha
        .get(&format!("/api/v1/threads/{local}"), Some(&root))
        .await;
    assert_eq!(state(&t), (json!(false), json!(true)), "{t}");
    let undo = shaped(lemmy("deletion/undo_delete_page.json", &origin, &origin));
    let (status, body) = post_signed(&as_community, &alpha, &announce(4, undo), None, |_| {}).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, t) = alpha
        .get(&format!("/api/v1/threads/{local}"), Some(&root))
        .await;
    assert_eq!(state(&t), (json!(false), json!(false)), "{t}");
    assert_eq!(t["thread"]["title"], "Removed by its own author");
    alpha.comment(&alice, local, None, "And back again").await;
}

#[tokio::test]
async fn our_stewards_removal_reaches_lemmy_as_a_removal() {
    let alpha = spawn_named("alpha").await;
    let gamma = spawn_named("gamma").await;
    let alice = alpha.register("alice").await;
    alpha.group(&alice, "design").await;
    let thread = alpha.thread(&alice, "design", "A Lemmy user replies").await;
    gamma.register("carol").await;
    let carol = person_of(&gamma, "carol").await;
    // A Lemmy instance (a small server) whose user follows our group and replies.
    let key = carol.public_key.clone();
    let (lemmy_origin, seen) = remote_server(move |origin| {
        let id = format!("{origin}/u/lemmy_alpha");
        let person = json!({
            "id": id, "type": "Person", "preferredUsername": "lemmy_alpha",
            "inbox": format!("{id}/inbox"), "endpoints": {"sharedInbox": format!("{origin}/inbox")},
            "publicKey": {"id": format!("{id}#main-key"), "owner": id, "publicKeyPem": key}
        });
        vec![("/u/lemmy_alpha".into(), StatusCode::OK, person)]
    })
    .await;
    let user = format!("{lemmy_origin}/u/lemmy_alpha");
    let as_user = sign_as(&carol, &user).await;
    let group = at(&alpha, "/g/design");
    let follow = lemmy("following/follow.json", &lemmy_origin, &at(&alpha, ""));
    let follow = json!({"id": follow["id"], "type": "Follow", "actor": user, "object": group});
    let (status, body) = post_signed(&as_user, &alpha, &follow, None, |_| {}).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mut create = lemmy(
        "create_or_update/create_comment.json",
        &lemmy_origin,
        &at(&alpha, ""),
    );
    create["object"]["inReplyTo"] = json!(at(&alpha, &format!("/t/{thread}")));
    for a in ["cc", "audience"] {
        let value = if a == "cc" {
            json!([group])
        } else {
            json!(group)
        };
        create[a] = value.clone();
        create["object"][a] = value;
    }
    let (status, body) = post_signed(&as_user, &alpha, &create, None, |_| {}).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let note = create["object"]["id"].as_str().unwrap().to_string();
    let (_, t) = alpha
        .get(&format!("/api/v1/threads/{thread}"), Some(&alice))
        .await;
    let comment = t["comments"][0]["id"].as_i64().unwrap();

    // Alice, a steward, removes the reply, then restores it.
    for value in [true, false] {
        let (status, body) = alpha
            .post(
                &format!("/api/v1/comments/{comment}/remove"),
                Some(&alice),
                json!({"value": value}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let kinds = |a: &Value| {
        (
            a["type"].clone(),
            a["object"]["type"].clone(),
            a["object"]["object"]["type"].clone(),
        )
    };
    eventually("the removal and its undoing are delivered", || async {
        let got = received(&seen.lock().unwrap());
        // Deliveries run in parallel: the removal may arrive after its undoing.
        got.iter()
            .any(|a| kinds(a) == (json!("Announce"), json!("Undo"), json!("Delete")))
            && got
                .iter()
                .any(|a| kinds(a).0 == "Announce" && kinds(a).1 == "Delete")
    })
    .await;
    let got = received(&seen.lock().unwrap());
    let remove = &got
        .iter()
        .find(|a| kinds(a).0 == "Announce" && kinds(a).1 == "Delete")
        .expect("the removal")["object"];
    let undo = &got
        .iter()
        .find(|a| kinds(a).1 == "Undo")
        .expect("the restoration")["object"];
    // As Lemmy checks them: a Delete by someone else than the author needs a summary (else
    // "Domains do not match"), in the Undo too; and they have Lemmy's own fields.
    for (delete, fixture) in [
        (remove, lemmy("deletion/remove_note.json", "", "")),
        (
            &undo["object"],
            lemmy("deletion/undo_remove_note.json", "", "")["object"].clone(),
        ),
    ] {
        assert_eq!(delete["object"], note, "{delete}");
        assert_eq!(delete["actor"], at(&alpha, "/u/alice"));
        assert!(delete["summary"].is_string(), "a removal says so: {delete}");
        for key in fixture.as_object().unwrap().keys() {
            assert!(delete.get(key).is_some(), "{key} missing from {delete}");
        }
    }
    for key in lemmy("deletion/undo_remove_note.json", "", "")
        .as_object()
        .unwrap()
        .keys()
    {
        assert!(undo.get(key).is_some(), "{key} missing from {undo}");
    }
}
