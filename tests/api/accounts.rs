use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn register_login_me_logout() {
    let app = spawn_app().await;
    let token = app.register("alice").await;
    let (status, me) = app.get("/api/v1/me", Some(&token)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["name"], "alice");
    assert_eq!(me["agency"], "Treasury");
    assert!(me["ap_id"].as_str().unwrap().ends_with("/u/alice"));
    assert!(me.get("password_hash").is_none() && me.get("private_key").is_none());

    let (status, body) = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"username": "alice", "password": "wrong password"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "bad_credentials");
    let (status, _) = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"username": "nobody", "password": "wrong password"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let (status, login) = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"username": "alice", "password": "correct horse"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let second = login["token"].as_str().unwrap().to_string();
    assert_ne!(second, token);

    let (status, _) = app
        .post("/api/v1/auth/logout", Some(&token), json!({}))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = app.get("/api/v1/me", Some(&token)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "unauthorized");
    let (status, _) = app.get("/api/v1/me", Some(&second)).await;
    assert_eq!(status, StatusCode::OK, "the other session survives");
    let (status, _) = app.get("/api/v1/me", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = app.get("/api/v1/threads/1", Some("garbage")).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "a bad token is never treated as anonymous"
    );
}

#[tokio::test]
async fn registration_validates_and_refuses_duplicates_without_writing() {
    let app = spawn_app().await;
    app.register("alice").await;
    let before = app.fingerprint().await;
    for (body, field, status) in [
        (
            json!({"username": "Alice", "password": "correct horse"}),
            "username",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"username": "a b", "password": "correct horse"}),
            "username",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"username": "x".repeat(31), "password": "correct horse"}),
            "username",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"username": "bob", "password": "short"}),
            "password",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"username": "bob", "password": "correct horse", "display_name": "a\nb"}),
            "display_name",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"username": "alice", "password": "correct horse"}),
            "username",
            StatusCode::CONFLICT,
        ),
    ] {
        let (got, err) = app.post("/api/v1/auth/register", None, body.clone()).await;
        assert_eq!(got, status, "{body} -> {err}");
        assert_eq!(err["field"], field, "{err}");
    }
    assert_eq!(app.fingerprint().await, before);
}

#[tokio::test]
async fn profiles_are_edited_sanitized_and_shown() {
    let app = spawn_app().await;
    let token = app.register("alice").await;
    let (status, me) = app
        .patch(
            "/api/v1/me",
            Some(&token),
            json!({
                "display_name": "Alice Tremblay",
                "bio": "I build **forms**. <script>alert(1)</script>",
                "role": "Service designer",
                "expertise": ["Accessibility", "forms", "forms", " "]
            }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["display_name"], "Alice Tremblay");
    // Labels keep their case; "forms" twice is one tag.
    assert_eq!(me["expertise"], json!(["Accessibility", "forms"]));
    let bio = me["bio"].as_str().unwrap();
    assert!(
        bio.contains("<strong>forms</strong>") && !bio.contains("<script"),
        "{bio}"
    );

    let (status, person) = app.get("/api/v1/people/alice", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(person["role"], "Service designer");
    assert_eq!(
        person["handle"],
        format!("alice@{}", app.server.state.config.domain)
    );
    let (status, _) = app.get("/api/v1/people/nobody", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, body) = app
        .patch(
            "/api/v1/me",
            Some(&token),
            json!({"new_password": "another horse", "current_password": "wrong one"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, _) = app
        .patch(
            "/api/v1/me",
            Some(&token),
            json!({"expertise": ["no,commas"]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = app
        .patch(
            "/api/v1/me",
            Some(&token),
            json!({"new_password": "another horse", "current_password": "correct horse"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"username": "alice", "password": "another horse"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, me) = app
        .patch("/api/v1/me", Some(&token), json!({"display_name": ""}))
        .await;
    assert!(me["display_name"].is_null(), "an empty string clears");
}
