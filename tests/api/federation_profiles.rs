//! Remote profiles keep their agency: a member's agency, role and expertise travel with their
//! `Person`, are stored by the instances that know them, and follow `Update(Person)`.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::federation::resolve_and_join;
use crate::helpers::{eventually, spawn_named, TestApp};

/// The "N agencies" figure on a group's page.
async fn agencies_on_page(app: &TestApp, group: &str) -> String {
    let page = app
        .client
        .get(format!("{}/g/{group}", app.base))
        .header("accept", "text/html")
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    page.split("agenc")
        .next()
        .and_then(|before| before.rsplit(['·', '>']).next())
        // Fluent isolates the number with invisible marks: keep the digits.
        .map(|n| n.chars().filter(char::is_ascii_digit).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_remote_members_agency_counts_on_the_group_page_and_follows_their_updates() {
    let alpha = spawn_named("alpha").await;
    let beta = spawn_named("beta").await;
    // Both register with the agency "Treasury" (the helper's default).
    let alice = alpha.register("alice").await;
    alpha.group(&alice, "design").await;
    let bob = beta.register("bob").await;
    let (status, me) = beta
        .patch(
            "/api/v1/me",
            Some(&bob),
            json!({"agency": "Statistics Canada", "role": "Data steward", "expertise": ["open data"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(agencies_on_page(&alpha, "design").await, "1");

    resolve_and_join(&beta, &bob, &alpha.handle("design")).await;
    let bob_there = beta.handle("bob");
    let (_, profile) = alpha
        .get(&format!("/api/v1/people/{bob_there}"), None)
        .await;
    assert_eq!(profile["agency"], "Statistics Canada", "{profile}");
    assert_eq!(profile["role"], "Data steward", "{profile}");
    assert_eq!(agencies_on_page(&alpha, "design").await, "2");

    // Bob moves to alice's agency: his instance sends Update(Person), the figure follows.
    let (status, _) = beta
        .patch("/api/v1/me", Some(&bob), json!({"agency": "treasury "}))
        .await;
    assert_eq!(status, StatusCode::OK);
    eventually("alpha counts one agency", || async {
        agencies_on_page(&alpha, "design").await == "1"
    })
    .await;
    let (status, _) = beta
        .patch("/api/v1/me", Some(&bob), json!({"agency": "Health Canada"}))
        .await;
    assert_eq!(status, StatusCode::OK);
    eventually("alpha counts two agencies again", || async {
        agencies_on_page(&alpha, "design").await == "2"
    })
    .await;
    let (_, profile) = alpha
        .get(&format!("/api/v1/people/{bob_there}"), None)
        .await;
    assert_eq!(profile["agency"], "Health Canada", "{profile}");
}

#[tokio::test]
async fn an_update_of_someone_elses_profile_is_refused() {
    use crate::helpers::federation::{post_signed, signer};
    let alpha = spawn_named("alpha").await;
    let beta = spawn_named("beta").await;
    let alice = alpha.register("alice").await;
    alpha.group(&alice, "design").await;
    let bob = beta.register("bob").await;
    beta.register("carol").await;
    resolve_and_join(&beta, &bob, &alpha.handle("design")).await;
    let at = |path: &str| format!("http://{}{path}", beta.server.state.config.domain);
    // Carol sends an Update of bob's profile: refused, bob's agency stays.
    let mut person = serde_json::to_value(
        commonplace::federation::person_json(
            &beta.server.state.config.base_url(),
            &match commonplace::domain::remote::actor_by_ap_id(&beta.server.state, &at("/u/bob"))
                .await
                .expect("read")
            {
                Some(commonplace::domain::remote::ActorRow::Person(p)) => p,
                _ => panic!("no bob"),
            },
        )
        .expect("json"),
    )
    .expect("value");
    person["attachment"] = json!([{"type": "PropertyValue", "name": "Agency", "value": "Forged"}]);
    let update = json!({
        "id": at("/activities/update/1"), "type": "Update", "actor": at("/u/carol"), "object": person,
    });
    let as_carol = signer(&beta, &at("/u/carol")).await;
    let (status, body) = post_signed(&as_carol, &alpha, &update, None, |_| {}).await;
    assert!(status.is_client_error(), "{status} {body}");
    let (_, profile) = alpha
        .get(&format!("/api/v1/people/{}", beta.handle("bob")), None)
        .await;
    assert_eq!(profile["agency"], "Treasury", "{profile}");
}
