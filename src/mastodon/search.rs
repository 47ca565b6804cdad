//! Search: people and groups by name (or fetched by handle or URL with `resolve=true`),
//! threads by title, hashtags by their start.

use activitypub_federation::config::Data;
use axum::{routing::get, Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::entities::{self, Ctx};
use super::{MResult, Params, Token};
use crate::app::AppState;
use crate::domain::directory::{self, Entry, Who};
use crate::domain::statuses;
use crate::federation::actors::DbActor;
use crate::federation::lookup::{lookup, Found};

pub fn routes() -> Router {
    Router::new().route("/api/v2/search", get(search))
}

/// A person or group looked up on its server by handle or URL, stored, and returned.
pub async fn resolve_account(data: &Data<AppState>, q: &str) -> Option<Entry> {
    match lookup(data, q).await {
        Ok(Found::Actor(DbActor::Person(p, _))) => {
            directory::entry(data, Who::Person(p.id)).await.ok()
        }
        Ok(Found::Actor(DbActor::Group(g, _))) => {
            directory::entry(data, Who::Group(g.id)).await.ok()
        }
        Ok(_) => None,
        Err(e) => {
            tracing::debug!(query = q, error = %e, "lookup failed");
            None
        }
    }
}

#[derive(Debug, Default, Deserialize)]
struct SearchParams {
    q: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    resolve: Option<String>,
    limit: Option<String>,
    offset: Option<String>,
    account_id: Option<String>,
}

fn looks_remote(q: &str) -> bool {
    let q = q.trim();
    q.starts_with("http://")
        || q.starts_with("https://")
        || q.trim_start_matches(['@', '!']).contains('@')
}

async fn search(
    data: Data<AppState>,
    token: Token,
    Params(p): Params<SearchParams>,
) -> MResult<Json<Value>> {
    let viewer = token.reader("read:search")?;
    let state: &AppState = &data;
    let q = p.q.unwrap_or_default();
    let limit = p
        .limit
        .and_then(|l| l.parse().ok())
        .unwrap_or(20)
        .clamp(1, 40);
    let offset = p.offset.and_then(|o| o.parse().ok()).unwrap_or(0).max(0);
    let resolve = viewer.is_some()
        && p.resolve
            .as_deref()
            .is_some_and(|r| r == "true" || r == "1");
    let wants = |k: &str| p.kind.as_deref().is_none_or(|t| t == k);
    // Only statuses by that account (a person, or a group: what was posted in it).
    let by = match p.account_id.as_deref().filter(|a| !a.is_empty()) {
        Some(raw) => Some(match entities::parse_account_id(raw) {
            Some(entities::AccountOf::Person(id)) => Who::Person(id),
            Some(entities::AccountOf::Group(id)) => Who::Group(id),
            None => return Err(super::MastoError::not_found()),
        }),
        None => None,
    };
    let ctx = Ctx { state };

    let mut accounts = Vec::new();
    let mut found_statuses = Vec::new();
    if resolve && looks_remote(&q) {
        match lookup(&data, &q).await {
            Ok(Found::Actor(DbActor::Person(person, _))) if wants("accounts") => {
                let e = directory::entry(state, Who::Person(person.id)).await?;
                accounts.push(entities::account(&ctx, &e));
            }
            Ok(Found::Actor(DbActor::Group(group, _))) if wants("accounts") => {
                let e = directory::entry(state, Who::Group(group.id)).await?;
                accounts.push(entities::account(&ctx, &e));
            }
            Ok(Found::Post {
                thread_id,
                comment_id,
            }) if wants("statuses") => {
                let id = match comment_id {
                    Some(c) => statuses::comment_status(state, c).await?,
                    None => statuses::thread_status(state, thread_id).await?,
                };
                let bundle = statuses::by_ids(state, viewer, vec![id]).await?;
                found_statuses.extend(entities::statuses(&ctx, &bundle));
            }
            Ok(_) => {}
            Err(e) => tracing::debug!(query = %q, error = %e, "lookup failed"),
        }
    }
    if wants("accounts") && accounts.is_empty() && by.is_none() {
        let entries = directory::search(state, &q, limit, offset).await?;
        accounts.extend(entries.iter().map(|e| entities::account(&ctx, e)));
    }
    // Searching posts is for signed-in members, as on Mastodon; the words are searched in
    // full text (see docs/api.md for the query language).
    if wants("statuses") && found_statuses.is_empty() && viewer.is_some() && !looks_remote(&q) {
        let bundle = statuses::search(state, viewer, &q, by, limit, offset).await?;
        found_statuses.extend(entities::statuses(&ctx, &bundle));
    }
    let mut hashtags = Vec::new();
    if wants("hashtags") && offset == 0 {
        let base = state.config.base_url();
        for (name, uses) in statuses::search_tags(state, &q, limit).await? {
            hashtags.push(json!({
                "name": name,
                "url": format!("{base}/tags/{name}"),
                "history": [{"day": chrono::Utc::now().date_naive().and_hms_opt(0, 0, 0).map(|d| d.and_utc().timestamp().to_string()), "uses": uses.to_string(), "accounts": "0"}],
                "following": false,
            }));
        }
    }
    Ok(Json(json!({
        "accounts": accounts,
        "statuses": found_statuses,
        "hashtags": hashtags,
    })))
}
