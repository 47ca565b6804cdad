//! Members following people, here or on other servers, and people elsewhere following our
//! members. Following someone brings the threads they start, in groups this instance receives,
//! into the member's feed.

use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::{models::Person, schema::*, AnyConnection};
use crate::domain::groups::MembershipState;
use crate::domain::paging::{Cursor, Page, PageRequest};
use crate::domain::people::{find_person_by_handle, Viewer};
use crate::domain::publish;
use crate::domain::text::now;
use crate::domain::views::{PersonBrief, PersonRef};
use crate::domain::Context;
use crate::error::{Error, Result};

/// Where the viewer's follow of someone stands.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FollowState {
    /// `accepted`, `pending` (waiting for the other server's answer) or `none`.
    pub state: String,
}

/// A person in a list of followers or followed, with when the follow began.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FollowView {
    pub person: PersonRef,
    pub state: String,
    pub since: chrono::DateTime<chrono::Utc>,
}

/// The state of `follower`'s follow of `followed`, if there is one.
pub(crate) fn current(
    conn: &mut AnyConnection,
    follower: i64,
    followed: i64,
) -> Result<Option<MembershipState>> {
    person_follows::table
        .filter(person_follows::follower_id.eq(follower))
        .filter(person_follows::followed_id.eq(followed))
        .select(person_follows::state)
        .first::<String>(conn)
        .optional()?
        .map(|s| MembershipState::from_db(&s))
        .transpose()
}

/// The viewer's follow of `target`, if any.
///
/// # Errors
/// Database failures only.
pub fn state_of(conn: &mut AnyConnection, follower: i64, followed: i64) -> Result<String> {
    Ok(current(conn, follower, followed)?.map_or_else(|| "none".into(), String::from))
}

/// Follows someone by handle (`name` here, `name@domain` elsewhere; someone elsewhere must have
/// been looked up first with `GET /api/v1/resolve`). Following here is immediate; elsewhere it
/// waits for that server's `Accept`. Following again changes nothing.
///
/// # Errors
/// 404 for an unknown person, 422 for oneself.
#[tracing::instrument(skip_all, fields(person = %viewer.person.username, target = handle))]
pub async fn follow(state: &Context, viewer: &Viewer, handle: &str) -> Result<FollowState> {
    let (me, instance, handle, origin) = (
        viewer.person.clone(),
        state.instance_id,
        handle.to_string(),
        state.origin(),
    );
    let result = state
        .db
        .write(move |conn| {
            let target = find_person_by_handle(conn, instance, &handle)?;
            if target.id == me.id {
                return Err(Error::invalid("person", "you cannot follow yourself"));
            }
            if let Some(s) = current(conn, me.id, target.id)? {
                return Ok(FollowState { state: s.into() });
            }
            let (new_state, ap_id) = if target.local {
                (MembershipState::Accepted, None)
            } else {
                (
                    MembershipState::Pending,
                    Some(publish::follow(
                        conn,
                        &origin,
                        &me,
                        publish::Target::Person(&target),
                    )?),
                )
            };
            diesel::insert_into(person_follows::table)
                .values((
                    person_follows::follower_id.eq(me.id),
                    person_follows::followed_id.eq(target.id),
                    person_follows::ap_id.eq(ap_id),
                    person_follows::state.eq(new_state),
                    person_follows::created_at.eq(now()),
                ))
                .execute(conn)?;
            if new_state == MembershipState::Accepted {
                crate::domain::notifications::notify(
                    conn,
                    target.id,
                    crate::domain::notifications::Kind::Follow,
                    me.id,
                    None,
                    None,
                )?;
            }
            Ok(FollowState {
                state: new_state.into(),
            })
        })
        .await?;
    state.wake_outbox();
    Ok(result)
}

/// Stops following someone; someone elsewhere is told with `Undo(Follow)`.
///
/// # Errors
/// 404 for an unknown person.
#[tracing::instrument(skip_all, fields(person = %viewer.person.username, target = handle))]
pub async fn unfollow(state: &Context, viewer: &Viewer, handle: &str) -> Result<FollowState> {
    let (me, instance, handle, origin) = (
        viewer.person.clone(),
        state.instance_id,
        handle.to_string(),
        state.origin(),
    );
    state
        .db
        .write(move |conn| {
            let target = find_person_by_handle(conn, instance, &handle)?;
            let key = person_follows::table
                .filter(person_follows::follower_id.eq(me.id))
                .filter(person_follows::followed_id.eq(target.id));
            let follow_id: Option<Option<String>> =
                key.select(person_follows::ap_id).first(conn).optional()?;
            let Some(follow_id) = follow_id else {
                return Ok(());
            };
            diesel::delete(key).execute(conn)?;
            if !target.local {
                publish::unfollow(
                    conn,
                    &origin,
                    &me,
                    publish::Target::Person(&target),
                    follow_id.as_deref(),
                )?;
            }
            Ok(())
        })
        .await?;
    state.wake_outbox();
    Ok(FollowState {
        state: "none".into(),
    })
}

/// A remote person answered a local member's `Follow`: accepted, or refused (the follow ends).
///
/// # Errors
/// 404 when that member follows nobody of that name.
pub async fn answered(
    state: &Context,
    followed: Person,
    follower: Person,
    accepted: bool,
) -> Result<()> {
    state
        .db
        .write(move |conn| {
            let key = person_follows::table
                .filter(person_follows::follower_id.eq(follower.id))
                .filter(person_follows::followed_id.eq(followed.id));
            let changed = if accepted {
                diesel::update(key)
                    .set(person_follows::state.eq(MembershipState::Accepted))
                    .execute(conn)?
            } else {
                diesel::delete(key).execute(conn)?
            };
            if changed == 0 {
                return Err(Error::NotFound("follow"));
            }
            Ok(())
        })
        .await
}

/// Which side of the follows to list.
#[derive(Debug, Clone, Copy)]
pub enum Direction {
    /// People who follow the person.
    Followers,
    /// People the person follows.
    Following,
}

/// Accepted follows of or by someone, oldest first.
///
/// # Errors
/// 404 for an unknown person; 422 for a bad cursor.
pub async fn list(
    state: &Context,
    handle: &str,
    direction: Direction,
    page: PageRequest,
) -> Result<Page<FollowView>> {
    let (instance, handle) = (state.instance_id, handle.to_string());
    let rows = state
        .db
        .read(move |conn| {
            let person = find_person_by_handle(conn, instance, &handle)?;
            // The two directions differ only in which column is whose.
            macro_rules! rows {
                ($this_side:ident, $other_side:ident) => {{
                    let mut q = person_follows::table
                        .inner_join(persons::table.on(persons::id.eq(person_follows::$other_side)))
                        .filter(person_follows::$this_side.eq(person.id))
                        .filter(person_follows::state.eq(MembershipState::Accepted))
                        .select((
                            PersonBrief::as_select(),
                            person_follows::state,
                            person_follows::created_at,
                        ))
                        .into_boxed();
                    if let Some(c) = page.after {
                        let t = c.key_as_time()?;
                        q = q.filter(
                            person_follows::created_at
                                .gt(t)
                                .or(person_follows::created_at.eq(t).and(persons::id.gt(c.id))),
                        );
                    }
                    q.order((person_follows::created_at.asc(), persons::id.asc()))
                        .limit(page.limit + 1)
                        .load::<(PersonBrief, String, chrono::NaiveDateTime)>(conn)?
                }};
            }
            Ok(match direction {
                Direction::Followers => rows!(followed_id, follower_id),
                Direction::Following => rows!(follower_id, followed_id),
            })
        })
        .await?;
    let views = rows
        .into_iter()
        .map(|(p, state, since)| FollowView {
            person: p.into(),
            state,
            since: since.and_utc(),
        })
        .collect();
    Ok(Page::from_rows(views, page.limit, |f: &FollowView| {
        Cursor {
            key: Cursor::time_key(f.since),
            id: f.person.id,
        }
    }))
}

/// How many accepted followers and followed a person has.
///
/// # Errors
/// Database failures only.
pub fn counts(conn: &mut AnyConnection, person_id: i64) -> Result<(i64, i64)> {
    let followers = person_follows::table
        .filter(person_follows::followed_id.eq(person_id))
        .filter(person_follows::state.eq(MembershipState::Accepted))
        .count()
        .get_result(conn)?;
    let following = person_follows::table
        .filter(person_follows::follower_id.eq(person_id))
        .filter(person_follows::state.eq(MembershipState::Accepted))
        .count()
        .get_result(conn)?;
    Ok((followers, following))
}

/// As [`counts`], on its own.
///
/// # Errors
/// Database failures only.
pub async fn counts_of(state: &Context, person_id: i64) -> Result<(i64, i64)> {
    state.db.read(move |c| counts(c, person_id)).await
}

/// Ends someone's follow of the viewer; someone elsewhere is told with `Reject` of their
/// `Follow`, as Mastodon does.
///
/// # Errors
/// 404 for an unknown person.
pub async fn remove_follower(state: &Context, viewer: &Viewer, follower_id: i64) -> Result<()> {
    let (me, origin) = (viewer.person.clone(), state.origin());
    state
        .db
        .write(move |conn| {
            let follower = persons::table
                .find(follower_id)
                .select(Person::as_select())
                .first(conn)
                .optional()?
                .ok_or(Error::NotFound("person"))?;
            let key = person_follows::table
                .filter(person_follows::follower_id.eq(follower.id))
                .filter(person_follows::followed_id.eq(me.id));
            let follow_id: Option<Option<String>> =
                key.select(person_follows::ap_id).first(conn).optional()?;
            let Some(follow_id) = follow_id else {
                return Ok(());
            };
            diesel::delete(key).execute(conn)?;
            if !follower.local {
                publish::reject_follow(conn, &origin, &me.ap_id, &follower, follow_id.as_deref())?;
            }
            Ok(())
        })
        .await?;
    state.wake_outbox();
    Ok(())
}
