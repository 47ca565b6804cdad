//! Receipts of activities we received: one row per id in `activities` (`local` false), so that
//! an activity is handled once however many copies arrive (directly and relayed, or retried).
//! Content and votes record theirs in the transaction that stores them ([`record`]); other
//! activities [`claim`] theirs before they are handled and [`forget`] it if handling fails.

use diesel::prelude::*;
use serde_json::Value;

use crate::db::{schema::*, AnyConnection};
use crate::domain::text::now;
use crate::domain::Context;
use crate::error::{Error, Result};
use crate::per_backend;

/// Records a received activity inside the transaction that acts on it, so that it is taken
/// once even when copies arrive at the same moment (directly and relayed, or retried).
///
/// # Errors
/// [`Error::AlreadyReceived`] for an id seen before (the transaction then undoes its work),
/// or database failures.
pub fn record(conn: &mut AnyConnection, activity: &Value) -> Result<()> {
    let ap_id = activity["id"]
        .as_str()
        .ok_or_else(|| Error::Refused("an activity without id".into()))?;
    let kind = activity["type"].as_str().unwrap_or("Activity");
    let actor = activity["actor"].as_str().unwrap_or_default();
    if first(conn, ap_id, kind, actor)? {
        Ok(())
    } else {
        Err(Error::AlreadyReceived)
    }
}

/// Whether a received activity is new; records it. The same id twice does nothing the second time.
///
/// # Errors
/// Database failures only.
pub fn first(conn: &mut AnyConnection, ap_id: &str, kind: &str, actor: &str) -> Result<bool> {
    let row = (
        activities::ap_id.eq(ap_id),
        activities::kind.eq(kind),
        activities::actor_ap_id.eq(actor),
        activities::local.eq(false),
        activities::data.eq(""),
        activities::created_at.eq(now()),
    );
    let inserted = per_backend!(conn, |c| diesel::insert_into(activities::table)
        .values(row)
        .on_conflict(activities::ap_id)
        .do_nothing()
        .execute(c))?;
    Ok(inserted == 1)
}

/// Records a received activity id in a transaction of its own, before it is handled; false
/// when it was seen before.
///
/// # Errors
/// Database failures only.
pub async fn claim(state: &Context, ap_id: &str, kind: &str, actor: &str) -> Result<bool> {
    let (ap_id, kind, actor) = (ap_id.to_string(), kind.to_string(), actor.to_string());
    state
        .db
        .write(move |c| first(c, &ap_id, &kind, &actor))
        .await
}

/// Takes back the receipt of an activity that could not be handled, so that a retry is handled.
///
/// # Errors
/// Database failures only.
pub async fn forget(state: &Context, ap_id: &str) -> Result<()> {
    let ap_id = ap_id.to_string();
    state
        .db
        .write(move |c| {
            diesel::delete(
                activities::table
                    .filter(activities::ap_id.eq(&ap_id))
                    .filter(activities::local.eq(false)),
            )
            .execute(c)?;
            Ok(())
        })
        .await
}
