//! The Mastodon-compatible client API, driven as apps drive it: OAuth sign-in, then the
//! endpoints they call.

use reqwest::{header, Method, StatusCode};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::helpers::mastodon::{base64_url, get, post_form, send, sign_in};
use crate::helpers::{spawn_app, TestApp};

#[tokio::test]
async fn oauth_code_flow_tokens_and_scopes() {
    let app = spawn_app().await;
    app.register("alice").await;
    let alice = sign_in(&app, "alice", "read write follow").await;
    let me = get(
        &app,
        "/api/v1/accounts/verify_credentials",
        Some(&alice.token),
    )
    .await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    assert_eq!(me.body["username"], "alice");
    assert_eq!(me.body["source"]["privacy"], "public");

    // The app knows itself by its token.
    let verified = get(&app, "/api/v1/apps/verify_credentials", Some(&alice.token)).await;
    assert_eq!(verified.body["name"], "Test app");
    assert!(verified.body.get("client_secret").is_none());

    // A read-only token cannot post.
    let reader = sign_in(&app, "alice", "read").await;
    let refused = post_form(
        &app,
        "/api/v1/statuses",
        Some(&reader.token),
        &[("status", "hello")],
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(
        refused.body["error"],
        "This action is outside the authorized scopes"
    );
    // A granular scope is enough for its endpoint only.
    let granular = sign_in(&app, "alice", "read:accounts").await;
    let ok = get(
        &app,
        "/api/v1/accounts/verify_credentials",
        Some(&granular.token),
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK);
    let no = get(&app, "/api/v1/timelines/home", Some(&granular.token)).await;
    assert_eq!(no.status, StatusCode::FORBIDDEN);

    // Redirect flow: the code and state come back on the registered URI.
    let reg = send(
        &app,
        Method::POST,
        "/api/v1/apps",
        None,
        None,
        Some(json!({"client_name": "Web app", "redirect_uris": ["https://app.example/cb"], "scopes": "read write"})),
    )
    .await;
    assert_eq!(reg.status, StatusCode::OK, "{}", reg.body);
    assert_eq!(reg.body["redirect_uris"], json!(["https://app.example/cb"]));
    let (cid, secret) = (
        reg.body["client_id"].as_str().unwrap().to_string(),
        reg.body["client_secret"].as_str().unwrap().to_string(),
    );
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = no_redirects
        .post(format!("{}/oauth/authorize", app.base))
        .form(&[
            ("client_id", cid.as_str()),
            ("redirect_uri", "https://app.example/cb"),
            ("scope", "read"),
            ("state", "xyz"),
            ("username", "alice"),
            ("password", "correct horse"),
        ])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_redirection(), "{}", res.status());
    let location = res.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        location.starts_with("https://app.example/cb?code="),
        "{location}"
    );
    assert!(location.ends_with("&state=xyz"), "{location}");
    let code = location
        .split("code=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_string();
    // The token endpoint takes JSON too; client credentials by HTTP Basic as well.
    let wrong = send(
        &app,
        Method::POST,
        "/oauth/token",
        None,
        None,
        Some(json!({"grant_type": "authorization_code", "code": code, "client_id": cid, "client_secret": "nope", "redirect_uri": "https://app.example/cb"})),
    )
    .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.body["error"], "invalid_client");
    // A wrong client secret spent nothing: the code is still good once.
    let basic = app
        .client
        .post(format!("{}/oauth/token", app.base))
        .basic_auth(&cid, Some(&secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", "https://app.example/cb"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), StatusCode::OK);
    let again = send(
        &app,
        Method::POST,
        "/oauth/token",
        None,
        None,
        Some(json!({"grant_type": "authorization_code", "code": code, "client_id": cid, "client_secret": secret, "redirect_uri": "https://app.example/cb"})),
    )
    .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert_eq!(again.body["error"], "invalid_grant");

    // A wrong password shows the page again; an unknown redirect URI never shows it.
    let res = app
        .client
        .post(format!("{}/oauth/authorize", app.base))
        .form(&[
            ("client_id", cid.as_str()),
            ("redirect_uri", "https://app.example/cb"),
            ("scope", "read"),
            ("username", "alice"),
            ("password", "wrong"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("The username or password is not right"));
    let res = app
        .client
        .get(format!("{}/oauth/authorize", app.base))
        .query(&[
            ("response_type", "code"),
            ("client_id", cid.as_str()),
            ("redirect_uri", "https://evil.example/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = app
        .client
        .get(format!("{}/oauth/authorize", app.base))
        .query(&[
            ("response_type", "code"),
            ("client_id", cid.as_str()),
            ("redirect_uri", "https://app.example/cb"),
            ("scope", "admin:write"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);

    // PKCE: a wrong verifier is refused.
    let res = app
        .client
        .post(format!("{}/oauth/authorize", app.base))
        .form(&[
            ("client_id", alice.client_id.as_str()),
            ("redirect_uri", "urn:ietf:wg:oauth:2.0:oob"),
            ("scope", "read"),
            (
                "code_challenge",
                &base64_url(&Sha256::digest(b"the real verifier, long enough to count")),
            ),
            ("code_challenge_method", "S256"),
            ("username", "alice"),
            ("password", "correct horse"),
        ])
        .send()
        .await
        .unwrap();
    let html = res.text().await.unwrap();
    let code = html
        .split("<code id=\"code\">")
        .nth(1)
        .unwrap()
        .split("</code>")
        .next()
        .unwrap();
    let bad = post_form(
        &app,
        "/oauth/token",
        None,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("client_id", &alice.client_id),
            ("client_secret", &alice.client_secret),
            ("code_verifier", "another verifier entirely, also long"),
        ],
    )
    .await;
    assert_eq!(bad.body["error"], "invalid_grant");

    // An app alone: public reads, nothing of a member.
    let app_token = post_form(
        &app,
        "/oauth/token",
        None,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &alice.client_id),
            ("client_secret", &alice.client_secret),
            ("scope", "read"),
        ],
    )
    .await;
    assert_eq!(app_token.status, StatusCode::OK, "{}", app_token.body);
    let t = app_token.body["access_token"].as_str().unwrap();
    assert_eq!(
        get(&app, "/api/v1/timelines/public", Some(t)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        get(&app, "/api/v1/apps/verify_credentials", Some(t))
            .await
            .status,
        StatusCode::OK
    );
    let no_member = get(&app, "/api/v1/accounts/verify_credentials", Some(t)).await;
    assert_eq!(no_member.status, StatusCode::UNPROCESSABLE_ENTITY);

    // The password grant is off unless the operator turns it on.
    let pw = post_form(
        &app,
        "/oauth/token",
        None,
        &[
            ("grant_type", "password"),
            ("client_id", &alice.client_id),
            ("client_secret", &alice.client_secret),
            ("username", "alice"),
            ("password", "correct horse"),
            ("scope", "read"),
        ],
    )
    .await;
    assert_eq!(pw.body["error"], "unsupported_grant_type");

    // Revoking a token ends it.
    let revoked = post_form(
        &app,
        "/oauth/revoke",
        None,
        &[
            ("client_id", &alice.client_id),
            ("client_secret", &alice.client_secret),
            ("token", &alice.token),
        ],
    )
    .await;
    assert_eq!(revoked.status, StatusCode::OK);
    let gone = get(
        &app,
        "/api/v1/accounts/verify_credentials",
        Some(&alice.token),
    )
    .await;
    assert_eq!(gone.status, StatusCode::UNAUTHORIZED);
    assert_eq!(gone.body["error"], "The access token is invalid");

    // Metadata names this server's own http addresses in test mode.
    let meta = get(&app, "/.well-known/oauth-authorization-server", None).await;
    assert_eq!(
        meta.body["token_endpoint"],
        format!("http://{}/oauth/token", app.server.state.config.domain)
    );
    assert_eq!(
        meta.body["code_challenge_methods_supported"],
        json!(["S256"])
    );
    assert!(!meta.body["grant_types_supported"]
        .as_array()
        .unwrap()
        .contains(&json!("password")));
}

/// Registers an out-of-band app, as `toot` does; returns its client id and secret.
async fn toot_app(app: &TestApp, scopes: &str) -> (String, String) {
    let reg = post_form(
        app,
        "/api/v1/apps",
        None,
        &[
            ("client_name", "toot"),
            ("redirect_uris", "urn:ietf:wg:oauth:2.0:oob"),
            ("scopes", scopes),
        ],
    )
    .await;
    let field = |k: &str| reg.body[k].as_str().unwrap().to_string();
    (field("client_id"), field("client_secret"))
}

#[tokio::test]
async fn the_password_grant_works_where_the_operator_allows_it() {
    let app = crate::helpers::spawn_with(|c| c.mastodon.password_grant = true).await;
    app.register("alice").await;
    let (cid, secret) = &toot_app(&app, "read write").await;
    let token = post_form(
        &app,
        "/oauth/token",
        None,
        &[
            ("grant_type", "password"),
            ("client_id", cid),
            ("client_secret", secret),
            ("username", "alice"),
            ("password", "correct horse"),
            ("scope", "read write"),
        ],
    )
    .await;
    assert_eq!(token.status, StatusCode::OK, "{}", token.body);
    let t = token.body["access_token"].as_str().unwrap();
    assert_eq!(
        get(&app, "/api/v1/accounts/verify_credentials", Some(t))
            .await
            .body["username"],
        "alice"
    );
    let wrong = post_form(
        &app,
        "/oauth/token",
        None,
        &[
            ("grant_type", "password"),
            ("client_id", cid),
            ("client_secret", secret),
            ("username", "alice"),
            ("password", "nope"),
        ],
    )
    .await;
    assert_eq!(wrong.body["error"], "invalid_grant");
    let meta = get(&app, "/.well-known/oauth-authorization-server", None).await;
    assert!(meta.body["grant_types_supported"]
        .as_array()
        .unwrap()
        .contains(&json!("password")));
}

#[tokio::test]
async fn instance_answers_with_and_without_a_trailing_slash() {
    let app = spawn_app().await;
    for path in [
        "/api/v1/instance",
        "/api/v1/instance/",
        "/api/v2/instance",
        "/api/v2/instance/",
    ] {
        let a = get(&app, path, None).await;
        assert_eq!(a.status, StatusCode::OK, "{path}");
        let version = a.body["version"].as_str().unwrap();
        assert!(
            version.starts_with("4.3.0 (compatible; Commonplace "),
            "{version}"
        );
    }
    let v2 = get(&app, "/api/v2/instance", None).await.body;
    assert_eq!(v2["api_versions"]["mastodon"], 2);
    assert_eq!(v2["domain"], app.server.state.config.domain.as_str());
    assert!(
        v2["configuration"]["statuses"]["max_characters"]
            .as_i64()
            .unwrap()
            > 500
    );
    let nodeinfo = get(&app, "/nodeinfo/2.1", None).await.body;
    assert_eq!(nodeinfo["software"]["name"], "commonplace");
    assert!(nodeinfo["metadata"]["features"]
        .as_array()
        .unwrap()
        .contains(&json!("mastodon_api")));
    let old_nodeinfo = get(&app, "/nodeinfo/2.0", None).await;
    assert_eq!(old_nodeinfo.status, StatusCode::OK);
    assert_eq!(old_nodeinfo.body["version"], "2.0");
    for path in [
        "/api/v1/custom_emojis",
        "/api/v1/trends/tags",
        "/api/v1/instance/peers",
        "/api/v1/instance/languages",
    ] {
        let a = get(&app, path, None).await;
        assert_eq!(a.status, StatusCode::OK, "{path}");
        assert!(a.body.is_array(), "{path}: {}", a.body);
    }
    // A member's own settings need their token; what we do not keep cannot be created.
    app.register("ines").await;
    let ines = sign_in(&app, "ines", "read write follow push").await;
    for path in [
        "/api/v1/filters",
        "/api/v2/filters",
        "/api/v1/announcements",
    ] {
        let anonymous = get(&app, path, None).await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "{path}");
        let own = get(&app, path, Some(&ines.token)).await;
        assert_eq!(own.status, StatusCode::OK, "{path}");
        assert!(own.body.is_array(), "{path}: {}", own.body);
    }
    let filter = post_form(
        &app,
        "/api/v2/filters",
        Some(&ines.token),
        &[("title", "spoilers"), ("context[]", "home")],
    )
    .await;
    assert_eq!(filter.status, StatusCode::UNPROCESSABLE_ENTITY);
    let push = get(&app, "/api/v1/push/subscription", Some(&ines.token)).await;
    assert_eq!(push.status, StatusCode::NOT_FOUND);
    let unsubscribed = send(
        &app,
        Method::DELETE,
        "/api/v1/push/subscription",
        Some(&ines.token),
        None,
        None,
    )
    .await;
    assert_eq!(unsubscribed.status, StatusCode::OK);
    assert_eq!(unsubscribed.body, json!({}));
    // A known path with the wrong method answers JSON, as every other error does.
    let wrong = send(&app, Method::DELETE, "/api/v1/instance", None, None, None).await;
    assert_eq!(wrong.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(wrong.body["error"].is_string(), "{}", wrong.body);
}

#[tokio::test]
async fn browser_apps_may_call_from_their_own_origin() {
    let app = spawn_app().await;
    let preflight = app
        .client
        .request(
            Method::OPTIONS,
            format!("{}/api/v1/timelines/home", app.base),
        )
        .header("Origin", "https://elk.example")
        .header("Access-Control-Request-Method", "GET")
        .header("Access-Control-Request-Headers", "authorization")
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success(), "{}", preflight.status());
    assert_eq!(preflight.headers()["access-control-allow-origin"], "*");
    let res = app
        .client
        .get(format!("{}/api/v1/timelines/public", app.base))
        .header("Origin", "https://elk.example")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["access-control-allow-origin"], "*");
    assert!(res.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .contains("link"));
    // Bodies past the request limit are refused before they are read whole.
    let big = "x".repeat(2 * 1024 * 1024);
    let res = app
        .client
        .post(format!("{}/api/v1/apps", app.base))
        .form(&[("client_name", big.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn apps_asking_for_admin_scopes_sign_in_and_revoke_without_their_secret() {
    let app = spawn_app().await;
    app.register("noor").await;
    // Some apps ask for admin scopes up front; they sign in, and the scopes grant nothing.
    let noor = sign_in(&app, "noor", "read write admin:read").await;
    let me = get(
        &app,
        "/api/v1/accounts/verify_credentials",
        Some(&noor.token),
    )
    .await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    let unknown = post_form(
        &app,
        "/api/v1/apps",
        None,
        &[
            ("client_name", "Odd"),
            ("redirect_uris", "urn:ietf:wg:oauth:2.0:oob"),
            ("scopes", "read everything"),
        ],
    )
    .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        unknown.body["error"]
            .as_str()
            .unwrap()
            .contains("everything"),
        "{}",
        unknown.body
    );
    // Public clients hold no secret; RFC 7009 lets them revoke with the client id alone.
    let revoked = post_form(
        &app,
        "/oauth/revoke",
        None,
        &[("client_id", &noor.client_id), ("token", &noor.token)],
    )
    .await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.body);
    let gone = get(
        &app,
        "/api/v1/accounts/verify_credentials",
        Some(&noor.token),
    )
    .await;
    assert_eq!(gone.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_password_grant_counts_against_the_sign_in_limit() {
    let app = crate::helpers::spawn_with(|c| {
        c.mastodon.password_grant = true;
        c.limits.auth_attempts_per_minute = 5;
    })
    .await;
    app.register("alice").await; // one attempt
    let (cid, secret) = &toot_app(&app, "read").await;
    let grant = |password: &'static str| {
        let app = &app;
        async move {
            post_form(
                app,
                "/oauth/token",
                None,
                &[
                    ("grant_type", "password"),
                    ("client_id", cid),
                    ("client_secret", secret),
                    ("username", "alice"),
                    ("password", password),
                ],
            )
            .await
        }
    };
    for _ in 0..2 {
        assert_eq!(grant("wrong one").await.status, StatusCode::BAD_REQUEST);
    }
    for _ in 0..2 {
        let (status, _) = app
            .post(
                "/api/v1/auth/login",
                None,
                json!({"username": "alice", "password": "wrong two"}),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    // Five attempts through three doors: the sixth is refused whichever door it takes, even
    // with the right password.
    let refused = grant("correct horse").await;
    assert_eq!(
        refused.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        refused.body
    );
    assert_eq!(refused.body["error"], "temporarily_unavailable");
    let (status, _) = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"username": "alice", "password": "correct horse"}),
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn apps_may_only_send_the_browser_somewhere_safe() {
    let app = spawn_app().await;
    let refused = StatusCode::UNPROCESSABLE_ENTITY;
    for (uri, expected) in [
        ("javascript:alert(1)", refused),
        ("JavaScript:alert(document.cookie)//", refused),
        ("data:text/html,<script>alert(1)</script>", refused),
        ("vbscript:msgbox(1)", refused),
        ("http://evil.example/cb", refused),
        ("file:///etc/passwd", refused),
        ("https://app.example/cb", StatusCode::OK),
        ("http://127.0.0.1:4567/cb", StatusCode::OK),
        ("http://localhost/cb", StatusCode::OK),
        ("com.example.app:/oauth", StatusCode::OK),
        ("icecubesapp://callback", StatusCode::OK),
        ("urn:ietf:wg:oauth:2.0:oob", StatusCode::OK),
    ] {
        let reg = post_form(
            &app,
            "/api/v1/apps",
            None,
            &[("client_name", "An app"), ("redirect_uris", uri)],
        )
        .await;
        assert_eq!(reg.status, expected, "{uri}: {}", reg.body);
    }
}

#[tokio::test]
async fn undecodable_forms_and_queries_are_refused() {
    let app = spawn_app().await;
    app.register("alice").await;
    let alice = sign_in(&app, "alice", "read write").await;
    let res = app
        .client
        .post(format!("{}/api/v1/statuses", app.base))
        .bearer_auth(&alice.token)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body("status=caf%E9")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = app
        .client
        .get(format!("{}/api/v1/timelines/public?max_id=%FF", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
}
