//! RFC 9421 HTTP Message Signatures at the inbox, signed here the way Mastodon signs them.

use base64::{engine::general_purpose::STANDARD as B64, Engine};
use commonplace::domain::remote::{actor_by_ap_id, ActorRow};
use reqwest::StatusCode;
use rsa::{pkcs8::DecodePrivateKey, Pkcs1v15Sign, RsaPrivateKey};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::helpers::{spawn_named, TestApp};

fn at(app: &TestApp, path: &str) -> String {
    format!("http://{}{path}", app.server.state.config.domain)
}

async fn private_key(app: &TestApp, actor: &str) -> RsaPrivateKey {
    let Some(ActorRow::Person(p)) = actor_by_ap_id(&app.server.state, actor).await.unwrap() else {
        panic!("no such person");
    };
    RsaPrivateKey::from_pkcs8_pem(&p.private_key.unwrap()).unwrap()
}

/// What to sign, and how to spoil it.
struct Signing<'a> {
    key: &'a RsaPrivateKey,
    key_id: String,
    components: &'a [&'a str],
    created: i64,
    /// The URI signed, when it is not the one the request goes to.
    signed_uri: Option<String>,
    /// The body sent, when it is not the one digested.
    sent_body: Option<Vec<u8>>,
}

/// Posts `body` to `to`'s shared inbox with `Signature-Input`, `Signature` and `Content-Digest`,
/// the signature base written out by hand from RFC 9421 §2.5.
async fn post_rfc9421(to: &TestApp, body: &Value, s: Signing<'_>) -> StatusCode {
    let bytes = serde_json::to_vec(body).unwrap();
    let uri = at(to, "/inbox");
    let digest = format!("sha-256=:{}:", B64.encode(Sha256::digest(&bytes)));
    let covered = s
        .components
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(" ");
    let params = format!("({covered});created={};keyid=\"{}\"", s.created, s.key_id);
    let mut base = String::new();
    for c in s.components {
        let value = match *c {
            "@method" => "POST".to_string(),
            "@target-uri" => s.signed_uri.clone().unwrap_or_else(|| uri.clone()),
            "content-digest" => digest.clone(),
            "content-type" => "application/activity+json".to_string(),
            other => panic!("{other}"),
        };
        base.push_str(&format!("\"{c}\": {value}\n"));
    }
    base.push_str(&format!("\"@signature-params\": {params}"));
    let signature = s
        .key
        .sign(
            Pkcs1v15Sign::new::<Sha256>(),
            &Sha256::digest(base.as_bytes()),
        )
        .unwrap();
    let host = to
        .server
        .state
        .config
        .domain
        .split(':')
        .next()
        .unwrap()
        .to_string();
    let client = reqwest::Client::builder()
        .resolve(&host, to.server.addr)
        .build()
        .unwrap();
    client
        .post(&uri)
        .header("content-type", "application/activity+json")
        .header("content-digest", digest)
        .header("signature-input", format!("sig1={params}"))
        .header("signature", format!("sig1=:{}:", B64.encode(signature)))
        .body(s.sent_body.unwrap_or(bytes))
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn rfc_9421_signatures_are_verified() {
    let alpha = spawn_named("alpha").await;
    let gamma = spawn_named("gamma").await;
    let alice = alpha.register("alice").await;
    alpha.group(&alice, "design").await;
    gamma.register("carol").await;
    gamma.register("dave").await;
    let (group, carol) = (at(&alpha, "/g/design"), at(&gamma, "/u/carol"));
    let carol_key = private_key(&gamma, &carol).await;
    let dave_key = private_key(&gamma, &at(&gamma, "/u/dave")).await;
    let create = |n: u32| {
        json!({
            "id": at(&gamma, &format!("/activities/create/{n}")), "type": "Create", "actor": carol,
            "to": ["https://www.w3.org/ns/activitystreams#Public"], "cc": [group],
            "object": {
                "id": at(&gamma, &format!("/t/{n}")), "type": "Page", "attributedTo": carol,
                "name": format!("Signed the new way {n}"), "audience": group,
                "to": [group, "https://www.w3.org/ns/activitystreams#Public"],
                "content": "<p>RFC 9421</p>", "mediaType": "text/html",
                "published": "2026-11-24T10:00:00Z"
            }
        })
    };
    let now = chrono::Utc::now().timestamp();
    let mastodon = ["@method", "@target-uri", "content-digest"];
    let signing = |key, components, created| Signing {
        key,
        key_id: format!("{carol}#main-key"),
        components,
        created,
        signed_uri: None,
        sent_body: None,
    };

    // Signed by someone else's key (the sender is fetched and stored, nothing else).
    let status = post_rfc9421(&alpha, &create(1), signing(&dave_key, &mastodon, now)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let before = alpha.fingerprint().await;
    // Too old.
    let status = post_rfc9421(
        &alpha,
        &create(1),
        signing(&carol_key, &mastodon, now - 7200),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // The target URI not covered, or another one signed.
    let partial = ["@method", "content-digest"];
    let status = post_rfc9421(&alpha, &create(1), signing(&carol_key, &partial, now)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let mut elsewhere = signing(&carol_key, &mastodon, now);
    elsewhere.signed_uri = Some(at(&gamma, "/inbox"));
    assert_eq!(
        post_rfc9421(&alpha, &create(1), elsewhere).await,
        StatusCode::UNAUTHORIZED
    );
    // A body changed after digesting.
    let mut changed = signing(&carol_key, &mastodon, now);
    changed.sent_body = Some(serde_json::to_vec(&create(2)).unwrap());
    assert_eq!(
        post_rfc9421(&alpha, &create(1), changed).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(alpha.fingerprint().await, before, "nothing stored");

    // Signed as Mastodon signs: taken.
    let status = post_rfc9421(&alpha, &create(1), signing(&carol_key, &mastodon, now)).await;
    assert_eq!(status, StatusCode::OK);
    // With more covered components, in another order: taken too.
    let more = ["content-type", "@target-uri", "content-digest", "@method"];
    let status = post_rfc9421(&alpha, &create(3), signing(&carol_key, &more, now)).await;
    assert_eq!(status, StatusCode::OK);
    let (_, threads) = alpha.get("/api/v1/groups/design/threads", None).await;
    let titles: Vec<&str> = threads["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["title"].as_str().unwrap())
        .collect();
    assert!(titles.contains(&"Signed the new way 1"), "{titles:?}");
    assert!(titles.contains(&"Signed the new way 3"), "{titles:?}");
    assert_eq!(
        threads["items"][0]["author"]["handle"],
        gamma.handle("carol")
    );
}
