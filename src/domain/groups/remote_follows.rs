//! Follows between our members and remote groups, and remote people's follows of our groups:
//! the federated side of membership.

use super::*;

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
                memberships::state.eq(MembershipState::Refused),
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
            .filter(memberships::state.eq(MembershipState::Pending)),
    )
    .set((
        memberships::state.eq(MembershipState::Refused),
        memberships::refusal.eq(Some(reason)),
    ))
    .execute(conn)?;
    Ok(())
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
) -> Result<MembershipState> {
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
                        MembershipState::Pending
                    } else {
                        MembershipState::Accepted
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
                    let kind = if s == MembershipState::Accepted {
                        notifications::Kind::Follow
                    } else {
                        notifications::Kind::FollowRequest
                    };
                    notifications::notify_stewards(conn, group.id, kind, follower.id)?;
                    s
                }
            };
            if new_state == MembershipState::Accepted {
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
            .set(memberships::state.eq(MembershipState::Accepted))
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

/// Times a `Follow` of a remote group is sent in all while unanswered (see
/// `Config::follow_resend_seconds`).
pub(super) const FOLLOW_MAX_ATTEMPTS: i32 = 5;

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
                .filter(memberships::state.eq(MembershipState::Pending))
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
