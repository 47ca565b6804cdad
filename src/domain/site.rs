//! The instance itself: its row, its public description, its registration mode.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::config::Config;
use crate::db::{models::*, schema::*, AnyConnection};
use crate::domain::people::Viewer;
use crate::domain::text::{now, parse_line, parse_markdown};
use crate::domain::views::{SiteCounts, SiteView};
use crate::domain::Context;
use crate::error::{Error, Result};

/// Who may create an account here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RegistrationMode {
    /// Anyone may register and use the account at once.
    Open,
    /// Accounts wait for an administrator's approval before they can sign in.
    Approval,
    /// Only administrators create accounts (command line).
    Closed,
}

impl RegistrationMode {
    pub fn as_str(self) -> &'static str {
        match self {
            RegistrationMode::Open => "open",
            RegistrationMode::Approval => "approval",
            RegistrationMode::Closed => "closed",
        }
    }

    pub fn from_stored(s: &str) -> RegistrationMode {
        match s {
            "approval" => RegistrationMode::Approval,
            "closed" => RegistrationMode::Closed,
            _ => RegistrationMode::Open,
        }
    }
}

/// Why a database cannot serve under another domain.
pub fn domain_mismatch(recorded: &str, configured: &str) -> String {
    format!(
        "this database belongs to the instance at {recorded}, but the configured domain is \
         {configured}; ActivityPub ids cannot change, so set domain back to {recorded}"
    )
}

/// The domain the database was created for; `None` before the first start.
///
/// # Errors
/// The database cannot be read.
pub fn recorded_domain(conn: &mut AnyConnection) -> Result<Option<String>> {
    if !crate::db::has_table(conn, "instances")? {
        return Ok(None);
    }
    Ok(instances::table
        .filter(instances::local.eq(true))
        .select(instances::domain)
        .first(conn)
        .optional()?)
}

/// Finds or creates this server's own instance row; returns its id.
///
/// # Errors
/// The database already belongs to another domain: ids would no longer match.
pub fn ensure_local_instance(conn: &mut AnyConnection, config: &Config) -> Result<i64> {
    let existing: Option<Instance> = instances::table
        .filter(instances::local.eq(true))
        .select(Instance::as_select())
        .first(conn)
        .optional()?;
    if let Some(instance) = existing {
        if instance.domain != config.domain {
            return Err(Error::Internal(domain_mismatch(
                &instance.domain,
                &config.domain,
            )));
        }
        return Ok(instance.id);
    }
    let t = now();
    diesel::insert_into(instances::table)
        .values(NewInstance {
            domain: &config.domain,
            local: true,
            name: &config.instance_name,
            registration_mode: config.registration_mode.as_str(),
            created_at: t,
            updated_at: t,
        })
        .execute(conn)?;
    Ok(instances::table
        .filter(instances::local.eq(true))
        .select(instances::id)
        .first(conn)?)
}

/// The local instance with its key pair, made on first use: the instance actor signs fetches.
///
/// # Errors
/// Database failures or key generation.
pub async fn instance_with_keys(state: &Context) -> Result<Instance> {
    with_keys(&state.db, state.instance_id).await
}

/// [`instance_with_keys`] before the state exists.
///
/// # Errors
/// Database failures or key generation.
pub async fn with_keys(db: &crate::db::Db, id: i64) -> Result<Instance> {
    let instance = db.read(move |c| local_instance(c, id)).await?;
    if instance.public_key.is_some() && instance.private_key.is_some() {
        return Ok(instance);
    }
    let (public, private) = crate::domain::people::new_keypair().await?;
    db.write(move |c| {
        // Another process may have made them meanwhile: keep the first pair.
        diesel::update(
            instances::table
                .find(id)
                .filter(instances::public_key.is_null()),
        )
        .set((
            instances::public_key.eq(Some(public)),
            instances::private_key.eq(Some(private)),
        ))
        .execute(c)?;
        local_instance(c, id)
    })
    .await
}

pub(crate) fn local_instance(conn: &mut AnyConnection, id: i64) -> Result<Instance> {
    Ok(instances::table
        .find(id)
        .select(Instance::as_select())
        .first(conn)?)
}

/// # Errors
/// Database failures only.
pub async fn view(state: &Context) -> Result<SiteView> {
    let id = state.instance_id;
    let (instance, counts) = state
        .db
        .read(move |conn| {
            let instance = local_instance(conn, id)?;
            let counts = SiteCounts {
                people: persons::table
                    .filter(persons::local.eq(true))
                    .count()
                    .get_result(conn)?,
                groups: groups::table
                    .filter(groups::local.eq(true))
                    .count()
                    .get_result(conn)?,
                threads: threads::table
                    .filter(threads::local.eq(true))
                    .filter(threads::deleted.eq(false))
                    .count()
                    .get_result(conn)?,
                comments: comments::table
                    .filter(comments::local.eq(true))
                    .filter(comments::deleted.eq(false))
                    .count()
                    .get_result(conn)?,
            };
            Ok((instance, counts))
        })
        .await?;
    Ok(SiteView {
        domain: instance.domain,
        name: instance.name,
        description: instance.description,
        rules: instance.rules,
        registration_mode: instance.registration_mode,
        counts,
        software: "commonplace".into(),
        version: env!("CARGO_PKG_VERSION").into(),
    })
}

/// Changes an administrator may make to the instance. Absent fields stay as they are.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct SiteUpdate {
    pub name: Option<String>,
    /// Markdown.
    pub description: Option<String>,
    /// Markdown.
    pub rules: Option<String>,
    pub registration_mode: Option<RegistrationMode>,
}

/// # Errors
/// 403 for non-administrators, 422/413 for bad values.
#[tracing::instrument(skip_all, fields(admin = %viewer.person.username))]
pub async fn update(state: &Context, viewer: &Viewer, input: SiteUpdate) -> Result<SiteView> {
    if !viewer.person.is_admin {
        return Err(Error::forbidden(
            "only administrators can change the instance",
        ));
    }
    let limit = state.config.limits.body_bytes;
    let name = input
        .name
        .as_deref()
        .map(|n| parse_line("name", n, 100))
        .transpose()?;
    let description = input
        .description
        .as_deref()
        .map(|d| parse_markdown("description", d, limit).map(|(s, _)| s))
        .transpose()?;
    let rules = input
        .rules
        .as_deref()
        .map(|d| parse_markdown("rules", d, limit).map(|(s, _)| s))
        .transpose()?;
    let mode = input.registration_mode.map(RegistrationMode::as_str);
    let id = state.instance_id;
    state
        .db
        .write(move |conn| {
            let target = instances::table.find(id);
            if let Some(name) = name {
                diesel::update(target)
                    .set(instances::name.eq(name))
                    .execute(conn)?;
            }
            if let Some(d) = description {
                diesel::update(target)
                    .set(instances::description.eq(d))
                    .execute(conn)?;
            }
            if let Some(r) = rules {
                diesel::update(target)
                    .set(instances::rules.eq(r))
                    .execute(conn)?;
            }
            if let Some(m) = mode {
                diesel::update(target)
                    .set(instances::registration_mode.eq(m))
                    .execute(conn)?;
            }
            diesel::update(target)
                .set(instances::updated_at.eq(now()))
                .execute(conn)?;
            Ok(())
        })
        .await?;
    view(state).await
}

/// Other servers this one knows (that are not blocked), by name.
///
/// # Errors
/// Database failures only.
pub async fn peers(state: &Context) -> Result<Vec<String>> {
    state
        .db
        .read(|c| {
            Ok(instances::table
                .filter(instances::local.eq(false))
                .filter(instances::blocked.eq(false))
                .order(instances::domain.asc())
                .select(instances::domain)
                .load(c)?)
        })
        .await
}
