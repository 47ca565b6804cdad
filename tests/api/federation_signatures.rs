//! HTTP signatures: RFC 9421 Message Signatures at the inbox, signed here the way Mastodon signs
//! them; and our own fetches and deliveries, checked by a small remote server the way Mastodon's
//! secure mode checks them.

use base64::{engine::general_purpose::STANDARD as B64, Engine};
use commonplace::domain::remote::{actor_by_ap_id, ActorRow};
use reqwest::StatusCode;
use rsa::{
    pkcs8::{DecodePrivateKey, DecodePublicKey},
    Pkcs1v15Sign, RsaPrivateKey, RsaPublicKey,
};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::helpers::federation::{at, remote_server, Seen};
use crate::helpers::{eventually, spawn_named, TestApp};

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

/// Checks a draft-cavage `Signature` as Mastodon's secure mode does: `(request-target)`, `host`
/// and `date` signed (and `digest`, matching the body, on a POST), a `Date` within the hour, and
/// the RSA signature valid for the key its `keyId` names, fetched from `app`.
async fn check_like_mastodon(seen: &Seen, app: &TestApp) -> Result<(), String> {
    let header = |name: &str| {
        seen.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let signature = header("signature").ok_or("no Signature header")?;
    let params: Vec<(&str, &str)> = signature
        .split(',')
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.trim(), v.trim().trim_matches('"')))
        .collect();
    let param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_string())
            .ok_or(format!("no {name} in {signature}"))
    };
    let signed = param("headers")?;
    let signed: Vec<&str> = signed.split(' ').collect();
    let mut required = vec!["(request-target)", "host", "date"];
    if seen.method == "POST" {
        required.push("digest");
    }
    for r in required {
        if !signed.contains(&r) {
            return Err(format!("{r} is not signed: {signed:?}"));
        }
    }
    let date = header("date").ok_or("no Date")?;
    let date = chrono::DateTime::parse_from_rfc2822(&date).map_err(|e| e.to_string())?;
    if (chrono::Utc::now() - date.to_utc()).num_seconds().abs() > 3600 {
        return Err(format!("stale Date {date}"));
    }
    if seen.method == "POST" {
        let expected = format!("SHA-256={}", B64.encode(Sha256::digest(&seen.body)));
        if header("digest").as_deref() != Some(expected.as_str()) {
            return Err("Digest does not match the body".into());
        }
    }
    let mut lines = Vec::new();
    for h in &signed {
        lines.push(if *h == "(request-target)" {
            format!(
                "(request-target): {} {}",
                seen.method.to_lowercase(),
                seen.path_and_query
            )
        } else {
            format!(
                "{h}: {}",
                header(h).ok_or(format!("{h} signed but not sent"))?
            )
        });
    }
    let key_id = url::Url::parse(&param("keyId")?).map_err(|e| e.to_string())?;
    let owner: Value = app
        .client
        .get(format!("{}{}", app.base, key_id.path()))
        .header("accept", "application/activity+json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let pem = owner["publicKey"]["publicKeyPem"]
        .as_str()
        .ok_or("no key")?;
    let key = RsaPublicKey::from_public_key_pem(pem).map_err(|e| e.to_string())?;
    let bytes = B64.decode(param("signature")?).map_err(|e| e.to_string())?;
    key.verify(
        Pkcs1v15Sign::new::<Sha256>(),
        &Sha256::digest(lines.join("\n").as_bytes()),
        &bytes,
    )
    .map_err(|e| format!("signature does not verify: {e}"))
}

#[tokio::test]
async fn our_fetches_and_deliveries_are_signed_as_mastodon_secure_mode_requires() {
    let alpha = spawn_named("alpha").await;
    let alice = alpha.register("alice").await;
    // A Lemmy community on a server that checks every signature, fetches included.
    let (origin, seen) = remote_server(|origin| {
        let group = include_str!("../fixtures/lemmy/group.json")
            .replace("https://enterprise.lemmy.ml", origin);
        let group = serde_json::from_str(&group).unwrap();
        vec![("/c/tenforward".into(), StatusCode::OK, group)]
    })
    .await;
    let (status, found) = alpha
        .get(
            &format!("/api/v1/resolve?q={origin}/c/tenforward"),
            Some(&alice),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    let handle = found["group"]["handle"].as_str().unwrap().to_string();
    let (status, joined) = alpha
        .post(
            &format!("/api/v1/groups/{handle}/join"),
            Some(&alice),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{joined}");
    eventually("the Follow is delivered", || async {
        seen.lock().unwrap().iter().any(|s| s.method == "POST")
    })
    .await;

    let seen = seen.lock().unwrap().clone();
    let fetch = seen
        .iter()
        .find(|s| s.method == "GET" && s.path_and_query == "/c/tenforward")
        .expect("the group was fetched");
    let delivery = seen.iter().find(|s| s.method == "POST").unwrap();
    // The shared inbox, which the group names.
    assert_eq!(delivery.path_and_query, "/inbox");
    for request in [fetch, delivery] {
        if let Err(e) = check_like_mastodon(request, &alpha).await {
            panic!("{} {} refused: {e}", request.method, request.path_and_query);
        }
    }
}
