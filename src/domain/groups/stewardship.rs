//! Stewards: who they are, appointing and stepping down, remote groups' stewards.

use super::*;

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

pub(super) fn stewards_of(conn: &mut AnyConnection, group_id: i64) -> Result<Vec<PersonRef>> {
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

/// Makes `person_id` a steward of the group, or no longer one.
pub(super) fn set_steward(
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
pub(super) fn step_down(
    conn: &mut AnyConnection,
    group_id: i64,
    person_id: i64,
    refusal: &str,
) -> Result<()> {
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
