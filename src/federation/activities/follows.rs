//! Follows of our groups and members, and the answers to ours: `Follow`, `Accept`, `Reject`
//! and `Undo` of a `Follow`.

use activitypub_federation::{
    config::Data,
    kinds::activity::{AcceptType, FollowType, RejectType},
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use url::Url;

use super::{any_actor, person, unknown};
use crate::app::AppState;
use crate::db::models::Person;
use crate::domain::{follows, groups, objects};
use crate::error::{Error, Result};
use crate::federation::actors::DbActor;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Follow {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: FollowType,
    pub actor: Url,
    pub object: Url,
}

/// `Accept` or `Reject` of a `Follow`, embedded or by id.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Accept {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: AcceptType,
    pub actor: Url,
    pub object: Value,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Reject {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: RejectType,
    pub actor: Url,
    pub object: Value,
}

/// The local member whose `Follow` an `Accept` or `Reject` answers (the Follow is embedded).
pub(super) async fn our_follower(data: &Data<AppState>, follow: &Value) -> Result<Person> {
    let follower_id = follow
        .get("actor")
        .and_then(Value::as_str)
        .and_then(|s| Url::parse(s).ok())
        .ok_or_else(|| Error::Refused("an answer without the Follow it answers".into()))?;
    let follower = person(data, &follower_id).await?;
    if !follower.local {
        return Err(Error::Refused("that Follow was not ours".into()));
    }
    Ok(follower)
}

/// An `Accept` or `Reject` must answer a Follow of the group that sends it.
pub(super) fn follow_answer_origin(object: &Value, actor: &Url) -> Result<()> {
    if let Some(target) = object.get("object").and_then(Value::as_str) {
        if target != actor.as_str() {
            return Err(Error::Refused(
                "the answer does not come from the followed group".into(),
            ));
        }
    }
    Ok(())
}

/// A remote person follows one of our groups (asks to join) or members.
pub(super) async fn follow(data: &Data<AppState>, f: Follow) -> Result<()> {
    let follower = person(data, &f.actor).await?;
    let json = serde_json::to_value(&f).map_err(|e| Error::Internal(e.to_string()))?;
    match objects::local_actor(data, f.object.as_str()).await? {
        Some(objects::LocalActor::Group(g)) => groups::remote_follow(data, g, follower, json)
            .await
            .map(drop),
        Some(objects::LocalActor::Person(p)) => {
            crate::domain::remote::follow_person(data, follower, p, json).await
        }
        None => Err(Error::Refused(
            "we only take follows of our own groups and members".into(),
        )),
    }
}

/// A remote group or person (`actor`) accepts or rejects the follow of one of our members.
pub(super) async fn answered(
    data: &Data<AppState>,
    actor: &Url,
    follow: &Value,
    accepted: bool,
) -> Result<()> {
    let follower = our_follower(data, follow).await?;
    match any_actor(data, actor).await? {
        DbActor::Group(g, _) if accepted => {
            groups::follow_accepted(data, (*g).clone(), follower).await?;
            // A member here joined: read the group's stewards, figures and recent threads, so
            // that it looks whole from the first page.
            crate::federation::backfill::spawn_refresh(data, *g, true);
            Ok(())
        }
        DbActor::Group(g, _) => groups::follow_rejected(data, *g, follower).await,
        DbActor::Person(p, _) => follows::answered(data, *p, follower, accepted).await,
        DbActor::Instance(..) => Err(Error::Refused("nothing follows this actor".into())),
    }
}

/// A remote person stops following one of our groups or members.
pub(super) async fn unfollow(data: &Data<AppState>, actor: &Url, f: Follow) -> Result<()> {
    let follower = person(data, actor).await?;
    match objects::local_actor(data, f.object.as_str()).await? {
        Some(objects::LocalActor::Person(p)) => {
            crate::domain::remote::unfollow_person(data, follower, p).await
        }
        Some(objects::LocalActor::Group(g)) => groups::remote_unfollow(data, g, follower).await,
        // Nobody here was followed: nothing to undo.
        None => Err(unknown(&f.object)),
    }
}
