//! Network search across instances in one test binary: partners answer signed searches with
//! public content, merged on one scale and marked with their instance; a partner that is down,
//! slow, not a partner, answers garbage or redirects is skipped and named; unsigned requests
//! are refused.

use axum::{response::IntoResponse, Json};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{spawn_named, TestApp};

/// A server that answers every request the same way, as `NAME.localhost:PORT`.
async fn fake_partner(
    name: &str,
    answer: fn() -> axum::response::Response,
    delay_ms: u64,
) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let domain = format!("{name}.localhost:{}", listener.local_addr().unwrap().port());
    let app = axum::Router::new().fallback(move || async move {
        tokio::time::sleep(std::time::Duration::from_millis(delay_ms)).await;
        answer()
    });
    tokio::spawn(async move { axum::serve(listener, app).await });
    domain
}

fn domain_of(app: &TestApp) -> String {
    app.server.state.config.domain.clone()
}

async fn allow(app: &TestApp, domains: &[String]) {
    let admin = app.admin("root").await;
    let (status, body) = app
        .call(
            reqwest::Method::PUT,
            "/api/v1/admin/federation",
            Some(&admin),
            Some(json!({"mode": "allowlist", "allowed": domains})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn thread(app: &TestApp, title: &str, body: &str) {
    let token = app.register("writer").await;
    app.group(&token, "practice").await;
    let (status, value) = app
        .post(
            "/api/v1/groups/practice/threads",
            Some(&token),
            json!({"title": title, "body": body}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{value}");
}

fn skipped_reason(found: &Value, domain: &str) -> String {
    found["skipped"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|s| s["instance"] == domain)
        .map(|s| s["reason"].as_str().unwrap().to_string())
        .unwrap_or_default()
}

#[tokio::test]
async fn partners_answer_and_the_rest_are_skipped_by_name() {
    let alpha = spawn_named("alpha").await;
    let beta = spawn_named("beta").await;
    let gamma = spawn_named("gamma").await;
    let slow = fake_partner("slow", || Json(json!({"hits": []})).into_response(), 4_000).await;
    let garbage = fake_partner("garbage", || "<html>not a search</html>".into_response(), 0).await;
    let redirect = fake_partner(
        "redirect",
        || {
            (
                StatusCode::FOUND,
                [("location", "http://127.0.0.1:9/api/v1/network/search")],
            )
                .into_response()
        },
        0,
    )
    .await;
    let dead = "dead.localhost:9".to_string();
    let (a, b, g) = (domain_of(&alpha), domain_of(&beta), domain_of(&gamma));
    // Alpha counts all of them as partners (allowlist mode: every allowed instance is one);
    // beta counts alpha; gamma counts only beta.
    allow(
        &alpha,
        &[
            b.clone(),
            g.clone(),
            slow.clone(),
            garbage.clone(),
            redirect.clone(),
            dead.clone(),
        ],
    )
    .await;
    allow(&beta, std::slice::from_ref(&a)).await;
    allow(&gamma, std::slice::from_ref(&b)).await;
    thread(&alpha, "SDMX at alpha", "Our SDMX endpoint.").await;
    thread(
        &beta,
        "A shared SDMX pipeline",
        "Beta's <script>x</script> pipeline for SDMX.",
    )
    .await;
    thread(&gamma, "SDMX at gamma", "Gamma keeps this to itself.").await;

    let started = std::time::Instant::now();
    let (status, found) = alpha
        .get("/api/v1/search?q=sdmx&kind=threads&scope=network", None)
        .await;
    let waited = started.elapsed();
    assert_eq!(status, StatusCode::OK, "{found}");
    let hits = found["hits"].as_array().unwrap();
    let titles: Vec<&str> = hits.iter().map(|h| h["title"].as_str().unwrap()).collect();
    assert!(titles.contains(&"SDMX at alpha"), "{found}");
    assert!(titles.contains(&"A shared SDMX pipeline"), "{found}");
    assert!(!titles.contains(&"SDMX at gamma"), "{found}");
    let from_beta = hits
        .iter()
        .find(|h| h["title"] == "A shared SDMX pipeline")
        .unwrap();
    assert_eq!(from_beta["instance"], b);
    assert_eq!(from_beta["local"], false);
    assert_eq!(from_beta["id"], 0);
    assert!(from_beta["ap_id"]
        .as_str()
        .unwrap()
        .starts_with(&format!("http://{b}/")));
    let snippet = from_beta["snippet_html"].as_str().unwrap();
    assert!(
        !snippet
            .replace("<mark>", "")
            .replace("</mark>", "")
            .contains('<'),
        "{snippet}"
    );
    // Ranks are on one scale: every hit has one, best first.
    let ranks: Vec<f64> = hits.iter().map(|h| h["rank"].as_f64().unwrap()).collect();
    assert!(ranks.windows(2).all(|w| w[0] >= w[1]), "{ranks:?}");

    assert!(skipped_reason(&found, &g).contains("403"), "{found}");
    assert!(
        skipped_reason(&found, &slow).contains("did not answer within 1500 ms"),
        "{found}"
    );
    assert!(
        skipped_reason(&found, &garbage).contains("unreadable"),
        "{found}"
    );
    assert!(
        skipped_reason(&found, &redirect).contains("redirect"),
        "{found}"
    );
    assert!(
        skipped_reason(&found, &dead).contains("could not be reached"),
        "{found}"
    );
    assert_eq!(skipped_reason(&found, &b), "");
    // The slow partner was not waited for (its answer takes four seconds).
    assert!(
        waited < std::time::Duration::from_millis(3_500),
        "{waited:?}"
    );

    // Pages deeper than one partner page are asked of everyone at once, up to 200 results.
    let (status, deep) = alpha
        .get(
            "/api/v1/search?q=sdmx&scope=network&offset=60&limit=20",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{deep}");
    let (status, too_deep) = alpha
        .get(
            "/api/v1/search?q=sdmx&scope=network&offset=190&limit=20",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{too_deep}");

    // "Before you post" looks across the network too.
    let (status, similar) = alpha
        .get(
            "/api/v1/search/similar?title=Which+SDMX+pipeline%3F&scope=network",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{similar}");
    let titles: Vec<&str> = similar["threads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles[0], "A shared SDMX pipeline", "{similar}");
}

#[tokio::test]
async fn only_signed_requests_from_partners_are_answered() {
    let beta = spawn_named("beta").await;
    let gamma = spawn_named("gamma").await;
    allow(&beta, &[domain_of(&gamma)]).await;
    // Unsigned: refused.
    let (status, body) = beta.get("/api/v1/network/search?q=sdmx", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    // A forged signature header: refused.
    let res = beta
        .client
        .get(format!("{}/api/v1/network/search?q=sdmx", beta.base))
        .header(
            "signature",
            format!(
                "keyId=\"http://{}/#main-key\",algorithm=\"rsa-sha256\",headers=\"(request-target) host date\",signature=\"AAAA\"",
                domain_of(&gamma)
            ),
        )
        .header("date", httpdate_now())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

fn httpdate_now() -> String {
    chrono::Utc::now()
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}
