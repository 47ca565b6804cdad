//! Several instances in one process, federating over loopback HTTP under distinct host names.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::federation::{at, resolve_and_join};
use crate::helpers::{eventually, spawn_named, TestApp};

async fn threads_of(app: &TestApp, group: &str) -> Vec<Value> {
    let (status, page) = app
        .get(&format!("/api/v1/groups/{group}/threads"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_thread_and_replies_reach_every_instance() {
    let alpha = spawn_named("alpha").await;
    let beta = spawn_named("beta").await;
    let gamma = spawn_named("gamma").await;

    let alice = alpha.register("alice").await;
    alpha.group(&alice, "design").await;
    let group = alpha.handle("design");

    let bob = beta.register("bob").await;
    resolve_and_join(&beta, &bob, &group).await;
    let carol = gamma.register("carol").await;
    resolve_and_join(&gamma, &carol, &group).await;
    let (_, g) = alpha.get("/api/v1/groups/design", None).await;
    assert_eq!(g["member_count"], 3, "{g}");

    // A gamma member posts into the alpha group; alpha relays it to beta.
    let (status, posted) = gamma
        .post(
            &format!("/api/v1/groups/{group}/threads"),
            Some(&carol),
            json!({"title": "Forms across agencies", "body": "What *works*?", "language": "en-CA"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{posted}");
    let ap_id = posted["ap_id"].as_str().unwrap().to_string();
    assert!(ap_id.starts_with(&format!("http://{}", gamma.server.state.config.domain)));
    for app in [&alpha, &beta] {
        let name = if std::ptr::eq(app, &alpha) {
            "design".to_string()
        } else {
            group.clone()
        };
        eventually("the thread arrives", || async {
            !threads_of(app, &name).await.is_empty()
        })
        .await;
        let t = &threads_of(app, &name).await[0];
        assert_eq!(t["title"], "Forms across agencies");
        assert_eq!(t["ap_id"], ap_id.as_str());
        assert_eq!(t["author"]["handle"], gamma.handle("carol"));
        assert_eq!(t["local"], false);
        assert_eq!(t["language"], "en-CA");
        assert!(t["body"].as_str().unwrap().contains("<em>works</em>"));
    }

    // A beta member replies on beta; the reply reaches alpha and gamma under the right thread.
    let on_beta = threads_of(&beta, &group).await[0]["id"].as_i64().unwrap();
    let reply = beta.comment(&bob, on_beta, None, "Short sentences.").await;
    let (_, c) = beta.get(&format!("/api/v1/threads/{on_beta}"), None).await;
    let reply_ap_id = c["comments"][0]["ap_id"].as_str().unwrap().to_string();
    assert_eq!(c["comments"][0]["id"], reply);
    let on_gamma = posted["id"].as_i64().unwrap();
    let on_alpha = threads_of(&alpha, "design").await[0]["id"]
        .as_i64()
        .unwrap();
    for (app, id) in [(&alpha, on_alpha), (&gamma, on_gamma)] {
        eventually("the reply arrives", || async {
            let (_, d) = app.get(&format!("/api/v1/threads/{id}"), None).await;
            d["comments"].as_array().is_some_and(|c| !c.is_empty())
        })
        .await;
        let (_, d) = app.get(&format!("/api/v1/threads/{id}"), None).await;
        assert_eq!(d["comments"][0]["ap_id"], reply_ap_id.as_str());
        assert_eq!(d["comments"][0]["author"]["handle"], beta.handle("bob"));
        assert_eq!(d["thread"]["comment_count"], 1);
    }

    // A nested reply from alpha's own member keeps the tree everywhere.
    let (_, d) = alpha
        .get(&format!("/api/v1/threads/{on_alpha}"), None)
        .await;
    let parent = d["comments"][0]["id"].as_i64().unwrap();
    alpha
        .comment(&alice, on_alpha, Some(parent), "Agreed.")
        .await;
    for (app, id) in [(&beta, on_beta), (&gamma, on_gamma)] {
        eventually("the nested reply arrives", || async {
            let (_, d) = app.get(&format!("/api/v1/threads/{id}"), None).await;
            d["comments"][0]["replies"]
                .as_array()
                .is_some_and(|r| !r.is_empty())
        })
        .await;
        let (_, d) = app.get(&format!("/api/v1/threads/{id}"), None).await;
        assert_eq!(
            d["comments"][0]["replies"][0]["author"]["handle"],
            alpha.handle("alice")
        );
    }

    // The feed of a remote member shows the remote group's thread.
    let (_, feed) = beta.get("/api/v1/feed", Some(&bob)).await;
    assert_eq!(feed["items"][0]["title"], "Forms across agencies");
}

async fn thread_on(app: &TestApp, id: i64) -> Value {
    app.get(&format!("/api/v1/threads/{id}"), None).await.1
}

#[tokio::test]
async fn edits_votes_deletions_and_unfollows_propagate() {
    let alpha = spawn_named("alpha").await;
    let beta = spawn_named("beta").await;
    let gamma = spawn_named("gamma").await;
    let alice = alpha.register("alice").await;
    alpha.group(&alice, "data").await;
    let group = alpha.handle("data");
    let bob = beta.register("bob").await;
    resolve_and_join(&beta, &bob, &group).await;
    let carol = gamma.register("carol").await;
    resolve_and_join(&gamma, &carol, &group).await;

    let on_gamma = gamma.thread(&carol, &group, "Draft title").await;
    eventually("thread on beta", || async {
        !threads_of(&beta, &group).await.is_empty()
    })
    .await;
    let on_beta = threads_of(&beta, &group).await[0]["id"].as_i64().unwrap();
    let on_alpha = threads_of(&alpha, "data").await[0]["id"].as_i64().unwrap();

    // Edit by the author.
    let (status, _) = gamma
        .patch(
            &format!("/api/v1/threads/{on_gamma}"),
            Some(&carol),
            json!({"title": "Final title"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    eventually("the edit reaches beta", || async {
        thread_on(&beta, on_beta).await["thread"]["title"] == "Final title"
    })
    .await;

    // Votes from beta: up, then down, then withdrawn, seen on alpha and gamma.
    for (score, expect) in [(1, 1), (-1, -1), (0, 0)] {
        let (status, v) = beta
            .post(
                &format!("/api/v1/threads/{on_beta}/vote"),
                Some(&bob),
                json!({"score": score}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{v}");
        for (app, id) in [(&alpha, on_alpha), (&gamma, on_gamma)] {
            eventually(&format!("score {expect}"), || async {
                thread_on(app, id).await["thread"]["score"] == expect
            })
            .await;
        }
    }

    // A reply and its deletion.
    let reply = beta.comment(&bob, on_beta, None, "Soon to go").await;
    eventually("reply on gamma", || async {
        thread_on(&gamma, on_gamma).await["comments"][0]["body"]
            .as_str()
            .is_some_and(|b| b.contains("Soon"))
    })
    .await;
    let (status, _) = beta
        .delete(&format!("/api/v1/comments/{reply}"), Some(&bob))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    eventually("reply deleted on gamma", || async {
        thread_on(&gamma, on_gamma).await["comments"][0]["deleted"] == true
    })
    .await;
    eventually("reply deleted on alpha", || async {
        thread_on(&alpha, on_alpha).await["comments"][0]["deleted"] == true
    })
    .await;

    // The author deletes the thread.
    gamma
        .delete(&format!("/api/v1/threads/{on_gamma}"), Some(&carol))
        .await;
    eventually("thread deleted on beta", || async {
        thread_on(&beta, on_beta).await["thread"]["deleted"] == true
    })
    .await;
    assert_eq!(thread_on(&alpha, on_alpha).await["thread"]["deleted"], true);

    // Bob leaves: alpha stops delivering to beta.
    let (status, _) = beta
        .post(
            &format!("/api/v1/groups/{group}/leave"),
            Some(&bob),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    eventually("alpha forgets bob", || async {
        alpha.get("/api/v1/groups/data", None).await.1["member_count"] == 2
    })
    .await;
    alpha.thread(&alice, "data", "After bob left").await;
    eventually("gamma gets the new thread", || async {
        threads_of(&gamma, &group)
            .await
            .iter()
            .any(|t| t["title"] == "After bob left")
    })
    .await;
    assert!(
        !threads_of(&beta, &group)
            .await
            .iter()
            .any(|t| t["title"] == "After bob left"),
        "beta no longer follows"
    );
}

#[tokio::test]
async fn allowlist_and_blocklist_refuse_traffic_both_ways() {
    let alpha = spawn_named("alpha").await;
    let beta = spawn_named("beta").await;
    let gamma = spawn_named("gamma").await;
    let root = alpha.admin("root").await;
    let alice = alpha.register("alice").await;
    alpha.group(&alice, "agency_net").await;
    let group = alpha.handle("agency_net");
    let beta_domain = beta.server.state.config.domain.clone();

    let (status, _) = alpha
        .call(
            reqwest::Method::PUT,
            "/api/v1/admin/federation",
            Some(&alice),
            Some(json!({"mode": "allowlist"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = alpha
        .call(
            reqwest::Method::PUT,
            "/api/v1/admin/federation",
            Some(&root),
            Some(json!({"allowed": ["not a domain/x"]})),
        )
        .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("domain"))
    );
    let (status, policy) = alpha
        .call(
            reqwest::Method::PUT,
            "/api/v1/admin/federation",
            Some(&root),
            Some(json!({"mode": "allowlist", "allowed": [beta_domain]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{policy}");
    assert_eq!(policy["mode"], "allowlist");

    // Allowlist: beta is in, gamma is out.
    let bob = beta.register("bob").await;
    resolve_and_join(&beta, &bob, &group).await;
    let carol = gamma.register("carol").await;
    let (status, _) = gamma
        .get(&format!("/api/v1/resolve?q=!{group}"), Some(&carol))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, joined) = gamma
        .post(
            &format!("/api/v1/groups/{group}/join"),
            Some(&carol),
            json!({}),
        )
        .await;
    assert_eq!(joined["state"], "pending");
    alpha.thread(&alice, "agency_net", "Network only").await;
    eventually("beta gets the thread", || async {
        !threads_of(&beta, &group).await.is_empty()
    })
    .await;
    // Alpha refuses gamma's Follow at its inbox: carol's join says so, with alpha's answer,
    // instead of staying pending.
    eventually("gamma's join is refused", || async {
        let (_, g) = gamma
            .get(&format!("/api/v1/groups/{group}"), Some(&carol))
            .await;
        g["membership"] == "refused"
    })
    .await;
    let (_, g) = gamma
        .get(&format!("/api/v1/groups/{group}"), Some(&carol))
        .await;
    let reason = g["membership_reason"].as_str().unwrap_or_default();
    assert!(reason.contains("403"), "{g}");
    let failed = gamma
        .server
        .state
        .db
        .read(|c| {
            use commonplace::db::schema::deliveries;
            use diesel::prelude::*;
            Ok(deliveries::table
                .filter(deliveries::failed_at.is_not_null())
                .count()
                .get_result::<i64>(c)?)
        })
        .await
        .unwrap();
    assert_eq!(failed, 1, "the refused Follow is not sent again");
    let (_, a) = alpha.get("/api/v1/groups/agency_net", None).await;
    assert_eq!(a["member_count"], 2, "alice and bob only");
    assert!(threads_of(&gamma, &group).await.is_empty());

    // Block list: beta blocked, the rest open.
    let (status, _) = alpha
        .call(
            reqwest::Method::PUT,
            "/api/v1/admin/federation",
            Some(&root),
            Some(json!({"mode": "open", "allowed": [], "blocked": [beta_domain]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let dave = gamma.register("dave").await;
    resolve_and_join(&gamma, &dave, &group).await;
    let on_beta = threads_of(&beta, &group).await[0]["id"].as_i64().unwrap();
    beta.comment(&bob, on_beta, None, "Can you hear me?").await;
    alpha.thread(&alice, "agency_net", "After the block").await;
    eventually("gamma gets the new thread", || async {
        threads_of(&gamma, &group)
            .await
            .iter()
            .any(|t| t["title"] == "After the block")
    })
    .await;
    // Give beta's reply time to be refused, then check neither side took the other's traffic.
    eventually("beta's delivery settles", || async {
        beta.server
            .state
            .db
            .read(|c| {
                use commonplace::db::schema::deliveries;
                use diesel::prelude::*;
                Ok(deliveries::table
                    .filter(deliveries::attempts.gt(0))
                    .count()
                    .get_result::<i64>(c)?
                    >= 2)
            })
            .await
            .unwrap()
    })
    .await;
    assert!(
        !threads_of(&beta, &group)
            .await
            .iter()
            .any(|t| t["title"] == "After the block"),
        "alpha sends nothing to beta"
    );
    let on_alpha = threads_of(&alpha, "agency_net")
        .await
        .iter()
        .find(|t| t["title"] == "Network only")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let (_, d) = alpha
        .get(&format!("/api/v1/threads/{on_alpha}"), None)
        .await;
    assert_eq!(
        d["comments"].as_array().unwrap().len(),
        0,
        "alpha takes nothing from beta"
    );
    let (_, p) = alpha.get("/api/v1/admin/federation", Some(&root)).await;
    assert_eq!(p["blocked"], json!([beta_domain]));
}

#[tokio::test]
async fn steward_actions_propagate() {
    let alpha = spawn_named("alpha").await;
    let beta = spawn_named("beta").await;
    let gamma = spawn_named("gamma").await;
    let alice = alpha.register("alice").await;
    alpha.group(&alice, "policy").await;
    let group = alpha.handle("policy");
    let bob = beta.register("bob").await;
    resolve_and_join(&beta, &bob, &group).await;
    let carol = gamma.register("carol").await;
    resolve_and_join(&gamma, &carol, &group).await;

    gamma.thread(&carol, &group, "Open data rules").await;
    eventually("thread on beta", || async {
        !threads_of(&beta, &group).await.is_empty()
    })
    .await;
    let on_alpha = threads_of(&alpha, "policy").await[0]["id"]
        .as_i64()
        .unwrap();
    let on_beta = threads_of(&beta, &group).await[0]["id"].as_i64().unwrap();
    let reply = beta.comment(&bob, on_beta, None, "Off topic!").await;
    eventually("reply on alpha", || async {
        thread_on(&alpha, on_alpha).await["thread"]["comment_count"] == 1
    })
    .await;
    let reply_on_alpha = thread_on(&alpha, on_alpha).await["comments"][0]["id"]
        .as_i64()
        .unwrap();

    // Pin and lock on alpha reach beta.
    alpha
        .post(
            &format!("/api/v1/threads/{on_alpha}/pin"),
            Some(&alice),
            json!({}),
        )
        .await;
    alpha
        .post(
            &format!("/api/v1/threads/{on_alpha}/lock"),
            Some(&alice),
            json!({}),
        )
        .await;
    eventually("pinned and locked on beta", || async {
        let t = thread_on(&beta, on_beta).await;
        t["thread"]["pinned"] == true && t["thread"]["locked"] == true
    })
    .await;
    let (status, _) = beta
        .post(
            &format!("/api/v1/threads/{on_beta}/comments"),
            Some(&bob),
            json!({"body": "late"}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "beta knows the thread is locked"
    );
    alpha
        .post(
            &format!("/api/v1/threads/{on_alpha}/lock"),
            Some(&alice),
            json!({"value": false}),
        )
        .await;
    eventually("unlocked on beta", || async {
        thread_on(&beta, on_beta).await["thread"]["locked"] == false
    })
    .await;

    // Removing a comment and then the thread.
    alpha
        .post(
            &format!("/api/v1/comments/{reply_on_alpha}/remove"),
            Some(&alice),
            json!({}),
        )
        .await;
    eventually("comment removed on gamma", || async {
        let on_gamma = threads_of(&gamma, &group).await[0]["id"].as_i64().unwrap();
        thread_on(&gamma, on_gamma).await["comments"][0]["removed"] == true
    })
    .await;
    eventually("comment removed on beta", || async {
        thread_on(&beta, on_beta).await["comments"][0]["removed"] == true
    })
    .await;
    assert_eq!(thread_on(&beta, on_beta).await["comments"][0]["id"], reply);
    alpha
        .post(
            &format!("/api/v1/threads/{on_alpha}/remove"),
            Some(&alice),
            json!({}),
        )
        .await;
    eventually("thread removed on beta", || async {
        threads_of(&beta, &group).await.is_empty()
    })
    .await;
    alpha
        .post(
            &format!("/api/v1/threads/{on_alpha}/remove"),
            Some(&alice),
            json!({"value": false}),
        )
        .await;
    eventually("thread restored on beta", || async {
        threads_of(&beta, &group).await.len() == 1
    })
    .await;

    // The group's new title reaches its followers.
    alpha
        .patch(
            "/api/v1/groups/policy",
            Some(&alice),
            json!({"title": "Data policy"}),
        )
        .await;
    eventually("new title on gamma", || async {
        gamma.get(&format!("/api/v1/groups/{group}"), None).await.1["title"] == "Data policy"
    })
    .await;

    // A remote member made steward, then stepping down: beta follows both.
    let bob_handle = beta.handle("bob");
    let (status, made) = alpha
        .post(
            &format!("/api/v1/groups/policy/members/{bob_handle}/steward"),
            Some(&alice),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{made}");
    let stewards_on_beta = || async {
        beta.get(&format!("/api/v1/groups/{group}"), None).await.1["stewards"]
            .as_array()
            .map(|s| {
                s.iter()
                    .map(|p| p["handle"].as_str().unwrap_or_default().to_string())
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    eventually("bob is a steward on beta too", || async {
        stewards_on_beta().await.contains(&bob_handle)
    })
    .await;
    let (status, _) = alpha
        .post(
            &format!("/api/v1/groups/policy/members/{bob_handle}/steward"),
            Some(&alice),
            json!({"value": false}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    eventually("bob stepped down on beta", || async {
        !stewards_on_beta().await.contains(&bob_handle)
    })
    .await;
    let (status, _) = alpha
        .post(
            "/api/v1/groups/policy/members/alice/steward",
            Some(&alice),
            json!({"value": false}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "the last steward stays");

    // Only stewards: a member's Lock sent straight to alpha is refused.
    let (status, _) = beta
        .post(
            &format!("/api/v1/threads/{on_beta}/lock"),
            Some(&bob),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn thread_and_reply_urls_resolve_from_their_origin() {
    let alpha = spawn_named("alpha").await;
    let beta = spawn_named("beta").await;
    let alice = alpha.register("alice").await;
    alpha.group(&alice, "research").await;
    let t = alpha.thread(&alice, "research", "Survey methods").await;
    let c = alpha
        .comment(&alice, t, None, "Start with interviews.")
        .await;
    let comment_url = format!("http://{}/c/{c}", alpha.server.state.config.domain);
    let bob = beta.register("bob").await;

    let (status, found) = beta
        .get(&format!("/api/v1/resolve?q={comment_url}"), Some(&bob))
        .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(found["type"], "thread");
    assert_eq!(found["thread"]["thread"]["title"], "Survey methods");
    assert_eq!(
        found["thread"]["thread"]["group"]["handle"],
        alpha.handle("research")
    );
    assert_eq!(
        found["thread"]["comments"][0]["ap_id"],
        comment_url.as_str()
    );
    assert_eq!(found["comment_id"], found["thread"]["comments"][0]["id"]);
    // Resolving again finds what was stored.
    let (_, again) = beta
        .get(&format!("/api/v1/resolve?q={comment_url}"), Some(&bob))
        .await;
    assert_eq!(
        again["thread"]["thread"]["id"],
        found["thread"]["thread"]["id"]
    );
    let (status, _) = beta
        .get(
            &format!(
                "/api/v1/resolve?q=http://{}/t/999",
                alpha.server.state.config.domain
            ),
            Some(&bob),
        )
        .await;
    assert!(
        status.is_client_error() || status == StatusCode::BAD_GATEWAY,
        "{status}"
    );
}

#[tokio::test]
async fn bans_reach_the_banned_members_instance() {
    let alpha = spawn_named("alpha").await;
    let beta = spawn_named("beta").await;
    let alice = alpha.register("alice").await;
    alpha.group(&alice, "forms").await;
    let group = alpha.handle("forms");
    let bob = beta.register("bob").await;
    resolve_and_join(&beta, &bob, &group).await;
    let bob_handle = beta.handle("bob");

    let (status, _) = alpha
        .post(
            &format!("/api/v1/groups/forms/members/{bob_handle}/ban"),
            Some(&bob),
            json!({}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "bob's token is beta's, not alpha's"
    );
    let (status, body) = alpha
        .post(
            &format!("/api/v1/groups/forms/members/{bob_handle}/ban"),
            Some(&alice),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(
        alpha.get("/api/v1/groups/forms", None).await.1["member_count"],
        1
    );
    eventually("beta learns of the ban", || async {
        let (status, _) = beta
            .post(
                &format!("/api/v1/groups/{group}/threads"),
                Some(&bob),
                json!({"title": "Let me in"}),
            )
            .await;
        status == StatusCode::FORBIDDEN
    })
    .await;
    let (status, body) = beta
        .post(
            &format!("/api/v1/groups/{group}/join"),
            Some(&bob),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

    // Lifting the ban lets bob join again.
    let (status, _) = alpha
        .post(
            &format!("/api/v1/groups/forms/members/{bob_handle}/ban"),
            Some(&alice),
            json!({"value": false}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    eventually("beta learns the ban is lifted", || async {
        beta.post(
            &format!("/api/v1/groups/{group}/join"),
            Some(&bob),
            json!({}),
        )
        .await
        .0 == StatusCode::OK
    })
    .await;
    eventually("accepted again", || async {
        beta.get(&format!("/api/v1/groups/{group}"), Some(&bob))
            .await
            .1["membership"]
            == "accepted"
    })
    .await;
}

#[tokio::test]
async fn reports_reach_the_groups_stewards() {
    let alpha = spawn_named("alpha").await;
    let beta = spawn_named("beta").await;
    let alice = alpha.register("alice").await;
    let carl = alpha.register("carl").await;
    alpha.group(&alice, "safety").await;
    let group = alpha.handle("safety");
    let t = alpha.thread(&carl, "safety", "Spam?").await;
    let bob = beta.register("bob").await;
    resolve_and_join(&beta, &bob, &group).await;
    let url = format!("http://{}/t/{t}", alpha.server.state.config.domain);
    let (_, found) = beta
        .get(&format!("/api/v1/resolve?q={url}"), Some(&bob))
        .await;
    let on_beta = found["thread"]["thread"]["id"].as_i64().unwrap();

    let (status, body) = beta
        .post(
            &format!("/api/v1/threads/{on_beta}/report"),
            Some(&bob),
            json!({"reason": "Looks like spam"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, _) = alpha
        .post(
            &format!("/api/v1/threads/{t}/report"),
            Some(&carl),
            json!({"reason": ""}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    alpha
        .post(
            &format!("/api/v1/threads/{t}/report"),
            Some(&carl),
            json!({"reason": "Mine, by mistake"}),
        )
        .await;
    eventually("bob's report reaches alpha", || async {
        alpha
            .get("/api/v1/groups/safety/reports", Some(&alice))
            .await
            .1["items"]
            .as_array()
            .is_some_and(|i| i.len() == 2)
    })
    .await;
    let (_, reports) = alpha
        .get("/api/v1/groups/safety/reports", Some(&alice))
        .await;
    let from_bob = reports["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["reporter"]["handle"] == beta.handle("bob"))
        .unwrap();
    assert_eq!(from_bob["reason"], "Looks like spam");
    assert_eq!(from_bob["thread_id"], t);
    let (status, _) = alpha
        .get("/api/v1/groups/safety/reports", Some(&carl))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// Instances told apart only by port (`localhost:PORT`, what a real Lemmy on loopback can reach)
/// federate, and the port still counts in origin checks.
#[tokio::test]
async fn instances_on_plain_localhost_ports_federate() {
    let one = crate::helpers::spawn_app().await;
    let two = crate::helpers::spawn_app().await;
    assert!(one.server.state.config.domain.starts_with("localhost:"));
    let alice = one.register("alice").await;
    one.group(&alice, "design").await;
    let bob = two.register("bob").await;
    let group = resolve_and_join(&two, &bob, &one.handle("design")).await;
    let (status, posted) = two
        .post(
            &format!("/api/v1/groups/{group}/threads"),
            Some(&bob),
            json!({"title": "From the other port"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{posted}");
    eventually("the thread reaches the group's instance", || async {
        threads_of(&one, "design")
            .await
            .first()
            .is_some_and(|t| t["author"]["handle"] == two.handle("bob"))
    })
    .await;
    let on_one = threads_of(&one, "design").await[0]["id"].as_i64().unwrap();
    one.comment(&alice, on_one, None, "Welcome.").await;
    let on_two = posted["id"].as_i64().unwrap();
    eventually("the reply comes back", || async {
        let (_, d) = two.get(&format!("/api/v1/threads/{on_two}"), None).await;
        d["comments"][0]["author"]["handle"] == one.handle("alice")
    })
    .await;

    // Bob's server may not speak for objects on alice's: same host name, other port.
    let as_bob = crate::helpers::federation::signer(&two, &at(&two, "/u/bob")).await;
    let forged = json!({
        "id": at(&two, "/activities/create/forged"), "type": "Create", "actor": at(&two, "/u/bob"),
        "object": {
            "id": at(&one, "/t/999"), "type": "Page", "attributedTo": at(&two, "/u/bob"),
            "name": "Forged", "to": [at(&one, "/g/design")], "audience": at(&one, "/g/design"),
            "content": "<p>x</p>", "mediaType": "text/html", "published": "2026-11-24T10:00:00Z"
        }
    });
    let (status, _) =
        crate::helpers::federation::post_signed(&as_bob, &one, &forged, None, |_| {}).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(threads_of(&one, "design").await.len(), 1);
}

#[tokio::test]
async fn a_request_to_join_refused_by_a_steward_is_refused_on_the_members_instance_too() {
    let alpha = spawn_named("alpha").await;
    let beta = spawn_named("beta").await;
    let alice = alpha.register("alice").await;
    let (status, body) = alpha
        .post(
            "/api/v1/groups",
            Some(&alice),
            json!({"name": "closed", "title": "Closed", "approval_required": true}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let bob = beta.register("bob").await;
    let group = alpha.handle("closed");
    let (status, _) = beta
        .get(&format!("/api/v1/resolve?q=!{group}"), Some(&bob))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, joined) = beta
        .post(
            &format!("/api/v1/groups/{group}/join"),
            Some(&bob),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{joined}");
    let bob_handle = beta.handle("bob");
    eventually("bob's request waits on alpha", || async {
        alpha
            .get("/api/v1/groups/closed/members?state=pending", Some(&alice))
            .await
            .1
            .to_string()
            .contains(&bob_handle)
    })
    .await;
    let (status, body) = alpha
        .post(
            &format!("/api/v1/groups/closed/members/{bob_handle}/remove"),
            Some(&alice),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    eventually("beta hears that the request was refused", || async {
        beta.get(&format!("/api/v1/groups/{group}"), Some(&bob))
            .await
            .1["membership"]
            == "refused"
    })
    .await;
}
