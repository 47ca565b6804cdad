//! Who is who, as the Mastodon client API asks: people and groups by id, by handle or by a few
//! letters, who follows them, and how the viewer stands with each.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{models::Group, schema::*, AnyConnection};
use crate::domain::follows;
use crate::domain::groups::{find_group, membership_of, MembershipState};
use crate::domain::people::{find_person_by_handle, Viewer};
use crate::domain::statuses::{profiles, PersonProfile, Window};
use crate::domain::Context;
use crate::error::{Error, Result};

/// A group with what a profile shows about it.
#[derive(Debug, Clone)]
pub struct GroupProfile {
    pub id: i64,
    pub name: String,
    pub title: String,
    pub description_html: String,
    pub ap_id: String,
    pub local: bool,
    pub approval_required: bool,
    pub member_count: i64,
    pub thread_count: i64,
    pub created_at: NaiveDateTime,
    pub last_thread_at: Option<NaiveDateTime>,
}

fn group_profiles(conn: &mut AnyConnection, ids: &[i64]) -> Result<HashMap<i64, GroupProfile>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let groups: Vec<Group> = groups::table
        .filter(groups::id.eq_any(ids))
        .select(Group::as_select())
        .load(conn)?;
    let last: HashMap<i64, Option<NaiveDateTime>> = threads::table
        .filter(threads::group_id.eq_any(ids))
        .group_by(threads::group_id)
        .select((threads::group_id, diesel::dsl::max(threads::created_at)))
        .load::<(i64, Option<NaiveDateTime>)>(conn)?
        .into_iter()
        .collect();
    Ok(groups
        .into_iter()
        .map(|g| {
            let profile = GroupProfile {
                last_thread_at: last.get(&g.id).copied().flatten(),
                id: g.id,
                name: g.name,
                title: g.title,
                description_html: g.description_html,
                ap_id: g.ap_id,
                local: g.local,
                approval_required: g.approval_required,
                member_count: g.member_count,
                thread_count: g.thread_count,
                created_at: g.created_at,
            };
            (profile.id, profile)
        })
        .collect())
}

/// A person or a group.
#[derive(Debug, Clone)]
pub enum Entry {
    Person(Box<PersonProfile>),
    Group(Box<GroupProfile>),
}

/// What an account id names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    Person(i64),
    Group(i64),
}

/// People and groups by id, in the order asked; unknown ones are left out.
///
/// # Errors
/// Database failures only.
pub fn entries(conn: &mut AnyConnection, who: &[Who]) -> Result<Vec<Entry>> {
    let people: Vec<i64> = who
        .iter()
        .filter_map(|w| match w {
            Who::Person(p) => Some(*p),
            Who::Group(_) => None,
        })
        .collect();
    let groups: Vec<i64> = who
        .iter()
        .filter_map(|w| match w {
            Who::Group(g) => Some(*g),
            Who::Person(_) => None,
        })
        .collect();
    let people = profiles(conn, &people)?;
    let groups = group_profiles(conn, &groups)?;
    Ok(who
        .iter()
        .filter_map(|w| match w {
            Who::Person(p) => people.get(p).cloned().map(|p| Entry::Person(Box::new(p))),
            Who::Group(g) => groups.get(g).cloned().map(|g| Entry::Group(Box::new(g))),
        })
        .collect())
}

/// # Errors
/// 404 for an unknown id.
pub async fn entry(state: &Context, who: Who) -> Result<Entry> {
    state
        .db
        .read(move |c| entries(c, &[who])?.pop().ok_or(Error::NotFound("account")))
        .await
}

/// # Errors
/// Database failures only.
pub async fn many(state: &Context, who: Vec<Who>) -> Result<Vec<Entry>> {
    state.db.read(move |c| entries(c, &who)).await
}

/// A person or group by handle: `name` here, `name@domain` for one we know from elsewhere.
/// People come first where a name is both (it never is on one instance).
///
/// # Errors
/// 404 when nobody by that handle is known.
pub async fn lookup(state: &Context, handle: &str) -> Result<Entry> {
    let handle = handle.trim().trim_start_matches(['@', '!']).to_string();
    let instance = state.instance_id;
    // `name@ourdomain` is a local name.
    let local_suffix = format!("@{}", state.config.domain);
    let handle = handle
        .strip_suffix(&local_suffix)
        .map(str::to_string)
        .unwrap_or(handle);
    state
        .db
        .read(move |c| {
            if let Ok(p) = find_person_by_handle(c, instance, &handle) {
                return entries(c, &[Who::Person(p.id)])?
                    .pop()
                    .ok_or(Error::NotFound("account"));
            }
            let g = find_group(c, instance, &handle).map_err(|_| Error::NotFound("account"))?;
            entries(c, &[Who::Group(g.id)])?
                .pop()
                .ok_or(Error::NotFound("account"))
        })
        .await
}

/// People and groups whose name (or display name or title) contains `q`; groups first, then
/// people, at most `limit` in all.
///
/// # Errors
/// 422 for a query too long.
pub async fn search(state: &Context, q: &str, limit: i64, offset: i64) -> Result<Vec<Entry>> {
    let q = q.trim().trim_start_matches(['@', '!']).to_lowercase();
    if q.chars().count() > 100 {
        return Err(Error::invalid("q", "must be at most 100 characters"));
    }
    if q.is_empty() {
        return Ok(Vec::new());
    }
    // `name@domain` searches by name on that domain.
    let (name, domain) = match q.split_once('@') {
        Some((n, d)) => (n.to_string(), Some(d.to_string())),
        None => (q.clone(), None),
    };
    state
        .db
        .read(move |c| {
            use crate::domain::groups::{coalesce, lower};
            let escaped = name
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            let pattern = format!("%{escaped}%");
            let mut gq = groups::table
                .inner_join(instances::table)
                .filter(
                    lower(groups::name)
                        .like(pattern.clone())
                        .escape('\\')
                        .or(lower(groups::title).like(pattern.clone()).escape('\\')),
                )
                .select(groups::id)
                .into_boxed();
            let mut pq = persons::table
                .inner_join(instances::table)
                .filter(persons::suspended.eq(false))
                .filter(
                    lower(persons::username)
                        .like(pattern.clone())
                        .escape('\\')
                        .or(lower(coalesce(persons::display_name, ""))
                            .like(pattern)
                            .escape('\\')),
                )
                .select(persons::id)
                .into_boxed();
            if let Some(d) = &domain {
                gq = gq.filter(instances::domain.eq(d.clone()));
                pq = pq.filter(instances::domain.eq(d.clone()));
            }
            let groups: Vec<i64> = gq
                .order((groups::member_count.desc(), groups::id.asc()))
                .limit(offset + limit)
                .load(c)?;
            let people: Vec<i64> = pq.order(persons::id.asc()).limit(offset + limit).load(c)?;
            let who: Vec<Who> = groups
                .into_iter()
                .map(Who::Group)
                .chain(people.into_iter().map(Who::Person))
                .skip(usize::try_from(offset).unwrap_or(0))
                .take(usize::try_from(limit).unwrap_or(40))
                .collect();
            entries(c, &who)
        })
        .await
}

/// How the viewer stands with a person or group.
#[derive(Debug, Clone, Copy, Default)]
pub struct Standing {
    /// Following the person, or a member of the group.
    pub following: bool,
    /// Asked, waiting for an answer.
    pub requested: bool,
    /// The person follows the viewer.
    pub followed_by: bool,
}

/// # Errors
/// Database failures only.
pub async fn standings(state: &Context, viewer: &Viewer, who: Vec<Who>) -> Result<Vec<Standing>> {
    let me = viewer.id();
    state
        .db
        .read(move |c| {
            who.iter()
                .map(|w| {
                    Ok(match w {
                        Who::Person(p) => {
                            let mine = follows::current(c, me, *p)?;
                            let theirs = follows::current(c, *p, me)?;
                            Standing {
                                following: mine == Some(MembershipState::Accepted),
                                requested: mine == Some(MembershipState::Pending),
                                followed_by: theirs == Some(MembershipState::Accepted),
                            }
                        }
                        Who::Group(g) => {
                            let m = membership_of(c, *g, me)?;
                            Standing {
                                following: m == Some(MembershipState::Accepted),
                                requested: m == Some(MembershipState::Pending),
                                followed_by: false,
                            }
                        }
                    })
                })
                .collect()
        })
        .await
}

/// The handle by which the domain's follow and join take a person or group.
///
/// # Errors
/// 404 for an unknown id.
pub async fn handle_of(state: &Context, who: Who) -> Result<String> {
    let domain = state.config.domain.clone();
    let entry = entry(state, who).await?;
    let (name, ap_id) = match &entry {
        Entry::Person(p) => (p.person.name.clone(), p.person.ap_id.clone()),
        Entry::Group(g) => (g.name.clone(), g.ap_id.clone()),
    };
    let full = crate::domain::views::handle(&name, &ap_id);
    Ok(match full.split_once('@') {
        Some((n, d)) if d == domain => n.to_string(),
        _ => full,
    })
}

/// Followers of a person (accepted follows) or members of a group, or whom a person follows;
/// newest first, keyed by when the follow began (microseconds). Returns the entries and the
/// first and last keys.
///
/// # Errors
/// 404 for an unknown person or group.
pub async fn follow_page(
    state: &Context,
    who: Who,
    followers: bool,
    w: Window,
) -> Result<(Vec<Entry>, Option<(i64, i64)>)> {
    state
        .db
        .read(move |c| {
            entries(c, &[who])?
                .pop()
                .ok_or(Error::NotFound("account"))?;
            let rows: Vec<(i64, NaiveDateTime)> = match (who, followers) {
                (Who::Person(p), true) => person_follows::table
                    .filter(person_follows::followed_id.eq(p))
                    .filter(person_follows::state.eq(MembershipState::Accepted))
                    .select((person_follows::follower_id, person_follows::created_at))
                    .load(c)?,
                (Who::Person(p), false) => person_follows::table
                    .filter(person_follows::follower_id.eq(p))
                    .filter(person_follows::state.eq(MembershipState::Accepted))
                    .select((person_follows::followed_id, person_follows::created_at))
                    .load(c)?,
                (Who::Group(g), true) => memberships::table
                    .filter(memberships::group_id.eq(g))
                    .filter(memberships::state.eq(MembershipState::Accepted))
                    .select((memberships::person_id, memberships::created_at))
                    .load(c)?,
                (Who::Group(_), false) => Vec::new(),
            };
            let keyed = w.apply(
                rows.into_iter()
                    .map(|(p, t)| (t.and_utc().timestamp_micros(), p))
                    .collect(),
            );
            let bounds = keyed.first().zip(keyed.last()).map(|(f, l)| (f.0, l.0));
            let who: Vec<Who> = keyed.iter().map(|k| Who::Person(k.1)).collect();
            Ok((entries(c, &who)?, bounds))
        })
        .await
}

/// People asking to join groups the viewer stewards, newest request first (keyed in
/// microseconds). Returns the people and the first and last keys.
///
/// # Errors
/// Database failures only.
pub async fn join_requests(
    state: &Context,
    viewer: &Viewer,
    w: Window,
) -> Result<(Vec<Entry>, Option<(i64, i64)>)> {
    let me = viewer.id();
    state
        .db
        .read(move |c| {
            let rows: Vec<(i64, NaiveDateTime)> = memberships::table
                .filter(memberships::state.eq(MembershipState::Pending))
                .filter(
                    memberships::group_id.eq_any(
                        stewards::table
                            .filter(stewards::person_id.eq(me))
                            .select(stewards::group_id),
                    ),
                )
                .select((memberships::person_id, memberships::created_at))
                .load(c)?;
            // One entry per person, at their newest request.
            let mut newest: HashMap<i64, i64> = HashMap::new();
            for (p, t) in rows {
                let k = t.and_utc().timestamp_micros();
                let e = newest.entry(p).or_insert(k);
                *e = (*e).max(k);
            }
            let keyed = w.apply(newest.into_iter().map(|(p, k)| (k, p)).collect());
            let bounds = keyed.first().zip(keyed.last()).map(|(f, l)| (f.0, l.0));
            let who: Vec<Who> = keyed.iter().map(|k| Who::Person(k.1)).collect();
            Ok((entries(c, &who)?, bounds))
        })
        .await
}

/// The handles of the groups (stewarded by the viewer) that a person asks to join, and the
/// person's handle.
///
/// # Errors
/// 404 when there is no such request.
pub async fn requests_of(
    state: &Context,
    viewer: &Viewer,
    person_id: i64,
) -> Result<(String, Vec<String>)> {
    let me = viewer.id();
    let groups: Vec<i64> = state
        .db
        .read(move |c| {
            Ok(memberships::table
                .filter(memberships::state.eq(MembershipState::Pending))
                .filter(memberships::person_id.eq(person_id))
                .filter(
                    memberships::group_id.eq_any(
                        stewards::table
                            .filter(stewards::person_id.eq(me))
                            .select(stewards::group_id),
                    ),
                )
                .select(memberships::group_id)
                .load(c)?)
        })
        .await?;
    if groups.is_empty() {
        return Err(Error::NotFound("follow request"));
    }
    let person = handle_of(state, Who::Person(person_id)).await?;
    let mut handles = Vec::new();
    for g in groups {
        handles.push(handle_of(state, Who::Group(g)).await?);
    }
    Ok((person, handles))
}

/// How many people ask to join groups the viewer stewards.
///
/// # Errors
/// Database failures only.
pub async fn join_request_count(state: &Context, viewer: &Viewer) -> Result<i64> {
    let me = viewer.id();
    state
        .db
        .read(move |c| {
            Ok(memberships::table
                .filter(memberships::state.eq(MembershipState::Pending))
                .filter(
                    memberships::group_id.eq_any(
                        stewards::table
                            .filter(stewards::person_id.eq(me))
                            .select(stewards::group_id),
                    ),
                )
                .select(diesel::dsl::count(memberships::person_id).aggregate_distinct())
                .first(c)?)
        })
        .await
}
