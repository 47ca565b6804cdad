//! Deliveries survive a receiver that is down and a sender that restarts.

use commonplace::db::schema::deliveries;
use diesel::prelude::*;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::federation::resolve_and_join;
use crate::helpers::{eventually, spawn_named, TestApp};

async fn delivery_rows(app: &TestApp) -> Vec<(i64, i32, bool, Option<String>)> {
    app.server
        .state
        .db
        .read(|c| {
            Ok(deliveries::table
                .order(deliveries::id.asc())
                .select((
                    deliveries::id,
                    deliveries::attempts,
                    deliveries::delivered_at.is_not_null(),
                    deliveries::last_error,
                ))
                .load(c)?)
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn a_follower_that_was_down_gets_what_it_missed_across_a_sender_restart() {
    let alpha = spawn_named("alpha").await;
    let beta = spawn_named("beta").await;
    let alice = alpha.register("alice").await;
    alpha.group(&alice, "ops").await;
    let group = alpha.handle("ops");
    let bob = beta.register("bob").await;
    resolve_and_join(&beta, &bob, &group).await;
    let delivered_before: Vec<_> = delivery_rows(&alpha)
        .await
        .into_iter()
        .filter(|r| r.2)
        .collect();

    // Beta goes down; a thread is posted meanwhile and its delivery fails.
    let beta_down = beta.stop().await;
    alpha.thread(&alice, "ops", "While beta was down").await;
    eventually("a failed attempt", || async {
        delivery_rows(&alpha)
            .await
            .iter()
            .any(|r| !r.2 && r.1 >= 1 && r.3.is_some())
    })
    .await;

    // Alpha restarts with the delivery still pending; beta comes back.
    let alpha = alpha.stop().await.start().await;
    let beta = beta_down.start().await;
    eventually("beta gets the thread", || async {
        let (status, page) = beta
            .get(&format!("/api/v1/groups/{group}/threads"), None)
            .await;
        status == StatusCode::OK && page["items"].as_array().is_some_and(|i| i.len() == 1)
    })
    .await;
    let (_, page) = beta
        .get(&format!("/api/v1/groups/{group}/threads"), None)
        .await;
    assert_eq!(page["items"][0]["title"], "While beta was down");

    // Everything is delivered; what was delivered before the restart was not sent again.
    eventually("all delivered", || async {
        delivery_rows(&alpha).await.iter().all(|r| r.2)
    })
    .await;
    let rows = delivery_rows(&alpha).await;
    for old in &delivered_before {
        let now = rows.iter().find(|r| r.0 == old.0).unwrap();
        assert_eq!(now.1, old.1, "delivery {} was attempted again", old.0);
    }
    let (_, health) = alpha
        .get("/api/v1/admin/queue", Some(&alpha.admin("root").await))
        .await;
    assert_eq!(health["pending"], 0, "{health}");
    assert_eq!(health["given_up"], 0);
}

#[tokio::test]
async fn a_sender_stopped_mid_delivery_delivers_after_restart_and_only_once() {
    let alpha = spawn_named("alpha").await;
    let beta = spawn_named("beta").await;
    let alice = alpha.register("alice").await;
    alpha.group(&alice, "ops").await;
    let group = alpha.handle("ops");
    let bob = beta.register("bob").await;
    resolve_and_join(&beta, &bob, &group).await;

    // Beta's port answers nothing: the delivery hangs in flight when alpha goes down.
    let beta_addr = beta.server.addr;
    let beta_down = beta.stop().await;
    let silent = tokio::net::TcpListener::bind(beta_addr).await.unwrap();
    let hold = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            open.push(socket);
        }
    });
    alpha.thread(&alice, "ops", "Mid-delivery").await;
    eventually("a delivery in flight", || async {
        alpha
            .server
            .state
            .db
            .read(|c| {
                use diesel::prelude::*;
                Ok(deliveries::table
                    .filter(deliveries::delivered_at.is_null())
                    .filter(deliveries::claimed_until.is_not_null())
                    .filter(deliveries::attempts.eq(0))
                    .count()
                    .get_result::<i64>(c)?
                    > 0)
            })
            .await
            .unwrap()
    })
    .await;
    let alpha_down = alpha.stop().await;
    hold.abort();
    let _ = hold.await;

    // Both come back; the abandoned claim expires and the delivery happens, once.
    let beta = beta_down.start().await;
    let alpha = alpha_down.start().await;
    eventually("beta gets the thread", || async {
        beta.get(&format!("/api/v1/groups/{group}/threads"), None)
            .await
            .1["items"]
            .as_array()
            .is_some_and(|i| i.len() == 1)
    })
    .await;
    eventually("all delivered", || async {
        delivery_rows(&alpha).await.iter().all(|r| r.2)
    })
    .await;
    let rows = delivery_rows(&alpha).await;
    let last = rows.last().unwrap();
    assert_eq!(
        last.1, 1,
        "one settled attempt for the delivery that was in flight: {rows:?}"
    );
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let (_, page) = beta
        .get(&format!("/api/v1/groups/{group}/threads"), None)
        .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1, "nothing twice");
}

#[tokio::test]
async fn an_unanswered_follow_is_sent_again_and_the_membership_stays_pending() {
    let alpha = spawn_named("alpha").await;
    let beta = crate::helpers::spawn_with(|c| {
        let port = c.domain.rsplit(':').next().unwrap_or_default().to_string();
        c.domain = format!("beta.localhost:{port}");
        c.delivery_retry_seconds = 1;
        c.delivery_claim_seconds = 2;
        c.follow_resend_seconds = 1;
    })
    .await;
    let alice = alpha.register("alice").await;
    // Stewards approve members here: a Follow stays unanswered until they do.
    let (status, _) = alpha
        .post(
            "/api/v1/groups",
            Some(&alice),
            json!({"name": "closed", "title": "Closed", "approval_required": true}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let group = alpha.handle("closed");
    let bob = beta.register("bob").await;
    let (status, found) = beta
        .get(&format!("/api/v1/resolve?q=!{group}"), Some(&bob))
        .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    let (_, joined) = beta
        .post(
            &format!("/api/v1/groups/{group}/join"),
            Some(&bob),
            json!({}),
        )
        .await;
    assert_eq!(joined["state"], "pending");

    // The group's server hears the Follow again (each time under a new id)…
    let follows = || async {
        alpha
            .server
            .state
            .db
            .read(|c| {
                use commonplace::db::schema::activities;
                use diesel::prelude::*;
                Ok(activities::table
                    .filter(activities::kind.eq("Follow"))
                    .count()
                    .get_result::<i64>(c)?)
            })
            .await
            .unwrap()
    };
    eventually("the Follow is sent again", || async {
        follows().await >= 2
    })
    .await;
    // …while the member's side says it is still waiting.
    let (_, g) = beta
        .get(&format!("/api/v1/groups/{group}"), Some(&bob))
        .await;
    assert_eq!(g["membership"], "pending", "{g}");

    // A steward approves: the Accept arrives and the membership is accepted.
    let (status, body) = alpha
        .post(
            &format!(
                "/api/v1/groups/closed/members/{}/approve",
                beta.handle("bob")
            ),
            Some(&alice),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    eventually("the approval arrives", || async {
        beta.get(&format!("/api/v1/groups/{group}"), Some(&bob))
            .await
            .1["membership"]
            == "accepted"
    })
    .await;
}

#[tokio::test]
async fn old_deliveries_and_activities_are_deleted_but_not_pending_ones() {
    use commonplace::db::schema::activities;
    let app = crate::helpers::spawn_app().await;
    let old = chrono::Utc::now().naive_utc() - chrono::Duration::days(100);
    let week_ago = chrono::Utc::now().naive_utc() - chrono::Duration::days(8);
    app.server
        .state
        .db
        .write(move |c| {
            for (n, delivered, failed) in [
                (1, Some(week_ago), None), // delivered long ago: goes, then its activity
                (2, None, Some(week_ago)), // given up long ago: goes, then its activity
                (3, None, None),           // still pending: stays, and so does its activity
            ] {
                diesel::insert_into(activities::table)
                    .values((
                        activities::ap_id.eq(format!("http://x.localhost/a/{n}")),
                        activities::kind.eq("Create"),
                        activities::actor_ap_id.eq("http://x.localhost/u/x"),
                        activities::local.eq(true),
                        activities::data.eq("{}"),
                        activities::created_at.eq(old),
                    ))
                    .execute(c)?;
                let id: i64 = activities::table
                    .filter(activities::ap_id.eq(format!("http://x.localhost/a/{n}")))
                    .select(activities::id)
                    .first(c)?;
                diesel::insert_into(deliveries::table)
                    .values((
                        deliveries::activity_id.eq(id),
                        deliveries::inbox_url.eq("http://y.localhost/inbox"),
                        deliveries::domain.eq("y.localhost"),
                        deliveries::next_attempt_at.eq(old),
                        deliveries::delivered_at.eq(delivered),
                        deliveries::failed_at.eq(failed),
                        deliveries::created_at.eq(old),
                    ))
                    .execute(c)?;
            }
            // A receipt of something received long ago, and a recent one.
            for (n, at) in [(4, old), (5, chrono::Utc::now().naive_utc())] {
                diesel::insert_into(activities::table)
                    .values((
                        activities::ap_id.eq(format!("http://x.localhost/a/{n}")),
                        activities::kind.eq("Like"),
                        activities::actor_ap_id.eq("http://x.localhost/u/x"),
                        activities::local.eq(false),
                        activities::data.eq(""),
                        activities::created_at.eq(at),
                    ))
                    .execute(c)?;
            }
            Ok(())
        })
        .await
        .unwrap();
    let (deliveries_gone, activities_gone) = commonplace::domain::outbox::prune(&app.server.state)
        .await
        .unwrap();
    assert_eq!((deliveries_gone, activities_gone), (2, 3));
    let left: Vec<String> = app
        .server
        .state
        .db
        .read(|c| {
            Ok(activities::table
                .filter(activities::ap_id.like("http://x.localhost/%"))
                .select(activities::ap_id)
                .order(activities::ap_id.asc())
                .load(c)?)
        })
        .await
        .unwrap();
    assert_eq!(
        left,
        vec!["http://x.localhost/a/3", "http://x.localhost/a/5"]
    );
    assert_eq!(delivery_rows(&app).await.len(), 1);
}
