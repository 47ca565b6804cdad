//! Behind a reverse proxy: signatures are checked against our domain whatever `Host` the proxy
//! passed on, and `X-Forwarded-For` names the client only when a trusted proxy sent it.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::federation::{at, post_signed, signer_with_host_and_date as signer};
use crate::helpers::{spawn_named, spawn_with, TestApp};

#[tokio::test]
async fn a_signed_delivery_whose_host_a_proxy_rewrote_is_accepted() {
    let alpha = spawn_named("alpha").await;
    let gamma = spawn_named("gamma").await;
    let alice = alpha.register("alice").await;
    alpha.group(&alice, "design").await;
    gamma.register("carol").await;
    let carol = at(&gamma, "/u/carol");
    let as_carol = signer(&gamma, &carol).await;
    let follow = json!({
        "id": at(&gamma, "/activities/follow/1"), "type": "Follow",
        "actor": carol, "object": at(&alpha, "/g/design"),
    });
    // What nginx's plain `proxy_pass http://127.0.0.1:PORT` passes on as `Host`.
    let upstream = alpha.server.addr.to_string();
    let (status, body) = post_signed(&as_carol, &alpha, &follow, None, |r| {
        r.headers_mut()
            .insert("host", upstream.parse().expect("host"));
    })
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, members) = alpha.get("/api/v1/groups/design/members", None).await;
    assert!(members.to_string().contains("carol"), "{members}");

    // A signature over another server's name still fails here, whatever the Host says.
    let other = json!({
        "id": at(&gamma, "/activities/follow/2"), "type": "Follow",
        "actor": carol, "object": at(&alpha, "/g/design"),
    });
    let (status, _) = post_signed(&as_carol, &gamma, &other, None, |r| {
        let alpha_inbox = format!("http://{}/inbox", alpha.server.addr);
        *r.url_mut() = alpha_inbox.parse().expect("url");
    })
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

/// Signs in as nobody from `peer` (a loopback address) with `X-Forwarded-For: forwarded`.
async fn attempt(app: &TestApp, peer: [u8; 4], forwarded: &str) -> StatusCode {
    let client = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from(peer))
        .build()
        .expect("client");
    client
        .post(format!("http://{}/api/v1/auth/login", app.server.addr))
        .header("x-forwarded-for", forwarded)
        .json(&json!({"username": "nobody", "password": "whatever1"}))
        .send()
        .await
        .expect("sent")
        .status()
}

#[tokio::test]
async fn forwarded_addresses_count_for_rate_limits_only_from_trusted_proxies() {
    let app = spawn_with(|c| {
        c.limits.auth_attempts_per_minute = 2;
        c.trusted_proxies = "127.0.0.1".parse().expect("proxies");
    })
    .await;
    let proxy = [127, 0, 0, 1];
    // Through the proxy, each agency's address has its own attempts.
    for _ in 0..2 {
        assert_eq!(
            attempt(&app, proxy, "203.0.113.1").await,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        attempt(&app, proxy, "203.0.113.1").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // A hop the client wrote itself, left of the proxy's, changes nothing.
    assert_eq!(
        attempt(&app, proxy, "198.51.100.9, 203.0.113.1").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        attempt(&app, proxy, "203.0.113.2").await,
        StatusCode::UNAUTHORIZED
    );
    // From an address that is not a trusted proxy, the header is ignored: the peer counts.
    let stranger = [127, 0, 0, 2];
    for n in 0..3 {
        let status = attempt(&app, stranger, &format!("192.0.2.{n}")).await;
        let expected = if n < 2 {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::TOO_MANY_REQUESTS
        };
        assert_eq!(status, expected, "attempt {n} from 127.0.0.2");
    }
}

#[tokio::test]
async fn without_trusted_proxies_forwarded_addresses_are_ignored() {
    let app = spawn_with(|c| c.limits.auth_attempts_per_minute = 1).await;
    assert_eq!(
        attempt(&app, [127, 0, 0, 1], "203.0.113.1").await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        attempt(&app, [127, 0, 0, 1], "203.0.113.2").await,
        StatusCode::TOO_MANY_REQUESTS
    );
}
