//! The Mastodon-compatible client API as apps drive it: raw requests with forms or JSON, and
//! the OAuth sign-in of an app.

use reqwest::{header, Method, StatusCode};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::TestApp;

/// A signed-in app: its client credentials and the member's token.
pub struct Client {
    pub client_id: String,
    pub client_secret: String,
    pub token: String,
}

/// A raw response: status, headers and JSON body.
pub struct Answer {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

pub async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    form: Option<&[(&str, &str)]>,
    json: Option<Value>,
) -> Answer {
    let mut req = app.client.request(method, format!("{}{path}", app.base));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(f) = form {
        req = req.form(f);
    }
    if let Some(j) = json {
        req = req.json(&j);
    }
    let res = req.send().await.expect("request sent");
    let status = res.status();
    let headers = res.headers().clone();
    let text = res.text().await.expect("body");
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    if status.is_client_error() || status.is_server_error() {
        if let Value::Object(o) = &body {
            assert!(
                o.get("error").is_some_and(Value::is_string),
                "error shape: {body}"
            );
        }
    }
    Answer {
        status,
        headers,
        body,
    }
}

pub async fn get(app: &TestApp, path: &str, token: Option<&str>) -> Answer {
    send(app, Method::GET, path, token, None, None).await
}

pub async fn post_form(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    form: &[(&str, &str)],
) -> Answer {
    send(app, Method::POST, path, token, Some(form), None).await
}

/// Registers an app and signs `username` in through the authorization-code flow with PKCE, as
/// a browser would: the sign-in page, the form, the out-of-band code, the token.
pub async fn sign_in(app: &TestApp, username: &str, scopes: &str) -> Client {
    let oob = "urn:ietf:wg:oauth:2.0:oob";
    let registered = post_form(
        app,
        "/api/v1/apps",
        None,
        &[
            ("client_name", "Test app"),
            ("redirect_uris", oob),
            ("scopes", scopes),
            ("website", "https://app.example"),
        ],
    )
    .await;
    assert_eq!(registered.status, StatusCode::OK, "{}", registered.body);
    let client_id = registered.body["client_id"].as_str().unwrap().to_string();
    let client_secret = registered.body["client_secret"]
        .as_str()
        .unwrap()
        .to_string();
    let verifier = "a-long-random-verifier-of-forty-three-characters-or-more";
    let challenge = base64_url(&Sha256::digest(verifier.as_bytes()));
    let page = app
        .client
        .get(format!("{}/oauth/authorize", app.base))
        .query(&[
            ("response_type", "code"),
            ("client_id", &client_id),
            ("redirect_uri", oob),
            ("scope", scopes),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Test app") && html.contains("<form"),
        "{html}"
    );
    let res = app
        .client
        .post(format!("{}/oauth/authorize", app.base))
        .form(&[
            ("client_id", client_id.as_str()),
            ("redirect_uri", oob),
            ("scope", scopes),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
            ("username", username),
            ("password", "correct horse"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    let code = html
        .split("<code id=\"code\">")
        .nth(1)
        .and_then(|rest| rest.split("</code>").next())
        .unwrap_or_else(|| panic!("no code on the page: {html}"))
        .to_string();
    let token = post_form(
        app,
        "/oauth/token",
        None,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", &client_id),
            ("client_secret", &client_secret),
            ("redirect_uri", oob),
            ("code_verifier", verifier),
        ],
    )
    .await;
    assert_eq!(token.status, StatusCode::OK, "{}", token.body);
    assert_eq!(token.body["token_type"], "Bearer");
    assert_eq!(token.body["scope"], scopes);
    assert!(token.body["created_at"].is_i64());
    Client {
        client_id,
        client_secret,
        token: token.body["access_token"].as_str().unwrap().to_string(),
    }
}

pub fn base64_url(bytes: &[u8]) -> String {
    use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The `rel` links of a `Link` header.
pub fn links(a: &Answer) -> Vec<(String, String)> {
    a.headers
        .get(header::LINK)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .split(", ")
        .filter_map(|part| {
            let (url, rel) = part.split_once("; rel=")?;
            Some((
                rel.trim_matches('"').to_string(),
                url.trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_string(),
            ))
        })
        .collect()
}

/// The path and query of a link, for the test client.
pub fn path_of(url: &str) -> String {
    let u = url::Url::parse(url).unwrap();
    match u.query() {
        Some(q) => format!("{}?{q}", u.path()),
        None => u.path().to_string(),
    }
}
