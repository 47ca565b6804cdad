//! What a remote group's own collections say of it (followers, stewards), and when it was last
//! read.

use super::*;

/// Most stewards taken from a remote group's moderators collection.
pub const REMOTE_STEWARDS_MAX: usize = 50;

/// What a remote group's own collections say of it: how many follow it (`None`: it did not say)
/// and who its stewards are (`None`: unknown, left as they are), as read from `read_at` on:
/// a steward appointed here since then is kept. Local groups are never changed this way.
///
/// # Errors
/// Database failures only.
pub async fn set_group_figures(
    state: &Context,
    group_id: i64,
    member_count: Option<i64>,
    stewards: Option<Vec<i64>>,
    read_at: chrono::NaiveDateTime,
) -> Result<()> {
    state
        .db
        .write(move |conn| {
            let local: bool = groups::table
                .find(group_id)
                .select(groups::local)
                .first(conn)?;
            if local {
                return Err(Error::Refused(
                    "a local group's figures are not taken from outside".into(),
                ));
            }
            if let Some(n) = member_count {
                diesel::update(groups::table.find(group_id))
                    .set(groups::member_count.eq(n.max(0)))
                    .execute(conn)?;
            }
            if let Some(mut wanted) = stewards {
                wanted.truncate(REMOTE_STEWARDS_MAX);
                diesel::delete(
                    stewards::table
                        .filter(stewards::group_id.eq(group_id))
                        .filter(stewards::person_id.ne_all(&wanted))
                        .filter(stewards::created_at.lt(read_at)),
                )
                .execute(conn)?;
                let have: Vec<i64> = stewards::table
                    .filter(stewards::group_id.eq(group_id))
                    .select(stewards::person_id)
                    .load(conn)?;
                let t = now();
                for p in wanted.iter().filter(|p| !have.contains(p)) {
                    diesel::insert_into(stewards::table)
                        .values((
                            stewards::group_id.eq(group_id),
                            stewards::person_id.eq(p),
                            stewards::created_at.eq(t),
                        ))
                        .execute(conn)?;
                }
            }
            Ok(())
        })
        .await
}

/// Marks a remote group as just read, when reading it failed, so that it waits its turn again.
///
/// # Errors
/// Database failures only.
pub async fn touch_group(state: &Context, group_id: i64) -> Result<()> {
    state
        .db
        .write(move |conn| {
            diesel::update(groups::table.find(group_id))
                .set(groups::last_refreshed_at.eq(Some(now())))
                .execute(conn)?;
            Ok(())
        })
        .await
}

/// Remote groups that members here belong to and that were last read longer ago than `age`,
/// oldest first, at most `limit`.
///
/// # Errors
/// Database failures only.
pub async fn stale_groups(
    state: &Context,
    age: chrono::Duration,
    limit: i64,
) -> Result<Vec<Group>> {
    let before = now() - age;
    state
        .db
        .read(move |conn| {
            let followed = memberships::table
                .inner_join(persons::table)
                .filter(persons::local.eq(true))
                .filter(memberships::state.eq(MembershipState::Accepted))
                .select(memberships::group_id);
            Ok(groups::table
                .filter(groups::local.eq(false))
                .filter(groups::id.eq_any(followed))
                .filter(
                    groups::last_refreshed_at
                        .is_null()
                        .or(groups::last_refreshed_at.lt(before)),
                )
                // Never read first, on both backends (they sort NULL apart).
                .order(groups::last_refreshed_at.is_not_null())
                .then_order_by(groups::last_refreshed_at.asc())
                .limit(limit)
                .select(Group::as_select())
                .load(conn)?)
        })
        .await
}
