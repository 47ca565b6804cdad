//! Requests as Mastodon apps and OAuth clients send them, for the doors they use (the
//! Mastodon API, and the sign-in page of the web interface): parameters from the query string
//! and a body in any of their encodings, and errors as `{"error": "…"}`, which they read.

use axum::{
    extract::{FromRequest, FromRequestParts, Request},
    http::{header, request::Parts, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::error::Error;

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

    pub(crate) fn out_of_scope() -> Self {
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
    super::require_utf8_form(req.uri().query().unwrap_or_default().as_bytes())?;
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
    super::require_utf8_form(&bytes)?;
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
        super::require_utf8_form(query.as_bytes())?;
        serde_html_form::from_str(query)
            .map(Params)
            .map_err(|e| MastoError::new(StatusCode::BAD_REQUEST, format!("bad query: {e}")))
    }
}
