//! The sign-in and consent page of OAuth 2 (`/oauth/authorize`), where a member lets an app
//! (a Mastodon client) act for them: a page of the web interface, with its layout, language and
//! cookies. The rest of OAuth (apps, tokens) is served by the Mastodon API.

use askama::Template;
use axum::{
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;

use crate::domain::oauth::{self, AuthorizationRequest, OUT_OF_BAND};
use crate::error::Error;
use crate::extract::client::{Input, MastoError, Params};
use crate::extract::ClientIp;
use crate::web::{page_with_status, Ctx, FormErrors};

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
    match page_with_status(status, page) {
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
