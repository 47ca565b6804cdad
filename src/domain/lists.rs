//! Lists: a member's own selections of groups, each read as one timeline.

use diesel::prelude::*;

use crate::db::{schema::*, AnyConnection};
use crate::domain::people::Viewer;
use crate::domain::text::{self, now};
use crate::domain::Context;
use crate::error::{Error, Result};
use crate::per_backend;

/// Lists one member may keep.
const LISTS_MAX: i64 = 100;
/// Groups in one list.
const GROUPS_MAX: i64 = 500;
const TITLE_MAX: usize = 100;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = lists)]
pub struct List {
    pub id: i64,
    pub person_id: i64,
    pub title: String,
    pub replies_policy: String,
    pub exclusive: bool,
    pub created_at: chrono::NaiveDateTime,
}

/// What may change in a list; absent fields stay.
#[derive(Debug, Clone, Default)]
pub struct ListInput {
    pub title: Option<String>,
    pub replies_policy: Option<String>,
    pub exclusive: Option<bool>,
}

fn check_policy(p: Option<String>) -> Result<Option<String>> {
    match p.as_deref() {
        None => Ok(None),
        Some("followed" | "list" | "none") => Ok(p),
        Some(_) => Err(Error::invalid(
            "replies_policy",
            "must be followed, list or none",
        )),
    }
}

fn own(conn: &mut AnyConnection, me: i64, id: i64) -> Result<List> {
    lists::table
        .filter(lists::id.eq(id))
        .filter(lists::person_id.eq(me))
        .select(List::as_select())
        .first(conn)
        .optional()?
        .ok_or(Error::NotFound("list"))
}

/// The viewer's lists, oldest first.
///
/// # Errors
/// Database failures only.
pub async fn mine(state: &Context, viewer: &Viewer) -> Result<Vec<List>> {
    let me = viewer.id();
    state
        .db
        .read(move |c| {
            Ok(lists::table
                .filter(lists::person_id.eq(me))
                .order(lists::id.asc())
                .select(List::as_select())
                .load(c)?)
        })
        .await
}

/// # Errors
/// 404 for someone else's or an unknown list.
pub async fn one(state: &Context, viewer: &Viewer, id: i64) -> Result<List> {
    let me = viewer.id();
    state.db.read(move |c| own(c, me, id)).await
}

/// The viewer's lists that hold a group.
///
/// # Errors
/// Database failures only.
pub async fn containing(state: &Context, viewer: &Viewer, group_id: i64) -> Result<Vec<List>> {
    let me = viewer.id();
    state
        .db
        .read(move |c| {
            Ok(lists::table
                .inner_join(list_groups::table)
                .filter(lists::person_id.eq(me))
                .filter(list_groups::group_id.eq(group_id))
                .order(lists::id.asc())
                .select(List::as_select())
                .load(c)?)
        })
        .await
}

/// # Errors
/// 422 for a missing or too long title or a bad replies policy; 422 past the number of lists.
pub async fn create(state: &Context, viewer: &Viewer, input: ListInput) -> Result<List> {
    let title = text::parse_line(
        "title",
        input.title.as_deref().unwrap_or_default(),
        TITLE_MAX,
    )?;
    let policy = check_policy(input.replies_policy)?.unwrap_or_else(|| "list".into());
    let exclusive = input.exclusive.unwrap_or(false);
    let me = viewer.id();
    state
        .db
        .write(move |c| {
            let n: i64 = lists::table
                .filter(lists::person_id.eq(me))
                .count()
                .get_result(c)?;
            if n >= LISTS_MAX {
                return Err(Error::invalid(
                    "title",
                    format!("a member may keep at most {LISTS_MAX} lists"),
                ));
            }
            let id: i64 = per_backend!(c, |c| diesel::insert_into(lists::table)
                .values((
                    lists::person_id.eq(me),
                    lists::title.eq(&title),
                    lists::replies_policy.eq(&policy),
                    lists::exclusive.eq(exclusive),
                    lists::created_at.eq(now()),
                ))
                .returning(lists::id)
                .get_result(c))?;
            own(c, me, id)
        })
        .await
}

/// # Errors
/// 404 for someone else's list; 422 for bad values.
pub async fn update(state: &Context, viewer: &Viewer, id: i64, input: ListInput) -> Result<List> {
    let title = input
        .title
        .as_deref()
        .map(|t| text::parse_line("title", t, TITLE_MAX))
        .transpose()?;
    let policy = check_policy(input.replies_policy)?;
    let me = viewer.id();
    state
        .db
        .write(move |c| {
            own(c, me, id)?;
            if let Some(t) = title {
                diesel::update(lists::table.find(id))
                    .set(lists::title.eq(t))
                    .execute(c)?;
            }
            if let Some(p) = policy {
                diesel::update(lists::table.find(id))
                    .set(lists::replies_policy.eq(p))
                    .execute(c)?;
            }
            if let Some(e) = input.exclusive {
                diesel::update(lists::table.find(id))
                    .set(lists::exclusive.eq(e))
                    .execute(c)?;
            }
            own(c, me, id)
        })
        .await
}

/// # Errors
/// 404 for someone else's list.
pub async fn delete(state: &Context, viewer: &Viewer, id: i64) -> Result<()> {
    let me = viewer.id();
    state
        .db
        .write(move |c| {
            own(c, me, id)?;
            diesel::delete(list_groups::table.filter(list_groups::list_id.eq(id))).execute(c)?;
            diesel::delete(lists::table.find(id)).execute(c)?;
            Ok(())
        })
        .await
}

/// The groups of a list.
///
/// # Errors
/// 404 for someone else's list.
pub async fn groups_of(state: &Context, viewer: &Viewer, id: i64) -> Result<Vec<i64>> {
    let me = viewer.id();
    state
        .db
        .read(move |c| {
            own(c, me, id)?;
            Ok(list_groups::table
                .filter(list_groups::list_id.eq(id))
                .order(list_groups::group_id.asc())
                .select(list_groups::group_id)
                .load(c)?)
        })
        .await
}

/// Adds groups to a list (or takes them out with `add` false). Only groups may be listed.
///
/// # Errors
/// 404 for someone else's list or an unknown group; 422 past the size of a list.
pub async fn change_groups(
    state: &Context,
    viewer: &Viewer,
    id: i64,
    group_ids: Vec<i64>,
    add: bool,
) -> Result<()> {
    let me = viewer.id();
    state
        .db
        .write(move |c| {
            own(c, me, id)?;
            for g in group_ids {
                if add {
                    let known: i64 = groups::table
                        .filter(groups::id.eq(g))
                        .count()
                        .get_result(c)?;
                    if known == 0 {
                        return Err(Error::NotFound("group"));
                    }
                    per_backend!(c, |c| diesel::insert_into(list_groups::table)
                        .values((list_groups::list_id.eq(id), list_groups::group_id.eq(g)))
                        .on_conflict((list_groups::list_id, list_groups::group_id))
                        .do_nothing()
                        .execute(c))?;
                } else {
                    diesel::delete(
                        list_groups::table
                            .filter(list_groups::list_id.eq(id))
                            .filter(list_groups::group_id.eq(g)),
                    )
                    .execute(c)?;
                }
            }
            let n: i64 = list_groups::table
                .filter(list_groups::list_id.eq(id))
                .count()
                .get_result(c)?;
            if n > GROUPS_MAX {
                return Err(Error::invalid(
                    "account_ids",
                    format!("a list holds at most {GROUPS_MAX} groups"),
                ));
            }
            Ok(())
        })
        .await
}
