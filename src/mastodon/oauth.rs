//! OAuth 2 endpoints as Mastodon serves them: app registration, the token endpoint,
//! revocation and the server's metadata. The sign-in and consent page is in `web::oauth`.

use axum::{
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use base64::{engine::general_purpose::STANDARD, Engine};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{Fields, Input, MResult, MastoError, Token};
use crate::domain::oauth::{self, App, Bearer, NewApp, OAuthError, TokenRequest, SCOPES};
use crate::error::Error;
use crate::extract::{ClientIp, State};

/// The routes of apps. The sign-in page, `/oauth/authorize`, is a page of the web interface
/// (its layout, language and cookies): `web::routes` mounts it from `web::oauth`.
pub fn routes() -> Router {
    Router::new()
        .route("/api/v1/apps", post(create_app))
        .route("/api/v1/apps/verify_credentials", get(verify_app))
        .route("/oauth/token", post(token))
        .route("/oauth/revoke", post(revoke))
        .route("/.well-known/oauth-authorization-server", get(metadata))
}

#[derive(Debug, Default, Deserialize)]
struct AppForm {
    client_name: Option<String>,
    redirect_uris: Option<String>,
    #[serde(rename = "redirect_uris[]", default)]
    redirect_uris_list: Vec<String>,
    scopes: Option<String>,
    website: Option<String>,
}

fn application(app: &App, with_secret: bool) -> Value {
    let uris = app.redirect_uri_list();
    let mut v = json!({
        "id": app.id.to_string(),
        "name": app.name,
        "website": app.website,
        "scopes": app.scopes.split_whitespace().collect::<Vec<_>>(),
        "redirect_uri": uris.join("\n"),
        "redirect_uris": uris,
        "vapid_key": "",
    });
    if with_secret {
        v["client_id"] = json!(app.client_id);
        v["client_secret"] = json!(app.client_secret);
        v["client_secret_expires_at"] = json!(0);
    }
    v
}

async fn create_app(State(state): State, Input(form): Input<AppForm>) -> MResult<Json<Value>> {
    let mut uris = form.redirect_uris_list;
    if let Some(u) = form.redirect_uris {
        uris.push(u);
    }
    let app = oauth::create_app(
        &state,
        NewApp {
            name: form.client_name.unwrap_or_default(),
            redirect_uris: uris,
            scopes: form.scopes,
            website: form.website,
        },
    )
    .await?;
    Ok(Json(application(&app, true)))
}

async fn verify_app(token: Token) -> MResult<Json<Value>> {
    match token.0 {
        Some(Bearer::App(app, _) | Bearer::Member(_, Some(app))) => {
            Ok(Json(application(&app, false)))
        }
        Some(Bearer::Member(_, None)) => Err(MastoError::unprocessable(
            "this token was not issued to an app",
        )),
        None => Err(Error::Unauthorized.into()),
    }
}

fn oauth_error(e: OAuthError) -> Response {
    let status = match &e {
        OAuthError::InvalidClient => StatusCode::UNAUTHORIZED,
        OAuthError::Other(inner) => inner.status(),
        _ => StatusCode::BAD_REQUEST,
    };
    if let OAuthError::Other(inner) = &e {
        if status.is_server_error() {
            tracing::error!(error = %inner, "token request failed");
        }
    }
    (
        status,
        Json(json!({"error": e.code(), "error_description": e.to_string()})),
    )
        .into_response()
}

/// The request's fields, with client credentials from HTTP Basic authentication if given.
fn token_request(headers: &HeaderMap, fields: &[(String, String)]) -> TokenRequest {
    let get = |k: &str| {
        fields
            .iter()
            .find(|(name, _)| name == k)
            .map(|(_, v)| v.clone())
    };
    let mut req = TokenRequest {
        grant_type: get("grant_type").unwrap_or_default(),
        client_id: get("client_id"),
        client_secret: get("client_secret"),
        code: get("code"),
        redirect_uri: get("redirect_uri"),
        code_verifier: get("code_verifier"),
        scope: get("scope"),
        username: get("username"),
        password: get("password"),
    };
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| STANDARD.decode(b.trim()).ok())
        .and_then(|b| String::from_utf8(b).ok());
    if let Some((id, secret)) = basic.as_deref().and_then(|b| b.split_once(':')) {
        req.client_id.get_or_insert_with(|| id.to_string());
        req.client_secret.get_or_insert_with(|| secret.to_string());
    }
    req
}

async fn token(
    State(state): State,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Fields(fields): Fields,
) -> Response {
    let req = token_request(&headers, &fields);
    match oauth::token(&state, ip, req).await {
        Ok(issued) => Json(json!({
            "access_token": issued.access_token,
            "token_type": "Bearer",
            "scope": issued.scopes,
            "created_at": issued.created_at.and_utc().timestamp(),
        }))
        .into_response(),
        Err(e) => oauth_error(e),
    }
}

async fn revoke(State(state): State, headers: HeaderMap, Fields(fields): Fields) -> Response {
    let req = token_request(&headers, &fields);
    let Some(token) = fields
        .iter()
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.clone())
    else {
        return oauth_error(OAuthError::InvalidRequest("token is missing".into()));
    };
    match oauth::revoke(&state, req, &token).await {
        Ok(()) => Json(json!({})).into_response(),
        Err(e) => oauth_error(e),
    }
}

/// RFC 8414 metadata, with the addresses this server really answers on (http in test mode).
async fn metadata(State(state): State) -> Json<Value> {
    let base = state.config.base_url();
    let mut grants = vec!["authorization_code", "client_credentials"];
    if state.config.mastodon.password_grant {
        grants.push("password");
    }
    Json(json!({
        "issuer": format!("{base}/"),
        "service_documentation": "https://docs.joinmastodon.org/",
        "authorization_endpoint": format!("{base}/oauth/authorize"),
        "token_endpoint": format!("{base}/oauth/token"),
        "revocation_endpoint": format!("{base}/oauth/revoke"),
        "app_registration_endpoint": format!("{base}/api/v1/apps"),
        "scopes_supported": SCOPES,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "code_challenge_methods_supported": ["S256"],
        "grant_types_supported": grants,
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
    }))
}
