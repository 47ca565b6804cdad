//! The persistent outbox: activities to send and one delivery row per remote inbox, written in
//! the same transaction as the content they announce, claimed by workers from the database.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use serde_json::Value;

use crate::db::{schema::*, AnyConnection};
use crate::domain::text::now;
use crate::domain::Context;
use crate::error::{Error, Result};
use crate::per_backend;

/// Deliveries are retried for this long, then given up.
pub const GIVE_UP_AFTER_HOURS: i64 = 72;
/// Consecutive failures after which an instance counts as dead.
const DEAD_AFTER_FAILURES: i32 = 16;
/// Longest wait between two attempts.
const MAX_BACKOFF_SECONDS: i64 = 6 * 3600;

fn authority(inbox: &str) -> Option<String> {
    url::Url::parse(inbox)
        .ok()
        .map(|u| crate::domain::names::authority(&u))
}

/// Records a local activity and queues it for each distinct remote inbox. Returns whether it
/// was recorded: with no remote inbox to tell, nothing is kept.
///
/// # Errors
/// Database failures; the caller's transaction then rolls back with the content.
pub fn enqueue(
    conn: &mut AnyConnection,
    origin: &crate::domain::publish::Origin,
    activity: &Value,
    inboxes: &[String],
) -> Result<bool> {
    let local_domain = origin.domain.as_str();
    let mut targets: Vec<(&String, String)> = Vec::new();
    for inbox in inboxes {
        let Some(domain) = authority(inbox) else {
            continue;
        };
        if domain != local_domain && !targets.iter().any(|(i, _)| *i == inbox) {
            targets.push((inbox, domain));
        }
    }
    // Nobody elsewhere to tell: nothing to keep either.
    if targets.is_empty() {
        return Ok(false);
    }
    let id = store(conn, activity)?
        .ok_or_else(|| Error::Internal(format!("activity {} queued twice", activity["id"])))?;
    let t = now();
    for (inbox, domain) in targets {
        diesel::insert_into(deliveries::table)
            .values((
                deliveries::activity_id.eq(id),
                deliveries::inbox_url.eq(inbox),
                deliveries::domain.eq(&domain),
                deliveries::next_attempt_at.eq(t),
                deliveries::created_at.eq(t),
            ))
            .execute(conn)?;
    }
    origin
        .queued
        .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    Ok(true)
}

/// Records a local activity that travels only inside another (the `Announce` of one of our
/// groups), so that it can be served at its id; it has no delivery of its own and is pruned
/// with the others. Kept once.
///
/// # Errors
/// Database failures.
pub fn keep(conn: &mut AnyConnection, activity: &Value) -> Result<()> {
    store(conn, activity).map(drop)
}

/// Stores one of our activities; its row id, or None when one with its id is stored already.
fn store(conn: &mut AnyConnection, activity: &Value) -> Result<Option<i64>> {
    let ap_id = activity["id"]
        .as_str()
        .ok_or_else(|| Error::Internal("activity without id".into()))?;
    let kind = activity["type"].as_str().unwrap_or("Activity");
    let actor = activity["actor"].as_str().unwrap_or_default();
    let data = activity.to_string();
    Ok(per_backend!(conn, |c| diesel::insert_into(
        activities::table
    )
    .values((
        activities::ap_id.eq(ap_id),
        activities::kind.eq(kind),
        activities::actor_ap_id.eq(actor),
        activities::local.eq(true),
        activities::data.eq(&data),
        activities::created_at.eq(now()),
    ))
    .on_conflict(activities::ap_id)
    .do_nothing()
    .returning(activities::id)
    .get_result::<i64>(c)
    .optional())?)
}

/// A delivery claimed by a worker.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: i64,
    pub inbox: String,
    pub domain: String,
    pub attempts: i32,
    pub created_at: NaiveDateTime,
    pub activity: String,
    pub actor_ap_id: String,
}

/// Claims due deliveries so no other worker (or process) takes them meanwhile: at most `limit`
/// in all and at most `room(domain)` for each remote instance, so that one slow or dead instance
/// cannot take every worker.
///
/// # Errors
/// Database failures only.
pub async fn claim(
    state: &Context,
    limit: usize,
    room: impl Fn(&str) -> usize + Send + 'static,
) -> Result<Vec<Claimed>> {
    // A claim that its worker did not settle (the process died) is free again after this.
    let claim_seconds = i64::try_from(state.config.delivery_claim_seconds).unwrap_or(120);
    state
        .db
        .write(move |conn| {
            let t = now();
            let due = deliveries::delivered_at
                .is_null()
                .and(deliveries::failed_at.is_null())
                .and(deliveries::next_attempt_at.le(t))
                .and(
                    deliveries::claimed_until
                        .is_null()
                        .or(deliveries::claimed_until.lt(t)),
                );
            let window = i64::try_from(limit * 8).unwrap_or(i64::MAX);
            // PostgreSQL: rows locked by another process are skipped. SQLite has one writer, so
            // the transaction alone makes the claim exclusive.
            let candidates: Vec<(i64, String)> = match conn {
                AnyConnection::Postgresql(c) => deliveries::table
                    .filter(due)
                    .order(deliveries::next_attempt_at.asc())
                    .limit(window)
                    .select((deliveries::id, deliveries::domain))
                    .for_update()
                    .skip_locked()
                    .load(c)?,
                AnyConnection::Sqlite(c) => deliveries::table
                    .filter(due)
                    .order(deliveries::next_attempt_at.asc())
                    .limit(window)
                    .select((deliveries::id, deliveries::domain))
                    .load(c)?,
            };
            let mut taken: std::collections::HashMap<String, usize> =
                std::collections::HashMap::new();
            let mut ids = Vec::new();
            for (id, domain) in candidates {
                if ids.len() >= limit {
                    break;
                }
                let n = taken.entry(domain.clone()).or_default();
                if *n < room(&domain) {
                    *n += 1;
                    ids.push(id);
                }
            }
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            diesel::update(deliveries::table.filter(deliveries::id.eq_any(&ids)))
                .set(deliveries::claimed_until.eq(Some(t + Duration::seconds(claim_seconds))))
                .execute(conn)?;
            let rows = deliveries::table
                .inner_join(activities::table)
                .filter(deliveries::id.eq_any(&ids))
                .select((
                    deliveries::id,
                    deliveries::inbox_url,
                    deliveries::domain,
                    deliveries::attempts,
                    deliveries::created_at,
                    activities::data,
                    activities::actor_ap_id,
                ))
                .load::<(i64, String, String, i32, NaiveDateTime, String, String)>(conn)?;
            Ok(rows
                .into_iter()
                .map(
                    |(id, inbox, domain, attempts, created_at, activity, actor_ap_id)| Claimed {
                        id,
                        inbox,
                        domain,
                        attempts,
                        created_at,
                        activity,
                        actor_ap_id,
                    },
                )
                .collect())
        })
        .await
}

/// Domains marked dead: deliveries to them wait for a probe to succeed.
///
/// # Errors
/// Database failures only.
pub async fn dead_domains(state: &Context) -> Result<Vec<String>> {
    state
        .db
        .read(|c| {
            Ok(instances::table
                .filter(instances::dead_since.is_not_null())
                .select(instances::domain)
                .load(c)?)
        })
        .await
}

/// Records the outcome of one attempt: delivered, retried later with exponential backoff, or
/// given up after [`GIVE_UP_AFTER_HOURS`].
///
/// # Errors
/// Database failures only.
pub async fn settle(
    state: &Context,
    claimed: &Claimed,
    outcome: std::result::Result<(), (bool, String)>,
) -> Result<()> {
    let base_wait = i64::try_from(state.config.delivery_retry_seconds).unwrap_or(30);
    let (id, domain, attempts, created_at) = (
        claimed.id,
        claimed.domain.clone(),
        claimed.attempts,
        claimed.created_at,
    );
    // A Follow given up on refuses the join it asked for.
    let follow_id = serde_json::from_str::<serde_json::Value>(&claimed.activity)
        .ok()
        .filter(|a| a["type"] == "Follow")
        .and_then(|a| a["id"].as_str().map(str::to_string));
    state
        .db
        .write(move |conn| {
            let t = now();
            let instance = instances::table.filter(instances::domain.eq(&domain));
            match outcome {
                Ok(()) => {
                    diesel::update(deliveries::table.find(id))
                        .set((
                            deliveries::delivered_at.eq(Some(t)),
                            deliveries::attempts.eq(attempts + 1),
                        ))
                        .execute(conn)?;
                    diesel::update(instance)
                        .set((
                            instances::failure_count.eq(0),
                            instances::last_success_at.eq(Some(t)),
                            instances::dead_since.eq(None::<NaiveDateTime>),
                        ))
                        .execute(conn)?;
                }
                Err((retry, error)) => {
                    let attempts = attempts + 1;
                    let give_up = !retry || created_at + Duration::hours(GIVE_UP_AFTER_HOURS) < t;
                    let wait = base_wait
                        .saturating_mul(1 << (attempts - 1).clamp(0, 20))
                        .min(MAX_BACKOFF_SECONDS);
                    diesel::update(deliveries::table.find(id))
                        .set((
                            deliveries::attempts.eq(attempts),
                            deliveries::last_error
                                .eq(Some(error.chars().take(500).collect::<String>())),
                            deliveries::next_attempt_at.eq(t + Duration::seconds(wait)),
                            deliveries::claimed_until.eq(None::<NaiveDateTime>),
                            deliveries::failed_at.eq(give_up.then_some(t)),
                        ))
                        .execute(conn)?;
                    if let (true, Some(follow_id)) = (give_up, &follow_id) {
                        crate::domain::groups::follow_undeliverable(conn, follow_id, &error)?;
                    }
                    // A refusal (a 4xx answer) is an answer: the instance is up, so only
                    // failures worth retrying count towards marking it dead.
                    if !retry {
                        return Ok(());
                    }
                    diesel::update(instance)
                        .set(instances::failure_count.eq(instances::failure_count + 1))
                        .execute(conn)?;
                    // Many failures in a row and no success for a day: stop hammering it.
                    diesel::update(
                        instances::table
                            .filter(instances::domain.eq(&domain))
                            .filter(instances::failure_count.ge(DEAD_AFTER_FAILURES))
                            .filter(instances::dead_since.is_null())
                            .filter(
                                instances::last_success_at
                                    .is_null()
                                    .or(instances::last_success_at.lt(t - Duration::hours(24))),
                            ),
                    )
                    .set(instances::dead_since.eq(Some(t)))
                    .execute(conn)?;
                }
            }
            Ok(())
        })
        .await
}

/// Delivered and given-up deliveries are kept this long (for `GET /api/v1/admin/queue` and for
/// looking into problems), then deleted.
pub const KEEP_SETTLED_DAYS: i64 = 7;
/// Activities, sent and received, are kept this long: long enough to answer fetches of what we
/// sent and to recognise a copy of what we received (signatures are good for an hour, deliveries
/// are retried for three days).
pub const KEEP_ACTIVITIES_DAYS: i64 = 90;

/// Deletes settled deliveries and activities past their keeping time, leaving any activity that
/// still has deliveries. Returns how many deliveries and activities went.
///
/// # Errors
/// Database failures only.
pub async fn prune(state: &Context) -> Result<(usize, usize)> {
    state
        .db
        .write(|conn| {
            let t = now();
            let settled_before = t - Duration::days(KEEP_SETTLED_DAYS);
            let deliveries_gone = diesel::delete(
                deliveries::table.filter(
                    deliveries::delivered_at
                        .lt(settled_before)
                        .or(deliveries::failed_at.lt(settled_before)),
                ),
            )
            .execute(conn)?;
            let activities_gone = diesel::delete(
                activities::table
                    .filter(activities::created_at.lt(t - Duration::days(KEEP_ACTIVITIES_DAYS)))
                    .filter(diesel::dsl::not(diesel::dsl::exists(
                        deliveries::table.filter(deliveries::activity_id.eq(activities::id)),
                    ))),
            )
            .execute(conn)?;
            Ok((deliveries_gone, activities_gone))
        })
        .await
}

/// Counts for the delivery queue's health.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct QueueHealth {
    pub pending: i64,
    pub failing: i64,
    pub delivered: i64,
    pub given_up: i64,
    /// Instances marked dead after a day of failures (at most 100, longest dead first):
    /// deliveries to them wait until a trial delivery succeeds.
    pub dead_instances: Vec<DeadInstance>,
}

/// An instance deliveries have given up on for now.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct DeadInstance {
    pub domain: String,
    pub dead_since: chrono::DateTime<chrono::Utc>,
}

/// # Errors
/// Database failures only.
pub async fn health(state: &Context) -> Result<QueueHealth> {
    state
        .db
        .read(|c| {
            let open = deliveries::delivered_at
                .is_null()
                .and(deliveries::failed_at.is_null());
            Ok(QueueHealth {
                pending: deliveries::table.filter(open).count().get_result(c)?,
                failing: deliveries::table
                    .filter(open.and(deliveries::attempts.gt(0)))
                    .count()
                    .get_result(c)?,
                delivered: deliveries::table
                    .filter(deliveries::delivered_at.is_not_null())
                    .count()
                    .get_result(c)?,
                given_up: deliveries::table
                    .filter(deliveries::failed_at.is_not_null())
                    .count()
                    .get_result(c)?,
                dead_instances: instances::table
                    .filter(instances::dead_since.is_not_null())
                    .order(instances::dead_since.asc())
                    .limit(100)
                    .select((instances::domain, instances::dead_since))
                    .load::<(String, Option<NaiveDateTime>)>(c)?
                    .into_iter()
                    .filter_map(|(domain, since)| {
                        since.map(|t| DeadInstance {
                            domain,
                            dead_since: t.and_utc(),
                        })
                    })
                    .collect(),
            })
        })
        .await
}
