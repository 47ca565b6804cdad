//! `Update` of a person's profile or of a group's description.

use activitypub_federation::{config::Data, kinds::activity::UpdateType};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::app::AppState;
use crate::db::models::Group;
use crate::error::{Error, Result};

/// `Update` of a person's profile (name, bio, agency, role, expertise), by that person.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UpdatePerson {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: UpdateType,
    pub actor: Url,
    pub object: PersonObject,
}

/// A person-like actor document. A `Group` does not parse as one, so that its `Update` goes on
/// to [`UpdateGroup`].
#[derive(Debug, Clone, Serialize)]
#[serde(transparent)]
pub struct PersonObject(pub Box<crate::federation::wire::PersonJson>);

impl<'de> Deserialize<'de> for PersonObject {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        match crate::federation::actors::ActorJson::deserialize(d)? {
            crate::federation::actors::ActorJson::Person(p) => Ok(PersonObject(p)),
            crate::federation::actors::ActorJson::Group(_) => {
                Err(serde::de::Error::custom("a group, not a person"))
            }
        }
    }
}

/// `Update` of a group's description, by one of its stewards.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UpdateGroup {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: UpdateType,
    pub actor: Url,
    pub object: crate::federation::wire::GroupJson,
}

/// A person's update comes from them; a group's from the group itself, through its own relay.
pub(super) fn check_person(u: &UpdatePerson, relayed_by: Option<&Group>) -> Result<()> {
    if u.object.0.id != u.actor {
        return Err(Error::Refused(
            "a person may only update their own profile".into(),
        ));
    }
    if relayed_by.is_some() {
        return Err(Error::Refused("a person's update comes from them".into()));
    }
    Ok(())
}

pub(super) fn check_group(u: &UpdateGroup, relayed_by: Option<&Group>) -> Result<()> {
    let g = relayed_by
        .ok_or_else(|| Error::Refused("a group's update must come from the group".into()))?;
    if u.object.id.as_str() != g.ap_id {
        return Err(Error::Refused("a group may only update itself".into()));
    }
    Ok(())
}

pub(super) async fn update_person(data: &Data<AppState>, u: UpdatePerson) -> Result<()> {
    crate::domain::remote::upsert_person(data, (*u.object.0).into()).await?;
    Ok(())
}

pub(super) async fn update_group(data: &Data<AppState>, u: UpdateGroup) -> Result<()> {
    let g = crate::domain::remote::upsert_group(data, u.object.into()).await?;
    crate::federation::backfill::spawn_refresh(data, g, false);
    Ok(())
}
