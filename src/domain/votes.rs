//! Votes: one +1 or −1 per person and thread or comment, with counts kept in step.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::AppState;
use crate::db::schema::*;
use crate::domain::comments::find_comment;
use crate::domain::people::Viewer;
use crate::domain::text::now;
use crate::domain::threads::find_thread;
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

/// Sets, changes or withdraws the viewer's vote.
///
/// # Errors
/// 422 for a score other than -1, 0, 1 or for deleted or removed content; 404 for unknown content.
#[tracing::instrument(skip_all, fields(?target, person = %viewer.person.username))]
pub async fn vote(
    state: &AppState,
    viewer: &Viewer,
    target: Target,
    score: i32,
) -> Result<VoteResult> {
    if !(-1..=1).contains(&score) {
        return Err(Error::invalid("score", "must be 1, 0 or -1"));
    }
    let person_id = viewer.id();
    state
        .db
        .write(move |conn| {
            let t = now();
            let old: i32 = match target {
                Target::Thread(id) => {
                    let thread = find_thread(conn, id)?;
                    if thread.deleted || thread.removed {
                        return Err(Error::invalid(
                            "score",
                            "cannot vote on deleted or removed content",
                        ));
                    }
                    let key = thread_votes::table.find((person_id, id));
                    let old = key
                        .select(thread_votes::score)
                        .first(conn)
                        .optional()?
                        .unwrap_or(0);
                    if old != score {
                        diesel::delete(key).execute(conn)?;
                        if score != 0 {
                            diesel::insert_into(thread_votes::table)
                                .values((
                                    thread_votes::person_id.eq(person_id),
                                    thread_votes::thread_id.eq(id),
                                    thread_votes::score.eq(score),
                                    thread_votes::created_at.eq(t),
                                ))
                                .execute(conn)?;
                        }
                    }
                    old
                }
                Target::Comment(id) => {
                    let comment = find_comment(conn, id)?;
                    if comment.deleted || comment.removed {
                        return Err(Error::invalid(
                            "score",
                            "cannot vote on deleted or removed content",
                        ));
                    }
                    let key = comment_votes::table.find((person_id, id));
                    let old = key
                        .select(comment_votes::score)
                        .first(conn)
                        .optional()?
                        .unwrap_or(0);
                    if old != score {
                        diesel::delete(key).execute(conn)?;
                        if score != 0 {
                            diesel::insert_into(comment_votes::table)
                                .values((
                                    comment_votes::person_id.eq(person_id),
                                    comment_votes::comment_id.eq(id),
                                    comment_votes::score.eq(score),
                                    comment_votes::created_at.eq(t),
                                ))
                                .execute(conn)?;
                        }
                    }
                    old
                }
            };
            let (new_s, new_u, new_d) = parts(score);
            let (old_s, old_u, old_d) = parts(old);
            let (ds, du, dd) = (new_s - old_s, new_u - old_u, new_d - old_d);
            let (score_now, up, down) = match target {
                Target::Thread(id) => {
                    diesel::update(threads::table.find(id))
                        .set((
                            threads::score.eq(threads::score + ds),
                            threads::upvotes.eq(threads::upvotes + du),
                            threads::downvotes.eq(threads::downvotes + dd),
                        ))
                        .execute(conn)?;
                    threads::table
                        .find(id)
                        .select((threads::score, threads::upvotes, threads::downvotes))
                        .first::<(i64, i64, i64)>(conn)?
                }
                Target::Comment(id) => {
                    diesel::update(comments::table.find(id))
                        .set((
                            comments::score.eq(comments::score + ds),
                            comments::upvotes.eq(comments::upvotes + du),
                            comments::downvotes.eq(comments::downvotes + dd),
                        ))
                        .execute(conn)?;
                    comments::table
                        .find(id)
                        .select((comments::score, comments::upvotes, comments::downvotes))
                        .first::<(i64, i64, i64)>(conn)?
                }
            };
            Ok(VoteResult {
                score: score_now,
                upvotes: up,
                downvotes: down,
                my_vote: (score != 0).then_some(score),
            })
        })
        .await
}
