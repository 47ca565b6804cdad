//! One error type for the domain layer, with its HTTP mapping: every failure becomes
//! `{"error": code, "message": text, "field": name?}` with the matching status.

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input has the wrong shape or is not valid for its field.
    #[error("{message}")]
    Invalid {
        field: Option<&'static str>,
        message: String,
        /// What is wrong, for doors that say it in another language.
        problem: Option<Problem>,
    },
    /// The request body could not be read as JSON of the expected shape.
    #[error("{0}")]
    BadRequest(String),
    #[error("sign in first: this needs a valid bearer token")]
    Unauthorized,
    #[error("wrong username or password")]
    BadCredentials,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{message}")]
    Conflict {
        field: Option<&'static str>,
        message: String,
    },
    #[error("{field} is too large: at most {limit} bytes")]
    TooLarge { field: &'static str, limit: usize },
    #[error("the request body is too large")]
    RequestTooLarge,
    #[error("too many attempts or posts; wait a minute and try again")]
    RateLimited,
    /// A web form without this browser's CSRF token (sent from elsewhere, or from a page kept
    /// open across a server key change).
    #[error("the form was not sent from this site's page, or has expired: reload the page and try again")]
    StaleForm,
    /// Refused or failed federation: signatures, remote fetches, origin checks.
    #[error("federation: {0}")]
    Federation(#[from] activitypub_federation::error::Error),
    /// An inbox request whose HTTP signature, digest or date does not hold.
    #[error("signature: {0}")]
    BadSignature(String),
    /// A remote document or activity that we refuse (wrong origin, not allowed, malformed).
    #[error("{0}")]
    Refused(String),
    /// A remote activity we have already processed; the inbox answers it as done.
    #[error("this activity was received before")]
    AlreadyReceived,
    /// A validly signed activity about something we do not have (a vote on, or the deletion
    /// of, an object unknown here): taken and dropped with 202, as Mastodon does, so that the
    /// sender does not retry it.
    #[error("{0}")]
    Dropped(String),
    #[error("database: {0}")]
    Database(#[from] diesel::result::Error),
    #[error("database pool: {0}")]
    Pool(String),
    #[error("internal: {0}")]
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a value was refused, so that each door can say it in its own words and language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    Empty,
    TooLong {
        max: usize,
    },
    /// Not a name of `a-z`, `0-9`, `_`.
    Name {
        max: usize,
    },
    OneLine,
    Password {
        min: usize,
        max: usize,
    },
    Url,
    Tag {
        max: usize,
    },
    TooManyTags {
        max: usize,
    },
    Language,
    Domain,
    OwnDomain,
}

impl Problem {
    /// The English message of the JSON API.
    fn message(&self) -> String {
        match self {
            Problem::Empty => "must not be empty".into(),
            Problem::TooLong { max } => format!("must be at most {max} characters"),
            Problem::Name { max } => {
                format!("must be 1 to {max} characters of a-z, 0-9 and _ (lower case)")
            }
            Problem::OneLine => "must be one line without control characters".into(),
            Problem::Password { min, max } => format!("must be {min} to {max} characters"),
            Problem::Url => "must be an http or https URL".into(),
            Problem::Tag { max } => {
                format!("each tag is at most {max} letters, digits, spaces, hyphens or underscores")
            }
            Problem::TooManyTags { max } => format!("at most {max} tags"),
            Problem::Language => "must be a language tag such as en, fr or fr-CA".into(),
            Problem::Domain => "is not a domain name".into(),
            Problem::OwnDomain => "this instance's own domain cannot be listed".into(),
        }
    }
}

/// The JSON body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `invalid`, `not_found`, `conflict`.
    pub error: &'static str,
    /// What went wrong, for people.
    pub message: String,
    /// The request field at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<&'static str>,
}

impl Error {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Error::Invalid {
            field: Some(field),
            message: message.into(),
            problem: None,
        }
    }

    /// A refused value whose reason other doors can translate.
    pub fn problem(field: &'static str, problem: Problem) -> Self {
        Error::Invalid {
            field: Some(field),
            message: problem.message(),
            problem: Some(problem),
        }
    }

    pub fn conflict(field: &'static str, message: impl Into<String>) -> Self {
        Error::Conflict {
            field: Some(field),
            message: message.into(),
        }
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Error::Forbidden(message.into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Error::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Error::BadRequest(_) => StatusCode::BAD_REQUEST,
            Error::Unauthorized | Error::BadCredentials => StatusCode::UNAUTHORIZED,
            Error::Forbidden(_) | Error::StaleForm => StatusCode::FORBIDDEN,
            Error::NotFound(_) | Error::Database(diesel::result::Error::NotFound) => {
                StatusCode::NOT_FOUND
            }
            Error::Conflict { .. } => StatusCode::CONFLICT,
            Error::TooLarge { .. } | Error::RequestTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Error::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Error::Refused(_) => StatusCode::BAD_REQUEST,
            Error::AlreadyReceived => StatusCode::OK,
            Error::Dropped(_) => StatusCode::ACCEPTED,
            Error::BadSignature(_) => StatusCode::UNAUTHORIZED,
            Error::Federation(e) => federation_status(e),
            Error::Database(_) | Error::Pool(_) | Error::Internal(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    fn body(&self) -> ErrorBody {
        let (error, field) = match self {
            Error::Invalid { field, .. } => ("invalid", *field),
            Error::BadRequest(_) => ("bad_request", None),
            Error::Unauthorized => ("unauthorized", None),
            Error::BadCredentials => ("bad_credentials", None),
            Error::Forbidden(_) => ("forbidden", None),
            Error::StaleForm => ("stale_form", None),
            Error::NotFound(_) | Error::Database(diesel::result::Error::NotFound) => {
                ("not_found", None)
            }
            Error::Conflict { field, .. } => ("conflict", *field),
            Error::TooLarge { field, .. } => ("too_large", Some(*field)),
            Error::RequestTooLarge => ("too_large", None),
            Error::RateLimited => ("rate_limited", None),
            Error::Refused(_) => ("refused", None),
            Error::AlreadyReceived => ("already_received", None),
            Error::Dropped(_) => ("dropped", None),
            Error::BadSignature(_) => ("bad_signature", None),
            Error::Federation(e) => match federation_status(e) {
                StatusCode::UNAUTHORIZED => ("bad_signature", None),
                StatusCode::BAD_REQUEST => ("bad_activity", None),
                StatusCode::FORBIDDEN => ("refused", None),
                StatusCode::NOT_FOUND => ("not_found", None),
                StatusCode::PAYLOAD_TOO_LARGE => ("too_large", None),
                _ => ("remote_failed", None),
            },
            Error::Database(_) | Error::Pool(_) | Error::Internal(_) => ("internal", None),
        };
        let message = match self {
            // Internal details go to the log, not to the client.
            Error::Database(diesel::result::Error::NotFound) => "not found".to_string(),
            Error::Database(_) | Error::Pool(_) | Error::Internal(_) => {
                "the server failed to handle this request; it has been logged".to_string()
            }
            other => other.to_string(),
        };
        ErrorBody {
            error,
            message,
            field,
        }
    }
}

/// How a federation failure is answered: our peer's fault is 4xx, a remote server's is 502.
fn federation_status(e: &activitypub_federation::error::Error) -> StatusCode {
    use activitypub_federation::error::Error as F;
    match e {
        F::ActivitySignatureInvalid | F::ActivityBodyDigestInvalid => StatusCode::UNAUTHORIZED,
        F::ParseReceivedActivity { .. } | F::UrlParse(_) => StatusCode::BAD_REQUEST,
        F::UrlVerificationError(_) | F::ResolveInternalIpError(..) => StatusCode::FORBIDDEN,
        F::NotFound | F::ObjectDeleted(_) => StatusCode::NOT_FOUND,
        F::ResponseBodyLimit => StatusCode::PAYLOAD_TOO_LARGE,
        _ => StatusCode::BAD_GATEWAY,
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        (status, Json(self.body())).into_response()
    }
}

impl From<axum::extract::rejection::JsonRejection> for Error {
    fn from(rejection: axum::extract::rejection::JsonRejection) -> Self {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return Error::RequestTooLarge;
        }
        Error::BadRequest(rejection.body_text())
    }
}

impl From<axum::extract::rejection::QueryRejection> for Error {
    fn from(rejection: axum::extract::rejection::QueryRejection) -> Self {
        Error::BadRequest(rejection.body_text())
    }
}

impl From<axum::extract::rejection::PathRejection> for Error {
    fn from(rejection: axum::extract::rejection::PathRejection) -> Self {
        Error::BadRequest(rejection.body_text())
    }
}
