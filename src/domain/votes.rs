//! Votes: one +1 or −1 per person and thread or comment, with counts kept in step.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::{
    models::{Group, Person, Thread},
    schema::*,
    AnyConnection,
};
use crate::domain::comments::find_comment;
use crate::domain::objects::ReplyTarget;
use crate::domain::people::Viewer;
use crate::domain::publish;
use crate::domain::text::now;
use crate::domain::threads::{find_thread, require_can_post};
use crate::domain::Context;
use crate::error::{Error, Result};

#[derive(Debug, Deserialize, ToSchema)]
pub struct VoteInput {
    /// 1 (up), -1 (down) or 0 (withdraw the vote).
    pub score: i32,
}

/// Counts after the vote.
#[derive(Debug, Serialize, ToSchema)]
pub struct VoteResult {
    pub score: i64,
    pub upvotes: i64,
    pub downvotes: i64,
    pub my_vote: Option<i32>,
}

/// What a vote on a thread or a comment targets.
#[derive(Debug, Clone, Copy)]
pub enum Target {
    Thread(i64),
    Comment(i64),
}

/// (score, up, down) contributions of one vote value.
fn parts(score: i32) -> (i64, i64, i64) {
    match score {
        1 => (1, 1, 0),
        -1 => (-1, 0, 1),
        _ => (0, 0, 0),
    }
}

/// Replaces `person`'s vote on one row of `$content` and moves its counters by the difference;
/// returns the new (score, upvotes, downvotes). Written once for threads and comments, whose
/// tables differ only in name.
macro_rules! apply_vote {
    ($conn:expr, $content:ident, $votes:ident, $target:ident, $row:expr, $person:expr, $score:expr) => {{
        let (conn, id, person, score) = ($conn, $row.id, $person, $score);
        if $row.deleted || $row.removed {
            return Err(Error::invalid(
                "score",
                "cannot vote on deleted or removed content",
            ));
        }
        let key = $votes::table.find((person, id));
        let old: i32 = key
            .select($votes::score)
            .first(conn)
            .optional()?
            .unwrap_or(0);
        if old != score {
            diesel::delete(key).execute(conn)?;
            if score != 0 {
                diesel::insert_into($votes::table)
                    .values((
                        $votes::person_id.eq(person),
                        $votes::$target.eq(id),
                        $votes::score.eq(score),
                        $votes::created_at.eq(now()),
                    ))
                    .execute(conn)?;
            }
        }
        let ((new_s, new_u, new_d), (old_s, old_u, old_d)) = (parts(score), parts(old));
        diesel::update($content::table.find(id))
            .set((
                $content::score.eq($content::score + (new_s - old_s)),
                $content::upvotes.eq($content::upvotes + (new_u - old_u)),
                $content::downvotes.eq($content::downvotes + (new_d - old_d)),
            ))
            .execute(conn)?;
        let counts = $content::table
            .find(id)
            .select(($content::score, $content::upvotes, $content::downvotes))
            .first::<(i64, i64, i64)>(conn)?;
        (old, counts)
    }};
}

/// Sets, changes or withdraws the viewer's vote.
///
/// # Errors
/// 422 for a score other than -1, 0, 1 or for deleted or removed content; 404 for unknown content.
#[tracing::instrument(skip_all, fields(?target, person = %viewer.person.username))]
pub async fn vote(
    state: &Context,
    viewer: &Viewer,
    target: Target,
    score: i32,
) -> Result<VoteResult> {
    cast(state, viewer.person.clone(), target, score, None).await
}

/// A vote by a local member (`received` is None) or carried by a remote activity of a thread or
/// comment we already resolved. Local votes are sent as `Like`/`Dislike`/`Undo`.
///
/// # Errors
/// As [`vote`].
pub async fn cast(
    state: &Context,
    voter: Person,
    target: Target,
    score: i32,
    received: Option<serde_json::Value>,
) -> Result<VoteResult> {
    if !(-1..=1).contains(&score) {
        return Err(Error::invalid("score", "must be 1, 0 or -1"));
    }
    let origin = state.origin();
    let result = state
        .db
        .write(move |conn| cast_in(conn, &origin, &voter, target, score, received))
        .await?;
    state.wake_outbox();
    Ok(result)
}

/// A vote carried by a remote activity on the thread or comment with id `object`; the group
/// relays `received` if it is ours. Receipt, lookup, checks and the vote are one transaction.
///
/// # Errors
/// As [`vote`], or a refusal for content we do not know or that came the wrong way.
pub async fn cast_remote(
    state: &Context,
    voter: Person,
    object: String,
    score: i32,
    arrival: crate::domain::remote::Arrival,
    received: serde_json::Value,
) -> Result<VoteResult> {
    let origin = state.origin();
    let result = state
        .db
        .write(move |conn| {
            // First, so that a copy arriving at the same moment waits here and stops.
            crate::domain::receipts::record(conn, &received)?;
            let target = match crate::domain::objects::remote_target(conn, &object, arrival)?.0 {
                ReplyTarget::Thread(t) => Target::Thread(t.id),
                ReplyTarget::Comment(c) => Target::Comment(c.id),
            };
            cast_in(conn, &origin, &voter, target, score, Some(received))
        })
        .await?;
    state.wake_outbox();
    Ok(result)
}

/// Whoever may post in a thread's group may vote there, and nobody else: the banned, those
/// waiting for approval and non-members of groups that approve their members may not.
/// Returns the group, which the vote is then published to.
fn may_vote(conn: &mut AnyConnection, voter: &Person, thread: &Thread) -> Result<Group> {
    let group = groups::table
        .find(thread.group_id)
        .select(Group::as_select())
        .first(conn)?;
    require_can_post(conn, &group, voter)?;
    Ok(group)
}

fn cast_in(
    conn: &mut AnyConnection,
    origin: &publish::Origin,
    voter: &Person,
    target: Target,
    score: i32,
    received: Option<serde_json::Value>,
) -> Result<VoteResult> {
    let person_id = voter.id;
    let (old, (score_now, upvotes, downvotes), ap_id, group, author, status) = match target {
        Target::Thread(id) => {
            let thread = find_thread(conn, id)?;
            let group = may_vote(conn, voter, &thread)?;
            let (ap_id, author) = (thread.ap_id.clone(), thread.author_id);
            let (old, counts) = apply_vote!(
                &mut *conn,
                threads,
                thread_votes,
                thread_id,
                thread,
                person_id,
                score
            );
            let status = crate::domain::statuses::of_thread(conn, id).ok();
            (old, counts, ap_id, group, author, status)
        }
        Target::Comment(id) => {
            let comment = find_comment(conn, id)?;
            let thread = find_thread(conn, comment.thread_id)?;
            let group = may_vote(conn, voter, &thread)?;
            if !crate::domain::visibility::comment_shown(&comment, &thread) {
                return Err(Error::invalid(
                    "score",
                    "cannot vote on deleted or removed content",
                ));
            }
            let (ap_id, author) = (comment.ap_id.clone(), comment.author_id);
            let (old, counts) = apply_vote!(
                &mut *conn,
                comments,
                comment_votes,
                comment_id,
                comment,
                person_id,
                score
            );
            let status = crate::domain::statuses::of_comment(conn, id).ok();
            (old, counts, ap_id, group, author, status)
        }
    };
    if score == 1 && old != 1 {
        crate::domain::notifications::notify(
            conn,
            author,
            crate::domain::notifications::Kind::Favourite,
            person_id,
            status,
            None,
        )?;
    }
    publish::vote(conn, origin, voter, &group, &ap_id, old, score, received)?;
    Ok(VoteResult {
        score: score_now,
        upvotes,
        downvotes,
        my_vote: (score != 0).then_some(score),
    })
}
