//! Extractors shared by every door (the JSON API, the web pages, the Mastodon API and
//! federation): typed bodies, queries and paths whose rejections are answered in our error
//! format, the server's state, the client's address, and the bearer-token sign-in of the API.
//! [`client`] reads requests as Mastodon apps and OAuth clients send them.

pub mod client;

use activitypub_federation::config::FederationConfig;
use axum::{
    extract::{FromRequest, FromRequestParts, MatchedPath},
    http::{header, request::Parts},
};
use serde::de::DeserializeOwned;

use crate::app::AppState;
use crate::domain::oauth::{self, Access};
use crate::domain::people::{authenticate, Viewer};
use crate::error::{Error, Result};

/// JSON request body whose rejections are answered in our error format.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(Error))]
pub struct ApiJson<T>(pub T);

/// Query string whose rejections are answered in our error format.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(Error))]
pub struct ApiQuery<T>(pub T);

/// Path parameters whose rejections are answered in our error format.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(Error))]
pub struct ApiPath<T>(pub T);

/// The server's state, taken from the federation middleware that every route runs under.
pub struct State(pub AppState);

impl<S: Send + Sync> FromRequestParts<S> for State {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self> {
        parts
            .extensions
            .get::<FederationConfig<AppState>>()
            .map(|c| State(c.to_request_data().app_data().clone()))
            .ok_or_else(|| Error::Internal("federation middleware missing".into()))
    }
}

fn bearer(parts: &Parts) -> Result<Option<&str>> {
    let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| Error::Unauthorized)?;
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(Some(token.trim()))
        }
        _ => Err(Error::Unauthorized),
    }
}

/// The client's address (for rate limits): the peer's, or the one a trusted proxy forwarded;
/// unspecified when the server runs without one.
pub struct ClientIp(pub std::net::IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, s: &S) -> Result<Self> {
        let State(state) = State::from_request_parts(parts, s).await?;
        let info = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>();
        Ok(ClientIp(crate::app::client_ip(
            info,
            &parts.headers,
            &state.config.trusted_proxies,
        )))
    }
}

/// What a route of this API asks of the token, by one rule: reading methods need `read`,
/// the others `write`; the administration routes (`/api/v1/admin/…` and changing the
/// instance's settings) need `admin:read` or `admin:write` instead. Signing out needs no scope: any token
/// may end itself.
fn access(parts: &Parts) -> Option<Access> {
    let path = parts
        .extensions
        .get::<MatchedPath>()
        .map_or(parts.uri.path(), MatchedPath::as_str);
    if path == "/api/v1/auth/logout" {
        return None;
    }
    let reads = parts.method.is_safe();
    let admin = path.starts_with("/api/v1/admin/") || (path == "/api/v1/site" && !reads);
    Some(match (admin, reads) {
        (false, true) => Access::Read,
        (false, false) => Access::Write,
        (true, true) => Access::AdminRead,
        (true, false) => Access::AdminWrite,
    })
}

/// The member behind the request's token, checked against what the route asks of it.
async fn viewer(state: &AppState, parts: &Parts, token: &str) -> Result<Viewer> {
    let viewer = authenticate(state, token).await?;
    if let Some(access) = access(parts) {
        oauth::require(&viewer, access)?;
    }
    Ok(viewer)
}

/// A signed-in member whose token grants what the route asks (401 without a token, 403 when
/// a scope is missing).
pub struct Auth(pub Viewer);

impl<S: Send + Sync> FromRequestParts<S> for Auth {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, s: &S) -> Result<Self> {
        let State(state) = State::from_request_parts(parts, s).await?;
        let token = bearer(parts)?.ok_or(Error::Unauthorized)?;
        Ok(Auth(viewer(&state, parts, token).await?))
    }
}

/// A member if a token is given; anonymous if none is. A bad token is still a 401, so a client
/// never mistakes an expired session for an anonymous view.
pub struct MaybeAuth(pub Option<Viewer>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeAuth {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, s: &S) -> Result<Self> {
        let State(state) = State::from_request_parts(parts, s).await?;
        match bearer(parts)? {
            None => Ok(MaybeAuth(None)),
            Some(token) => Ok(MaybeAuth(Some(viewer(&state, parts, token).await?))),
        }
    }
}

/// 400 unless every name and value of a form-encoded body or query string decodes to UTF-8.
/// Form decoders put U+FFFD in place of what they cannot read, and that would be stored.
///
/// # Errors
/// [`Error::BadRequest`] for the first undecodable name or value.
pub fn require_utf8_form(bytes: &[u8]) -> Result<()> {
    let readable = |part: &[u8]| percent_encoding::percent_decode(part).decode_utf8().is_ok();
    let ok = bytes
        .split(|b| *b == b'&')
        .flat_map(|pair| pair.splitn(2, |b| *b == b'='))
        .all(readable);
    if ok {
        Ok(())
    } else {
        Err(Error::BadRequest(
            "the form is not valid UTF-8: send it encoded as UTF-8".into(),
        ))
    }
}

/// A query string as name/value pairs, in order, refused unless it is UTF-8: for routes that
/// refuse a name they do not take by name (search).
///
/// # Errors
/// [`Error::BadRequest`] for a query string that is not UTF-8.
pub fn query_pairs(raw: Option<&str>) -> Result<Vec<(String, String)>> {
    let raw = raw.unwrap_or_default();
    require_utf8_form(raw.as_bytes())?;
    Ok(url::form_urlencoded::parse(raw.as_bytes())
        .into_owned()
        .collect())
}

/// A JSON body that may be absent or empty: then `T::default()`.
pub fn optional_body<T: DeserializeOwned + Default>(bytes: &[u8]) -> Result<T> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(bytes)
        .map_err(|e| Error::BadRequest(format!("request body is not valid JSON: {e}")))
}
