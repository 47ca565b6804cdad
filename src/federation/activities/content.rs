//! Threads and replies: `Create` and `Update` of a `Page` or a `Note`, a `Note` that mentions one
//! of our groups, and an author's `Delete` (and its `Undo`).

use activitypub_federation::{
    config::Data,
    kinds::activity::{CreateType, DeleteType, UpdateType},
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use url::Url;

use super::fetch::resolve_post;
use super::moderation::{check_steward, steward_action};
use super::{arrival, group, id_of, person, unknown};
use crate::app::AppState;
use crate::db::models::{Group, Person};
use crate::domain::threads::ThreadFlag;
use crate::domain::{comments, objects, text, threads};
use crate::error::{Error, Result};
use crate::federation::actors::verify_same_origin;
use crate::federation::wire::{NoteJson, PageJson};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum CreateOrUpdateType {
    Create(CreateType),
    Update(UpdateType),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CreateOrUpdate {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: CreateOrUpdateType,
    pub actor: Url,
    pub object: PostJson,
}

/// The content of a `Create`: a thread (`Page`, `Article`) or a reply (`Note`).
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum PostJson {
    Page(PageJson),
    Note(NoteJson),
}

impl PostJson {
    pub(super) fn id(&self) -> &Url {
        match self {
            PostJson::Page(p) => &p.id,
            PostJson::Note(n) => &n.id,
        }
    }

    pub(super) fn attributed_to(&self) -> &Url {
        match self {
            PostJson::Page(p) => &p.attributed_to,
            PostJson::Note(n) => &n.attributed_to,
        }
    }
}

impl<'de> Deserialize<'de> for PostJson {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        match value.get("type").and_then(Value::as_str) {
            Some("Page" | "Article") => serde_json::from_value(value)
                .map(PostJson::Page)
                .map_err(serde::de::Error::custom),
            Some("Note") => serde_json::from_value(value)
                .map(PostJson::Note)
                .map_err(serde::de::Error::custom),
            other => Err(serde::de::Error::custom(format!(
                "unsupported object type {other:?}"
            ))),
        }
    }
}

/// `Delete` of a thread or comment by its author, or of the author's own account.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Delete {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: DeleteType,
    pub actor: Url,
    /// The deleted object's id, or the object (a `Tombstone`) with its id.
    pub object: Value,
    /// Present (the reason, possibly empty) on a steward's removal, as Lemmy sends it; absent
    /// when the author deletes their own content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
}

/// A thread or reply is its author's, from the author's server.
pub(super) fn check_post(c: &CreateOrUpdate) -> Result<()> {
    if c.object.attributed_to() != &c.actor {
        return Err(Error::Refused(
            "the object's author is not the activity's actor".into(),
        ));
    }
    verify_same_origin(c.object.id(), &c.actor)
}

/// Whether a `Delete` (or the one an `Undo` takes back) of `object` is a steward's removal
/// rather than its author's own deletion. A `summary` marks a removal, as Lemmy sends it, even
/// of the steward's own content (which stays up elsewhere and may be restored). Without one,
/// someone else's content is still taken as removed by a steward, as other servers send it.
async fn is_removal(data: &Data<AppState>, d: &Delete, object: &Url) -> Result<bool> {
    if d.summary.is_some() {
        return Ok(true);
    }
    let actor = person(data, &d.actor).await?;
    Ok(match objects::by_ap_id(data, object.as_str()).await? {
        Some(objects::ReplyTarget::Thread(t)) => t.author_id != actor.id,
        Some(objects::ReplyTarget::Comment(c)) => c.author_id != actor.id,
        None => false,
    })
}

/// A removal (or its undoing) is a steward's: see [`steward_action`]'s check.
pub(super) async fn check_delete(
    data: &Data<AppState>,
    d: &Delete,
    relayed_by: Option<&Group>,
) -> Result<()> {
    let object = id_of(&d.object).ok_or_else(|| Error::Refused("Delete of nothing".into()))?;
    if object != d.actor && is_removal(data, d, &object).await? {
        check_steward(data, &d.actor, &object, relayed_by).await?;
    }
    Ok(())
}

/// A checked `Delete`: by an author of their thread or comment, or of their own account; or a
/// steward's removal.
pub(super) async fn delete(
    data: &Data<AppState>,
    d: Delete,
    raw: Value,
    relayed_by: Option<&Group>,
) -> Result<()> {
    let object = id_of(&d.object).ok_or_else(|| Error::Refused("Delete of nothing".into()))?;
    let author = person(data, &d.actor).await?;
    if object == d.actor {
        return crate::domain::remote::delete_person(data, author).await;
    }
    if is_removal(data, &d, &object).await? {
        let flag = ThreadFlag::Removed;
        return steward_action(data, &d.actor, &object, flag, true, raw, relayed_by).await;
    }
    match objects::by_ap_id(data, object.as_str()).await? {
        Some(objects::ReplyTarget::Thread(t)) => {
            arrival(relayed_by).check(&objects::group_of_thread(data, t.id).await?)?;
            threads::delete_as(data, author, t.id, Some(raw)).await
        }
        Some(objects::ReplyTarget::Comment(c)) => {
            arrival(relayed_by).check(&objects::group_of_thread(data, c.thread_id).await?)?;
            comments::delete_as(data, author, c.id, Some(raw)).await
        }
        // Deleting what we never had is already done.
        None => Err(unknown(&object)),
    }
    .map_err(|e| match e {
        Error::Forbidden(m) => Error::Refused(m),
        other => other,
    })
}

/// The `Undo` of a checked `Delete`: the author restores their thread or comment, or a steward
/// undoes a removal.
pub(super) async fn undelete(
    data: &Data<AppState>,
    d: Delete,
    raw: Value,
    relayed_by: Option<&Group>,
) -> Result<()> {
    let object =
        id_of(&d.object).ok_or_else(|| Error::Refused("Undo of a Delete of nothing".into()))?;
    if is_removal(data, &d, &object).await? {
        let flag = ThreadFlag::Removed;
        return steward_action(data, &d.actor, &object, flag, false, raw, relayed_by).await;
    }
    let actor = person(data, &d.actor).await?;
    let restored = match objects::by_ap_id(data, object.as_str()).await? {
        Some(objects::ReplyTarget::Thread(t)) => {
            arrival(relayed_by).check(&objects::group_of_thread(data, t.id).await?)?;
            threads::restore_as(data, actor, t.id, raw).await
        }
        Some(objects::ReplyTarget::Comment(c)) => {
            arrival(relayed_by).check(&objects::group_of_thread(data, c.thread_id).await?)?;
            comments::restore_as(data, actor, c.id, raw).await
        }
        None => return Err(unknown(&object)),
    };
    restored.map_err(|e| match e {
        Error::Forbidden(m) => Error::Refused(m),
        other => other,
    })
}

/// The group a thread is posted to: `audience`, else the first group among `to` and `cc`.
pub(super) async fn audience_group(data: &Data<AppState>, page: &PageJson) -> Result<Group> {
    let candidates = page
        .audience
        .iter()
        .chain(page.to.iter())
        .chain(page.cc.iter());
    for c in candidates {
        if c.as_str() == crate::federation::wire::PUBLIC {
            continue;
        }
        if let Ok(g) = group(data, c).await {
            return Ok(g);
        }
    }
    Err(Error::Refused("the thread names no group we know".into()))
}

pub(super) async fn create_or_update(
    c: CreateOrUpdate,
    activity: Value,
    data: &Data<AppState>,
    relayed_by: Option<&Group>,
) -> Result<()> {
    let author = person(data, &c.actor).await?;
    let limits = &data.config.limits;
    match c.object {
        PostJson::Page(page) => {
            let g = audience_group(data, &page).await?;
            arrival(relayed_by).check(&g)?;
            threads::store_remote(data, author, g, remote_thread(&page, limits)?, activity).await?;
        }
        PostJson::Note(note) => {
            let Some(in_reply_to) = note.in_reply_to.clone() else {
                return thread_from_mention(data, author, note, activity, relayed_by).await;
            };
            let (body_source, body_html) =
                remote_body(note.source.as_ref(), Some(&note.content), limits.body_bytes)?;
            let reply = comments::RemoteReply {
                in_reply_to: in_reply_to.to_string(),
                ap_id: note.id.to_string(),
                body_source,
                body_html,
                created_at: note.published.naive_utc(),
                language: note.language.tag(),
            };
            let arrival = arrival(relayed_by);
            match comments::store_remote(
                data,
                author.clone(),
                reply.clone(),
                arrival,
                activity.clone(),
            )
            .await
            {
                // A reply to something we have not seen (we joined after it was posted):
                // fetch it from its origin, with its own parents, then take the reply.
                Err(Error::NotFound(_)) => {
                    resolve_post(data, &in_reply_to).await?;
                    comments::store_remote(data, author, reply, arrival, activity).await?;
                }
                other => {
                    other?;
                }
            }
        }
    }
    Ok(())
}

/// A post that is not a reply and mentions one of our groups (as Mastodon users write
/// `@design@agency.example …`) starts a thread there, by the rule a Mastodon app's post
/// follows here ([`text::thread_from_post`]).
pub(super) async fn thread_from_mention(
    data: &Data<AppState>,
    author: Person,
    note: NoteJson,
    activity: Value,
    relayed_by: Option<&Group>,
) -> Result<()> {
    let mentioned = note
        .tag
        .iter()
        .filter(|t| t.kind == "Mention")
        .filter_map(|t| t.href.clone())
        .chain(note.to.iter().cloned())
        .chain(note.cc.iter().cloned());
    let mut target = None;
    for candidate in mentioned {
        if let Some(objects::LocalActor::Group(g)) =
            objects::local_actor(data, candidate.as_str()).await?
        {
            target = Some(g);
            break;
        }
    }
    let group = target.ok_or_else(|| {
        Error::Refused("a post that is neither a reply nor addressed to one of our groups".into())
    })?;
    arrival(relayed_by).check(&group)?;
    let limits = &data.config.limits;
    let (title, body_source, body_html) = thread_of_note(&note, limits)?;
    threads::store_remote(
        data,
        author,
        group,
        threads::RemoteThread {
            ap_id: note.id.to_string(),
            title,
            body_source,
            body_html,
            url: None,
            published: note.published.naive_utc(),
            updated: note.updated.map(|u| u.naive_utc()),
            language: note.language.tag(),
        },
        activity,
    )
    .await?;
    Ok(())
}

/// A remote `Page` as a thread: title bounded to one line, body sanitized, link from attachments.
pub(super) fn remote_thread(
    page: &PageJson,
    limits: &crate::config::Limits,
) -> Result<threads::RemoteThread> {
    let name: String = page.name.chars().take(limits.title_chars).collect();
    let title = text::parse_line("name", &name, limits.title_chars)
        .map_err(|e| Error::Refused(format!("thread title: {e}")))?;
    let (body_source, body_html) = remote_body(
        page.source.as_ref(),
        page.content.as_deref(),
        limits.body_bytes,
    )?;
    Ok(threads::RemoteThread {
        ap_id: page.id.to_string(),
        title,
        body_source,
        body_html,
        url: crate::federation::wire::thread_link(&page.attachment).map(|u| u.to_string()),
        published: page.published.naive_utc(),
        updated: page.updated.map(|u| u.naive_utc()),
        language: page.language.tag(),
    })
}

/// Sanitized HTML and, when given as markdown, the source; bounded in size.
pub(super) fn remote_body(
    source: Option<&crate::federation::wire::Source>,
    html: Option<&str>,
    limit: usize,
) -> Result<(String, String)> {
    let html = html.unwrap_or_default();
    if html.len() > limit * 4 {
        return Err(Error::Refused("the content is too large".into()));
    }
    let markdown = source
        .filter(|s| s.media_type == "text/markdown" && s.content.len() <= limit)
        .map(|s| s.content.clone())
        .unwrap_or_default();
    Ok((markdown, text::sanitize_html(html)))
}

/// Title, markdown and HTML of the thread a `Note` starts: its text (the markdown it was
/// written in, else its HTML as text) and content warning through [`text::thread_from_post`].
pub(super) fn thread_of_note(
    note: &NoteJson,
    limits: &crate::config::Limits,
) -> Result<(String, String, String)> {
    let (markdown, html) =
        remote_body(note.source.as_ref(), Some(&note.content), limits.body_bytes)?;
    let post = if markdown.is_empty() {
        text::html_to_text(&html)
    } else {
        markdown
    };
    let (title, body) = text::thread_from_post(&post, note.summary.as_deref(), limits.title_chars)
        .map_err(|e| Error::Refused(format!("the post cannot start a thread: {e}")))?;
    let html = text::render_markdown(&body);
    Ok((title, body, html))
}
