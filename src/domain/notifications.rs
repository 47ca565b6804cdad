//! Notifications for members: replies to what they wrote, favourites (upvotes), new followers,
//! and for stewards, new members and join requests of their groups. Written in the same
//! transaction as what they tell of; read by the Mastodon client API.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{schema::*, AnyConnection};
use crate::domain::people::Viewer;
use crate::domain::statuses::Window;
use crate::domain::text::now;
use crate::domain::Context;
use crate::error::{Error, Result};

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A reply to the member's thread or comment (Mastodon shows replies as mentions).
    Mention,
    /// An upvote of the member's thread or comment.
    Favourite,
    /// Someone followed the member, or joined a group they steward.
    Follow,
    /// Someone asked to join a group the member stewards.
    FollowRequest,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Mention => "mention",
            Kind::Favourite => "favourite",
            Kind::Follow => "follow",
            Kind::FollowRequest => "follow_request",
        }
    }
}

/// Tells `recipient` (if they are a member here, and not the one who acted).
pub(crate) fn notify(
    conn: &mut AnyConnection,
    recipient: i64,
    kind: Kind,
    from: i64,
    status_id: Option<i64>,
    group_id: Option<i64>,
) -> Result<()> {
    if recipient == from {
        return Ok(());
    }
    let local: Option<bool> = persons::table
        .find(recipient)
        .select(persons::local)
        .first(conn)
        .optional()?;
    if local != Some(true) {
        return Ok(());
    }
    diesel::insert_into(notifications::table)
        .values((
            notifications::person_id.eq(recipient),
            notifications::kind.eq(kind.as_str()),
            notifications::from_person_id.eq(from),
            notifications::status_id.eq(status_id),
            notifications::group_id.eq(group_id),
            notifications::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Tells every local steward of a group.
pub(crate) fn notify_stewards(
    conn: &mut AnyConnection,
    group_id: i64,
    kind: Kind,
    from: i64,
) -> Result<()> {
    let stewards: Vec<i64> = stewards::table
        .filter(stewards::group_id.eq(group_id))
        .select(stewards::person_id)
        .load(conn)?;
    for s in stewards {
        notify(conn, s, kind, from, None, Some(group_id))?;
    }
    Ok(())
}

/// A notification as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = notifications)]
pub struct Notification {
    pub id: i64,
    pub person_id: i64,
    pub kind: String,
    pub from_person_id: i64,
    pub status_id: Option<i64>,
    pub group_id: Option<i64>,
    pub created_at: NaiveDateTime,
}

/// Which notifications to list.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub types: Vec<String>,
    pub exclude_types: Vec<String>,
    pub from_person: Option<i64>,
}

/// The viewer's notifications, newest first.
///
/// # Errors
/// Database failures only.
pub async fn list(
    state: &Context,
    viewer: &Viewer,
    filter: Filter,
    w: Window,
) -> Result<Vec<Notification>> {
    let me = viewer.id();
    state
        .db
        .read(move |c| {
            let mut q = notifications::table
                .filter(notifications::person_id.eq(me))
                .select(Notification::as_select())
                .into_boxed();
            if !filter.types.is_empty() {
                q = q.filter(notifications::kind.eq_any(filter.types));
            }
            if !filter.exclude_types.is_empty() {
                q = q.filter(notifications::kind.ne_all(filter.exclude_types));
            }
            if let Some(p) = filter.from_person {
                q = q.filter(notifications::from_person_id.eq(p));
            }
            if let Some(max) = w.max_id {
                q = q.filter(notifications::id.lt(max));
            }
            if let Some(since) = w.since_id {
                q = q.filter(notifications::id.gt(since));
            }
            if let Some(min) = w.min_id {
                let mut rows: Vec<Notification> = q
                    .filter(notifications::id.gt(min))
                    .order(notifications::id.asc())
                    .limit(w.limit)
                    .load(c)?;
                rows.reverse();
                return Ok(rows);
            }
            Ok(q.order(notifications::id.desc()).limit(w.limit).load(c)?)
        })
        .await
}

/// # Errors
/// 404 for someone else's or an unknown notification.
pub async fn one(state: &Context, viewer: &Viewer, id: i64) -> Result<Notification> {
    let me = viewer.id();
    state
        .db
        .read(move |c| {
            notifications::table
                .filter(notifications::id.eq(id))
                .filter(notifications::person_id.eq(me))
                .select(Notification::as_select())
                .first(c)
                .optional()?
                .ok_or(Error::NotFound("notification"))
        })
        .await
}

/// Dismisses one notification, or all of them (`id` None).
///
/// # Errors
/// Database failures only.
pub async fn dismiss(state: &Context, viewer: &Viewer, id: Option<i64>) -> Result<()> {
    let me = viewer.id();
    state
        .db
        .write(move |c| {
            let mine = notifications::table.filter(notifications::person_id.eq(me));
            match id {
                Some(id) => diesel::delete(mine.filter(notifications::id.eq(id))).execute(c)?,
                None => diesel::delete(mine).execute(c)?,
            };
            Ok(())
        })
        .await
}

/// Notifications newer than the member's `notifications` marker.
///
/// # Errors
/// Database failures only.
pub async fn unread(state: &Context, viewer: &Viewer) -> Result<i64> {
    let me = viewer.id();
    state
        .db
        .read(move |c| {
            let last: Option<String> = markers::table
                .filter(markers::person_id.eq(me))
                .filter(markers::timeline.eq("notifications"))
                .select(markers::last_read_id)
                .first(c)
                .optional()?;
            let after = last.and_then(|l| l.parse::<i64>().ok()).unwrap_or(0);
            Ok(notifications::table
                .filter(notifications::person_id.eq(me))
                .filter(notifications::id.gt(after))
                .count()
                .get_result(c)?)
        })
        .await
}

/// Where a member stopped reading a timeline.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = markers)]
pub struct Marker {
    pub person_id: i64,
    pub timeline: String,
    pub last_read_id: String,
    pub version: i32,
    pub updated_at: NaiveDateTime,
}

/// The member's markers for `home` and `notifications` (those asked for).
///
/// # Errors
/// Database failures only.
pub async fn markers(
    state: &Context,
    viewer: &Viewer,
    timelines: Vec<String>,
) -> Result<Vec<Marker>> {
    let me = viewer.id();
    state
        .db
        .read(move |c| {
            Ok(markers::table
                .filter(markers::person_id.eq(me))
                .filter(markers::timeline.eq_any(timelines))
                .select(Marker::as_select())
                .load(c)?)
        })
        .await
}

/// Moves markers; each move bumps its version.
///
/// # Errors
/// 422 for a timeline other than `home` and `notifications`.
pub async fn set_markers(
    state: &Context,
    viewer: &Viewer,
    moves: Vec<(String, String)>,
) -> Result<Vec<Marker>> {
    if let Some((t, _)) = moves
        .iter()
        .find(|(t, _)| t != "home" && t != "notifications")
    {
        return Err(Error::invalid(
            "timeline",
            format!("{t:?}: markers are kept for home and notifications"),
        ));
    }
    let me = viewer.id();
    state
        .db
        .write(move |c| {
            let mut names = Vec::new();
            for (timeline, last) in moves {
                let version: Option<i32> = markers::table
                    .filter(markers::person_id.eq(me))
                    .filter(markers::timeline.eq(&timeline))
                    .select(markers::version)
                    .first(c)
                    .optional()?;
                match version {
                    Some(v) => {
                        diesel::update(
                            markers::table
                                .filter(markers::person_id.eq(me))
                                .filter(markers::timeline.eq(&timeline)),
                        )
                        .set((
                            markers::last_read_id.eq(&last),
                            markers::version.eq(v + 1),
                            markers::updated_at.eq(now()),
                        ))
                        .execute(c)?;
                    }
                    None => {
                        diesel::insert_into(markers::table)
                            .values((
                                markers::person_id.eq(me),
                                markers::timeline.eq(&timeline),
                                markers::last_read_id.eq(&last),
                                markers::version.eq(1),
                                markers::updated_at.eq(now()),
                            ))
                            .execute(c)?;
                    }
                }
                names.push(timeline);
            }
            Ok(markers::table
                .filter(markers::person_id.eq(me))
                .filter(markers::timeline.eq_any(names))
                .select(Marker::as_select())
                .load(c)?)
        })
        .await
}

/// Tells the members here whom a new thread or comment mentions: `@name@this.domain` always,
/// and a bare `@name` in what a member here wrote. `skip` are already told (the author of what
/// a reply answers).
pub(crate) fn notify_mentions(
    conn: &mut AnyConnection,
    text: &str,
    author_local: bool,
    from: i64,
    status_id: i64,
    group_id: i64,
    skip: &[i64],
) -> Result<()> {
    if !text.contains('@') {
        return Ok(());
    }
    let (instance_id, domain): (i64, String) = instances::table
        .filter(instances::local.eq(true))
        .select((instances::id, instances::domain))
        .first(conn)?;
    let mut told: Vec<i64> = skip.to_vec();
    for word in text.split_whitespace() {
        let Some(mention) = word.strip_prefix('@') else {
            continue;
        };
        let mention = mention.trim_end_matches(|c: char| !(c.is_alphanumeric() || c == '_'));
        let name = match mention.split_once('@') {
            Some((n, d)) if d.eq_ignore_ascii_case(&domain) => n,
            Some(_) => continue,
            None if author_local => mention,
            None => continue,
        };
        let found: Option<i64> = persons::table
            .filter(persons::instance_id.eq(instance_id))
            .filter(persons::username.eq(name.to_lowercase()))
            .select(persons::id)
            .first(conn)
            .optional()?;
        if let Some(p) = found.filter(|p| !told.contains(p)) {
            notify(
                conn,
                p,
                Kind::Mention,
                from,
                Some(status_id),
                Some(group_id),
            )?;
            told.push(p);
        }
    }
    Ok(())
}
