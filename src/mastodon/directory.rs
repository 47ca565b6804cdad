//! `GET /api/v1/directory`: the people this instance knows as accounts, as Mastodon's profile
//! directory lists them; the same domain query as the JSON API's and the web's `/people`.

use axum::{routing::get, Json, Router};
use serde::Deserialize;

use super::entities::{self, Ctx};
use super::{MResult, Params, Token};
use crate::domain::directory::{self, Who};
use crate::domain::expertise::{self, DirectoryParams, DIRECTORY_DEFAULT, DIRECTORY_MAX};
use crate::extract::State;

pub fn routes() -> Router {
    Router::new().route("/api/v1/directory", get(list))
}

#[derive(Debug, Default, Deserialize)]
struct DirectoryQuery {
    offset: Option<String>,
    limit: Option<String>,
    order: Option<String>,
    local: Option<String>,
}

/// `order` is `active` (latest post first, the default) or `new`; `limit` defaults to 40 and
/// is held to 1–80 as Mastodon does, rather than refused.
async fn list(
    State(state): State,
    token: Token,
    Params(p): Params<DirectoryQuery>,
) -> MResult<Json<Vec<entities::Account>>> {
    token.reader("read:accounts")?;
    let number = |raw: Option<String>| raw.and_then(|v| v.trim().parse::<i64>().ok());
    let params = DirectoryParams {
        offset: Some(number(p.offset).unwrap_or(0).max(0)),
        limit: Some(
            number(p.limit)
                .unwrap_or(DIRECTORY_DEFAULT)
                .clamp(1, DIRECTORY_MAX),
        ),
        order: p.order,
        local: Some(p.local.as_deref().is_some_and(|l| l == "true" || l == "1")),
        ..DirectoryParams::default()
    };
    let page = expertise::people(&state, params.parse()?).await?;
    let who = page.people.iter().map(|p| Who::Person(p.id)).collect();
    let entries = directory::many(&state, who).await?;
    let ctx = Ctx { state: &state };
    Ok(Json(
        entries.iter().map(|e| entities::account(&ctx, e)).collect(),
    ))
}
