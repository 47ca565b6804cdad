//! Groups (communities of practice): creation, settings, membership and stewards.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::{models::*, schema::*, AnyConnection};
use crate::domain::notifications;
use crate::domain::paging::{Cursor, Page, PageRequest};
use crate::domain::people::{
    ensure_name_free, find_person_by_handle, new_keypair, unique_conflict, Viewer,
};
use crate::domain::publish;
use crate::domain::text::{self, now};
use crate::domain::views::{GroupSummary, GroupView, MemberView, PersonBrief, PersonRef};
use crate::domain::Context;
use crate::error::{Error, Result};
use crate::per_backend;

const TITLE_MAX: usize = 100;
const QUERY_MAX: usize = 100;

pub const PENDING: &str = "pending";
pub const ACCEPTED: &str = "accepted";
/// A join the group (or its server) refused; `memberships.refusal` says why. Joining again
/// sends a new request.
pub const REFUSED: &str = "refused";

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);
diesel::define_sql_function!(fn coalesce(x: diesel::sql_types::Nullable<diesel::sql_types::Text>, y: diesel::sql_types::Text) -> diesel::sql_types::Text);

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewGroupInput {
    pub name: String,
    pub title: String,
    /// Markdown.
    #[serde(default)]
    pub description: String,
    /// Guidelines, markdown.
    #[serde(default)]
    pub rules: String,
    /// Stewards approve each new member.
    #[serde(default)]
    pub approval_required: bool,
}

/// Absent fields stay as they are.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct GroupUpdate {
    pub title: Option<String>,
    pub description: Option<String>,
    pub rules: Option<String>,
    pub approval_required: Option<bool>,
}

/// The viewer's membership after a join or leave.
#[derive(Debug, Serialize, ToSchema)]
pub struct MembershipState {
    pub group: String,
    /// `pending`, `accepted`, `refused`, or `none` after leaving.
    pub state: String,
    /// Why a join was refused, as the group's server said it (`refused` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A group by its name here, or by `name@domain` for one on another instance.
pub(crate) fn find_group(conn: &mut AnyConnection, instance_id: i64, name: &str) -> Result<Group> {
    let (name, instance_id) = match name.split_once('@') {
        None => (name, instance_id),
        Some((name, domain)) => {
            let id = instances::table
                .filter(instances::domain.eq(domain))
                .select(instances::id)
                .first::<i64>(conn)
                .optional()?
                .ok_or(Error::NotFound("group"))?;
            (name, id)
        }
    };
    groups::table
        .filter(groups::instance_id.eq(instance_id))
        .filter(groups::name.eq(name))
        .select(Group::as_select())
        .first(conn)
        .optional()?
        .ok_or(Error::NotFound("group"))
}

pub(crate) fn is_steward(conn: &mut AnyConnection, group_id: i64, person_id: i64) -> Result<bool> {
    let n: i64 = stewards::table
        .filter(stewards::group_id.eq(group_id))
        .filter(stewards::person_id.eq(person_id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Stewards of the group act on it; so do the instance's administrators.
pub(crate) fn require_steward(
    conn: &mut AnyConnection,
    group_id: i64,
    viewer: &Person,
) -> Result<()> {
    if viewer.is_admin || is_steward(conn, group_id, viewer.id)? {
        Ok(())
    } else {
        Err(Error::forbidden("only the group's stewards can do this"))
    }
}

pub(crate) fn membership_of(
    conn: &mut AnyConnection,
    group_id: i64,
    person_id: i64,
) -> Result<Option<String>> {
    Ok(memberships::table
        .filter(memberships::group_id.eq(group_id))
        .filter(memberships::person_id.eq(person_id))
        .select(memberships::state)
        .first(conn)
        .optional()?)
}

fn stewards_of(conn: &mut AnyConnection, group_id: i64) -> Result<Vec<PersonRef>> {
    Ok(stewards::table
        .inner_join(persons::table)
        .filter(stewards::group_id.eq(group_id))
        .order(stewards::created_at.asc())
        .select(PersonBrief::as_select())
        .load::<PersonBrief>(conn)?
        .into_iter()
        .map(PersonRef::from)
        .collect())
}

fn load_view(conn: &mut AnyConnection, group: Group, viewer_id: Option<i64>) -> Result<GroupView> {
    let stewards = stewards_of(conn, group.id)?;
    let (membership, refusal) = match viewer_id {
        Some(v) => memberships::table
            .filter(memberships::group_id.eq(group.id))
            .filter(memberships::person_id.eq(v))
            .select((memberships::state, memberships::refusal))
            .first::<(String, Option<String>)>(conn)
            .optional()?
            .map_or((None, None), |(s, r)| (Some(s), r)),
        None => (None, None),
    };
    let mut view = GroupView::new(group, stewards, membership, viewer_id);
    view.membership_reason = refusal;
    Ok(view)
}

/// The group's server answered a member's `Follow` with `Reject` (a steward refused, or the
/// group ended the membership): the membership stays, refused, so the member sees it.
///
/// # Errors
/// Database failures only.
pub async fn follow_rejected(state: &Context, group: Group, person: Person) -> Result<()> {
    state
        .db
        .write(move |conn| {
            diesel::update(
                memberships::table
                    .filter(memberships::group_id.eq(group.id))
                    .filter(memberships::person_id.eq(person.id)),
            )
            .set((
                memberships::state.eq(REFUSED),
                memberships::refusal.eq(Some("the group refused the request")),
            ))
            .execute(conn)?;
            recount_members(conn, group.id)
        })
        .await
}

/// A member's `Follow` of a remote group could not be delivered and will not be retried (its
/// server refused it, e.g. by its federation policy, or ours does): the join is refused, with
/// what the server answered.
///
/// # Errors
/// Database failures only.
pub(crate) fn follow_undeliverable(
    conn: &mut AnyConnection,
    follow_id: &str,
    reason: &str,
) -> Result<()> {
    let reason: String = reason.chars().take(300).collect();
    diesel::update(
        memberships::table
            .filter(memberships::ap_id.eq(follow_id))
            .filter(memberships::state.eq(PENDING)),
    )
    .set((
        memberships::state.eq(REFUSED),
        memberships::refusal.eq(Some(reason)),
    ))
    .execute(conn)?;
    Ok(())
}

pub(crate) fn recount_members(conn: &mut AnyConnection, group_id: i64) -> Result<()> {
    let n: i64 = memberships::table
        .filter(memberships::group_id.eq(group_id))
        .filter(memberships::state.eq(ACCEPTED))
        .count()
        .get_result(conn)?;
    diesel::update(groups::table.find(group_id))
        .set(groups::member_count.eq(n))
        .execute(conn)?;
    Ok(())
}

/// Makes `person_id` a steward of the group, or no longer one.
fn set_steward(
    conn: &mut AnyConnection,
    group_id: i64,
    person_id: i64,
    steward: bool,
) -> Result<()> {
    diesel::delete(
        stewards::table
            .filter(stewards::group_id.eq(group_id))
            .filter(stewards::person_id.eq(person_id)),
    )
    .execute(conn)?;
    if steward {
        diesel::insert_into(stewards::table)
            .values((
                stewards::group_id.eq(group_id),
                stewards::person_id.eq(person_id),
                stewards::created_at.eq(now()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Ends a steward's role, unless they are the group's last steward (409 with `refusal`).
fn step_down(conn: &mut AnyConnection, group_id: i64, person_id: i64, refusal: &str) -> Result<()> {
    let stewards_left: i64 = stewards::table
        .filter(stewards::group_id.eq(group_id))
        .count()
        .get_result(conn)?;
    if stewards_left == 1 {
        return Err(Error::Conflict {
            field: None,
            message: refusal.into(),
        });
    }
    set_steward(conn, group_id, person_id, false)
}

/// Creates a local group; its creator becomes its first steward and member.
///
/// # Errors
/// 422/413 for bad values, 409 for a taken name.
#[tracing::instrument(skip_all, fields(group = %input.name, creator = %viewer.person.username))]
pub async fn create(state: &Context, viewer: &Viewer, input: NewGroupInput) -> Result<GroupView> {
    create_for(state, viewer.id(), input).await
}

/// Creates a group with `steward_id` as steward (also used by the `admin create-group` command).
///
/// # Errors
/// As [`create`].
pub async fn create_for(
    state: &Context,
    steward_id: i64,
    input: NewGroupInput,
) -> Result<GroupView> {
    let limit = state.config.limits.body_bytes;
    let name = text::parse_name("name", &input.name)?;
    let title = text::parse_line("title", &input.title, TITLE_MAX)?;
    let (description_source, description_html) =
        text::parse_markdown("description", &input.description, limit)?;
    let (rules_source, rules_html) = text::parse_markdown("rules", &input.rules, limit)?;
    {
        let (id, name) = (state.instance_id, name.clone());
        state
            .db
            .read(move |c| ensure_name_free(c, id, &name, "name"))
            .await?;
    }
    let (public_key, private_key) = new_keypair().await?;
    let base = state.config.base_url();
    let instance_id = state.instance_id;
    let approval_required = input.approval_required;
    state
        .db
        .write(move |conn| {
            ensure_name_free(conn, instance_id, &name, "name")?;
            let t = now();
            let ap_id = format!("{base}/g/{name}");
            let new = NewGroup {
                inbox_url: format!("{ap_id}/inbox"),
                shared_inbox_url: Some(format!("{base}/inbox")),
                ap_id,
                local: true,
                instance_id,
                name,
                title,
                description_source,
                description_html,
                rules_source,
                rules_html,
                creator_id: Some(steward_id),
                approval_required,
                public_key,
                private_key: Some(private_key),
                created_at: t,
                updated_at: t,
            };
            let id: i64 = per_backend!(conn, |c| diesel::insert_into(groups::table)
                .values(&new)
                .returning(groups::id)
                .get_result(c))
            .map_err(unique_conflict("name", "a group with this name"))?;
            set_steward(conn, id, steward_id, true)?;
            diesel::insert_into(memberships::table)
                .values(Membership {
                    group_id: id,
                    person_id: steward_id,
                    state: ACCEPTED.into(),
                    ap_id: None,
                    created_at: t,
                    follow_sent_at: None,
                    follow_attempts: 0,
                })
                .execute(conn)?;
            recount_members(conn, id)?;
            let group = groups::table
                .find(id)
                .select(Group::as_select())
                .first(conn)?;
            load_view(conn, group, Some(steward_id))
        })
        .await
}

/// # Errors
/// 404 for an unknown group.
pub async fn get(state: &Context, viewer: Option<&Viewer>, name: &str) -> Result<GroupView> {
    let (id, name, viewer_id) = (state.instance_id, name.to_string(), viewer.map(Viewer::id));
    state
        .db
        .read(move |conn| {
            let group = find_group(conn, id, &name)?;
            load_view(conn, group, viewer_id)
        })
        .await
}

/// Groups, most members first, optionally filtered by a search in name and title.
///
/// # Errors
/// 422 for a malformed cursor or an over-long query.
pub async fn list(
    state: &Context,
    query: Option<&str>,
    page: PageRequest,
) -> Result<Page<GroupSummary>> {
    let query = query
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .map(str::to_lowercase);
    if query
        .as_ref()
        .is_some_and(|q| q.chars().count() > QUERY_MAX)
    {
        return Err(Error::invalid(
            "q",
            format!("must be at most {QUERY_MAX} characters"),
        ));
    }
    let rows = state
        .db
        .read(move |conn| {
            let mut q = groups::table.select(GroupSummary::as_select()).into_boxed();
            if let Some(text) = query {
                let escaped = text
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_");
                let pattern = format!("%{escaped}%");
                q = q.filter(
                    lower(groups::name)
                        .like(pattern.clone())
                        .escape('\\')
                        .or(lower(groups::title).like(pattern).escape('\\')),
                );
            }
            if let Some(c) = page.after {
                q = q.filter(
                    groups::member_count
                        .lt(c.key)
                        .or(groups::member_count.eq(c.key).and(groups::id.lt(c.id))),
                );
            }
            Ok(q.order((groups::member_count.desc(), groups::id.desc()))
                .limit(page.limit + 1)
                .load::<GroupSummary>(conn)?)
        })
        .await?;
    Ok(Page::from_rows(rows, page.limit, |g| Cursor {
        key: g.member_count,
        id: g.id,
    }))
}

/// Groups with the most activity of the last 30 days (threads started or commented), then the
/// largest, for the front page of a visitor.
///
/// # Errors
/// Database failures only.
pub async fn most_active(state: &Context, limit: i64) -> Result<Vec<GroupSummary>> {
    let since = now() - chrono::Duration::days(30);
    state
        .db
        .read(move |conn| {
            let recent: Vec<i64> = threads::table
                .filter(threads::last_activity_at.gt(since))
                .filter(threads::removed.eq(false))
                .filter(threads::deleted.eq(false))
                .order(threads::last_activity_at.desc())
                .limit(1000)
                .select(threads::group_id)
                .load(conn)?;
            let mut counts: std::collections::HashMap<i64, usize> =
                std::collections::HashMap::new();
            for g in recent {
                *counts.entry(g).or_default() += 1;
            }
            let mut active: Vec<(i64, usize)> = counts.into_iter().collect();
            active.sort_by(|a, b| b.1.cmp(&a.1).then(b.0.cmp(&a.0)));
            let wanted = usize::try_from(limit).unwrap_or(0);
            active.truncate(wanted);
            let ids: Vec<i64> = active.iter().map(|(id, _)| *id).collect();
            let mut found: Vec<GroupSummary> = groups::table
                .filter(groups::id.eq_any(&ids))
                .select(GroupSummary::as_select())
                .load(conn)?;
            found.sort_by_key(|g| ids.iter().position(|id| *id == g.id));
            if found.len() < wanted {
                let more: Vec<GroupSummary> = groups::table
                    .filter(groups::id.ne_all(&ids))
                    .order((groups::member_count.desc(), groups::id.desc()))
                    .limit(limit - i64::try_from(found.len()).unwrap_or(0))
                    .select(GroupSummary::as_select())
                    .load(conn)?;
                found.extend(more);
            }
            Ok(found)
        })
        .await
}

/// The groups a person is a member of, largest first.
///
/// # Errors
/// Database failures only.
pub async fn of_person(state: &Context, person_id: i64) -> Result<Vec<GroupSummary>> {
    state
        .db
        .read(move |conn| {
            Ok(groups::table
                .inner_join(memberships::table)
                .filter(memberships::person_id.eq(person_id))
                .filter(memberships::state.eq(ACCEPTED))
                .order((groups::member_count.desc(), groups::id.desc()))
                .limit(200)
                .select(GroupSummary::as_select())
                .load(conn)?)
        })
        .await
}

/// How widely a group reaches: the instances and the agencies its members come from.
#[derive(Debug, Clone, Copy, Default, Serialize, ToSchema)]
pub struct Reach {
    pub instances: i64,
    pub agencies: i64,
}

/// # Errors
/// Database failures only.
pub async fn reach(state: &Context, group_id: i64) -> Result<Reach> {
    state
        .db
        .read(move |conn| {
            let members = memberships::table
                .inner_join(persons::table)
                .filter(memberships::group_id.eq(group_id))
                .filter(memberships::state.eq(ACCEPTED));
            let instances: Vec<i64> = members.select(persons::instance_id).distinct().load(conn)?;
            let agencies: Vec<Option<String>> =
                members.select(persons::agency).distinct().load(conn)?;
            // "Statistics Canada" and "statistics canada " are one agency.
            let agencies: std::collections::HashSet<String> = agencies
                .into_iter()
                .flatten()
                .map(|a| a.trim().to_lowercase())
                .filter(|a| !a.is_empty())
                .collect();
            Ok(Reach {
                instances: i64::try_from(instances.len()).unwrap_or(i64::MAX),
                agencies: i64::try_from(agencies.len()).unwrap_or(i64::MAX),
            })
        })
        .await
}

/// # Errors
/// 403 for non-stewards, 422/413 for bad values.
#[tracing::instrument(skip_all, fields(group = %name))]
pub async fn update(
    state: &Context,
    viewer: &Viewer,
    name: &str,
    input: GroupUpdate,
) -> Result<GroupView> {
    let limit = state.config.limits.body_bytes;
    let title = input
        .title
        .as_deref()
        .map(|t| text::parse_line("title", t, TITLE_MAX))
        .transpose()?;
    let description = input
        .description
        .as_deref()
        .map(|d| text::parse_markdown("description", d, limit))
        .transpose()?;
    let rules = input
        .rules
        .as_deref()
        .map(|d| text::parse_markdown("rules", d, limit))
        .transpose()?;
    let (id, name, person, origin) = (
        state.instance_id,
        name.to_string(),
        viewer.person.clone(),
        state.origin(),
    );
    let view = state
        .db
        .write(move |conn| {
            let group = find_group(conn, id, &name)?;
            require_steward(conn, group.id, &person)?;
            let target = groups::table.find(group.id);
            if let Some(t) = title {
                diesel::update(target)
                    .set(groups::title.eq(t))
                    .execute(conn)?;
            }
            if let Some((s, h)) = description {
                diesel::update(target)
                    .set((
                        groups::description_source.eq(s),
                        groups::description_html.eq(h),
                    ))
                    .execute(conn)?;
            }
            if let Some((s, h)) = rules {
                diesel::update(target)
                    .set((groups::rules_source.eq(s), groups::rules_html.eq(h)))
                    .execute(conn)?;
            }
            if let Some(a) = input.approval_required {
                diesel::update(target)
                    .set(groups::approval_required.eq(a))
                    .execute(conn)?;
            }
            diesel::update(target)
                .set(groups::updated_at.eq(now()))
                .execute(conn)?;
            let group = target.select(Group::as_select()).first(conn)?;
            publish::group_updated(conn, &origin, &person, &group)?;
            load_view(conn, group, Some(person.id))
        })
        .await?;
    state.wake_outbox();
    Ok(view)
}

/// Joins a group: accepted at once, or pending where stewards approve members.
/// Joining again returns the current state.
///
/// # Errors
/// 404 for an unknown group.
#[tracing::instrument(skip_all, fields(group = %name, person = %viewer.person.username))]
pub async fn join(state: &Context, viewer: &Viewer, name: &str) -> Result<MembershipState> {
    let (id, name, person, origin) = (
        state.instance_id,
        name.to_string(),
        viewer.person.clone(),
        state.origin(),
    );
    let joined = state
        .db
        .write(move |conn| {
            let group = find_group(conn, id, &name)?;
            if is_banned(conn, group.id, person.id)? {
                return Err(Error::forbidden("you are banned from this group"));
            }
            match membership_of(conn, group.id, person.id)? {
                // A refused join is asked again.
                Some(existing) if existing == REFUSED => {
                    diesel::delete(
                        memberships::table
                            .filter(memberships::group_id.eq(group.id))
                            .filter(memberships::person_id.eq(person.id)),
                    )
                    .execute(conn)?;
                }
                Some(existing) => {
                    return Ok(MembershipState {
                        group: group.name,
                        state: existing,
                        reason: None,
                    });
                }
                None => {}
            }
            // A remote group answers our Follow with Accept; until then the membership is pending.
            let new_state = if group.approval_required || !group.local {
                PENDING
            } else {
                ACCEPTED
            };
            let t = now();
            let follow_id = if group.local {
                None
            } else {
                Some(publish::follow(
                    conn,
                    &origin,
                    &person,
                    publish::Target::Group(&group),
                )?)
            };
            diesel::insert_into(memberships::table)
                .values(Membership {
                    group_id: group.id,
                    person_id: person.id,
                    state: new_state.into(),
                    follow_sent_at: follow_id.is_some().then_some(t),
                    follow_attempts: i32::from(follow_id.is_some()),
                    ap_id: follow_id,
                    created_at: t,
                })
                .execute(conn)?;
            recount_members(conn, group.id)?;
            if group.local {
                let kind = if new_state == ACCEPTED {
                    notifications::Kind::Follow
                } else {
                    notifications::Kind::FollowRequest
                };
                notifications::notify_stewards(conn, group.id, kind, person.id)?;
            }
            Ok(MembershipState {
                group: group.name,
                state: new_state.into(),
                reason: None,
            })
        })
        .await?;
    state.wake_outbox();
    Ok(joined)
}

/// Leaves a group (or withdraws a pending request). The last steward cannot leave.
///
/// # Errors
/// 404 for an unknown group, 409 for the last steward.
#[tracing::instrument(skip_all, fields(group = %name, person = %viewer.person.username))]
pub async fn leave(state: &Context, viewer: &Viewer, name: &str) -> Result<MembershipState> {
    let (id, name, person, origin) = (
        state.instance_id,
        name.to_string(),
        viewer.person.clone(),
        state.origin(),
    );
    let left = state
        .db
        .write(move |conn| {
            let group = find_group(conn, id, &name)?;
            if is_steward(conn, group.id, person.id)? {
                step_down(
                    conn,
                    group.id,
                    person.id,
                    "you are the group's last steward: appoint another steward before leaving",
                )?;
            }
            let membership = memberships::table
                .filter(memberships::group_id.eq(group.id))
                .filter(memberships::person_id.eq(person.id));
            let follow_id: Option<Option<String>> = membership
                .select(memberships::ap_id)
                .first(conn)
                .optional()?;
            if let (Some(follow_id), false) = (&follow_id, group.local) {
                publish::unfollow(
                    conn,
                    &origin,
                    &person,
                    publish::Target::Group(&group),
                    follow_id.as_deref(),
                )?;
            }
            diesel::delete(membership).execute(conn)?;
            recount_members(conn, group.id)?;
            Ok(MembershipState {
                group: group.name,
                state: "none".into(),
                reason: None,
            })
        })
        .await?;
    state.wake_outbox();
    Ok(left)
}

/// A remote person follows one of our groups: a member at once (answered with `Accept`), or
/// pending where stewards approve members. Following again changes nothing.
///
/// # Errors
/// Database failures only.
pub async fn remote_follow(
    state: &Context,
    group: Group,
    follower: Person,
    follow: serde_json::Value,
) -> Result<String> {
    let origin = state.origin();
    let follow_id = follow["id"].as_str().map(str::to_string);
    let result = state
        .db
        .write(move |conn| {
            let current = membership_of(conn, group.id, follower.id)?;
            let new_state = match current {
                Some(s) => s,
                None => {
                    let s = if group.approval_required {
                        PENDING
                    } else {
                        ACCEPTED
                    };
                    diesel::insert_into(memberships::table)
                        .values(Membership {
                            group_id: group.id,
                            person_id: follower.id,
                            state: s.into(),
                            ap_id: follow_id,
                            created_at: now(),
                            follow_sent_at: None,
                            follow_attempts: 0,
                        })
                        .execute(conn)?;
                    recount_members(conn, group.id)?;
                    let kind = if s == ACCEPTED {
                        notifications::Kind::Follow
                    } else {
                        notifications::Kind::FollowRequest
                    };
                    notifications::notify_stewards(conn, group.id, kind, follower.id)?;
                    s.to_string()
                }
            };
            if new_state == ACCEPTED {
                publish::accept(conn, &origin, &group.ap_id, &follower, follow)?;
            }
            Ok(new_state)
        })
        .await?;
    state.wake_outbox();
    Ok(result)
}

/// A remote group accepted a local member's `Follow`.
///
/// # Errors
/// 404 when no such request is pending.
pub async fn follow_accepted(state: &Context, group: Group, person: Person) -> Result<()> {
    state
        .db
        .write(move |conn| {
            let updated = diesel::update(
                memberships::table
                    .filter(memberships::group_id.eq(group.id))
                    .filter(memberships::person_id.eq(person.id)),
            )
            .set(memberships::state.eq(ACCEPTED))
            .execute(conn)?;
            if updated == 0 {
                return Err(Error::NotFound("membership"));
            }
            recount_members(conn, group.id)
        })
        .await
}

/// A remote person stopped following one of our groups (or was refused by a remote group).
///
/// # Errors
/// Database failures only.
pub async fn remote_unfollow(state: &Context, group: Group, person: Person) -> Result<()> {
    state
        .db
        .write(move |conn| {
            diesel::delete(
                memberships::table
                    .filter(memberships::group_id.eq(group.id))
                    .filter(memberships::person_id.eq(person.id)),
            )
            .execute(conn)?;
            recount_members(conn, group.id)
        })
        .await
}

/// Members in the order they joined. Pending requests are listed to stewards only.
///
/// # Errors
/// 404 for an unknown group, 403 when a non-steward asks for pending requests.
pub async fn members(
    state: &Context,
    viewer: Option<&Viewer>,
    name: &str,
    pending: bool,
    page: PageRequest,
) -> Result<Page<MemberView>> {
    let (id, name, person) = (
        state.instance_id,
        name.to_string(),
        viewer.map(|v| v.person.clone()),
    );
    let rows = state
        .db
        .read(move |conn| {
            let group = find_group(conn, id, &name)?;
            if pending {
                match &person {
                    Some(p) => require_steward(conn, group.id, p)?,
                    None => return Err(Error::Unauthorized),
                }
            }
            let mut q = memberships::table
                .inner_join(persons::table)
                .left_join(
                    stewards::table.on(stewards::group_id
                        .eq(memberships::group_id)
                        .and(stewards::person_id.eq(memberships::person_id))),
                )
                .filter(memberships::group_id.eq(group.id))
                .filter(memberships::state.eq(if pending { PENDING } else { ACCEPTED }))
                .select((
                    PersonBrief::as_select(),
                    memberships::state,
                    stewards::person_id.nullable(),
                    memberships::created_at,
                ))
                .into_boxed();
            if let Some(c) = page.after {
                let t = c.key_as_time()?;
                q = q.filter(
                    memberships::created_at.gt(t).or(memberships::created_at
                        .eq(t)
                        .and(memberships::person_id.gt(c.id))),
                );
            }
            Ok(
                q.order((memberships::created_at.asc(), memberships::person_id.asc()))
                    .limit(page.limit + 1)
                    .load::<(PersonBrief, String, Option<i64>, chrono::NaiveDateTime)>(conn)?,
            )
        })
        .await?;
    let views = rows
        .into_iter()
        .map(|(p, state, steward, joined_at)| MemberView {
            person: p.into(),
            state,
            steward: steward.is_some(),
            joined_at: joined_at.and_utc(),
        })
        .collect();
    Ok(Page::from_rows(views, page.limit, |m: &MemberView| {
        Cursor {
            key: Cursor::time_key(m.joined_at),
            id: m.person.id,
        }
    }))
}

/// What a steward does to one member.
#[derive(Debug, Clone, Copy)]
pub enum MemberAction {
    /// Accept a pending request.
    Approve,
    /// Remove a member or refuse a request.
    Remove,
    /// Make an accepted member a steward.
    MakeSteward,
    /// Take the steward role back (the member stays a member).
    RemoveSteward,
}

/// # Errors
/// 403 for non-stewards; 404 when the person is not a member; 409 when removing a steward.
#[tracing::instrument(skip_all, fields(group = %name, member = %member))]
pub async fn act_on_member(
    state: &Context,
    viewer: &Viewer,
    name: &str,
    member: &str,
    action: MemberAction,
) -> Result<MemberView> {
    let (id, name, member, actor, origin) = (
        state.instance_id,
        name.to_string(),
        member.to_string(),
        viewer.person.clone(),
        state.origin(),
    );
    let view = state
        .db
        .write(move |conn| {
            let group = find_group(conn, id, &name)?;
            require_steward(conn, group.id, &actor)?;
            let person = find_person_by_handle(conn, id, &member)?;
            let current =
                membership_of(conn, group.id, person.id)?.ok_or(Error::NotFound("membership"))?;
            let target = memberships::table
                .filter(memberships::group_id.eq(group.id))
                .filter(memberships::person_id.eq(person.id));
            let steward = is_steward(conn, group.id, person.id)?;
            let new_state = match action {
                MemberAction::Approve => {
                    diesel::update(target)
                        .set(memberships::state.eq(ACCEPTED))
                        .execute(conn)?;
                    if !person.local && current != ACCEPTED {
                        // The remote follower's Follow is answered now.
                        let follow_id: Option<String> = memberships::table
                            .filter(memberships::group_id.eq(group.id))
                            .filter(memberships::person_id.eq(person.id))
                            .select(memberships::ap_id)
                            .first(conn)?;
                        let follow = serde_json::json!({
                            "id": follow_id,
                            "type": "Follow",
                            "actor": person.ap_id,
                            "object": group.ap_id,
                        });
                        publish::accept(conn, &origin, &group.ap_id, &person, follow)?;
                    }
                    ACCEPTED.to_string()
                }
                MemberAction::Remove => {
                    if steward {
                        return Err(Error::Conflict {
                            field: None,
                            message: "stewards cannot be removed as members".into(),
                        });
                    }
                    if !person.local && group.local {
                        // Their instance hears of it: a request refused, or a member removed,
                        // no longer waits or follows there.
                        let follow_id: Option<String> = target
                            .select(memberships::ap_id)
                            .first::<Option<String>>(conn)?;
                        publish::reject_follow(
                            conn,
                            &origin,
                            &group.ap_id,
                            &person,
                            follow_id.as_deref(),
                        )?;
                    }
                    diesel::delete(target).execute(conn)?;
                    "none".to_string()
                }
                MemberAction::MakeSteward => {
                    if current != ACCEPTED {
                        return Err(Error::Conflict {
                            field: None,
                            message: "only accepted members can become stewards".into(),
                        });
                    }
                    if !steward {
                        set_steward(conn, group.id, person.id, true)?;
                        publish::steward_changed(
                            conn,
                            &origin,
                            &actor,
                            &group,
                            &person.ap_id,
                            true,
                        )?;
                    }
                    current.clone()
                }
                MemberAction::RemoveSteward => {
                    if steward {
                        step_down(
                            conn,
                            group.id,
                            person.id,
                            "the group's last steward stays: appoint another one first",
                        )?;
                        publish::steward_changed(
                            conn,
                            &origin,
                            &actor,
                            &group,
                            &person.ap_id,
                            false,
                        )?;
                    }
                    current.clone()
                }
            };
            recount_members(conn, group.id)?;
            let joined_at = memberships::table
                .filter(memberships::group_id.eq(group.id))
                .filter(memberships::person_id.eq(person.id))
                .select(memberships::created_at)
                .first(conn)
                .optional()?
                .unwrap_or_else(now);
            let steward = is_steward(conn, group.id, person.id)?;
            Ok(MemberView {
                person: PersonRef::from(PersonBrief {
                    id: person.id,
                    ap_id: person.ap_id,
                    local: person.local,
                    username: person.username,
                    display_name: person.display_name,
                    agency: person.agency,
                }),
                state: new_state,
                steward,
                joined_at: joined_at.and_utc(),
            })
        })
        .await?;
    state.wake_outbox();
    Ok(view)
}

/// Times a `Follow` of a remote group is sent in all while unanswered (see
/// `Config::follow_resend_seconds`).
const FOLLOW_MAX_ATTEMPTS: i32 = 5;

/// Sends again the `Follow`s of pending memberships in remote groups that got no answer.
/// Returns how many were sent.
///
/// # Errors
/// Database failures only.
pub async fn resend_stale_follows(state: &Context) -> Result<usize> {
    let origin = state.origin();
    let first_wait = i64::try_from(state.config.follow_resend_seconds).unwrap_or(600);
    let sent = state
        .db
        .write(move |conn| {
            let t = now();
            let pending: Vec<(Membership, Person, Group)> = memberships::table
                .inner_join(persons::table)
                .inner_join(groups::table)
                .filter(memberships::state.eq(PENDING))
                .filter(groups::local.eq(false))
                .filter(persons::local.eq(true))
                .filter(memberships::follow_attempts.lt(FOLLOW_MAX_ATTEMPTS))
                .select((
                    Membership::as_select(),
                    Person::as_select(),
                    Group::as_select(),
                ))
                .load(conn)?;
            let mut sent = 0;
            for (m, person, group) in pending {
                let wait = chrono::Duration::seconds(
                    first_wait * 4_i64.pow(m.follow_attempts.saturating_sub(1).max(0) as u32),
                );
                if m.follow_sent_at.is_some_and(|at| at + wait > t) {
                    continue;
                }
                let follow_id =
                    publish::follow(conn, &origin, &person, publish::Target::Group(&group))?;
                diesel::update(
                    memberships::table
                        .filter(memberships::group_id.eq(group.id))
                        .filter(memberships::person_id.eq(person.id)),
                )
                .set((
                    memberships::ap_id.eq(Some(follow_id)),
                    memberships::follow_sent_at.eq(Some(t)),
                    memberships::follow_attempts.eq(m.follow_attempts + 1),
                ))
                .execute(conn)?;
                sent += 1;
            }
            Ok(sent)
        })
        .await?;
    if sent > 0 {
        tracing::info!(sent, "unanswered follows sent again");
        state.wake_outbox();
    }
    Ok(sent)
}

/// Records a steward change that a remote group announced about itself.
///
/// # Errors
/// Database failures only.
pub async fn set_remote_steward(
    state: &Context,
    group: Group,
    person: Person,
    steward: bool,
) -> Result<()> {
    if group.local {
        return Err(Error::Refused(
            "stewards of our groups are appointed here".into(),
        ));
    }
    state
        .db
        .write(move |conn| set_steward(conn, group.id, person.id, steward))
        .await
}

/// Whether `person` is a steward of the group with this id.
///
/// # Errors
/// Database failures only.
pub async fn steward_of(state: &Context, group_id: i64, person_id: i64) -> Result<bool> {
    state
        .db
        .read(move |c| is_steward(c, group_id, person_id))
        .await
}

/// Bans a person from a group (or lifts the ban): a banned person's membership ends and they
/// cannot join, post or reply there. `relayed` as for other steward actions.
///
/// # Errors
/// 403 for non-stewards; 404 for an unknown group or person; 409 for banning a steward.
pub async fn ban(
    state: &Context,
    actor: Person,
    group_name: &str,
    member: &str,
    value: bool,
    relayed: Option<serde_json::Value>,
) -> Result<()> {
    let (id, group_name, member, origin) = (
        state.instance_id,
        group_name.to_string(),
        member.to_string(),
        state.origin(),
    );
    state
        .db
        .write(move |conn| {
            let group = find_group(conn, id, &group_name)?;
            if relayed.is_none() {
                require_steward(conn, group.id, &actor)?;
            }
            let person = find_person_by_handle(conn, id, &member)?;
            if value && is_steward(conn, group.id, person.id)? {
                return Err(Error::Conflict {
                    field: None,
                    message: "stewards cannot be banned; remove their steward role first".into(),
                });
            }
            let row = group_bans::table
                .filter(group_bans::group_id.eq(group.id))
                .filter(group_bans::person_id.eq(person.id));
            diesel::delete(row).execute(conn)?;
            // Announced before the membership ends, so the banned person's server hears of it.
            publish::ban(conn, &origin, &actor, &group, &person, value, relayed)?;
            if value {
                diesel::insert_into(group_bans::table)
                    .values((
                        group_bans::group_id.eq(group.id),
                        group_bans::person_id.eq(person.id),
                        group_bans::created_at.eq(now()),
                    ))
                    .execute(conn)?;
                diesel::delete(
                    memberships::table
                        .filter(memberships::group_id.eq(group.id))
                        .filter(memberships::person_id.eq(person.id)),
                )
                .execute(conn)?;
                recount_members(conn, group.id)?;
            }
            Ok(())
        })
        .await?;
    state.wake_outbox();
    Ok(())
}

pub(crate) fn is_banned(conn: &mut AnyConnection, group_id: i64, person_id: i64) -> Result<bool> {
    let n: i64 = group_bans::table
        .filter(group_bans::group_id.eq(group_id))
        .filter(group_bans::person_id.eq(person_id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}
