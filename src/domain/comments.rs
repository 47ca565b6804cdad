//! Comments: replies to a thread or to another comment, as a tree of any depth.

use diesel::prelude::*;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::db::{models::*, schema::*, AnyConnection};
use crate::domain::groups::require_steward;
use crate::domain::people::Viewer;
use crate::domain::text::{self, now};
use crate::domain::threads::{find_thread, require_can_post};
use crate::domain::views::{CommentView, PersonBrief};
use crate::error::{Error, Result};
use crate::federation::publish;
use crate::per_backend;

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewCommentInput {
    /// Markdown.
    pub body: String,
    /// The comment this replies to; absent for a reply to the thread itself.
    pub parent_id: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CommentEdit {
    /// Markdown.
    pub body: String,
}

pub(crate) fn find_comment(conn: &mut AnyConnection, id: i64) -> Result<Comment> {
    comments::table
        .find(id)
        .select(Comment::as_select())
        .first(conn)
        .optional()?
        .ok_or(Error::NotFound("comment"))
}

fn load_view(
    conn: &mut AnyConnection,
    id: i64,
    viewer_id: i64,
    show_removed: bool,
) -> Result<CommentView> {
    let (c, a, v) = comments::table
        .inner_join(persons::table)
        .left_join(
            comment_votes::table.on(comment_votes::comment_id
                .eq(comments::id)
                .and(comment_votes::person_id.eq(viewer_id))),
        )
        .filter(comments::id.eq(id))
        .select((
            Comment::as_select(),
            PersonBrief::as_select(),
            comment_votes::score.nullable(),
        ))
        .first::<(Comment, PersonBrief, Option<i32>)>(conn)?;
    Ok(CommentView::new(c, a, v, show_removed))
}

/// Replies to a thread or to one of its comments.
///
/// # Errors
/// 404 for an unknown thread or parent, 403 for a locked thread or a group that requires
/// membership, 422 for a reply to deleted content or a parent from another thread.
#[tracing::instrument(skip_all, fields(thread = thread_id, author = %viewer.person.username))]
pub async fn create(
    state: &AppState,
    viewer: &Viewer,
    thread_id: i64,
    input: NewCommentInput,
) -> Result<CommentView> {
    let (body_source, body_html) =
        text::parse_markdown("body", &input.body, state.config.limits.body_bytes)?;
    if body_source.trim().is_empty() {
        return Err(Error::invalid("body", "must not be empty"));
    }
    let (person, origin) = (viewer.person.clone(), state.origin());
    let view = state
        .db
        .write(move |conn| {
            let t = now();
            let placeholder = format!(
                "{}/c/pending-{}-{}",
                origin.base,
                person.id,
                t.and_utc().timestamp_micros()
            );
            let new = NewReply {
                thread_id,
                parent_id: input.parent_id,
                ap_id: placeholder,
                local: true,
                body_source,
                body_html,
                created_at: t,
            };
            let id = insert_comment(conn, &person, new)?;
            diesel::update(comments::table.find(id))
                .set(comments::ap_id.eq(format!("{}/c/{id}", origin.base)))
                .execute(conn)?;
            publish::comment_changed(conn, &origin, id, "Create", None)?;
            load_view(conn, id, person.id, false)
        })
        .await?;
    state.outbox_wake.notify_one();
    Ok(view)
}

/// A comment about to be stored, local or remote.
pub struct NewReply {
    pub thread_id: i64,
    pub parent_id: Option<i64>,
    pub ap_id: String,
    pub local: bool,
    pub body_source: String,
    pub body_html: String,
    pub created_at: chrono::NaiveDateTime,
}

/// The rules every new comment meets, wherever it comes from, and its insert.
fn insert_comment(conn: &mut AnyConnection, author: &Person, new: NewReply) -> Result<i64> {
    let thread = find_thread(conn, new.thread_id)?;
    if thread.deleted || thread.removed {
        return Err(Error::invalid(
            "thread",
            "this thread was deleted or removed",
        ));
    }
    if thread.locked {
        return Err(Error::forbidden("this thread is locked: no new comments"));
    }
    let group = groups::table
        .find(thread.group_id)
        .select(Group::as_select())
        .first(conn)?;
    require_can_post(conn, &group, author)?;
    let depth = match new.parent_id {
        None => 0,
        Some(pid) => {
            let parent = find_comment(conn, pid)
                .map_err(|_| Error::invalid("parent_id", "no such comment"))?;
            if parent.thread_id != new.thread_id {
                return Err(Error::invalid(
                    "parent_id",
                    "that comment belongs to another thread",
                ));
            }
            if parent.deleted || parent.removed {
                return Err(Error::invalid(
                    "parent_id",
                    "that comment was deleted or removed",
                ));
            }
            parent.depth + 1
        }
    };
    let row = NewComment {
        ap_id: new.ap_id,
        local: new.local,
        thread_id: new.thread_id,
        parent_id: new.parent_id,
        author_id: author.id,
        body_source: new.body_source,
        body_html: new.body_html,
        depth,
        created_at: new.created_at,
    };
    let id: i64 = per_backend!(conn, |c| diesel::insert_into(comments::table)
        .values(&row)
        .returning(comments::id)
        .get_result(c))?;
    diesel::update(threads::table.find(new.thread_id))
        .set((
            threads::comment_count.eq(threads::comment_count + 1),
            threads::last_activity_at.eq(now().max(new.created_at)),
        ))
        .execute(conn)?;
    Ok(id)
}

/// Stores (or updates) a comment from another server, then relays `activity` if the group is
/// ours. Receiving it again changes nothing.
///
/// # Errors
/// As for local comments (locked thread, membership), or a refusal when someone else updates it.
pub async fn store_remote(
    state: &AppState,
    author: Person,
    new: NewReply,
    activity: serde_json::Value,
) -> Result<i64> {
    let origin = state.origin();
    let id = state
        .db
        .write(move |conn| {
            let kind = activity["type"].as_str().unwrap_or("Create").to_string();
            let existing: Option<Comment> = comments::table
                .filter(comments::ap_id.eq(&new.ap_id))
                .select(Comment::as_select())
                .first(conn)
                .optional()?;
            let id = match existing {
                Some(c) => {
                    if c.author_id != author.id {
                        return Err(Error::Refused(
                            "only the author may update a comment".into(),
                        ));
                    }
                    if !c.deleted && !c.removed {
                        diesel::update(comments::table.find(c.id))
                            .set((
                                comments::body_source.eq(&new.body_source),
                                comments::body_html.eq(&new.body_html),
                                comments::updated_at.eq(Some(now())),
                            ))
                            .execute(conn)?;
                    }
                    c.id
                }
                None => insert_comment(conn, &author, new)?,
            };
            publish::comment_changed(conn, &origin, id, &kind, Some(activity))?;
            Ok(id)
        })
        .await?;
    state.outbox_wake.notify_one();
    Ok(id)
}

/// # Errors
/// 403 for anyone but the author, 404 for an unknown comment, 409 once deleted or removed.
#[tracing::instrument(skip_all, fields(comment = id))]
pub async fn edit(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    input: CommentEdit,
) -> Result<CommentView> {
    let (source, html) = text::parse_markdown("body", &input.body, state.config.limits.body_bytes)?;
    if source.trim().is_empty() {
        return Err(Error::invalid("body", "must not be empty"));
    }
    let (person_id, origin) = (viewer.id(), state.origin());
    let view = state
        .db
        .write(move |conn| {
            let comment = find_comment(conn, id)?;
            if comment.author_id != person_id {
                return Err(Error::forbidden("only the author can edit a comment"));
            }
            if comment.deleted || comment.removed {
                return Err(Error::Conflict {
                    field: None,
                    message: "this comment was deleted or removed".into(),
                });
            }
            diesel::update(comments::table.find(id))
                .set((
                    comments::body_source.eq(source),
                    comments::body_html.eq(html),
                    comments::updated_at.eq(Some(now())),
                ))
                .execute(conn)?;
            publish::comment_changed(conn, &origin, id, "Update", None)?;
            load_view(conn, id, person_id, false)
        })
        .await?;
    state.outbox_wake.notify_one();
    Ok(view)
}

fn adjust_count(conn: &mut AnyConnection, thread_id: i64, delta: i64) -> Result<()> {
    diesel::update(threads::table.find(thread_id))
        .set(threads::comment_count.eq(threads::comment_count + delta))
        .execute(conn)?;
    Ok(())
}

/// Deletes a comment; it stays in the tree as a tombstone so replies keep their place.
///
/// # Errors
/// 403 for anyone but the author, 404 for an unknown comment.
#[tracing::instrument(skip_all, fields(comment = id))]
pub async fn delete(state: &AppState, viewer: &Viewer, id: i64) -> Result<()> {
    delete_as(state, viewer.person.clone(), id, None).await
}

/// Deletes a comment on behalf of its author, local or remote (`received`: the `Delete` that
/// asked for it, relayed if the group is ours).
///
/// # Errors
/// 403 for anyone but the author, 404 for an unknown comment.
pub async fn delete_as(
    state: &AppState,
    author: Person,
    id: i64,
    received: Option<serde_json::Value>,
) -> Result<()> {
    let origin = state.origin();
    state
        .db
        .write(move |conn| {
            let comment = find_comment(conn, id)?;
            if comment.author_id != author.id {
                return Err(Error::forbidden("only the author can delete a comment"));
            }
            if comment.deleted {
                return Ok(());
            }
            diesel::update(comments::table.find(id))
                .set((
                    comments::deleted.eq(true),
                    comments::updated_at.eq(Some(now())),
                ))
                .execute(conn)?;
            if !comment.removed {
                adjust_count(conn, comment.thread_id, -1)?;
            }
            let group = groups::table
                .inner_join(threads::table)
                .filter(threads::id.eq(comment.thread_id))
                .select(Group::as_select())
                .first(conn)?;
            publish::deleted(conn, &origin, &author, &group, &comment.ap_id, received)
        })
        .await?;
    state.outbox_wake.notify_one();
    Ok(())
}

/// Removes a comment as a steward (or restores it).
///
/// # Errors
/// 403 for non-stewards, 404 for an unknown comment.
#[tracing::instrument(skip_all, fields(comment = id, value))]
pub async fn remove(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    value: bool,
) -> Result<CommentView> {
    remove_as(state, viewer.person.clone(), id, value, None).await
}

/// Removes or restores a comment as a steward, local or vouched for by its remote group
/// (`relayed`, as for threads).
///
/// # Errors
/// 403 for non-stewards, 404 for an unknown comment.
pub async fn remove_as(
    state: &AppState,
    person: Person,
    id: i64,
    value: bool,
    relayed: Option<serde_json::Value>,
) -> Result<CommentView> {
    let origin = state.origin();
    let view = state
        .db
        .write(move |conn| {
            let comment = find_comment(conn, id)?;
            let thread = find_thread(conn, comment.thread_id)?;
            if relayed.is_none() {
                require_steward(conn, thread.group_id, &person)?;
            }
            if comment.removed != value && !comment.deleted {
                adjust_count(conn, comment.thread_id, if value { -1 } else { 1 })?;
            }
            diesel::update(comments::table.find(id))
                .set(comments::removed.eq(value))
                .execute(conn)?;
            let group = groups::table
                .find(thread.group_id)
                .select(Group::as_select())
                .first(conn)?;
            publish::moderation(
                conn,
                &origin,
                &person,
                &group,
                publish::ModAction::Remove,
                &comment.ap_id,
                value,
                relayed,
            )?;
            load_view(conn, id, person.id, true)
        })
        .await?;
    state.outbox_wake.notify_one();
    Ok(view)
}
