//! Reads for the federation side: the rows behind actor, object and collection documents,
//! with the ids of the actors they point to.

use diesel::prelude::*;

use crate::db::{models::*, schema::*, AnyConnection};
use crate::domain::comments::find_comment;
use crate::domain::groups::{find_group, MembershipState};
use crate::domain::people::find_local_person;
use crate::domain::threads::find_thread;
use crate::domain::Context;
use crate::error::{Error, Result};

/// A local group with what its documents show.
pub struct GroupObject {
    pub group: Group,
    pub steward_ids: Vec<String>,
    pub follower_count: i64,
    pub featured: Vec<ThreadObject>,
    pub recent: Vec<ThreadObject>,
}

/// A thread with the ids of its author and group.
#[derive(Debug)]
pub struct ThreadObject {
    pub thread: Thread,
    pub author_ap_id: String,
    pub group_ap_id: String,
}

/// A comment with the ids it points to.
#[derive(Debug)]
pub struct CommentObject {
    pub comment: Comment,
    /// Whether it is shown at all (see [`crate::domain::visibility`]); a Tombstone otherwise.
    pub shown: bool,
    pub author_ap_id: String,
    pub group_ap_id: String,
    pub thread_ap_id: String,
    pub parent_ap_id: Option<String>,
}

/// Instance usage for NodeInfo.
pub struct Usage {
    pub users: i64,
    pub active_month: i64,
    pub active_halfyear: i64,
    pub local_posts: i64,
    pub local_comments: i64,
    pub open_registrations: bool,
    pub name: String,
}

/// # Errors
/// 404 for an unknown name.
pub async fn local_person(state: &Context, name: &str) -> Result<Person> {
    let (id, name) = (state.instance_id, name.to_string());
    state
        .db
        .read(move |c| find_local_person(c, id, &name))
        .await
}

pub(crate) fn thread_objects(
    conn: &mut crate::db::AnyConnection,
    rows: Vec<Thread>,
) -> Result<Vec<ThreadObject>> {
    rows.into_iter()
        .map(|thread| {
            let author_ap_id = persons::table
                .find(thread.author_id)
                .select(persons::ap_id)
                .first(conn)?;
            let group_ap_id = groups::table
                .find(thread.group_id)
                .select(groups::ap_id)
                .first(conn)?;
            Ok(ThreadObject {
                thread,
                author_ap_id,
                group_ap_id,
            })
        })
        .collect()
}

/// A local group with its stewards, follower count, pinned and most recent threads.
///
/// # Errors
/// 404 for an unknown name.
pub async fn local_group(state: &Context, name: &str, recent: i64) -> Result<GroupObject> {
    let (id, name) = (state.instance_id, name.to_string());
    state
        .db
        .read(move |conn| {
            let group = find_group(conn, id, &name)?;
            if !group.local {
                return Err(Error::NotFound("group"));
            }
            let steward_ids = stewards::table
                .inner_join(persons::table)
                .filter(stewards::group_id.eq(group.id))
                .order(stewards::created_at.asc())
                .select(persons::ap_id)
                .load(conn)?;
            let follower_count = memberships::table
                .filter(memberships::group_id.eq(group.id))
                .filter(memberships::state.eq(MembershipState::Accepted))
                .count()
                .get_result(conn)?;
            let visible = threads::group_id
                .eq(group.id)
                .and(threads::deleted.eq(false))
                .and(threads::removed.eq(false));
            let featured = threads::table
                .filter(visible.and(threads::pinned.eq(true)))
                .order(threads::created_at.desc())
                .limit(50)
                .select(Thread::as_select())
                .load(conn)?;
            let latest = threads::table
                .filter(visible)
                .order((threads::created_at.desc(), threads::id.desc()))
                .limit(recent)
                .select(Thread::as_select())
                .load(conn)?;
            Ok(GroupObject {
                featured: thread_objects(conn, featured)?,
                recent: thread_objects(conn, latest)?,
                group,
                steward_ids,
                follower_count,
            })
        })
        .await
}

/// A local thread.
///
/// # Errors
/// 404 for an unknown or remote thread.
pub async fn local_thread(state: &Context, id: i64) -> Result<ThreadObject> {
    state
        .db
        .read(move |conn| {
            let thread = find_thread(conn, id)?;
            if !thread.local {
                return Err(Error::NotFound("thread"));
            }
            thread_objects(conn, vec![thread])?
                .pop()
                .ok_or(Error::NotFound("thread"))
        })
        .await
}

/// A thread, by whomever, of the local group `name`.
///
/// # Errors
/// 404 for an unknown group or thread, or a thread of another group.
pub async fn thread_of_local_group(state: &Context, name: &str, id: i64) -> Result<ThreadObject> {
    let (instance, name) = (state.instance_id, name.to_string());
    state
        .db
        .read(move |conn| {
            let group = find_group(conn, instance, &name)?;
            let thread = find_thread(conn, id)?;
            if !group.local || thread.group_id != group.id {
                return Err(Error::NotFound("thread"));
            }
            thread_objects(conn, vec![thread])?
                .pop()
                .ok_or(Error::NotFound("thread"))
        })
        .await
}

/// A comment with the ids it points to: its author's, its thread's and group's, and the
/// comment it answers.
///
/// # Errors
/// Database failures only.
pub(crate) fn comment_object(
    conn: &mut AnyConnection,
    comment: Comment,
    thread: &Thread,
    group_ap_id: String,
    shown: bool,
) -> Result<CommentObject> {
    let author_ap_id = persons::table
        .find(comment.author_id)
        .select(persons::ap_id)
        .first(conn)?;
    let parent_ap_id = match comment.parent_id {
        Some(p) => Some(
            comments::table
                .find(p)
                .select(comments::ap_id)
                .first(conn)?,
        ),
        None => None,
    };
    Ok(CommentObject {
        shown,
        comment,
        author_ap_id,
        group_ap_id,
        thread_ap_id: thread.ap_id.clone(),
        parent_ap_id,
    })
}

/// A local comment.
///
/// # Errors
/// 404 for an unknown or remote comment.
pub async fn local_comment(state: &Context, id: i64) -> Result<CommentObject> {
    state
        .db
        .read(move |conn| {
            let comment = find_comment(conn, id)?;
            if !comment.local {
                return Err(Error::NotFound("comment"));
            }
            let thread = find_thread(conn, comment.thread_id)?;
            let group_ap_id = groups::table
                .find(thread.group_id)
                .select(groups::ap_id)
                .first(conn)?;
            let shown = crate::domain::visibility::comment_shown(&comment, &thread);
            comment_object(conn, comment, &thread, group_ap_id, shown)
        })
        .await
}

/// # Errors
/// Database failures only.
pub async fn usage(state: &Context) -> Result<Usage> {
    let instance_id = state.instance_id;
    state
        .db
        .read(move |conn| {
            let now = crate::domain::text::now();
            let active_since = |days: i64, conn: &mut crate::db::AnyConnection| -> Result<i64> {
                Ok(tokens::table
                    .inner_join(persons::table)
                    .filter(persons::local.eq(true))
                    .filter(tokens::last_used_at.gt(now - chrono::Duration::days(days)))
                    .select(diesel::dsl::count(tokens::person_id).aggregate_distinct())
                    .get_result(conn)?)
            };
            let instance = crate::domain::site::local_instance(conn, instance_id)?;
            Ok(Usage {
                users: persons::table
                    .filter(persons::local.eq(true))
                    .count()
                    .get_result(conn)?,
                active_month: active_since(30, conn)?,
                active_halfyear: active_since(180, conn)?,
                local_posts: threads::table
                    .filter(threads::local.eq(true).and(threads::deleted.eq(false)))
                    .count()
                    .get_result(conn)?,
                local_comments: comments::table
                    .filter(comments::local.eq(true).and(comments::deleted.eq(false)))
                    .count()
                    .get_result(conn)?,
                open_registrations: instance.registration_mode != "closed",
                name: instance.name,
            })
        })
        .await
}

/// What an incoming reply points at.
pub enum ReplyTarget {
    Thread(Thread),
    Comment(Comment),
}

/// The thread or comment stored under `ap_id`, local or remote.
///
/// # Errors
/// Database failures only.
pub async fn by_ap_id(state: &Context, ap_id: &str) -> Result<Option<ReplyTarget>> {
    let ap_id = ap_id.to_string();
    state.db.read(move |c| find_by_ap_id(c, &ap_id)).await
}

/// Whether the thread or comment stored under `ap_id` was deleted or removed (false for an id
/// we do not know as a thread or comment).
///
/// # Errors
/// Database failures only.
pub async fn post_gone(state: &Context, ap_id: &str) -> Result<bool> {
    Ok(match by_ap_id(state, ap_id).await? {
        Some(ReplyTarget::Thread(t)) => t.deleted || t.removed,
        Some(ReplyTarget::Comment(c)) => {
            let thread_id = c.thread_id;
            let thread = state
                .db
                .read(move |conn| crate::domain::threads::find_thread(conn, thread_id))
                .await?;
            !crate::domain::visibility::comment_shown(&c, &thread)
        }
        None => false,
    })
}

/// As [`by_ap_id`], inside a transaction.
///
/// # Errors
/// Database failures only.
pub fn find_by_ap_id(c: &mut crate::db::AnyConnection, ap_id: &str) -> Result<Option<ReplyTarget>> {
    if let Some(t) = threads::table
        .filter(threads::ap_id.eq(ap_id))
        .select(Thread::as_select())
        .first(c)
        .optional()?
    {
        return Ok(Some(ReplyTarget::Thread(t)));
    }
    Ok(comments::table
        .filter(comments::ap_id.eq(ap_id))
        .select(Comment::as_select())
        .first(c)
        .optional()?
        .map(ReplyTarget::Comment))
}

/// The thread or comment a remote activity names, with the group it lives in, checked against
/// how the activity arrived.
///
/// # Errors
/// 404 for content we do not know, a refusal for content that came the wrong way.
pub fn remote_target(
    c: &mut crate::db::AnyConnection,
    ap_id: &str,
    arrival: crate::domain::remote::Arrival,
) -> Result<(ReplyTarget, Group)> {
    let target = find_by_ap_id(c, ap_id)?.ok_or(Error::NotFound("thread or comment"))?;
    let thread_id = match &target {
        ReplyTarget::Thread(t) => t.id,
        ReplyTarget::Comment(cm) => cm.thread_id,
    };
    let group = threads::table
        .inner_join(groups::table)
        .filter(threads::id.eq(thread_id))
        .select(Group::as_select())
        .first(c)?;
    arrival.check(&group)?;
    Ok((target, group))
}

/// Whether any local member follows (accepted) the group: only then do we take its Announces.
///
/// # Errors
/// Database failures only.
pub async fn followed_by_us(state: &Context, group_id: i64) -> Result<bool> {
    state
        .db
        .read(move |c| {
            let n: i64 = memberships::table
                .inner_join(persons::table)
                .filter(memberships::group_id.eq(group_id))
                .filter(memberships::state.eq(MembershipState::Accepted))
                .filter(persons::local.eq(true))
                .count()
                .get_result(c)?;
            Ok(n > 0)
        })
        .await
}

/// One of our own activities as we sent it, whatever its kind.
///
/// # Errors
/// Database failures only.
pub async fn sent_activity(state: &Context, ap_id: &str) -> Result<Option<String>> {
    let ap_id = ap_id.to_string();
    state
        .db
        .read(move |c| {
            Ok(activities::table
                .filter(activities::ap_id.eq(&ap_id))
                .filter(activities::local.eq(true))
                .select(activities::data)
                .first(c)
                .optional()?)
        })
        .await
}

/// Kinds of our activities that are not served at their ids: reports are for the stewards
/// they were sent to.
const PRIVATE_ACTIVITIES: &[&str] = &["Flag"];

/// One of our own activities as it was sent, for servers that fetch it by id (an `Announce`
/// may carry only the id of what it relays).
///
/// # Errors
/// 404 for an unknown id or one that is not shown.
pub async fn local_activity(state: &Context, ap_id: &str) -> Result<String> {
    let ap_id = ap_id.to_string();
    state
        .db
        .read(move |c| {
            let (kind, data): (String, String) = activities::table
                .filter(activities::ap_id.eq(&ap_id))
                .filter(activities::local.eq(true))
                .select((activities::kind, activities::data))
                .first(c)
                .optional()?
                .ok_or(Error::NotFound("activity"))?;
            if PRIVATE_ACTIVITIES.contains(&kind.as_str()) {
                return Err(Error::NotFound("activity"));
            }
            Ok(data)
        })
        .await
}

/// The group a thread belongs to.
///
/// # Errors
/// 404 for an unknown thread.
pub async fn group_of_thread(state: &Context, thread_id: i64) -> Result<Group> {
    state
        .db
        .read(move |c| {
            Ok(threads::table
                .inner_join(groups::table)
                .filter(threads::id.eq(thread_id))
                .select(Group::as_select())
                .first(c)?)
        })
        .await
}

/// A local actor found by its ActivityPub id.
pub enum LocalActor {
    Person(Person),
    Group(Group),
}

/// The local person or group with this id, if it is ours.
///
/// # Errors
/// Database failures only.
pub async fn local_actor(state: &Context, ap_id: &str) -> Result<Option<LocalActor>> {
    let ap_id = ap_id.to_string();
    state
        .db
        .read(move |c| {
            if let Some(g) = groups::table
                .filter(groups::ap_id.eq(&ap_id))
                .filter(groups::local.eq(true))
                .select(Group::as_select())
                .first(c)
                .optional()?
            {
                return Ok(Some(LocalActor::Group(g)));
            }
            Ok(persons::table
                .filter(persons::ap_id.eq(&ap_id))
                .filter(persons::local.eq(true))
                .select(Person::as_select())
                .first(c)
                .optional()?
                .map(LocalActor::Person))
        })
        .await
}
