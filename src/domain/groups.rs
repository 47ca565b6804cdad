//! Groups (communities of practice): creation, settings, membership and stewards.

mod membership;
mod remote_follows;
mod stewardship;
pub use membership::*;
pub use remote_follows::*;
pub use stewardship::*;

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
                    state: MembershipState::Accepted.into(),
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
                .filter(memberships::state.eq(MembershipState::Accepted))
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
                .filter(memberships::state.eq(MembershipState::Accepted));
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
