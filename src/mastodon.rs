//! The Mastodon-compatible client API: a door onto the same domain layer as the JSON API, for
//! the fediverse apps members already use. Groups are accounts with `"group": true`; threads
//! and comments are statuses. `docs/mastodon-api.md` lists what each endpoint does.

mod accounts;
mod directory;
pub mod entities;
mod instance;
mod lists;
mod misc;
mod notifications;
pub mod oauth;
mod search;
mod statuses;
mod timelines;

use axum::{
    extract::FromRequestParts,
    http::{header, request::Parts, HeaderMap, HeaderValue},
    response::{IntoResponse, Response},
    Json, Router,
};
use serde::de::DeserializeOwned;

// The error and parameter extractors are shared with the web's sign-in page for apps.
use crate::app::AppState;
use crate::domain::oauth::{self as oauth_domain, Bearer};
use crate::domain::people::Viewer;
use crate::domain::statuses::Window;
use crate::error::Error;
pub use crate::extract::client::{pairs_to, Fields, Input, MResult, MastoError, Params};
use crate::extract::State;

pub fn routes() -> Router {
    Router::new()
        .merge(oauth::routes())
        .merge(instance::routes())
        .merge(accounts::routes())
        .merge(directory::routes())
        .merge(statuses::routes())
        .merge(timelines::routes())
        .merge(lists::routes())
        .merge(notifications::routes())
        .merge(search::routes())
        .merge(misc::routes())
}

fn bearer_token(parts: &Parts) -> MResult<Option<String>> {
    let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| MastoError::from(Error::Unauthorized))?;
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(Some(token.trim().to_string()))
        }
        _ => Err(Error::Unauthorized.into()),
    }
}

/// The token of the request, if any (a bad one is a 401).
pub struct Token(pub Option<Bearer>);

impl<S: Send + Sync> FromRequestParts<S> for Token {
    type Rejection = MastoError;

    async fn from_request_parts(parts: &mut Parts, s: &S) -> MResult<Self> {
        let State(state) = State::from_request_parts(parts, s).await?;
        match bearer_token(parts)? {
            None => Ok(Token(None)),
            Some(t) => Ok(Token(Some(oauth_domain::authenticate(&state, &t).await?))),
        }
    }
}

impl Token {
    /// The member behind the token, if it grants `scope`.
    ///
    /// # Errors
    /// 401 without a token, 403 when the scope is missing, 422 for an app's own token.
    pub fn member(&self, scope: &str) -> MResult<&Viewer> {
        match &self.0 {
            None => Err(Error::Unauthorized.into()),
            Some(b) if !oauth_domain::grants(b.scopes(), scope) => Err(MastoError::out_of_scope()),
            Some(Bearer::Member(v, _)) => Ok(v),
            Some(Bearer::App(..)) => Err(MastoError::unprocessable(
                "This method requires an authenticated user",
            )),
        }
    }

    /// The member, if the token may write anything at all (`write`, `follow` or one of the
    /// granular `write:` scopes): for the endpoints of changes this server does not make, which
    /// still refuse a read-only token as Mastodon would before saying so.
    ///
    /// # Errors
    /// As [`Token::member`].
    pub fn writer(&self) -> MResult<&Viewer> {
        let may_write = |held: &str| {
            held.split_whitespace()
                .any(|h| h == "write" || h == "follow" || h.starts_with("write:"))
        };
        match &self.0 {
            None => Err(Error::Unauthorized.into()),
            Some(b) if !may_write(b.scopes()) => Err(MastoError::out_of_scope()),
            Some(Bearer::Member(v, _)) => Ok(v),
            Some(Bearer::App(..)) => Err(MastoError::unprocessable(
                "This method requires an authenticated user",
            )),
        }
    }

    /// The member, if a token is given, for what anyone may read; a token without `scope` is
    /// refused.
    ///
    /// # Errors
    /// 403 when a token lacks the scope.
    pub fn reader(&self, scope: &str) -> MResult<Option<&Viewer>> {
        match &self.0 {
            None => Ok(None),
            Some(b) if !oauth_domain::grants(b.scopes(), scope) => Err(MastoError::out_of_scope()),
            Some(Bearer::Member(v, _)) => Ok(Some(v)),
            Some(Bearer::App(..)) => Ok(None),
        }
    }
}

/// Path parameters; a malformed one is a 404, as Mastodon answers unknown ids.
pub struct Id<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Id<T> {
    type Rejection = MastoError;

    async fn from_request_parts(parts: &mut Parts, s: &S) -> MResult<Self> {
        axum::extract::Path::<T>::from_request_parts(parts, s)
            .await
            .map(|p| Id(p.0))
            .map_err(|_| MastoError::not_found())
    }
}

/// `max_id`, `since_id`, `min_id` and `limit`, as every Mastodon list takes them.
#[derive(Debug, Default, serde::Deserialize)]
pub struct PageParams {
    pub max_id: Option<String>,
    pub since_id: Option<String>,
    pub min_id: Option<String>,
    pub limit: Option<String>,
}

impl PageParams {
    /// The window asked for; `limit` defaults to `default` and is capped at `max`, as
    /// Mastodon does. Ids that are not numbers are ignored.
    pub fn window(&self, default: i64, max: i64) -> Window {
        let num = |s: &Option<String>| s.as_deref().and_then(|v| v.parse::<i64>().ok());
        Window {
            max_id: num(&self.max_id),
            since_id: num(&self.since_id),
            min_id: num(&self.min_id),
            limit: num(&self.limit).unwrap_or(default).clamp(1, max),
        }
    }
}

impl PageParams {
    /// As [`PageParams::window`], for lists of statuses, where a boost's id (from a timeline
    /// with `group_boosts=true`) stands for the status it boosts.
    pub fn status_window(&self, default: i64, max: i64) -> Window {
        let w = self.window(default, max);
        Window {
            max_id: w.max_id.map(entities::unboost),
            since_id: w.since_id.map(entities::unboost),
            min_id: w.min_id.map(entities::unboost),
            limit: w.limit,
        }
    }
}

/// A JSON list with Mastodon's `Link` header: `next` continues below the last item (`max_id`),
/// `prev` above the first (`min_id`).
pub fn paged<T: serde::Serialize>(
    state: &AppState,
    path: &str,
    query: Option<&str>,
    body: T,
    bounds: Option<(i64, i64)>,
) -> Response {
    let mut headers = HeaderMap::new();
    if let Some((first, last)) = bounds {
        let kept: Vec<String> = query
            .unwrap_or_default()
            .split('&')
            .filter(|p| !p.is_empty())
            .filter(|p| {
                let key = p.split('=').next().unwrap_or_default();
                !matches!(key, "max_id" | "since_id" | "min_id")
            })
            .map(str::to_string)
            .collect();
        let path: String = path
            .split('/')
            .map(|segment| {
                url::form_urlencoded::byte_serialize(segment.as_bytes()).collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("/");
        let url = |extra: String| {
            let mut params = kept.clone();
            params.push(extra);
            format!("{}{path}?{}", state.config.base_url(), params.join("&"))
        };
        let link = format!(
            "<{}>; rel=\"next\", <{}>; rel=\"prev\"",
            url(format!("max_id={last}")),
            url(format!("min_id={first}"))
        );
        if let Ok(v) = HeaderValue::from_str(&link) {
            headers.insert(header::LINK, v);
        }
    }
    (headers, Json(body)).into_response()
}

/// The signed-in member's own id for queries that take an optional viewer.
pub fn viewer_id(viewer: Option<&Viewer>) -> Option<i64> {
    viewer.map(Viewer::id)
}
