//! Actor and object documents, with content negotiation (the pages' addresses answer JSON to
//! ActivityPub clients), our activities at their ids, and the actors' collections.

use activitypub_federation::FEDERATION_CONTENT_TYPE;
use axum::{
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde_json::{json, Value};

use super::to_wire::{
    announce_of_thread, context, create_of_thread, group_json, instance_json, note_json, page_json,
    person_json, url,
};
use super::wire::*;
use crate::app::AppState;
use crate::domain::objects;
use crate::error::{Error, Result};
use crate::extract::{ApiPath, State};

/// Threads listed in a group's outbox.
const OUTBOX_ITEMS: i64 = 20;

/// Whether the client asked for ActivityPub JSON rather than a page.
fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("application/activity+json") || v.contains("application/ld+json"))
}

/// A document with `@context`, served as `application/activity+json`.
fn activity_json<T: serde::Serialize>(status: StatusCode, doc: &T) -> Result<Response> {
    let mut value = serde_json::to_value(doc).map_err(|e| Error::Internal(e.to_string()))?;
    if let Value::Object(map) = &mut value {
        map.insert("@context".into(), context());
    }
    Ok((
        status,
        [(header::CONTENT_TYPE, FEDERATION_CONTENT_TYPE)],
        Json(value),
    )
        .into_response())
}

/// `/` for ActivityPub clients: the instance actor.
///
/// # Errors
/// Database failures or key generation.
pub async fn instance_actor_response(state: &AppState) -> Result<Response> {
    let instance = crate::domain::site::instance_with_keys(state).await?;
    activity_json(StatusCode::OK, &instance_json(state, &instance)?)
}

/// Whether the request asks for ActivityPub JSON.
pub fn accepts_activity_json(headers: &HeaderMap) -> bool {
    wants_json(headers)
}

/// A deleted or removed object, answered as Lemmy does: 410 with a `Tombstone`.
fn tombstone(id: &str) -> Result<Response> {
    activity_json(StatusCode::GONE, &json!({"id": id, "type": "Tombstone"}))
}

/// A local person as an ActivityPub actor (the JSON side of `/u/NAME`).
///
/// # Errors
/// 404 for an unknown name.
pub async fn person_document(state: &AppState, name: &str) -> Result<Response> {
    let p = objects::local_person(state, name).await?;
    activity_json(StatusCode::OK, &person_json(&state.config.base_url(), &p)?)
}

/// A local group as an ActivityPub actor (the JSON side of `/g/NAME`).
///
/// # Errors
/// 404 for an unknown name.
pub async fn group_document(state: &AppState, name: &str) -> Result<Response> {
    let g = objects::local_group(state, name, 0).await?;
    activity_json(
        StatusCode::OK,
        &group_json(&state.config.base_url(), &g.group)?,
    )
}

/// A local thread as a `Page`, or its tombstone (the JSON side of `/t/ID`).
///
/// # Errors
/// 404 for an unknown or remote thread.
pub async fn thread_document(state: &AppState, id: i64) -> Result<Response> {
    let t = objects::local_thread(state, id).await?;
    if t.thread.deleted || t.thread.removed {
        return tombstone(&t.thread.ap_id);
    }
    activity_json(StatusCode::OK, &page_json(&t)?)
}

/// A local comment as a `Note`, or its tombstone (the JSON side of `/c/ID`).
///
/// # Errors
/// 404 for an unknown or remote comment.
pub async fn comment_document(state: &AppState, id: i64) -> Result<Response> {
    let c = objects::local_comment(state, id).await?;
    if !c.shown {
        return tombstone(&c.comment.ap_id);
    }
    activity_json(StatusCode::OK, &note_json(&c)?)
}

/// One of our activities at its id, as it was sent (JSON whatever the client accepts); a
/// `Tombstone` (410) once the thread or comment it carries or acts on is deleted or removed, as
/// that content itself is.
pub(super) async fn activity(
    State(state): State,
    ApiPath((kind, token)): ApiPath<(String, String)>,
) -> Result<Response> {
    let id = format!("{}/activities/{kind}/{token}", state.config.base_url());
    let data = objects::local_activity(&state, &id).await?;
    let doc: Value = serde_json::from_str(&data)
        .map_err(|e| Error::Internal(format!("stored activity {id}: {e}")))?;
    if let Some(content) = content_of(&doc) {
        if objects::post_gone(&state, content).await? {
            return tombstone(&id);
        }
    }
    activity_json(StatusCode::OK, &doc)
}

/// The id of the thread or comment an activity carries (`Create`, `Update`) or acts on (`Like`,
/// `Lock`…), looking inside an `Announce`. None for a `Delete` or an `Undo`: they tell of the
/// content's end and stay readable after it.
fn content_of(activity: &Value) -> Option<&str> {
    let object = activity.get("object")?;
    match activity.get("type").and_then(Value::as_str)? {
        "Announce" => object.is_object().then(|| content_of(object)).flatten(),
        "Delete" | "Undo" => None,
        _ => object
            .as_str()
            .or_else(|| object.get("id").and_then(Value::as_str)),
    }
}

fn ordered(id: String, items: Vec<Value>) -> Result<CollectionJson> {
    Ok(CollectionJson {
        kind: "OrderedCollection".into(),
        id: url(&id)?,
        total_items: Some(items.len() as i64),
        ordered_items: Some(items),
        items: None,
    })
}

pub(super) async fn person_outbox(
    State(state): State,
    ApiPath(name): ApiPath<String>,
) -> Result<Response> {
    let p = objects::local_person(&state, &name).await?;
    activity_json(
        StatusCode::OK,
        &ordered(format!("{}/outbox", p.ap_id), Vec::new())?,
    )
}

/// A member's followers and followed, as counts (the lists are not published).
async fn person_follow_collection(state: &AppState, name: &str, which: &str) -> Result<Response> {
    let p = objects::local_person(state, name).await?;
    let (followers, following) = crate::domain::follows::counts_of(state, p.id).await?;
    activity_json(
        StatusCode::OK,
        &CollectionJson {
            kind: "Collection".into(),
            id: url(&format!("{}/{which}", p.ap_id))?,
            total_items: Some(if which == "followers" {
                followers
            } else {
                following
            }),
            ordered_items: None,
            items: Some(Vec::new()),
        },
    )
}

pub(super) async fn person_followers(
    State(state): State,
    ApiPath(name): ApiPath<String>,
) -> Result<Response> {
    person_follow_collection(&state, &name, "followers").await
}

pub(super) async fn person_following(
    State(state): State,
    ApiPath(name): ApiPath<String>,
) -> Result<Response> {
    person_follow_collection(&state, &name, "following").await
}

/// The group's recent threads, each as the `Announce(Create(Page))` its followers received.
pub(super) async fn group_outbox(
    State(state): State,
    ApiPath(name): ApiPath<String>,
) -> Result<Response> {
    let g = objects::local_group(&state, &name, OUTBOX_ITEMS).await?;
    let items = g
        .recent
        .iter()
        .map(announce_of_thread)
        .collect::<Result<Vec<_>>>()?;
    let mut doc = ordered(format!("{}/outbox", g.group.ap_id), items)?;
    doc.total_items = Some(g.group.thread_count);
    activity_json(StatusCode::OK, &doc)
}

/// An outbox item at its id; a `Tombstone` (410) once the thread is deleted or removed.
pub(super) async fn outbox_announce(
    State(state): State,
    ApiPath((name, id)): ApiPath<(String, i64)>,
) -> Result<Response> {
    let t = objects::thread_of_local_group(&state, &name, id).await?;
    let doc = announce_of_thread(&t)?;
    if t.thread.deleted || t.thread.removed {
        return tombstone(doc["id"].as_str().unwrap_or_default());
    }
    activity_json(StatusCode::OK, &doc)
}

/// The `Create` inside an outbox item, for a thread written here.
pub(super) async fn outbox_create(
    State(state): State,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response> {
    let t = objects::local_thread(&state, id).await?;
    let doc = create_of_thread(&t)?;
    if t.thread.deleted || t.thread.removed {
        return tombstone(doc["id"].as_str().unwrap_or_default());
    }
    activity_json(StatusCode::OK, &doc)
}

/// Followers as Lemmy serves them: the count only.
pub(super) async fn group_followers(
    State(state): State,
    ApiPath(name): ApiPath<String>,
) -> Result<Response> {
    let g = objects::local_group(&state, &name, 0).await?;
    activity_json(
        StatusCode::OK,
        &CollectionJson {
            kind: "Collection".into(),
            id: url(&format!("{}/followers", g.group.ap_id))?,
            total_items: Some(g.follower_count),
            ordered_items: None,
            items: Some(Vec::new()),
        },
    )
}

pub(super) async fn group_moderators(
    State(state): State,
    ApiPath(name): ApiPath<String>,
) -> Result<Response> {
    let g = objects::local_group(&state, &name, 0).await?;
    let items = g.steward_ids.iter().map(|s| json!(s)).collect();
    let mut doc = ordered(format!("{}/moderators", g.group.ap_id), items)?;
    doc.total_items = None;
    activity_json(StatusCode::OK, &doc)
}

pub(super) async fn group_featured(
    State(state): State,
    ApiPath(name): ApiPath<String>,
) -> Result<Response> {
    let g = objects::local_group(&state, &name, 0).await?;
    let items = g
        .featured
        .iter()
        .map(|t| serde_json::to_value(page_json(t)?).map_err(|e| Error::Internal(e.to_string())))
        .collect::<Result<Vec<_>>>()?;
    activity_json(
        StatusCode::OK,
        &ordered(format!("{}/featured", g.group.ap_id), items)?,
    )
}
