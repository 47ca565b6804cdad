//! Threads and replies fetched from their origin: a reply to something we have not seen, or an
//! announced activity sent by id.

use activitypub_federation::config::Data;
use serde_json::Value;
use url::Url;

use super::content::{audience_group, remote_body, remote_thread, PostJson};
use super::person;
use crate::app::AppState;
use crate::domain::remote::Arrival;
use crate::domain::{comments, objects, threads};
use crate::error::{Error, Result};
use crate::federation::actors::verify_same_origin;

/// How many parents a fetched reply may pull in before we give up.
pub(super) const MAX_FETCH_DEPTH: u32 = 5;

/// Fetches a thread or reply by its URL from its origin, with the group and the parents it needs,
/// and stores it. Returns the thread's id and, for a reply, the comment's.
///
/// # Errors
/// A document that is not a thread or reply of a group we can reach, or from the wrong origin.
pub async fn resolve_post(data: &Data<AppState>, id: &Url) -> Result<(i64, Option<i64>)> {
    resolve_post_at(data, id, 0).await
}

/// The thread (and comment) stored under `id`, if any.
pub(super) async fn stored_post(
    data: &Data<AppState>,
    id: &Url,
) -> Result<Option<(i64, Option<i64>)>> {
    Ok(match objects::by_ap_id(data, id.as_str()).await? {
        Some(objects::ReplyTarget::Thread(t)) => Some((t.id, None)),
        Some(objects::ReplyTarget::Comment(c)) => Some((c.thread_id, Some(c.id))),
        None => None,
    })
}

pub(super) async fn resolve_post_at(
    data: &Data<AppState>,
    id: &Url,
    depth: u32,
) -> Result<(i64, Option<i64>)> {
    if let Some(found) = stored_post(data, id).await? {
        return Ok(found);
    }
    match fetch_post(data, id, depth).await {
        // Fetched at the same moment by someone else: theirs is stored.
        Err(Error::AlreadyReceived) => stored_post(data, id)
            .await?
            .ok_or(Error::NotFound("thread or comment")),
        other => other,
    }
}

pub(super) async fn fetch_post(
    data: &Data<AppState>,
    id: &Url,
    depth: u32,
) -> Result<(i64, Option<i64>)> {
    if depth >= MAX_FETCH_DEPTH {
        return Err(Error::Refused(
            "the reply chain is too deep to fetch".into(),
        ));
    }
    let document = fetch_activity(data, id).await?;
    let post: PostJson = serde_json::from_value(document)
        .map_err(|e| Error::Refused(format!("not a thread or reply: {e}")))?;
    if post.id() != id {
        return Err(Error::Refused(
            "the document's id is not the URL it was fetched from".into(),
        ));
    }
    verify_same_origin(post.attributed_to(), id)?;
    let author = person(data, post.attributed_to()).await?;
    let activity = serde_json::json!({"id": format!("{id}#fetched"), "type": "Create", "actor": post.attributed_to(), "object": post});
    let limits = &data.config.limits;
    match post {
        PostJson::Page(page) => {
            let g = audience_group(data, &page).await?;
            let thread = remote_thread(&page, limits)?;
            Ok((
                threads::store_remote(data, author, g, thread, activity).await?,
                None,
            ))
        }
        PostJson::Note(note) => {
            let parent = note
                .in_reply_to
                .clone()
                .ok_or_else(|| Error::Refused("a post that is not a reply".into()))?;
            Box::pin(resolve_post_at(data, &parent, depth + 1)).await?;
            let (body_source, body_html) =
                remote_body(note.source.as_ref(), Some(&note.content), limits.body_bytes)?;
            let reply = comments::RemoteReply {
                in_reply_to: parent.to_string(),
                ap_id: note.id.to_string(),
                body_source,
                body_html,
                created_at: note.published.naive_utc(),
                language: note.language.tag(),
            };
            let (thread_id, comment_id) =
                comments::store_remote(data, author, reply, Arrival::Fetched, activity).await?;
            Ok((thread_id, Some(comment_id)))
        }
    }
}

/// Fetches an announced activity by id from its own origin.
pub(super) async fn fetch_activity(data: &Data<AppState>, id: &Url) -> Result<Value> {
    let res = activitypub_federation::fetch::fetch_object_http::<AppState, Value>(id, data).await?;
    if res.url != *id {
        verify_same_origin(&res.url, id)?;
    }
    Ok(res.object)
}
