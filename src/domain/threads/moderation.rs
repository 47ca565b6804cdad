//! Deleting and restoring threads (their authors) and stewards' pins, locks and removals.

use super::*;

/// Deletes a thread, leaving a tombstone so its comments stay readable.
///
/// # Errors
/// 403 for anyone but the author, 404 for an unknown thread.
#[tracing::instrument(skip_all, fields(thread = id))]
pub async fn delete(state: &Context, viewer: &Viewer, id: i64) -> Result<()> {
    delete_as(state, viewer.person.clone(), id, None).await
}

/// Deletes a thread on behalf of its author, local or remote (`received`: the `Delete` that
/// asked for it, relayed if the group is ours).
///
/// # Errors
/// 403 for anyone but the author, 404 for an unknown thread.
pub async fn delete_as(
    state: &Context,
    author: Person,
    id: i64,
    received: Option<serde_json::Value>,
) -> Result<()> {
    set_deleted(state, author, id, true, received).await
}

/// Restores a thread its remote author deleted, on the `Undo` of that `Delete` (`received`,
/// relayed if the group is ours), as Lemmy lets authors do.
///
/// # Errors
/// 403 for anyone but the author, 404 for an unknown thread.
pub async fn restore_as(
    state: &Context,
    author: Person,
    id: i64,
    received: serde_json::Value,
) -> Result<()> {
    set_deleted(state, author, id, false, Some(received)).await
}

pub(super) async fn set_deleted(
    state: &Context,
    author: Person,
    id: i64,
    deleted: bool,
    received: Option<serde_json::Value>,
) -> Result<()> {
    let origin = state.origin();
    state
        .db
        .write(move |conn| {
            let thread = find_thread(conn, id)?;
            if thread.author_id != author.id {
                return Err(Error::forbidden("only the author can delete a thread"));
            }
            if thread.deleted == deleted {
                return Ok(());
            }
            diesel::update(threads::table.find(id))
                .set((
                    threads::deleted.eq(deleted),
                    threads::updated_at.eq(Some(now())),
                ))
                .execute(conn)?;
            if !thread.removed {
                let delta: i64 = if deleted { -1 } else { 1 };
                diesel::update(groups::table.find(thread.group_id))
                    .set(groups::thread_count.eq(groups::thread_count + delta))
                    .execute(conn)?;
            }
            let group = groups::table
                .find(thread.group_id)
                .select(Group::as_select())
                .first(conn)?;
            publish::deleted(conn, &origin, &author, &group, &thread.ap_id, received)
        })
        .await?;
    state.wake_outbox();
    Ok(())
}

/// Pins, locks or removes a thread (or undoes it).
///
/// # Errors
/// 403 for non-stewards, 404 for an unknown thread, 409 for a deleted one.
#[tracing::instrument(skip_all, fields(thread = id, ?flag, value))]
pub async fn moderate(
    state: &Context,
    viewer: &Viewer,
    id: i64,
    flag: ThreadFlag,
    value: bool,
) -> Result<ThreadView> {
    moderate_as(state, viewer.person.clone(), id, flag, value, None).await
}

/// A steward action on a thread, local or remote. `relayed` is the activity that carried it
/// when its group, a remote one, announced it: the group vouches for its own stewards. Without
/// it, the actor must be a steward here.
///
/// # Errors
/// 403 for non-stewards, 404 for an unknown thread, 409 for a deleted one.
pub async fn moderate_as(
    state: &Context,
    person: Person,
    id: i64,
    flag: ThreadFlag,
    value: bool,
    relayed: Option<serde_json::Value>,
) -> Result<ThreadView> {
    let origin = state.origin();
    let view = state
        .db
        .write(move |conn| {
            let thread = find_thread(conn, id)?;
            let group = groups::table
                .find(thread.group_id)
                .select(Group::as_select())
                .first(conn)?;
            if relayed.is_none() {
                require_steward(conn, thread.group_id, &person)?;
            }
            if thread.deleted {
                return Err(Error::Conflict {
                    field: None,
                    message: "this thread was deleted by its author".into(),
                });
            }
            let target = threads::table.find(id);
            match flag {
                ThreadFlag::Pinned => diesel::update(target)
                    .set(threads::pinned.eq(value))
                    .execute(conn)?,
                ThreadFlag::Locked => diesel::update(target)
                    .set(threads::locked.eq(value))
                    .execute(conn)?,
                ThreadFlag::Removed => {
                    if thread.removed != value {
                        let delta: i64 = if value { -1 } else { 1 };
                        diesel::update(groups::table.find(thread.group_id))
                            .set(groups::thread_count.eq(groups::thread_count + delta))
                            .execute(conn)?;
                    }
                    diesel::update(target)
                        .set(threads::removed.eq(value))
                        .execute(conn)?
                }
            };
            let action = match flag {
                ThreadFlag::Pinned => publish::ModAction::Feature,
                ThreadFlag::Locked => publish::ModAction::Lock,
                ThreadFlag::Removed => publish::ModAction::Remove,
            };
            publish::moderation(
                conn,
                &origin,
                &person,
                &group,
                action,
                &thread.ap_id,
                value,
                relayed,
            )?;
            tracing::info!(steward = %person.username, "thread moderated");
            load_view(conn, id, person.id, true)
        })
        .await?;
    state.wake_outbox();
    Ok(view)
}
