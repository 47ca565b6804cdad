//! Lists: a member's multi-group timelines. A list holds groups (accounts with `"group": true`);
//! people cannot be added.

use axum::{http::StatusCode, routing::get, Json, Router};
use serde::{Deserialize, Serialize};

use super::entities::{self, parse_account_id, AccountOf, Ctx};
use super::{Id, Input, MResult, MastoError, Params, Token};
use crate::domain::directory::{self, Who};
use crate::domain::lists::{self, List, ListInput};
use crate::extract::State;

pub fn routes() -> Router {
    Router::new()
        .route("/api/v1/lists", get(index).post(create))
        .route("/api/v1/lists/{id}", get(show).put(update).delete(remove))
        .route(
            "/api/v1/lists/{id}/accounts",
            get(accounts).post(add_accounts).delete(remove_accounts),
        )
}

/// Mastodon's List entity.
#[derive(Debug, Clone, Serialize)]
pub struct ListEntity {
    pub id: String,
    pub title: String,
    pub replies_policy: String,
    pub exclusive: bool,
}

impl From<List> for ListEntity {
    fn from(l: List) -> Self {
        ListEntity {
            id: l.id.to_string(),
            title: l.title,
            replies_policy: l.replies_policy,
            exclusive: l.exclusive,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
struct ListForm {
    title: Option<String>,
    replies_policy: Option<String>,
    exclusive: Option<String>,
}

impl ListForm {
    fn input(self) -> ListInput {
        ListInput {
            title: self.title,
            replies_policy: self.replies_policy,
            exclusive: self.exclusive.map(|e| e == "true" || e == "1"),
        }
    }
}

fn list_id(raw: &str) -> MResult<i64> {
    raw.parse().map_err(|_| MastoError::not_found())
}

async fn index(State(state): State, token: Token) -> MResult<Json<Vec<ListEntity>>> {
    let viewer = token.member("read:lists")?;
    let lists = lists::mine(&state, viewer).await?;
    Ok(Json(lists.into_iter().map(ListEntity::from).collect()))
}

async fn show(State(state): State, token: Token, Id(id): Id<String>) -> MResult<Json<ListEntity>> {
    let viewer = token.member("read:lists")?;
    Ok(Json(
        lists::one(&state, viewer, list_id(&id)?).await?.into(),
    ))
}

async fn create(
    State(state): State,
    token: Token,
    Input(f): Input<ListForm>,
) -> MResult<Json<ListEntity>> {
    let viewer = token.member("write:lists")?;
    Ok(Json(lists::create(&state, viewer, f.input()).await?.into()))
}

async fn update(
    State(state): State,
    token: Token,
    Id(id): Id<String>,
    Input(f): Input<ListForm>,
) -> MResult<Json<ListEntity>> {
    let viewer = token.member("write:lists")?;
    Ok(Json(
        lists::update(&state, viewer, list_id(&id)?, f.input())
            .await?
            .into(),
    ))
}

async fn remove(
    State(state): State,
    token: Token,
    Id(id): Id<String>,
) -> MResult<Json<serde_json::Value>> {
    let viewer = token.member("write:lists")?;
    lists::delete(&state, viewer, list_id(&id)?).await?;
    Ok(Json(serde_json::json!({})))
}

async fn accounts(
    State(state): State,
    token: Token,
    Id(id): Id<String>,
) -> MResult<Json<Vec<entities::Account>>> {
    let viewer = token.member("read:lists")?;
    let groups = lists::groups_of(&state, viewer, list_id(&id)?).await?;
    let entries = directory::many(&state, groups.into_iter().map(Who::Group).collect()).await?;
    let ctx = Ctx { state: &state };
    Ok(Json(
        entries.iter().map(|e| entities::account(&ctx, e)).collect(),
    ))
}

#[derive(Debug, Default, Deserialize)]
struct AccountIds {
    #[serde(rename = "account_ids[]", default)]
    account_ids: Vec<String>,
}

/// Account ids from a form (`account_ids[]`) or JSON array; only groups qualify.
fn group_ids(ids: &AccountIds) -> MResult<Vec<i64>> {
    ids.account_ids
        .iter()
        .map(|raw| match parse_account_id(raw) {
            Some(AccountOf::Group(g)) => Ok(g),
            Some(AccountOf::Person(_)) => Err(MastoError::unprocessable(
                "Lists hold groups here: follow a person to see their threads in your home timeline",
            )),
            None => Err(MastoError::not_found()),
        })
        .collect()
}

async fn add_accounts(
    State(state): State,
    token: Token,
    Id(id): Id<String>,
    Input(ids): Input<AccountIds>,
) -> MResult<Json<serde_json::Value>> {
    let viewer = token.member("write:lists")?;
    lists::change_groups(&state, viewer, list_id(&id)?, group_ids(&ids)?, true).await?;
    Ok(Json(serde_json::json!({})))
}

/// Removal takes its ids in the query (Mastodon.py) or the body.
async fn remove_accounts(
    State(state): State,
    token: Token,
    Id(id): Id<String>,
    Params(q): Params<AccountIds>,
    Input(ids): Input<AccountIds>,
) -> MResult<(StatusCode, Json<serde_json::Value>)> {
    let viewer = token.member("write:lists")?;
    let mut all = q;
    all.account_ids.extend(ids.account_ids);
    lists::change_groups(&state, viewer, list_id(&id)?, group_ids(&all)?, false).await?;
    Ok((StatusCode::OK, Json(serde_json::json!({}))))
}
