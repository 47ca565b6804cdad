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
    let (person, base) = (viewer.person.clone(), state.config.base_url());
    state
        .db
        .write(move |conn| {
            let thread = find_thread(conn, thread_id)?;
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
            require_can_post(conn, &group, &person)?;
            let depth = match input.parent_id {
                None => 0,
                Some(pid) => {
                    let parent = find_comment(conn, pid)
                        .map_err(|_| Error::invalid("parent_id", "no such comment"))?;
                    if parent.thread_id != thread_id {
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
            let t = now();
            let new = NewComment {
                ap_id: format!(
                    "{base}/c/pending-{}-{}",
                    person.id,
                    t.and_utc().timestamp_micros()
                ),
                local: true,
                thread_id,
                parent_id: input.parent_id,
                author_id: person.id,
                body_source,
                body_html,
                depth,
                created_at: t,
            };
            let id: i64 = per_backend!(conn, |c| diesel::insert_into(comments::table)
                .values(&new)
                .returning(comments::id)
                .get_result(c))?;
            diesel::update(comments::table.find(id))
                .set(comments::ap_id.eq(format!("{base}/c/{id}")))
                .execute(conn)?;
            diesel::update(threads::table.find(thread_id))
                .set((
                    threads::comment_count.eq(threads::comment_count + 1),
                    threads::last_activity_at.eq(t),
                ))
                .execute(conn)?;
            load_view(conn, id, person.id, false)
        })
        .await
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
    let person_id = viewer.id();
    state
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
            load_view(conn, id, person_id, false)
        })
        .await
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
    let person_id = viewer.id();
    state
        .db
        .write(move |conn| {
            let comment = find_comment(conn, id)?;
            if comment.author_id != person_id {
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
            Ok(())
        })
        .await
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
    let person = viewer.person.clone();
    state
        .db
        .write(move |conn| {
            let comment = find_comment(conn, id)?;
            let thread = find_thread(conn, comment.thread_id)?;
            require_steward(conn, thread.group_id, &person)?;
            if comment.removed != value && !comment.deleted {
                adjust_count(conn, comment.thread_id, if value { -1 } else { 1 })?;
            }
            diesel::update(comments::table.find(id))
                .set(comments::removed.eq(value))
                .execute(conn)?;
            load_view(conn, id, person.id, true)
        })
        .await
}
