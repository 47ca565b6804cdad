//! Statuses: every thread and comment under one id, in the order they were stored, as the
//! Mastodon client API shows them. Timelines, a conversation's context, bookmarks, favourites
//! and the profiles of the people behind them are read here.

mod conversations;
mod loading;
mod timelines;
pub use conversations::*;
pub use loading::*;
pub use timelines::*;

use std::collections::{HashMap, HashSet};

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{models::*, schema::*, AnyConnection};
use crate::domain::groups::MembershipState;
use crate::domain::people::Viewer;
use crate::domain::text::{self, now};
use crate::domain::views::{CommentView, GroupBrief, PersonBrief, PersonView, ThreadView};
use crate::domain::visibility::removed_threads;
use crate::domain::Context;
use crate::error::{Error, Result};
use crate::per_backend;

/// Gives a new thread its status id, and returns it.
pub(crate) fn record_thread(
    conn: &mut AnyConnection,
    thread_id: i64,
    group_id: i64,
    author_id: i64,
    created_at: NaiveDateTime,
) -> Result<i64> {
    Ok(per_backend!(conn, |c| diesel::insert_into(
        statuses::table
    )
    .values((
        statuses::thread_id.eq(Some(thread_id)),
        statuses::group_id.eq(group_id),
        statuses::author_id.eq(author_id),
        statuses::created_at.eq(created_at),
    ))
    .returning(statuses::id)
    .get_result(c))?)
}

/// Gives a new comment its status id, and returns it.
pub(crate) fn record_comment(
    conn: &mut AnyConnection,
    comment_id: i64,
    group_id: i64,
    author_id: i64,
    created_at: NaiveDateTime,
) -> Result<i64> {
    Ok(per_backend!(conn, |c| diesel::insert_into(
        statuses::table
    )
    .values((
        statuses::comment_id.eq(Some(comment_id)),
        statuses::group_id.eq(group_id),
        statuses::author_id.eq(author_id),
        statuses::created_at.eq(created_at),
    ))
    .returning(statuses::id)
    .get_result(c))?)
}

/// Replaces a thread's hashtags with those in its title and body.
pub(crate) fn set_thread_tags(
    conn: &mut AnyConnection,
    thread_id: i64,
    title: &str,
    body_html: &str,
) -> Result<()> {
    diesel::delete(thread_tags::table.filter(thread_tags::thread_id.eq(thread_id)))
        .execute(conn)?;
    let text = format!("{title}\n{}", text::html_to_text(body_html));
    for tag in text::hashtags(&text) {
        diesel::insert_into(thread_tags::table)
            .values((
                thread_tags::thread_id.eq(thread_id),
                thread_tags::tag.eq(tag),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// What a status id stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusOf {
    Thread(i64),
    Comment(i64),
}

/// The thread or comment behind a status id.
///
/// # Errors
/// 404 for an unknown id.
pub fn resolve(conn: &mut AnyConnection, status_id: i64) -> Result<StatusOf> {
    let (thread, comment): (Option<i64>, Option<i64>) = statuses::table
        .find(status_id)
        .select((statuses::thread_id, statuses::comment_id))
        .first(conn)
        .optional()?
        .ok_or(Error::NotFound("status"))?;
    match (thread, comment) {
        (Some(t), _) => Ok(StatusOf::Thread(t)),
        (None, Some(c)) => Ok(StatusOf::Comment(c)),
        (None, None) => Err(Error::NotFound("status")),
    }
}

/// # Errors
/// 404 for an unknown id.
pub async fn status_of(state: &Context, status_id: i64) -> Result<StatusOf> {
    state.db.read(move |c| resolve(c, status_id)).await
}

/// The status id of a thread.
///
/// # Errors
/// 404 when the thread has none.
pub fn of_thread(conn: &mut AnyConnection, thread_id: i64) -> Result<i64> {
    statuses::table
        .filter(statuses::thread_id.eq(thread_id))
        .select(statuses::id)
        .first(conn)
        .optional()?
        .ok_or(Error::NotFound("status"))
}

/// The status id of a comment.
///
/// # Errors
/// 404 when the comment has none.
pub fn of_comment(conn: &mut AnyConnection, comment_id: i64) -> Result<i64> {
    statuses::table
        .filter(statuses::comment_id.eq(comment_id))
        .select(statuses::id)
        .first(conn)
        .optional()?
        .ok_or(Error::NotFound("status"))
}

/// # Errors
/// 404 when the thread has no status.
pub async fn thread_status(state: &Context, thread_id: i64) -> Result<i64> {
    state.db.read(move |c| of_thread(c, thread_id)).await
}

/// # Errors
/// 404 when the comment has no status.
pub async fn comment_status(state: &Context, comment_id: i64) -> Result<i64> {
    state.db.read(move |c| of_comment(c, comment_id)).await
}

/// The thread a comment belongs to.
///
/// # Errors
/// 404 for an unknown comment.
pub async fn thread_of_comment(state: &Context, comment_id: i64) -> Result<i64> {
    state
        .db
        .read(move |c| Ok(crate::domain::comments::find_comment(c, comment_id)?.thread_id))
        .await
}

impl Window {
    /// The window over a list already in memory, keyed (for paging) and in any order: newest
    /// (highest key) first, as the database queries give them.
    pub fn apply<T>(self, mut keyed: Vec<(i64, T)>) -> Vec<(i64, T)> {
        keyed.retain(|(k, _)| self.max_id.is_none_or(|m| *k < m));
        keyed.retain(|(k, _)| self.since_id.is_none_or(|m| *k > m));
        let limit = usize::try_from(self.limit).unwrap_or(20);
        if let Some(min) = self.min_id {
            // The oldest `limit` just above `min_id`, shown newest first.
            keyed.retain(|(k, _)| *k > min);
            keyed.sort_unstable_by_key(|(k, _)| *k);
            keyed.truncate(limit);
            keyed.reverse();
        } else {
            keyed.sort_unstable_by_key(|k| std::cmp::Reverse(k.0));
            keyed.truncate(limit);
        }
        keyed
    }
}

impl StatusData {
    pub fn author_id(&self) -> i64 {
        match &self.content {
            StatusContent::Thread(t) => t.author.id,
            StatusContent::Comment { comment, .. } => comment.author.id,
        }
    }

    pub fn group_id(&self) -> i64 {
        match &self.content {
            StatusContent::Thread(t) => t.group.id,
            StatusContent::Comment { thread, .. } => thread.group.id,
        }
    }
}

impl Bundle {
    /// The statuses' ids in order, for pagination.
    pub fn ids(&self) -> Vec<i64> {
        self.statuses.iter().map(|s| s.id).collect()
    }
}

/// Neither deleted nor removed, for a thread's or a comment's columns.
type Shown<Deleted, Removed> = diesel::dsl::And<
    diesel::dsl::Eq<diesel::dsl::Nullable<Deleted>, Option<bool>>,
    diesel::dsl::Eq<diesel::dsl::Nullable<Removed>, Option<bool>>,
>;
