//! OAuth 2 endpoints as Mastodon serves them: app registration, the sign-in and consent page,
//! the token endpoint, revocation and the server's metadata.

use askama::Template;
use axum::{
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
    Json, Router,
};
use base64::{engine::general_purpose::STANDARD, Engine};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{Fields, Input, MResult, MastoError, Params, Token};
use crate::domain::oauth::{
    self, App, AuthorizationRequest, Bearer, NewApp, OAuthError, TokenRequest, OUT_OF_BAND, SCOPES,
};
use crate::error::Error;
use crate::extract::{ClientIp, State};
use crate::web::{Ctx, FormErrors};

/// The routes of apps. The sign-in page, `/oauth/authorize`, is a page of the web interface
/// (its layout, language and cookies): `web::routes` mounts [`authorize_page`] and [`authorize`].
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

#[derive(Debug, Default, Deserialize)]
pub struct AuthorizeParams {
    response_type: Option<String>,
    client_id: Option<String>,
    redirect_uri: Option<String>,
    scope: Option<String>,
    state: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
    username: Option<String>,
    password: Option<String>,
}

impl AuthorizeParams {
    fn request(&self) -> AuthorizationRequest {
        AuthorizationRequest {
            client_id: self.client_id.clone().unwrap_or_default(),
            redirect_uri: self.redirect_uri.clone().unwrap_or_default(),
            scope: self.scope.clone(),
            code_challenge: self.code_challenge.clone().filter(|c| !c.is_empty()),
            code_challenge_method: self.code_challenge_method.clone().filter(|m| !m.is_empty()),
        }
    }
}

#[derive(Template)]
#[template(path = "web/oauth_authorize.html")]
struct AuthorizePage<'a> {
    ctx: &'a Ctx,
    app_name: String,
    app_website: Option<String>,
    scopes: Vec<String>,
    client_id: String,
    redirect_uri: String,
    scope: String,
    state: String,
    code_challenge: String,
    code_challenge_method: String,
    username: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "web/oauth_code.html")]
struct CodePage<'a> {
    ctx: &'a Ctx,
    app_name: String,
    code: String,
}

#[derive(Template)]
#[template(path = "web/oauth_error.html")]
struct ErrorPage<'a> {
    ctx: &'a Ctx,
    /// For the app's developer: what is wrong with the request (in English, as the API says it).
    message: String,
}

/// The app's redirect address is outside this site, so the sign-in form may not be limited to
/// posting here and staying here (`form-action 'self'` would stop the redirect back to the app).
const OAUTH_PAGE_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    img-src 'self' https: data:; frame-ancestors 'none'; base-uri 'none'";

fn html(status: StatusCode, page: &impl Template) -> Response {
    match crate::web::page_with_status(status, page) {
        Ok(mut res) => {
            res.headers_mut().insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(OAUTH_PAGE_POLICY),
            );
            res
        }
        Err(e) => MastoError::from(e).into_response(),
    }
}

fn bad_request(ctx: &Ctx, message: String) -> Response {
    html(StatusCode::BAD_REQUEST, &ErrorPage { ctx, message })
}

async fn sign_in_page(
    ctx: &Ctx,
    p: &AuthorizeParams,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    if p.response_type.as_deref().is_some_and(|r| r != "code") {
        return bad_request(ctx, "Only response_type=code is supported.".into());
    }
    match oauth::check_authorization(&ctx.state, p.request()).await {
        Ok(auth) => {
            // A member already signed in here only has to give their password.
            let username = p
                .username
                .clone()
                .filter(|u| !u.is_empty())
                .unwrap_or_else(|| {
                    ctx.viewer
                        .as_ref()
                        .map(|v| v.person.username.clone())
                        .unwrap_or_default()
                });
            html(
                status,
                &AuthorizePage {
                    ctx,
                    app_name: auth.app.name.clone(),
                    app_website: auth.app.website.clone(),
                    scope: auth.scopes.join(" "),
                    scopes: auth.scopes,
                    client_id: p.client_id.clone().unwrap_or_default(),
                    redirect_uri: auth.redirect_uri,
                    state: p.state.clone().unwrap_or_default(),
                    code_challenge: p.code_challenge.clone().unwrap_or_default(),
                    code_challenge_method: p.code_challenge_method.clone().unwrap_or_default(),
                    username,
                    error,
                },
            )
        }
        Err(e) => bad_request(ctx, e.to_string()),
    }
}

pub async fn authorize_page(ctx: Ctx, Params(p): Params<AuthorizeParams>) -> Response {
    sign_in_page(&ctx, &p, None, StatusCode::OK).await
}

/// The sign-in form was sent: a code, by redirect or shown on the page for out-of-band apps.
pub async fn authorize(
    ctx: Ctx,
    ClientIp(ip): ClientIp,
    Input(p): Input<AuthorizeParams>,
) -> Response {
    let username = p.username.clone().unwrap_or_default();
    let password = p.password.clone().unwrap_or_default();
    match oauth::approve(&ctx.state, p.request(), ip, &username, password).await {
        Ok((auth, code)) => {
            if auth.redirect_uri == OUT_OF_BAND {
                return html(
                    StatusCode::OK,
                    &CodePage {
                        ctx: &ctx,
                        app_name: auth.app.name,
                        code,
                    },
                );
            }
            let Ok(mut target) = url::Url::parse(&auth.redirect_uri) else {
                return bad_request(&ctx, "The app's redirect URI cannot be used.".into());
            };
            target.query_pairs_mut().append_pair("code", &code);
            if let Some(s) = p.state.as_deref().filter(|s| !s.is_empty()) {
                target.query_pairs_mut().append_pair("state", s);
            }
            Redirect::to(target.as_str()).into_response()
        }
        Err(e @ (Error::BadCredentials | Error::Forbidden(_))) => {
            let key = match &e {
                Error::Forbidden(m) if m.contains("approval") => "signin-pending",
                Error::Forbidden(_) => "signin-suspended",
                _ => "signin-wrong",
            };
            let message = ctx.t(key);
            sign_in_page(&ctx, &p, Some(message), StatusCode::UNAUTHORIZED).await
        }
        Err(Error::RateLimited) => {
            let message = ctx.t("error-rate-limited-body");
            sign_in_page(&ctx, &p, Some(message), StatusCode::TOO_MANY_REQUESTS).await
        }
        Err(e) => bad_request(&ctx, e.to_string()),
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
