//! The Mastodon-compatible client API: a door onto the same domain layer as the JSON API, for
//! the fediverse apps members already use. Groups are accounts with `"group": true`; threads
//! and comments are statuses. `docs/mastodon-api.md` lists what each endpoint does.

mod accounts;
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
    extract::{FromRequest, FromRequestParts, Request},
    http::{header, request::Parts, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json, Router,
};
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::api::State;
use crate::app::AppState;
use crate::domain::oauth::{self as oauth_domain, Bearer};
use crate::domain::people::Viewer;
use crate::domain::statuses::Window;
use crate::error::Error;

pub fn routes() -> Router {
    Router::new()
        .merge(oauth::routes())
        .merge(instance::routes())
        .merge(accounts::routes())
        .merge(statuses::routes())
        .merge(timelines::routes())
        .merge(lists::routes())
        .merge(notifications::routes())
        .merge(search::routes())
        .merge(misc::routes())
}

/// An error as Mastodon answers it: `{"error": "…"}` with the matching status.
#[derive(Debug)]
pub struct MastoError {
    status: StatusCode,
    message: String,
}

impl MastoError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        MastoError {
            status,
            message: message.into(),
        }
    }

    fn out_of_scope() -> Self {
        MastoError::new(
            StatusCode::FORBIDDEN,
            "This action is outside the authorized scopes",
        )
    }

    pub fn unprocessable(message: impl Into<String>) -> Self {
        MastoError::new(StatusCode::UNPROCESSABLE_ENTITY, message)
    }

    pub fn not_found() -> Self {
        MastoError::new(StatusCode::NOT_FOUND, "Record not found")
    }
}

impl From<Error> for MastoError {
    fn from(e: Error) -> Self {
        // Mastodon answers every validation failure with 422.
        let status = match &e {
            Error::TooLarge { .. } | Error::Conflict { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            other => other.status(),
        };
        let message = match &e {
            Error::Unauthorized => "The access token is invalid".to_string(),
            Error::NotFound(_) | Error::Database(diesel::result::Error::NotFound) => {
                "Record not found".to_string()
            }
            Error::Invalid { .. } | Error::Conflict { .. } | Error::TooLarge { .. } => {
                format!("Validation failed: {e}")
            }
            Error::Database(_) | Error::Pool(_) | Error::Internal(_) => {
                tracing::error!(error = %e, "request failed");
                "The server failed to handle this request".to_string()
            }
            other => other.to_string(),
        };
        MastoError { status, message }
    }
}

impl IntoResponse for MastoError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({"error": self.message}))).into_response()
    }
}

pub type MResult<T> = std::result::Result<T, MastoError>;

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

/// A request body as JSON, form-encoded or multipart (text fields), whichever the client sent;
/// an empty body is `T::default()`.
pub struct Input<T>(pub T);

/// Fields of a multipart or form body in order, for the few inputs with nested names.
pub fn pairs_to<T: DeserializeOwned>(pairs: &[(String, String)]) -> MResult<T> {
    let encoded = serde_html_form::to_string(pairs)
        .map_err(|e| MastoError::unprocessable(format!("unreadable form: {e}")))?;
    serde_html_form::from_str(&encoded)
        .map_err(|e| MastoError::unprocessable(format!("Validation failed: {e}")))
}

/// The body's fields as name/value pairs (JSON objects flattened one level).
pub struct Fields(pub Vec<(String, String)>);

/// The request's parameters: those of the query string, then the body's. Rails, and so
/// Mastodon, merges the two, and some apps send everything in the query (Ice Cubes registers
/// its app that way). For a name given in both, the body's value comes last, so it wins.
async fn read_pairs(req: Request) -> MResult<Vec<(String, String)>> {
    crate::api::require_utf8_form(req.uri().query().unwrap_or_default().as_bytes())?;
    let mut pairs: Vec<(String, String)> =
        serde_html_form::from_str(req.uri().query().unwrap_or_default())
            .map_err(|e| MastoError::new(StatusCode::BAD_REQUEST, format!("bad query: {e}")))?;
    let from_body = read_body_pairs(req).await?;
    pairs.retain(|(k, _)| !from_body.iter().any(|(b, _)| b == k));
    pairs.extend(from_body);
    Ok(pairs)
}

async fn read_body_pairs(req: Request) -> MResult<Vec<(String, String)>> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if content_type.starts_with("multipart/form-data") {
        let mut multipart = axum::extract::Multipart::from_request(req, &())
            .await
            .map_err(|e| MastoError::unprocessable(format!("unreadable multipart body: {e}")))?;
        let mut pairs = Vec::new();
        while let Some(field) = multipart
            .next_field()
            .await
            .map_err(|e| MastoError::unprocessable(format!("unreadable multipart body: {e}")))?
        {
            let name = field.name().unwrap_or_default().to_string();
            if field.file_name().is_some() {
                return Err(MastoError::unprocessable(format!(
                    "file uploads are not supported here ({name})"
                )));
            }
            let bytes = field
                .bytes()
                .await
                .map_err(|e| MastoError::unprocessable(format!("unreadable field {name}: {e}")))?;
            let value = String::from_utf8(bytes.to_vec()).map_err(|_| {
                MastoError::new(
                    StatusCode::BAD_REQUEST,
                    format!("field {name} is not valid UTF-8"),
                )
            })?;
            pairs.push((name, value));
        }
        return Ok(pairs);
    }
    // Read within the server's request limit.
    let bytes = axum::body::Bytes::from_request(req, &())
        .await
        .map_err(|_| MastoError::from(Error::RequestTooLarge))?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Vec::new());
    }
    if content_type.starts_with("application/json") || bytes.first() == Some(&b'{') {
        let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
            MastoError::new(StatusCode::BAD_REQUEST, format!("unreadable JSON: {e}"))
        })?;
        let serde_json::Value::Object(map) = value else {
            return Err(MastoError::new(
                StatusCode::BAD_REQUEST,
                "the body must be a JSON object",
            ));
        };
        let mut pairs = Vec::new();
        for (k, v) in map {
            flatten_json(&k, v, &mut pairs);
        }
        return Ok(pairs);
    }
    crate::api::require_utf8_form(&bytes)?;
    serde_html_form::from_bytes::<Vec<(String, String)>>(&bytes)
        .map_err(|e| MastoError::unprocessable(format!("unreadable form: {e}")))
}

/// `{"a": [1, 2], "b": {"c": 3}}` as form fields `a[]=1`, `a[]=2`, `b[c]=3`.
fn flatten_json(key: &str, value: serde_json::Value, out: &mut Vec<(String, String)>) {
    use serde_json::Value;
    match value {
        Value::Null => {}
        Value::String(s) => out.push((key.to_string(), s)),
        Value::Array(items) => {
            for item in items {
                flatten_json(&format!("{key}[]"), item, out);
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                flatten_json(&format!("{key}[{k}]"), v, out);
            }
        }
        other => out.push((key.to_string(), other.to_string())),
    }
}

impl<S: Send + Sync> FromRequest<S> for Fields {
    type Rejection = MastoError;

    async fn from_request(req: Request, _: &S) -> MResult<Self> {
        Ok(Fields(read_pairs(req).await?))
    }
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Input<T> {
    type Rejection = MastoError;

    async fn from_request(req: Request, _: &S) -> MResult<Self> {
        let pairs = read_pairs(req).await?;
        Ok(Input(pairs_to(&pairs)?))
    }
}

/// Query parameters, with Mastodon's `name[]=a&name[]=b` arrays.
pub struct Params<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Params<T> {
    type Rejection = MastoError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> MResult<Self> {
        let query = parts.uri.query().unwrap_or_default();
        crate::api::require_utf8_form(query.as_bytes())?;
        serde_html_form::from_str(query)
            .map(Params)
            .map_err(|e| MastoError::new(StatusCode::BAD_REQUEST, format!("bad query: {e}")))
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
