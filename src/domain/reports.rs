//! Reports: members flag threads and comments for the group's stewards, wherever the group lives.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::{models::*, schema::*};
use crate::domain::groups::{find_group, require_steward};
use crate::domain::paging::{Cursor, Page, PageRequest};
use crate::domain::people::Viewer;
use crate::domain::publish;
use crate::domain::text::{now, parse_line};
use crate::domain::views::{PersonBrief, PersonRef};
use crate::domain::Context;
use crate::error::{Error, Result};
use crate::per_backend;

const REASON_MAX: usize = 1000;

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReportInput {
    /// Why this needs a steward's attention.
    pub reason: String,
}

/// A report as stewards see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportView {
    pub id: i64,
    pub reporter: PersonRef,
    pub thread_id: Option<i64>,
    /// The reported thread's title, so stewards see what it is before opening it.
    pub thread_title: Option<String>,
    pub comment_id: Option<i64>,
    pub reason: String,
    pub resolved: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// What is reported.
#[derive(Debug, Clone, Copy)]
pub enum Reported {
    Thread(i64),
    Comment(i64),
}

/// Files a report, local or received (`ap_id` of the remote `Flag`). A report on content of a
/// remote group is also sent to that group's instance as `Flag`.
///
/// # Errors
/// 422 for an empty or long reason, 404 for unknown content.
pub async fn file(
    state: &Context,
    reporter: Person,
    target: Reported,
    reason: &str,
    ap_id: Option<String>,
) -> Result<i64> {
    let reason = parse_line("reason", reason, REASON_MAX).or_else(|e| {
        // Remote reports may span lines; keep them, bounded.
        if ap_id.is_some() && !reason.trim().is_empty() {
            Ok(reason.trim().chars().take(REASON_MAX).collect())
        } else {
            Err(e)
        }
    })?;
    let origin = state.origin();
    let id = state
        .db
        .write(move |conn| {
            let (thread_id, comment_id, object_ap_id) = match target {
                Reported::Thread(id) => {
                    let ap: String = threads::table
                        .find(id)
                        .select(threads::ap_id)
                        .first(conn)
                        .optional()?
                        .ok_or(Error::NotFound("thread"))?;
                    (id, None, ap)
                }
                Reported::Comment(id) => {
                    let (t, ap): (i64, String) = comments::table
                        .find(id)
                        .select((comments::thread_id, comments::ap_id))
                        .first(conn)
                        .optional()?
                        .ok_or(Error::NotFound("comment"))?;
                    (t, Some(id), ap)
                }
            };
            let group = groups::table
                .inner_join(threads::table)
                .filter(threads::id.eq(thread_id))
                .select(Group::as_select())
                .first(conn)?;
            let ap_id = match ap_id {
                Some(a) => a,
                None => publish::activity_id(&origin.base, "flag"),
            };
            let report_id: i64 = per_backend!(conn, |c| diesel::insert_into(reports::table)
                .values((
                    reports::ap_id.eq(&ap_id),
                    reports::reporter_id.eq(reporter.id),
                    reports::group_id.eq(group.id),
                    reports::thread_id.eq(Some(thread_id)),
                    reports::comment_id.eq(comment_id),
                    reports::reason.eq(&reason),
                    reports::created_at.eq(now()),
                ))
                .returning(reports::id)
                .get_result(c))
            .map_err(crate::domain::people::unique_conflict(
                "report",
                "this report",
            ))?;
            if reporter.local && !group.local {
                publish::flag(
                    conn,
                    &origin,
                    &reporter,
                    &group,
                    &ap_id,
                    &object_ap_id,
                    &reason,
                )?;
            }
            Ok(report_id)
        })
        .await?;
    state.wake_outbox();
    Ok(id)
}

/// Reports of a group, oldest unresolved first (stewards).
///
/// # Errors
/// 403 for non-stewards, 404 for an unknown group.
pub async fn list(
    state: &Context,
    viewer: &Viewer,
    group: &str,
    page: PageRequest,
) -> Result<Page<ReportView>> {
    let (id, name, person) = (state.instance_id, group.to_string(), viewer.person.clone());
    let rows = state
        .db
        .read(move |conn| {
            let group = find_group(conn, id, &name)?;
            require_steward(conn, group.id, &person)?;
            let mut q = reports::table
                .inner_join(persons::table)
                .left_join(threads::table.on(reports::thread_id.eq(threads::id.nullable())))
                .filter(reports::group_id.eq(group.id))
                .select((
                    reports::id,
                    PersonBrief::as_select(),
                    reports::thread_id,
                    threads::title.nullable(),
                    reports::comment_id,
                    reports::reason,
                    reports::resolved,
                    reports::created_at,
                ))
                .into_boxed();
            if let Some(c) = page.after {
                q = q.filter(reports::id.gt(c.id));
            }
            Ok(q.order(reports::id.asc()).limit(page.limit + 1).load::<(
                i64,
                PersonBrief,
                Option<i64>,
                Option<String>,
                Option<i64>,
                String,
                bool,
                chrono::NaiveDateTime,
            )>(conn)?)
        })
        .await?;
    let views = rows
        .into_iter()
        .map(
            |(id, p, thread_id, thread_title, comment_id, reason, resolved, created_at)| {
                ReportView {
                    id,
                    reporter: p.into(),
                    thread_id,
                    thread_title,
                    comment_id,
                    reason,
                    resolved,
                    created_at: created_at.and_utc(),
                }
            },
        )
        .collect();
    Ok(Page::from_rows(views, page.limit, |r: &ReportView| {
        Cursor { key: 0, id: r.id }
    }))
}

/// Marks a report as dealt with (or open again), by a steward of its group.
///
/// # Errors
/// 403 for anyone but the group's stewards, 404 for an unknown report.
pub async fn resolve(
    state: &Context,
    viewer: &Viewer,
    report_id: i64,
    resolved: bool,
) -> Result<()> {
    let person = viewer.person.clone();
    state
        .db
        .write(move |conn| {
            let group_id: i64 = reports::table
                .find(report_id)
                .select(reports::group_id)
                .first(conn)
                .optional()?
                .ok_or(Error::NotFound("report"))?;
            require_steward(conn, group_id, &person)?;
            diesel::update(reports::table.find(report_id))
                .set(reports::resolved.eq(resolved))
                .execute(conn)?;
            Ok(())
        })
        .await
}
