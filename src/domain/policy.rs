//! Federation policy of this instance: a block list, and an allowlist mode in which it federates
//! only with the listed domains (an agency network closed to the open fediverse).

use std::sync::{Arc, RwLock};

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::{schema::*, AnyConnection};
use crate::domain::people::Viewer;
use crate::domain::remote::ensure_instance;
use crate::domain::Context;
use crate::error::{Error, Result};

/// `open`: federate with anyone not blocked. `allowlist`: only with the allowed domains.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum FederationMode {
    #[default]
    Open,
    Allowlist,
}

/// The policy as enforced: consulted for every inbound activity, fetch and delivery.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct Policy {
    pub mode: FederationMode,
    /// Domains (`host` or `host:port`) refused in every mode.
    pub blocked: Vec<String>,
    /// Domains federated with in allowlist mode.
    pub allowed: Vec<String>,
}

impl Policy {
    /// Whether traffic with `domain` (`host[:port]`) is allowed.
    pub fn permits(&self, domain: &str) -> bool {
        let listed = |list: &[String]| list.iter().any(|d| d.eq_ignore_ascii_case(domain));
        if listed(&self.blocked) {
            return false;
        }
        self.mode == FederationMode::Open || listed(&self.allowed)
    }
}

/// The policy shared by the request handlers and the federation library of one process.
pub type SharedPolicy = Arc<RwLock<Policy>>;

pub(crate) fn load(conn: &mut AnyConnection, instance_id: i64) -> Result<Policy> {
    let mode: String = instances::table
        .find(instance_id)
        .select(instances::federation_mode)
        .first(conn)?;
    let blocked = instances::table
        .filter(instances::blocked.eq(true))
        .order(instances::domain.asc())
        .select(instances::domain)
        .load(conn)?;
    let allowed = instances::table
        .filter(instances::allowed.eq(true))
        .order(instances::domain.asc())
        .select(instances::domain)
        .load(conn)?;
    Ok(Policy {
        mode: if mode == "allowlist" {
            FederationMode::Allowlist
        } else {
            FederationMode::Open
        },
        blocked,
        allowed,
    })
}

/// Reads the policy from the database into the shared copy (other processes may have changed it).
///
/// # Errors
/// Database failures only.
pub async fn refresh(state: &Context) -> Result<Policy> {
    let id = state.instance_id;
    let policy = state.db.read(move |c| load(c, id)).await?;
    if let Ok(mut shared) = state.policy.write() {
        *shared = policy.clone();
    }
    Ok(policy)
}

/// A change to the policy; absent fields stay as they are. Lists replace the current ones.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct PolicyUpdate {
    pub mode: Option<FederationMode>,
    pub blocked: Option<Vec<String>>,
    pub allowed: Option<Vec<String>>,
}

fn parse_domain(raw: &str) -> Result<String> {
    let d = raw.trim().trim_end_matches('.').to_ascii_lowercase();
    // The URL parser does what a browser does with a host: lower case, international names to
    // their ASCII form. What is stored is how the peer's ids will name it.
    let parsed = (!d.is_empty() && d.len() <= 253 && !d.contains(['/', '@', ' ', '?', '#']))
        .then(|| url::Url::parse(&format!("https://{d}/")).ok())
        .flatten()
        .filter(|u| u.path() == "/")
        .and_then(|u| {
            let host = u.host_str()?.to_string();
            let plain = host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
            plain.then(|| match u.port() {
                Some(p) => format!("{host}:{p}"),
                None => host,
            })
        });
    parsed.ok_or_else(|| Error::Invalid {
        field: Some("domain"),
        message: format!("{raw:?} is not a domain name"),
        problem: Some(crate::error::Problem::Domain),
    })
}

/// Changes the policy (administrators, or the command line with `viewer` absent).
///
/// # Errors
/// 403 for non-administrators; 422 for a malformed domain or our own.
pub async fn update(
    state: &Context,
    viewer: Option<&Viewer>,
    input: PolicyUpdate,
) -> Result<Policy> {
    if viewer.is_some_and(|v| !v.person.is_admin) {
        return Err(Error::forbidden(
            "only administrators can change the federation policy",
        ));
    }
    let parse_all = |list: Option<Vec<String>>| -> Result<Option<Vec<String>>> {
        list.map(|l| {
            l.iter()
                .map(|d| parse_domain(d))
                .collect::<Result<Vec<_>>>()
        })
        .transpose()
    };
    let blocked = parse_all(input.blocked)?;
    let allowed = parse_all(input.allowed)?;
    let local = state.config.domain.to_ascii_lowercase();
    if blocked
        .iter()
        .flatten()
        .chain(allowed.iter().flatten())
        .any(|d| *d == local)
    {
        return Err(Error::problem("domain", crate::error::Problem::OwnDomain));
    }
    let id = state.instance_id;
    state
        .db
        .write(move |conn| {
            if let Some(mode) = input.mode {
                let value = if mode == FederationMode::Allowlist {
                    "allowlist"
                } else {
                    "open"
                };
                diesel::update(instances::table.find(id))
                    .set(instances::federation_mode.eq(value))
                    .execute(conn)?;
            }
            if let Some(list) = blocked {
                diesel::update(instances::table)
                    .set(instances::blocked.eq(false))
                    .execute(conn)?;
                for d in list {
                    let row = ensure_instance(conn, &d)?;
                    diesel::update(instances::table.find(row.id))
                        .set(instances::blocked.eq(true))
                        .execute(conn)?;
                }
            }
            if let Some(list) = allowed {
                diesel::update(instances::table)
                    .set(instances::allowed.eq(false))
                    .execute(conn)?;
                for d in list {
                    let row = ensure_instance(conn, &d)?;
                    diesel::update(instances::table.find(row.id))
                        .set(instances::allowed.eq(true))
                        .execute(conn)?;
                }
            }
            Ok(())
        })
        .await?;
    let policy = refresh(state).await?;
    tracing::info!(mode = ?policy.mode, blocked = policy.blocked.len(), allowed = policy.allowed.len(), "federation policy changed");
    Ok(policy)
}

/// The current policy, as stored.
///
/// # Errors
/// Database failures only.
pub async fn current(state: &Context) -> Result<Policy> {
    refresh(state).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocked_beats_allowed_and_allowlist_closes_the_rest() {
        let mut p = Policy {
            mode: FederationMode::Open,
            blocked: vec!["bad.example".into()],
            allowed: vec![],
        };
        assert!(p.permits("good.example"));
        assert!(!p.permits("BAD.example"));
        p.mode = FederationMode::Allowlist;
        p.allowed = vec!["good.example".into(), "bad.example".into()];
        assert!(p.permits("good.example"));
        assert!(!p.permits("bad.example"));
        assert!(!p.permits("other.example"));
        assert!(parse_domain("Agency.gc.ca.").is_ok_and(|d| d == "agency.gc.ca"));
        assert!(parse_domain("localhost:8080").is_ok());
        assert!(parse_domain("https://x/").is_err() && parse_domain("").is_err());
        assert!(parse_domain("domain!").is_err() && parse_domain("a b").is_err());
        assert!(parse_domain("Ministère.example")
            .is_ok_and(|d| d.starts_with("xn--") && d.ends_with(".example")));
    }
}
