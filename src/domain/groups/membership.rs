//! Membership: joining and leaving, approval, members' list and steward actions on members,
//! bans.

use diesel::{expression::AsExpression, sql_types::Text};

use super::*;

/// Where a person stands with a group: the `memberships.state` column (and the same words for
/// follows of people, `person_follows.state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MembershipState {
    /// Waiting for a steward's approval (or for the remote group's answer).
    Pending,
    Accepted,
    /// A join the group (or its server) refused; `memberships.refusal` says why. Joining
    /// again sends a new request.
    Refused,
}

impl MembershipState {
    pub const fn as_str(self) -> &'static str {
        match self {
            MembershipState::Pending => "pending",
            MembershipState::Accepted => "accepted",
            MembershipState::Refused => "refused",
        }
    }

    /// The state a row holds.
    ///
    /// # Errors
    /// A value no version of this server writes.
    pub fn from_db(raw: &str) -> Result<MembershipState> {
        match raw {
            "pending" => Ok(MembershipState::Pending),
            "accepted" => Ok(MembershipState::Accepted),
            "refused" => Ok(MembershipState::Refused),
            other => Err(Error::Internal(format!(
                "unknown membership state {other:?}"
            ))),
        }
    }
}

/// Compared with and written to the text column as its word.
impl AsExpression<Text> for MembershipState {
    type Expression = <&'static str as AsExpression<Text>>::Expression;

    fn as_expression(self) -> Self::Expression {
        AsExpression::<Text>::as_expression(self.as_str())
    }
}

impl From<MembershipState> for String {
    fn from(s: MembershipState) -> String {
        s.as_str().to_string()
    }
}

impl std::fmt::Display for MembershipState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The viewer's membership after a join or leave.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = MembershipState)]
pub struct MembershipView {
    pub group: String,
    /// `pending`, `accepted`, `refused`, or `none` after leaving.
    pub state: String,
    /// Why a join was refused, as the group's server said it (`refused` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

pub(crate) fn membership_of(
    conn: &mut AnyConnection,
    group_id: i64,
    person_id: i64,
) -> Result<Option<MembershipState>> {
    memberships::table
        .filter(memberships::group_id.eq(group_id))
        .filter(memberships::person_id.eq(person_id))
        .select(memberships::state)
        .first::<String>(conn)
        .optional()?
        .map(|s| MembershipState::from_db(&s))
        .transpose()
}

pub(crate) fn recount_members(conn: &mut AnyConnection, group_id: i64) -> Result<()> {
    let n: i64 = memberships::table
        .filter(memberships::group_id.eq(group_id))
        .filter(memberships::state.eq(MembershipState::Accepted))
        .count()
        .get_result(conn)?;
    diesel::update(groups::table.find(group_id))
        .set(groups::member_count.eq(n))
        .execute(conn)?;
    Ok(())
}

/// Joins a group: accepted at once, or pending where stewards approve members.
/// Joining again returns the current state.
///
/// # Errors
/// 404 for an unknown group.
#[tracing::instrument(skip_all, fields(group = %name, person = %viewer.person.username))]
pub async fn join(state: &Context, viewer: &Viewer, name: &str) -> Result<MembershipView> {
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
                Some(MembershipState::Refused) => {
                    diesel::delete(
                        memberships::table
                            .filter(memberships::group_id.eq(group.id))
                            .filter(memberships::person_id.eq(person.id)),
                    )
                    .execute(conn)?;
                }
                Some(existing) => {
                    return Ok(MembershipView {
                        group: group.name,
                        state: existing.into(),
                        reason: None,
                    });
                }
                None => {}
            }
            // A remote group answers our Follow with Accept; until then the membership is pending.
            let new_state = if group.approval_required || !group.local {
                MembershipState::Pending
            } else {
                MembershipState::Accepted
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
                let kind = if new_state == MembershipState::Accepted {
                    notifications::Kind::Follow
                } else {
                    notifications::Kind::FollowRequest
                };
                notifications::notify_stewards(conn, group.id, kind, person.id)?;
            }
            Ok(MembershipView {
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
pub async fn leave(state: &Context, viewer: &Viewer, name: &str) -> Result<MembershipView> {
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
            Ok(MembershipView {
                group: group.name,
                state: "none".into(),
                reason: None,
            })
        })
        .await?;
    state.wake_outbox();
    Ok(left)
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
                .filter(memberships::state.eq(if pending {
                    MembershipState::Pending
                } else {
                    MembershipState::Accepted
                }))
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
                        .set(memberships::state.eq(MembershipState::Accepted))
                        .execute(conn)?;
                    if !person.local && current != MembershipState::Accepted {
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
                    MembershipState::Accepted.into()
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
                    if current != MembershipState::Accepted {
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
                    current.into()
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
                    current.into()
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
