//! A remote group made whole. A group on another instance is first known from its actor
//! document alone; when a member here joins it (its `Accept` arrives), when it announces an
//! `Update` of itself, and periodically while members here belong to it, we read its own
//! documents again: the actor (title, description, guidelines), the followers collection (the
//! member count), the moderators collection (its stewards) and the outbox (its recent threads,
//! each fetched from its own origin, as Lemmy does on a first subscription).
//!
//! Every document comes from the group's own origin, so a group speaks only for itself; threads
//! are fetched by id from wherever they live, never taken from the outbox's embedded copies.

use activitypub_federation::{config::Data, fetch::object_id::ObjectId};
use serde_json::Value;
use url::Url;

use crate::app::AppState;
use crate::db::models::Group;
use crate::domain::remote;
use crate::error::{Error, Result};
use crate::federation::actors::{verify_same_origin, DbActor};
use crate::federation::wire::GroupJson;

/// Recent threads read from a group's outbox: about what Lemmy fetches on a first subscription.
pub const RECENT_THREADS: usize = 20;

/// Remote groups refreshed per round of the worker.
pub const REFRESH_BATCH: i64 = 5;

/// What one refresh found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Refreshed {
    pub member_count: Option<i64>,
    pub stewards: Option<usize>,
    /// Threads of the outbox that were new here.
    pub threads_stored: usize,
}

/// Least time between two refreshes of one group started by its own activities, so that a
/// group sending `Accept`s or `Update`s in a loop cannot make us fetch in a loop.
const SPAWN_INTERVAL: std::time::Duration = std::time::Duration::from_secs(60);

/// Reads a remote group's documents again in the background; failures are logged. At most
/// one such refresh a minute per group, in this process.
pub fn spawn_refresh(data: &Data<AppState>, group: Group, with_threads: bool) {
    // By our domain and the group's id: several servers may share this process (tests do).
    type Started = std::collections::HashMap<String, std::time::Instant>;
    static STARTED: std::sync::Mutex<Option<Started>> = std::sync::Mutex::new(None);
    if let Ok(mut started) = STARTED.lock() {
        let started = started.get_or_insert_with(Default::default);
        let now = std::time::Instant::now();
        started.retain(|_, at| now.duration_since(*at) < SPAWN_INTERVAL);
        let key = format!("{} {}", data.domain(), group.ap_id);
        if started.contains_key(&key) {
            tracing::debug!(group = %group.ap_id, "refreshed a moment ago");
            return;
        }
        started.insert(key, now);
    }
    let data = data.reset_request_count();
    tokio::spawn(async move {
        match refresh(&data, &group, with_threads).await {
            Ok(r) => tracing::info!(group = %group.ap_id, ?r, "remote group refreshed"),
            Err(e) => {
                tracing::warn!(group = %group.ap_id, error = %e, "cannot refresh remote group")
            }
        }
    });
}

/// Refreshes the remote groups whose last reading is older than `age` (the worker calls this).
///
/// # Errors
/// Database failures; a group that cannot be read is logged and skipped.
pub async fn refresh_stale(data: &Data<AppState>, age: chrono::Duration) -> Result<usize> {
    let stale = remote::stale_groups(data, age, REFRESH_BATCH).await?;
    let n = stale.len();
    for group in stale {
        let fresh = data.reset_request_count();
        if let Err(e) = refresh(&fresh, &group, true).await {
            tracing::warn!(group = %group.ap_id, error = %e, "cannot refresh remote group");
            // Marked as read all the same, so that one unreachable group does not hold the
            // others back; it is tried again after the next interval.
            remote::touch_group(data, group.id).await?;
        }
    }
    Ok(n)
}

/// Reads the group's actor document and collections and stores what they say.
///
/// # Errors
/// The actor document cannot be fetched or is not this group's; a collection that cannot be
/// read leaves what it would tell as it was.
pub async fn refresh(
    data: &Data<AppState>,
    group: &Group,
    with_threads: bool,
) -> Result<Refreshed> {
    if group.local {
        return Err(Error::Refused("a local group needs no refresh".into()));
    }
    let id = Url::parse(&group.ap_id).map_err(|e| Error::Internal(format!("group id: {e}")))?;
    let json: GroupJson = fetch(data, &id, &id).await.and_then(|v| {
        serde_json::from_value(v).map_err(|e| Error::Refused(format!("not a group: {e}")))
    })?;
    if json.id != id {
        return Err(Error::Refused(
            "the group's document names another id".into(),
        ));
    }
    let (followers, moderators, outbox) = (
        json.followers.clone(),
        json.attributed_to.clone(),
        json.outbox.clone(),
    );
    let group = remote::upsert_group(data, json.into()).await?;
    let mut out = Refreshed::default();
    if with_threads {
        if let Some(u) = outbox {
            out.threads_stored = recent_threads(data, &u, &id, group.id).await?;
        }
    }
    // Figures last, in one write: once the stewards show, the whole refresh is done. A steward
    // appointed (by an `Add` received) while the collection was being read is kept.
    let read_at = crate::domain::text::now();
    if let Some(u) = followers {
        match fetch(&data.reset_request_count(), &u, &id).await {
            Ok(doc) => out.member_count = doc.get("totalItems").and_then(Value::as_i64),
            Err(e) => tracing::debug!(error = %e, "no followers collection"),
        }
    }
    let mut stewards = None;
    if let Some(u) = moderators {
        match steward_ids(data, &u, &id).await {
            // Stewards we could not reach are not taken for stewards who left.
            Ok((listed, ids)) if ids.len() == listed => {
                out.stewards = Some(ids.len());
                stewards = Some(ids);
            }
            Ok(_) => {
                tracing::debug!("some stewards could not be reached: stewards kept as they were")
            }
            Err(e) => tracing::debug!(error = %e, "no moderators collection"),
        }
    }
    remote::set_group_figures(data, group.id, out.member_count, stewards, read_at).await?;
    Ok(out)
}

/// A document of the group's, fetched from the group's own origin.
async fn fetch(data: &Data<AppState>, url: &Url, group: &Url) -> Result<Value> {
    verify_same_origin(url, group)?;
    let res =
        activitypub_federation::fetch::fetch_object_http::<AppState, Value>(url, data).await?;
    verify_same_origin(&res.url, group)?;
    Ok(res.object)
}

/// The items of a collection: inline (`orderedItems` or `items`), or on its first page.
async fn items(data: &Data<AppState>, url: &Url, group: &Url) -> Result<Vec<Value>> {
    let doc = fetch(&data.reset_request_count(), url, group).await?;
    let inline = |d: &Value| {
        d.get("orderedItems")
            .or_else(|| d.get("items"))
            .and_then(Value::as_array)
            .cloned()
    };
    if let Some(found) = inline(&doc) {
        return Ok(found);
    }
    match doc.get("first") {
        Some(Value::String(first)) => {
            let first = Url::parse(first).map_err(|e| Error::Refused(format!("first: {e}")))?;
            let page = fetch(&data.reset_request_count(), &first, group).await?;
            Ok(inline(&page).unwrap_or_default())
        }
        Some(page @ Value::Object(_)) => Ok(inline(page).unwrap_or_default()),
        _ => Ok(Vec::new()),
    }
}

/// The id an item stands for: a string, or an object's `id`.
fn id_of(item: &Value) -> Option<Url> {
    let raw = match item {
        Value::String(s) => s.as_str(),
        other => other.get("id")?.as_str()?,
    };
    Url::parse(raw).ok()
}

/// How many people the moderators collection lists, and our rows for those we could read
/// (each from their own origin).
async fn steward_ids(data: &Data<AppState>, url: &Url, group: &Url) -> Result<(usize, Vec<i64>)> {
    let mut ids = Vec::new();
    let listed = items(data, url, group).await?;
    let listed: Vec<&Value> = listed.iter().take(remote::REMOTE_STEWARDS_MAX).collect();
    for item in &listed {
        let Some(person) = id_of(item) else { continue };
        match ObjectId::<DbActor>::from(person.clone())
            .dereference(&data.reset_request_count())
            .await
        {
            Ok(DbActor::Person(p, _)) => ids.push(p.id),
            Ok(_) => {}
            Err(e) => tracing::debug!(%person, error = %e, "steward not reachable"),
        }
    }
    Ok((listed.len(), ids))
}

/// The thread an outbox item is about: `Announce(Create(Page))` as Lemmy and we send it,
/// `Create(Page)`, or the `Page` itself; with its number of replies when the page tells it.
fn thread_of(item: &Value) -> Option<(Url, Option<i64>)> {
    let mut v = item;
    for _ in 0..3 {
        match v.get("type").and_then(Value::as_str) {
            Some("Announce" | "Create") => v = v.get("object")?,
            Some("Page" | "Article" | "Question") => {
                let replies = v
                    .get("replies")
                    .and_then(|r| r.get("totalItems"))
                    .and_then(Value::as_i64);
                return id_of(v).map(|id| (id, replies));
            }
            _ => return None,
        }
    }
    None
}

/// Stores the outbox's recent threads that are new here; returns how many were stored.
async fn recent_threads(
    data: &Data<AppState>,
    url: &Url,
    group: &Url,
    group_id: i64,
) -> Result<usize> {
    let mut stored = 0;
    let list = match items(data, url, group).await {
        Ok(list) => list,
        Err(e) => {
            tracing::debug!(error = %e, "no outbox");
            return Ok(0);
        }
    };
    for (thread, replies) in list.iter().filter_map(thread_of).take(RECENT_THREADS) {
        if crate::domain::objects::by_ap_id(data, thread.as_str())
            .await?
            .is_some()
        {
            continue;
        }
        match super::activities::resolve_post(&data.reset_request_count(), &thread).await {
            Ok((id, None)) => {
                stored += 1;
                // The group relays every reply, so its word on how many there are is taken
                // for the replies that came before we joined.
                if let Some(n) = replies {
                    crate::domain::threads::set_remote_comment_count(data, id, group_id, n).await?;
                }
            }
            Ok(_) => {}
            Err(e) => tracing::debug!(%thread, error = %e, "outbox thread not stored"),
        }
    }
    Ok(stored)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Value {
        let path = format!("{}/tests/fixtures/lemmy/{name}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(path).expect("fixture");
        serde_json::from_str(&text).expect("JSON")
    }

    #[test]
    fn lemmy_outbox_items_name_their_threads() {
        let outbox = fixture("group_outbox.json");
        let threads: Vec<String> = outbox["orderedItems"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(thread_of)
            .map(|(u, _)| u.to_string())
            .collect();
        assert_eq!(threads.len(), 2);
        assert_eq!(threads[0], "https://ds9.lemmy.ml/post/2328");
        // A bare Page and an unknown activity.
        let page = serde_json::json!({"type": "Page", "id": "https://a.example/post/1",
            "replies": {"type": "Collection", "totalItems": 7}});
        let (id, replies) = thread_of(&page).expect("a thread");
        assert_eq!(
            (id.as_str(), replies),
            ("https://a.example/post/1", Some(7))
        );
        assert_eq!(
            thread_of(&serde_json::json!({"type": "Follow", "object": page})),
            None
        );
    }

    #[test]
    fn lemmy_moderators_are_listed_by_id() {
        let mods = fixture("group_moderators.json");
        let ids: Vec<Url> = mods["orderedItems"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(id_of)
            .collect();
        assert_eq!(ids[0].as_str(), "https://enterprise.lemmy.ml/u/picard");
        let as_object = serde_json::json!({"id": "https://a.example/u/x", "type": "Person"});
        assert_eq!(
            id_of(&as_object).map(|u| u.to_string()).as_deref(),
            Some("https://a.example/u/x")
        );
    }
}
