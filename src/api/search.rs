//! Search: threads, comments, groups and people, here or across partner instances; and the
//! threads that look like a title being typed.

use axum::{extract::RawQuery, routing::get, Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::domain::search::{self, Hit, Params, Reach, Results};
use crate::error::{ErrorBody, Result};
use crate::extract::{query_pairs as pairs, MaybeAuth, State};
use crate::federation::network;

pub fn routes() -> Router {
    Router::new()
        .route("/api/v1/search", get(search))
        .route("/api/v1/search/similar", get(similar))
        .route("/api/v1/search/authors", get(authors))
}

/// The parameters of a search (documentation; the handler reads them as pairs, so that an
/// unknown name is refused by name).
#[derive(Debug, Deserialize, IntoParams)]
#[allow(dead_code)]
pub struct SearchQuery {
    /// What to look for: words (all required), `"a phrase"`, `-excluded`, `prefix*`. Case and
    /// accents do not matter. At most 500 characters.
    q: String,
    /// `threads`, `comments`, `groups`, `people`: comma-separated or repeated (default: all).
    kind: Option<String>,
    /// A group (`name`, or `name@domain`): its threads and comments, itself and its members.
    group: Option<String>,
    /// What people of this agency wrote, and those people.
    agency: Option<String>,
    /// From this instance (domain).
    instance: Option<String>,
    /// Written by this person (`name` or `name@domain`).
    author: Option<String>,
    /// Created on or after this day, `YYYY-MM-DD` (UTC).
    since: Option<String>,
    /// Created on or before this day, `YYYY-MM-DD` (UTC).
    until: Option<String>,
    /// Results to skip (default 0, at most 1000).
    offset: Option<i64>,
    /// Results per page (default 20, at most 50).
    limit: Option<i64>,
    /// `local` (default) or `network`: this instance and its partner instances.
    scope: Option<String>,
}

/// Search what this instance holds, or the network of partner instances (`scope=network`).
/// Results come best first (relevance lifted by recency and reception) with a snippet of safe
/// HTML; `next_offset` asks for the next page.
#[utoipa::path(get, path = "/api/v1/search", tag = "search", params(SearchQuery),
    responses((status = 200, body = Results), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn search(
    State(state): State,
    MaybeAuth(viewer): MaybeAuth,
    RawQuery(raw): RawQuery,
) -> Result<Json<Results>> {
    let params = Params::from_pairs(&pairs(raw.as_deref())?)?;
    let results = match params.reach {
        Reach::Local => search::search(&state, viewer.as_ref(), params.request).await?,
        Reach::Network => network::search(&state, viewer.as_ref(), params.request).await?,
    };
    Ok(Json(results))
}

#[derive(Debug, Deserialize, IntoParams)]
#[allow(dead_code)]
pub struct SimilarQuery {
    /// The title being typed.
    title: String,
    /// At most this many (default 5, at most 10).
    limit: Option<i64>,
    /// `network` to look on partner instances too (default `local`).
    scope: Option<String>,
}

/// Threads that may already answer it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Similar {
    pub threads: Vec<Hit>,
    /// Partners that did not answer in time.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<search::Skipped>,
}

/// "Before you post": existing threads, here and on partner instances with `scope=network`,
/// that look like the question whose title is being typed.
#[utoipa::path(get, path = "/api/v1/search/similar", tag = "search", params(SimilarQuery),
    responses((status = 200, body = Similar), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn similar(State(state): State, RawQuery(raw): RawQuery) -> Result<Json<Similar>> {
    let mut title = String::new();
    let mut limit = 5;
    let mut reach = Reach::Local;
    for (name, value) in pairs(raw.as_deref())? {
        match name.as_str() {
            "title" => title = value,
            "limit" => {
                limit = value
                    .trim()
                    .parse()
                    .map_err(|_| crate::error::Error::invalid("limit", "must be a whole number"))?;
            }
            "scope" => reach = Reach::parse(&value)?,
            other => {
                return Err(crate::error::Error::BadRequest(format!(
                    "unknown parameter {other:?}: this takes title, limit and scope"
                )))
            }
        }
    }
    if !(1..=10).contains(&limit) {
        return Err(crate::error::Error::invalid(
            "limit",
            "must be between 1 and 10",
        ));
    }
    let found = match reach {
        Reach::Local => Similar {
            threads: search::similar(&state, &title, limit).await?,
            skipped: Vec::new(),
        },
        Reach::Network => {
            let (threads, skipped) = network::similar(&state, &title, limit).await?;
            Similar { threads, skipped }
        }
    };
    Ok(Json(found))
}

/// People who wrote about something.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Authors {
    pub authors: Vec<search::AuthorRank>,
}

/// "People who wrote about X": authors of the best matching threads and comments (here, and
/// the copies of others' we hold), ranked by how much matching content they wrote and how it
/// was received. Takes `q`, the filters of `GET /api/v1/search` (except `kind` and `scope`)
/// and `limit` (default 20, at most 50).
#[utoipa::path(get, path = "/api/v1/search/authors", tag = "search", params(SearchQuery),
    responses((status = 200, body = Authors), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn authors(State(state): State, RawQuery(raw): RawQuery) -> Result<Json<Authors>> {
    let params = Params::from_pairs(&pairs(raw.as_deref())?)?;
    if params.reach != Reach::Local {
        return Err(crate::error::Error::invalid(
            "scope",
            "people who wrote about something are found here only",
        ));
    }
    let r = params.request;
    search::check_page(r.offset, r.limit)?;
    if r.offset != 0 {
        return Err(crate::error::Error::invalid(
            "offset",
            "people who wrote about something come on one page",
        ));
    }
    let authors = search::authors(&state, &r.q, r.filters, r.limit).await?;
    Ok(Json(Authors { authors }))
}
