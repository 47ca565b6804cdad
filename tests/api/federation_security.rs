//! Hostile input at the inbox: unsigned, forged, stale, spoofed, oversize and malformed
//! activities are refused and leave nothing behind.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::federation::{at, client_for, httpdate_now, inbox, post_signed, signer};
use crate::helpers::spawn_named;

fn page(id: &str, author: &str, group: &str) -> Value {
    json!({
        "id": id, "type": "Page", "attributedTo": author, "name": "Spoofed?",
        "to": [group, "https://www.w3.org/ns/activitystreams#Public"], "audience": group,
        "content": "<p>x</p>", "mediaType": "text/html", "published": "2026-11-24T10:00:00Z"
    })
}

#[tokio::test]
async fn forged_and_spoofed_activities_are_refused_and_store_nothing() {
    let alpha = spawn_named("alpha").await;
    let gamma = spawn_named("gamma").await;
    let beta = spawn_named("beta").await;
    let alice = alpha.register("alice").await;
    alpha.group(&alice, "design").await;
    gamma.register("carol").await;
    gamma.register("dave").await;
    let (group, carol, dave) = (
        at(&alpha, "/g/design"),
        at(&gamma, "/u/carol"),
        at(&gamma, "/u/dave"),
    );
    let as_carol = signer(&gamma, &carol).await;

    // Baseline: a correctly signed Follow is taken.
    let follow = json!({"id": at(&gamma, "/activities/follow/1"), "type": "Follow", "actor": carol, "object": group});
    let (status, body) = post_signed(&as_carol, &alpha, &follow, None, |_| {}).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let before = alpha.fingerprint().await;

    let create = |id: &str, object: Value| json!({"id": at(&gamma, id), "type": "Create", "actor": carol, "object": object, "to": [group]});
    let good_page = page(&at(&gamma, "/t/77"), &carol, &group);

    // Unsigned.
    let res = client_for(&alpha)
        .post(inbox(&alpha))
        .header("content-type", "application/activity+json")
        .header("date", httpdate_now())
        .body(create("/activities/create/1", good_page.clone()).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    // A signature that does not verify.
    let (status, body) = post_signed(
        &as_carol,
        &alpha,
        &create("/activities/create/2", good_page.clone()),
        None,
        |r| {
            let sig = r.headers()["signature"]
                .to_str()
                .unwrap()
                .replace("signature=\"", "signature=\"AAAA");
            r.headers_mut().insert("signature", sig.parse().unwrap());
        },
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    // A body changed after signing: the digest no longer matches.
    let (status, _) = post_signed(
        &as_carol,
        &alpha,
        &create("/activities/create/3", good_page.clone()),
        None,
        |r| {
            *r.body_mut() = Some(
                create(
                    "/activities/create/3",
                    page(&at(&gamma, "/t/78"), &carol, &group),
                )
                .to_string()
                .into(),
            );
        },
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // A stale date.
    let stale = (chrono::Utc::now() - chrono::Duration::hours(3))
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string();
    let (status, body) = post_signed(
        &as_carol,
        &alpha,
        &create("/activities/create/4", good_page.clone()),
        Some(stale),
        |_| {},
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    // An object whose id lives on another server than its sender.
    let (status, body) = post_signed(
        &as_carol,
        &alpha,
        &create(
            "/activities/create/5",
            page(&at(&beta, "/t/1"), &carol, &group),
        ),
        None,
        |_| {},
    )
    .await;
    assert!(refused(status), "{status} {body}");
    // An object attributed to someone else.
    let (status, _) = post_signed(
        &as_carol,
        &alpha,
        &create(
            "/activities/create/6",
            page(&at(&gamma, "/t/79"), &dave, &group),
        ),
        None,
        |_| {},
    )
    .await;
    assert!(refused(status), "{status}");
    // An activity whose id is on another host than its actor.
    let foreign = json!({"id": at(&beta, "/activities/create/7"), "type": "Create", "actor": carol, "object": good_page, "to": [group]});
    let (status, _) = post_signed(&as_carol, &alpha, &foreign, None, |_| {}).await;
    assert!(refused(status), "{status}");
    // Malformed JSON, signed.
    let (status, _) = post_signed(&as_carol, &alpha, &json!("not an activity"), None, |_| {}).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // Too large.
    let huge = json!({"id": at(&gamma, "/activities/create/8"), "type": "Create", "actor": carol, "padding": "x".repeat(2 * 1024 * 1024)});
    let (status, _) = post_signed(&as_carol, &alpha, &huge, None, |_| {}).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        alpha.fingerprint().await,
        before,
        "refused activities leave no trace"
    );

    // A genuine thread, then a Delete of it by someone who did not write it.
    let (status, _) = post_signed(
        &as_carol,
        &alpha,
        &create("/activities/create/9", good_page.clone()),
        None,
        |_| {},
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let as_dave = signer(&gamma, &dave).await;
    let delete = json!({"id": at(&gamma, "/activities/delete/1"), "type": "Delete", "actor": dave, "object": at(&gamma, "/t/77")});
    let (status, _) = post_signed(&as_dave, &alpha, &delete, None, |_| {}).await;
    assert!(refused(status), "{status}");
    let (_, threads) = alpha.get("/api/v1/groups/design/threads", None).await;
    assert_eq!(threads["items"][0]["deleted"], false);
    assert_eq!(threads["items"][0]["title"], "Spoofed?");
    // The same activity twice does nothing the second time.
    let again = alpha.fingerprint().await;
    let (status, _) = post_signed(
        &as_carol,
        &alpha,
        &create("/activities/create/9", good_page),
        None,
        |_| {},
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(alpha.fingerprint().await, again);

    // An Announce from a group gamma does not follow.
    let bob = beta.register("bob").await;
    beta.group(&bob, "other").await;
    let as_other = signer(&beta, &at(&beta, "/g/other")).await;
    let inner = create(
        "/activities/create/10",
        page(&at(&gamma, "/t/80"), &carol, &at(&beta, "/g/other")),
    );
    let announce = json!({"id": at(&beta, "/activities/announce/1"), "type": "Announce", "actor": at(&beta, "/g/other"), "object": inner});
    let gamma_before = gamma.fingerprint().await;
    let (status, body) = post_signed(&as_other, &gamma, &announce, None, |_| {}).await;
    assert!(refused(status), "{status} {body}");
    let after = gamma.fingerprint().await;
    // Fetching the unknown group stores its actor; no content arrives.
    assert_eq!(
        after.iter().find(|(k, _)| k == "threads"),
        gamma_before.iter().find(|(k, _)| k == "threads")
    );
}

/// Spoofing is refused as a bad request or as forbidden, never taken.
fn refused(status: StatusCode) -> bool {
    status == StatusCode::BAD_REQUEST || status == StatusCode::FORBIDDEN
}

#[tokio::test]
async fn a_remote_account_deleting_itself_leaves_tombstones_and_true_counts() {
    let alpha = spawn_named("alpha").await;
    let gamma = spawn_named("gamma").await;
    let alice = alpha.register("alice").await;
    alpha.group(&alice, "design").await;
    let own = alpha.thread(&alice, "design", "Alice's").await;
    gamma.register("carol").await;
    let (group, carol) = (at(&alpha, "/g/design"), at(&gamma, "/u/carol"));
    let as_carol = signer(&gamma, &carol).await;
    let page_id = at(&gamma, "/t/5");
    let create = json!({"id": at(&gamma, "/activities/create/1"), "type": "Create", "actor": carol, "object": page(&page_id, &carol, &group)});
    assert_eq!(
        post_signed(&as_carol, &alpha, &create, None, |_| {})
            .await
            .0,
        StatusCode::OK
    );
    let own_ap_id =
        alpha.get(&format!("/api/v1/threads/{own}"), None).await.1["thread"]["ap_id"].clone();
    let note = json!({"id": at(&gamma, "/c/6"), "type": "Note", "attributedTo": carol, "to": [group], "inReplyTo": own_ap_id,
        "content": "<p>hi</p>", "published": "2026-11-24T10:00:00Z"});
    let reply = json!({"id": at(&gamma, "/activities/create/2"), "type": "Create", "actor": carol, "object": note});
    assert_eq!(
        post_signed(&as_carol, &alpha, &reply, None, |_| {}).await.0,
        StatusCode::OK
    );
    assert_eq!(
        alpha.get("/api/v1/groups/design", None).await.1["thread_count"],
        2
    );

    let delete = json!({"id": at(&gamma, "/activities/delete/9"), "type": "Delete", "actor": carol, "object": carol});
    let (status, body) = post_signed(&as_carol, &alpha, &delete, None, |_| {}).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        alpha.get("/api/v1/groups/design", None).await.1["thread_count"],
        1
    );
    let (_, own_thread) = alpha.get(&format!("/api/v1/threads/{own}"), None).await;
    assert_eq!(own_thread["thread"]["comment_count"], 0);
    assert_eq!(own_thread["comments"][0]["deleted"], true);
}
