//! What apps call at start-up and in their settings: real data where we have it (preferences,
//! tags, reports), an empty list where we have none (emojis, filters, announcements, trends…),
//! and a clear 422 for what this server does not do (media, push, filters to create).

use axum::{
    routing::{get, post},
    Json, Router,
};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{Id, Input, MResult, MastoError, Token};
use crate::domain::reports::{self, Reported};
use crate::domain::statuses::{self, StatusOf};
use crate::extract::State;

pub fn routes() -> Router {
    // What everyone may read, with nothing in it here.
    let public_empty = [
        "/api/v1/custom_emojis",
        "/api/v1/trends",
        "/api/v1/trends/tags",
        "/api/v1/trends/statuses",
        "/api/v1/trends/links",
        "/api/v1/timelines/link",
    ];
    // What a member reads of their own, with nothing in it here, and the scope it takes.
    let own_empty: [(&str, &'static str); 12] = [
        ("/api/v1/filters", "read:filters"),
        ("/api/v2/filters", "read:filters"),
        ("/api/v1/announcements", "read"),
        ("/api/v1/suggestions", "read"),
        ("/api/v2/suggestions", "read"),
        ("/api/v1/conversations", "read:statuses"),
        ("/api/v1/scheduled_statuses", "read:statuses"),
        ("/api/v1/blocks", "read:blocks"),
        ("/api/v1/mutes", "read:mutes"),
        ("/api/v1/domain_blocks", "read:blocks"),
        ("/api/v1/endorsements", "read:accounts"),
        ("/api/v1/followed_tags", "read:follows"),
    ];
    let mut router = Router::new();
    for path in public_empty {
        router = router.route(path, get(empty_list));
    }
    for (path, scope) in own_empty {
        router = router.route(
            path,
            get(move |token: Token| async move {
                token.member(scope)?;
                Ok::<_, MastoError>(Json(Vec::<Value>::new()))
            })
            .post(unsupported_setting)
            .delete(unsupported_setting),
        );
    }
    router
        .route(
            "/api/v1/featured_tags",
            get(featured_tags).post(unsupported_setting),
        )
        .route("/api/v1/featured_tags/suggestions", get(featured_tags))
        .route("/api/v1/preferences", get(preferences))
        .route("/api/v1/announcements/{id}/dismiss", post(dismissed))
        .route("/api/v1/tags/{name}", get(tag))
        .route("/api/v1/tags/{name}/follow", post(no_tag_follows))
        .route("/api/v1/tags/{name}/unfollow", post(no_tag_follows))
        .route("/api/v1/reports", post(report))
        .route("/api/v1/media", post(no_media))
        .route("/api/v2/media", post(no_media))
        .route(
            "/api/v1/push/subscription",
            get(no_push_subscription)
                .post(no_push)
                .put(no_push_subscription)
                .delete(push_unsubscribed),
        )
}

async fn empty_list() -> Json<Vec<Value>> {
    Json(Vec::new())
}

async fn featured_tags(token: Token) -> MResult<Json<Vec<Value>>> {
    token.member("read:accounts")?;
    Ok(Json(Vec::new()))
}

async fn unsupported_setting(token: Token) -> MResult<Json<Value>> {
    token.writer()?;
    Err(MastoError::unprocessable(
        "This server keeps no filters, blocks, mutes, featured tags or scheduled posts",
    ))
}

/// There is never a subscription, so unsubscribing always succeeds.
async fn push_unsubscribed(token: Token) -> MResult<Json<Value>> {
    token.member("push")?;
    Ok(Json(json!({})))
}

async fn dismissed(token: Token) -> MResult<Json<Value>> {
    token.member("write:accounts")?;
    Ok(Json(json!({})))
}

async fn preferences(token: Token) -> MResult<Json<Value>> {
    token.member("read:accounts")?;
    Ok(Json(json!({
        "posting:default:visibility": "public",
        "posting:default:sensitive": false,
        "posting:default:language": null,
        "reading:expand:media": "default",
        "reading:expand:spoilers": false,
    })))
}

async fn tag(State(state): State, token: Token, Id(name): Id<String>) -> MResult<Json<Value>> {
    token.reader("read:statuses")?;
    let name = name.trim_start_matches('#').to_lowercase();
    Ok(Json(json!({
        "name": name,
        "url": format!("{}/tags/{name}", state.config.base_url()),
        "history": [],
        "following": false,
    })))
}

async fn no_tag_follows(token: Token) -> MResult<Json<Value>> {
    token.writer()?;
    Err(MastoError::unprocessable(
        "Following hashtags is not supported on this server",
    ))
}

async fn no_media(token: Token) -> MResult<Json<Value>> {
    token.writer()?;
    Err(MastoError::unprocessable(
        "Media uploads are not supported on this server: link to the file instead",
    ))
}

async fn no_push() -> MastoError {
    MastoError::unprocessable("Web push notifications are not supported on this server")
}

async fn no_push_subscription(token: Token) -> MResult<Json<Value>> {
    token.member("push")?;
    Err(MastoError::not_found())
}

/// Enough for any honest report; bounds the work one request can cause.
const MAX_REPORTED_STATUSES: usize = 20;

#[derive(Debug, Default, Deserialize)]
struct ReportForm {
    #[serde(rename = "status_ids[]", default)]
    status_ids: Vec<String>,
    comment: Option<String>,
    category: Option<String>,
}

/// A report on statuses goes to the stewards of their groups, one report per status.
async fn report(
    State(state): State,
    token: Token,
    Input(f): Input<ReportForm>,
) -> MResult<Json<Value>> {
    let viewer = token.member("write:reports")?;
    if f.status_ids.is_empty() {
        return Err(MastoError::unprocessable(
            "Reports here are about threads and replies: give status_ids",
        ));
    }
    let reason = f
        .comment
        .filter(|c| !c.trim().is_empty())
        .or(f.category.clone())
        .unwrap_or_else(|| "other".into());
    if f.status_ids.len() > MAX_REPORTED_STATUSES {
        return Err(MastoError::unprocessable(format!(
            "A report may name at most {MAX_REPORTED_STATUSES} statuses"
        )));
    }
    // Every status is found before any report is filed, so an unknown id files nothing.
    let mut targets = Vec::with_capacity(f.status_ids.len());
    for raw in &f.status_ids {
        let id: i64 = raw.parse().map_err(|_| MastoError::not_found())?;
        targets.push(match statuses::status_of(&state, id).await? {
            StatusOf::Thread(t) => Reported::Thread(t),
            StatusOf::Comment(c) => Reported::Comment(c),
        });
    }
    let mut last = 0;
    for target in targets {
        last = reports::file(&state, viewer.person.clone(), target, &reason, None).await?;
    }
    Ok(Json(json!({
        "id": last.to_string(),
        "action_taken": false,
        "action_taken_at": null,
        "category": f.category.unwrap_or_else(|| "other".into()),
        "comment": reason,
        "forwarded": false,
        "created_at": super::entities::time(chrono::Utc::now()),
        "status_ids": f.status_ids,
        "rule_ids": null,
        "target_account": null,
    })))
}
