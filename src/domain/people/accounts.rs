//! The admin's view of accounts: approval, suspension and the list.

use super::*;

/// Lets an account registered in approval mode sign in.
///
/// # Errors
/// 403 for non-administrators, 404 for an unknown name.
pub async fn approve(state: &Context, viewer: &Viewer, name: &str) -> Result<PersonView> {
    if !viewer.person.is_admin {
        return Err(Error::forbidden("only administrators can approve accounts"));
    }
    let (id, name) = (state.instance_id, name.to_string());
    let person = state
        .db
        .write(move |conn| {
            let p = find_local_person(conn, id, &name)?;
            diesel::update(persons::table.find(p.id))
                .set(persons::approved.eq(true))
                .execute(conn)?;
            Ok(persons::table
                .find(p.id)
                .select(Person::as_select())
                .first(conn)?)
        })
        .await?;
    Ok(person.into())
}

/// A local account as administrators see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AccountView {
    pub person: PersonView,
    pub approved: bool,
    pub suspended: bool,
}

/// What an administrator does to an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AccountAction {
    Approve,
    MakeAdmin,
    RemoveAdmin,
    Suspend,
    Unsuspend,
}

/// Local accounts, newest first, optionally those whose name or display name contains `query`.
///
/// # Errors
/// 403 for non-administrators, 422 for a bad cursor or query.
pub async fn accounts(
    state: &Context,
    viewer: &Viewer,
    query: Option<&str>,
    page: crate::domain::paging::PageRequest,
) -> Result<crate::domain::paging::Page<AccountView>> {
    use crate::domain::paging::{Cursor, Page};
    if !viewer.person.is_admin {
        return Err(Error::forbidden("only administrators can list accounts"));
    }
    let query = query
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .map(str::to_lowercase);
    if query.as_ref().is_some_and(|q| q.chars().count() > 100) {
        return Err(Error::invalid("q", "must be at most 100 characters"));
    }
    let id = state.instance_id;
    let rows = state
        .db
        .read(move |conn| {
            let mut q = persons::table
                .filter(persons::instance_id.eq(id))
                .filter(persons::local.eq(true))
                .select(Person::as_select())
                .into_boxed();
            if let Some(text) = query {
                let escaped = text
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_");
                let pattern = format!("%{escaped}%");
                q = q.filter(
                    persons::username.like(pattern.clone()).escape('\\').or(
                        crate::domain::groups::lower(persons::display_name.assume_not_null())
                            .like(pattern)
                            .escape('\\'),
                    ),
                );
            }
            if let Some(c) = page.after {
                q = q.filter(persons::id.lt(c.id));
            }
            Ok(q.order(persons::id.desc())
                .limit(page.limit + 1)
                .load::<Person>(conn)?)
        })
        .await?;
    let views = rows
        .into_iter()
        .map(|p| AccountView {
            approved: p.approved,
            suspended: p.suspended,
            person: p.into(),
        })
        .collect();
    Ok(Page::from_rows(views, page.limit, |a: &AccountView| {
        Cursor {
            key: 0,
            id: a.person.id,
        }
    }))
}

/// Approves, suspends or restores an account, or gives or takes the administrator role. A
/// suspended account is signed out everywhere. Administrators cannot suspend themselves or take
/// their own role, so an instance always keeps one.
///
/// # Errors
/// 403 for non-administrators, 404 for an unknown name, 409 for acting on oneself.
pub async fn act_on_account(
    state: &Context,
    viewer: &Viewer,
    name: &str,
    action: AccountAction,
) -> Result<AccountView> {
    if !viewer.person.is_admin {
        return Err(Error::forbidden("only administrators can change accounts"));
    }
    let (id, name, me) = (state.instance_id, name.to_string(), viewer.id());
    let person = state
        .db
        .write(move |conn| {
            let p = find_local_person(conn, id, &name)?;
            if p.id == me && matches!(action, AccountAction::RemoveAdmin | AccountAction::Suspend) {
                return Err(Error::Conflict {
                    field: None,
                    message: "administrators cannot suspend themselves or give up their own role"
                        .into(),
                });
            }
            let target = persons::table.find(p.id);
            match action {
                AccountAction::Approve => diesel::update(target)
                    .set(persons::approved.eq(true))
                    .execute(conn)?,
                AccountAction::MakeAdmin => diesel::update(target)
                    .set(persons::is_admin.eq(true))
                    .execute(conn)?,
                AccountAction::RemoveAdmin => diesel::update(target)
                    .set(persons::is_admin.eq(false))
                    .execute(conn)?,
                AccountAction::Suspend => {
                    diesel::delete(tokens::table.filter(tokens::person_id.eq(p.id)))
                        .execute(conn)?;
                    diesel::update(target)
                        .set(persons::suspended.eq(true))
                        .execute(conn)?
                }
                AccountAction::Unsuspend => diesel::update(target)
                    .set(persons::suspended.eq(false))
                    .execute(conn)?,
            };
            Ok(target.select(Person::as_select()).first(conn)?)
        })
        .await?;
    Ok(AccountView {
        approved: person.approved,
        suspended: person.suspended,
        person: person.into(),
    })
}

/// Whether any administrator exists (start-up prints how to make one otherwise).
///
/// # Errors
/// Database failures only.
pub async fn admin_exists(state: &Context) -> Result<bool> {
    state
        .db
        .read(|c| {
            let n: i64 = persons::table
                .filter(persons::is_admin.eq(true))
                .filter(persons::local.eq(true))
                .count()
                .get_result(c)?;
            Ok(n > 0)
        })
        .await
}
