//! People and groups as the federation library sees them: local ones served, remote ones fetched,
//! verified and stored in the same tables with `local = false`.

use activitypub_federation::{
    config::Data,
    protocol::verification::verify_domains_match,
    traits::{Actor, Object},
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::app::AppState;
use crate::db::models::{Group, Instance, Person};
use crate::domain::remote;
use crate::error::{Error, Result};
use crate::federation::{
    to_wire::{group_json, person_json},
    wire::*,
};

/// A person or a group: the two kinds of actor that sign and receive activities here.
#[derive(Debug, Clone)]
pub enum DbActor {
    Person(Box<Person>, Url),
    Group(Box<Group>, Url),
    /// This server's own `Application` actor at `/`, which signs fetches.
    Instance(Box<Instance>, Url),
}

impl DbActor {
    pub fn from_person(p: Person) -> Result<DbActor> {
        let url = parse_id(&p.ap_id)?;
        Ok(DbActor::Person(Box::new(p), url))
    }

    pub fn from_group(g: Group) -> Result<DbActor> {
        let url = parse_id(&g.ap_id)?;
        Ok(DbActor::Group(Box::new(g), url))
    }

    pub fn instance(i: Instance, base: &str) -> Result<DbActor> {
        let url = parse_id(&format!("{base}/"))?;
        Ok(DbActor::Instance(Box::new(i), url))
    }

    /// The name this instance knows a person or group by: `name` here, `name@domain` from
    /// elsewhere (what the member and group routes take). None for the instance actor.
    pub fn local_handle(&self) -> Option<String> {
        let (local, name, url) = match self {
            DbActor::Person(p, url) => (p.local, &p.username, url),
            DbActor::Group(g, url) => (g.local, &g.name, url),
            DbActor::Instance(..) => return None,
        };
        Some(crate::domain::names::local_handle(
            local,
            name,
            url.as_str(),
        ))
    }
}

pub(crate) fn parse_id(raw: &str) -> Result<Url> {
    Url::parse(raw).map_err(|e| Error::Internal(format!("stored id {raw} is not a URL: {e}")))
}

pub use crate::domain::names::authority;

/// Refuses an object whose id lives on another server than `expected`.
pub fn verify_same_origin(id: &Url, expected: &Url) -> Result<()> {
    verify_domains_match(id, expected)?;
    if authority(id) != authority(expected) {
        return Err(Error::Refused(format!(
            "{id} does not belong to {}",
            authority(expected)
        )));
    }
    Ok(())
}

/// An actor document: `Group` or anything person-like (`Person`, `Service`, `Application`).
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum ActorJson {
    Person(Box<PersonJson>),
    Group(Box<GroupJson>),
}

impl ActorJson {
    pub fn id(&self) -> &Url {
        match self {
            ActorJson::Person(p) => &p.id,
            ActorJson::Group(g) => &g.id,
        }
    }
}

impl<'de> Deserialize<'de> for ActorJson {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(d)?;
        let kind = value
            .get("type")
            .and_then(|t| t.as_str())
            .unwrap_or_default()
            .to_string();
        match kind.as_str() {
            "Group" => serde_json::from_value(value)
                .map(ActorJson::Group)
                .map_err(serde::de::Error::custom),
            "Person" | "Service" | "Application" | "Organization" => serde_json::from_value(value)
                .map(ActorJson::Person)
                .map_err(serde::de::Error::custom),
            other => Err(serde::de::Error::custom(format!(
                "unsupported actor type {other:?}"
            ))),
        }
    }
}

#[async_trait::async_trait]
impl Object for DbActor {
    type DataType = AppState;
    type Kind = ActorJson;
    type Error = Error;

    fn id(&self) -> &Url {
        match self {
            DbActor::Person(_, u) | DbActor::Group(_, u) | DbActor::Instance(_, u) => u,
        }
    }

    fn last_refreshed_at(&self) -> Option<DateTime<Utc>> {
        let (local, refreshed, updated) = match self {
            DbActor::Person(p, _) => (p.local, p.last_refreshed_at, p.updated_at),
            DbActor::Group(g, _) => (g.local, g.last_refreshed_at, g.updated_at),
            DbActor::Instance(..) => (true, None, chrono::Utc::now().naive_utc()),
        };
        // Local actors never need a refetch.
        Some(if local {
            Utc::now()
        } else {
            refreshed.unwrap_or(updated).and_utc()
        })
    }

    async fn read_from_id(object_id: Url, data: &Data<AppState>) -> Result<Option<Self>> {
        let base = data.config.base_url();
        if object_id.as_str() == format!("{base}/") {
            let instance = crate::domain::site::instance_with_keys(data).await?;
            return Ok(Some(DbActor::instance(instance, &base)?));
        }
        match remote::actor_by_ap_id(data, object_id.as_str()).await? {
            Some(remote::ActorRow::Person(p)) => Ok(Some(DbActor::from_person(p)?)),
            Some(remote::ActorRow::Group(g)) => Ok(Some(DbActor::from_group(g)?)),
            None => Ok(None),
        }
    }

    async fn into_json(self, data: &Data<AppState>) -> Result<ActorJson> {
        match self {
            DbActor::Person(p, _) => Ok(ActorJson::Person(Box::new(person_json(
                &data.config.base_url(),
                &p,
            )?))),
            DbActor::Group(g, _) => Ok(ActorJson::Group(Box::new(group_json(
                &data.config.base_url(),
                &g,
            )?))),
            DbActor::Instance(i, _) => Ok(ActorJson::Person(Box::new(
                crate::federation::to_wire::instance_json(data, &i)?,
            ))),
        }
    }

    async fn verify(json: &ActorJson, expected_domain: &Url, _data: &Data<AppState>) -> Result<()> {
        verify_same_origin(json.id(), expected_domain)?;
        let key_owner = match json {
            ActorJson::Person(p) => &p.public_key.owner,
            ActorJson::Group(g) => &g.public_key.owner,
        };
        if key_owner != json.id() {
            return Err(Error::Refused(
                "the public key belongs to another actor".into(),
            ));
        }
        Ok(())
    }

    async fn from_json(json: ActorJson, data: &Data<AppState>) -> Result<Self> {
        match json {
            ActorJson::Person(p) => {
                DbActor::from_person(remote::upsert_person(data, (*p).into()).await?)
            }
            ActorJson::Group(g) => {
                DbActor::from_group(remote::upsert_group(data, (*g).into()).await?)
            }
        }
    }
}

impl Actor for DbActor {
    fn public_key_pem(&self) -> &str {
        match self {
            DbActor::Person(p, _) => &p.public_key,
            DbActor::Group(g, _) => &g.public_key,
            DbActor::Instance(i, _) => i.public_key.as_deref().unwrap_or_default(),
        }
    }

    fn private_key_pem(&self) -> Option<String> {
        match self {
            DbActor::Person(p, _) => p.private_key.clone(),
            DbActor::Group(g, _) => g.private_key.clone(),
            DbActor::Instance(i, _) => i.private_key.clone(),
        }
    }

    fn inbox(&self) -> Url {
        let raw = match self {
            DbActor::Person(p, _) => p.inbox_url.clone(),
            DbActor::Group(g, _) => g.inbox_url.clone(),
            DbActor::Instance(_, u) => format!("{u}inbox"),
        };
        Url::parse(&raw).unwrap_or_else(|_| self.id().clone())
    }

    fn shared_inbox(&self) -> Option<Url> {
        let raw = match self {
            DbActor::Person(p, _) => p.shared_inbox_url.clone(),
            DbActor::Group(g, _) => g.shared_inbox_url.clone(),
            DbActor::Instance(_, u) => Some(format!("{u}inbox")),
        };
        raw.and_then(|r| Url::parse(&r).ok())
    }
}
