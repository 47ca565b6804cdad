//! Notifications (replies as mentions, favourites, new followers and members, join requests),
//! in Mastodon's plain and grouped forms; markers; join requests as follow requests.

use axum::{
    extract::RawQuery,
    response::Response,
    routing::{get, post},
    Json, Router,
};
use serde::Deserialize;
use serde_json::{json, Value};

use super::entities::{self, time, Ctx, Relationship};
use super::{paged, Fields, Id, MResult, MastoError, PageParams, Params, Token};
use crate::app::AppState;
use crate::domain::directory::{self, Who};
use crate::domain::groups::{self, MemberAction};
use crate::domain::notifications::{self as notes, Filter, Notification};
use crate::domain::people::Viewer;
use crate::domain::statuses;
use crate::extract::State;

pub fn routes() -> Router {
    Router::new()
        .route("/api/v1/notifications", get(index))
        .route("/api/v1/notifications/unread_count", get(unread_count))
        .route("/api/v1/notifications/clear", post(clear))
        .route(
            "/api/v1/notifications/policy",
            get(policy).patch(set_policy),
        )
        .route("/api/v1/notifications/requests", get(no_requests))
        .route("/api/v1/notifications/requests/merged", get(merged))
        .route("/api/v1/notifications/{id}", get(show))
        .route("/api/v1/notifications/{id}/dismiss", post(dismiss))
        .route("/api/v2/notifications", get(grouped))
        .route("/api/v2/notifications/unread_count", get(unread_count))
        .route("/api/v2/notifications/{group_key}", get(group))
        .route(
            "/api/v2/notifications/{group_key}/accounts",
            get(group_accounts),
        )
        .route(
            "/api/v2/notifications/{group_key}/dismiss",
            post(dismiss_group),
        )
        .route(
            "/api/v2/notifications/policy",
            get(policy).patch(set_policy),
        )
        .route("/api/v1/markers", get(markers).post(set_markers))
        .route("/api/v1/follow_requests", get(follow_requests))
        .route("/api/v1/follow_requests/{id}/authorize", post(authorize))
        .route("/api/v1/follow_requests/{id}/reject", post(reject))
}

#[derive(Debug, Default, Deserialize)]
struct NotificationParams {
    #[serde(flatten)]
    page: PageParams,
    #[serde(rename = "types[]", default)]
    types: Vec<String>,
    #[serde(rename = "exclude_types[]", default)]
    exclude_types: Vec<String>,
    account_id: Option<String>,
}

impl NotificationParams {
    fn filter(&self) -> Filter {
        Filter {
            types: self.types.clone(),
            exclude_types: self.exclude_types.clone(),
            // An account id that is no person matches nothing.
            from_person: self
                .account_id
                .as_deref()
                .map(|a| match entities::parse_account_id(a) {
                    Some(entities::AccountOf::Person(p)) => p,
                    _ => -1,
                }),
        }
    }
}

/// Notifications with their accounts and statuses, as Mastodon's entity; those whose status is
/// gone are left out.
async fn render(state: &AppState, viewer: &Viewer, rows: &[Notification]) -> MResult<Vec<Value>> {
    let people: Vec<i64> = rows.iter().map(|n| n.from_person_id).collect();
    let profiles = statuses::people(state, people).await?;
    let status_ids: Vec<i64> = rows.iter().filter_map(|n| n.status_id).collect();
    let bundle = statuses::by_ids(state, Some(viewer), status_ids).await?;
    let ctx = Ctx { state };
    let shown: std::collections::HashMap<String, entities::Status> =
        entities::statuses(&ctx, &bundle)
            .into_iter()
            .map(|s| (s.id.clone(), s))
            .collect();
    let mut out = Vec::new();
    for n in rows {
        let Some(from) = profiles.get(&n.from_person_id) else {
            continue;
        };
        let status = match n.status_id {
            Some(s) => match shown.get(&s.to_string()) {
                Some(st) => Some(st.clone()),
                None => continue,
            },
            None => None,
        };
        let mut v = json!({
            "id": n.id.to_string(),
            "type": n.kind,
            "created_at": time(n.created_at.and_utc()),
            "group_key": format!("ungrouped-{}", n.id),
            "account": entities::person_account(&ctx, from),
        });
        if let Some(st) = status {
            v["status"] = json!(st);
        }
        out.push(v);
    }
    Ok(out)
}

async fn index(
    State(state): State,
    token: Token,
    RawQuery(query): RawQuery,
    Params(p): Params<NotificationParams>,
) -> MResult<Response> {
    let viewer = token.member("read:notifications")?;
    let rows = notes::list(&state, viewer, p.filter(), p.page.window(40, 80)).await?;
    let bounds = rows.first().zip(rows.last()).map(|(f, l)| (f.id, l.id));
    let items = render(&state, viewer, &rows).await?;
    Ok(paged(
        &state,
        "/api/v1/notifications",
        query.as_deref(),
        items,
        bounds,
    ))
}

/// Mastodon 4.3's grouped notifications, each notification its own group.
async fn grouped(
    State(state): State,
    token: Token,
    RawQuery(query): RawQuery,
    Params(p): Params<NotificationParams>,
) -> MResult<Response> {
    let viewer = token.member("read:notifications")?;
    let rows = notes::list(&state, viewer, p.filter(), p.page.window(40, 80)).await?;
    let bounds = rows.first().zip(rows.last()).map(|(f, l)| (f.id, l.id));
    let rendered = render(&state, viewer, &rows).await?;
    let mut accounts: Vec<Value> = Vec::new();
    let mut statuses_out: Vec<Value> = Vec::new();
    let mut groups_out = Vec::new();
    for n in rendered {
        let account = n["account"].clone();
        if !accounts.iter().any(|a| a["id"] == account["id"]) {
            accounts.push(account.clone());
        }
        if let Some(s) = n.get("status") {
            if !statuses_out.iter().any(|x| x["id"] == s["id"]) {
                statuses_out.push(s.clone());
            }
        }
        groups_out.push(json!({
            "group_key": n["group_key"],
            "notifications_count": 1,
            "type": n["type"],
            "most_recent_notification_id": n["id"],
            "page_min_id": n["id"],
            "page_max_id": n["id"],
            "latest_page_notification_at": n["created_at"],
            "sample_account_ids": [account["id"]],
            "status_id": n.get("status").map(|s| s["id"].clone()),
        }));
    }
    let body = json!({
        "accounts": accounts,
        "statuses": statuses_out,
        "notification_groups": groups_out,
    });
    Ok(paged(
        &state,
        "/api/v2/notifications",
        query.as_deref(),
        body,
        bounds,
    ))
}

/// The notification behind a group key: each notification is its own group.
async fn by_group_key(state: &AppState, viewer: &Viewer, key: &str) -> MResult<Value> {
    let id: i64 = key
        .strip_prefix("ungrouped-")
        .and_then(|i| i.parse().ok())
        .ok_or_else(MastoError::not_found)?;
    let n = notes::one(state, viewer, id).await?;
    render(state, viewer, &[n])
        .await?
        .pop()
        .ok_or_else(MastoError::not_found)
}

async fn group(State(state): State, token: Token, Id(key): Id<String>) -> MResult<Json<Value>> {
    let viewer = token.member("read:notifications")?;
    let n = by_group_key(&state, viewer, &key).await?;
    Ok(Json(json!({
        "accounts": [n["account"].clone()],
        "statuses": n.get("status").map(|s| vec![s.clone()]).unwrap_or_default(),
        "notification_groups": [{
            "group_key": n["group_key"],
            "notifications_count": 1,
            "type": n["type"],
            "most_recent_notification_id": n["id"],
            "page_min_id": n["id"],
            "page_max_id": n["id"],
            "latest_page_notification_at": n["created_at"],
            "sample_account_ids": [n["account"]["id"].clone()],
            "status_id": n.get("status").map(|s| s["id"].clone()),
        }],
    })))
}

async fn group_accounts(
    State(state): State,
    token: Token,
    Id(key): Id<String>,
) -> MResult<Json<Vec<Value>>> {
    let viewer = token.member("read:notifications")?;
    let n = by_group_key(&state, viewer, &key).await?;
    Ok(Json(vec![n["account"].clone()]))
}

async fn dismiss_group(
    State(state): State,
    token: Token,
    Id(key): Id<String>,
) -> MResult<Json<Value>> {
    let viewer = token.member("write:notifications")?;
    let n = by_group_key(&state, viewer, &key).await?;
    let id: i64 = n["id"]
        .as_str()
        .and_then(|i| i.parse().ok())
        .ok_or_else(MastoError::not_found)?;
    notes::dismiss(&state, viewer, Some(id)).await?;
    Ok(Json(json!({})))
}

/// Nothing is ever held back, so there is never anything to merge.
async fn merged(token: Token) -> MResult<Json<Value>> {
    token.member("read:notifications")?;
    Ok(Json(json!({"merged": true})))
}

async fn show(State(state): State, token: Token, Id(id): Id<String>) -> MResult<Json<Value>> {
    let viewer = token.member("read:notifications")?;
    let id: i64 = id.parse().map_err(|_| MastoError::not_found())?;
    let n = notes::one(&state, viewer, id).await?;
    render(&state, viewer, &[n])
        .await?
        .pop()
        .map(Json)
        .ok_or_else(MastoError::not_found)
}

async fn dismiss(State(state): State, token: Token, Id(id): Id<String>) -> MResult<Json<Value>> {
    let viewer = token.member("write:notifications")?;
    let id: i64 = id.parse().map_err(|_| MastoError::not_found())?;
    notes::dismiss(&state, viewer, Some(id)).await?;
    Ok(Json(json!({})))
}

async fn clear(State(state): State, token: Token) -> MResult<Json<Value>> {
    let viewer = token.member("write:notifications")?;
    notes::dismiss(&state, viewer, None).await?;
    Ok(Json(json!({})))
}

async fn unread_count(State(state): State, token: Token) -> MResult<Json<Value>> {
    let viewer = token.member("read:notifications")?;
    Ok(Json(json!({"count": notes::unread(&state, viewer).await?})))
}

/// Every notification is let through; there is nothing to filter.
/// Changing the policy is accepted and changes nothing: every notification is let through.
async fn set_policy(token: Token) -> MResult<Json<Value>> {
    token.member("write:notifications")?;
    Ok(policy_body())
}

async fn policy(token: Token) -> MResult<Json<Value>> {
    token.member("read:notifications")?;
    Ok(policy_body())
}

fn policy_body() -> Json<Value> {
    Json(json!({
        "for_not_following": "accept",
        "for_not_followers": "accept",
        "for_new_accounts": "accept",
        "for_private_mentions": "accept",
        "for_limited_accounts": "accept",
        "filter_not_following": false,
        "filter_not_followers": false,
        "filter_new_accounts": false,
        "filter_private_mentions": false,
        "summary": {"pending_requests_count": 0, "pending_notifications_count": 0},
    }))
}

async fn no_requests(token: Token) -> MResult<Json<Vec<Value>>> {
    token.member("read:notifications")?;
    Ok(Json(Vec::new()))
}

#[derive(Debug, Default, Deserialize)]
struct MarkerParams {
    #[serde(rename = "timeline[]", default)]
    timelines: Vec<String>,
}

fn marker_json(markers: Vec<notes::Marker>) -> Value {
    let mut out = serde_json::Map::new();
    for m in markers {
        out.insert(
            m.timeline.clone(),
            json!({
                "last_read_id": m.last_read_id,
                "version": m.version,
                "updated_at": time(m.updated_at.and_utc()),
            }),
        );
    }
    Value::Object(out)
}

async fn markers(
    State(state): State,
    token: Token,
    Params(p): Params<MarkerParams>,
) -> MResult<Json<Value>> {
    let viewer = token.member("read:statuses")?;
    let timelines = if p.timelines.is_empty() {
        vec!["home".to_string(), "notifications".to_string()]
    } else {
        p.timelines
    };
    Ok(Json(marker_json(
        notes::markers(&state, viewer, timelines).await?,
    )))
}

/// `home[last_read_id]=…` and `notifications[last_read_id]=…`, as forms or JSON send them.
async fn set_markers(
    State(state): State,
    token: Token,
    Fields(fields): Fields,
) -> MResult<Json<Value>> {
    let viewer = token.member("write:statuses")?;
    let moves: Vec<(String, String)> = fields
        .into_iter()
        .filter_map(|(k, v)| k.strip_suffix("[last_read_id]").map(|t| (t.to_string(), v)))
        .collect();
    Ok(Json(marker_json(
        notes::set_markers(&state, viewer, moves).await?,
    )))
}

/// People asking to join groups the viewer stewards.
async fn follow_requests(
    State(state): State,
    token: Token,
    RawQuery(query): RawQuery,
    Params(p): Params<PageParams>,
) -> MResult<Response> {
    let viewer = token.member("read:follows")?;
    let (entries, bounds) = directory::join_requests(&state, viewer, p.window(40, 80)).await?;
    let ctx = Ctx { state: &state };
    let items: Vec<entities::Account> =
        entries.iter().map(|e| entities::account(&ctx, e)).collect();
    Ok(paged(
        &state,
        "/api/v1/follow_requests",
        query.as_deref(),
        items,
        bounds,
    ))
}

async fn answer(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
    action: MemberAction,
) -> MResult<Json<Relationship>> {
    let person = match entities::parse_account_id(id) {
        Some(entities::AccountOf::Person(p)) => p,
        _ => return Err(MastoError::not_found()),
    };
    let (handle, groups_asked) = directory::requests_of(state, viewer, person).await?;
    for g in groups_asked {
        groups::act_on_member(state, viewer, &g, &handle, action).await?;
    }
    let s = directory::standings(state, viewer, vec![Who::Person(person)]).await?;
    let s = s.into_iter().next().unwrap_or_default();
    Ok(Json(Relationship {
        id: id.to_string(),
        following: s.following,
        followed_by: s.followed_by,
        ..Relationship::default()
    }))
}

/// Accepts the person into every group of the viewer's that they asked to join.
async fn authorize(
    State(state): State,
    token: Token,
    Id(id): Id<String>,
) -> MResult<Json<Relationship>> {
    let viewer = token.member("write:follows")?;
    answer(&state, viewer, &id, MemberAction::Approve).await
}

async fn reject(
    State(state): State,
    token: Token,
    Id(id): Id<String>,
) -> MResult<Json<Relationship>> {
    let viewer = token.member("write:follows")?;
    answer(&state, viewer, &id, MemberAction::Remove).await
}
