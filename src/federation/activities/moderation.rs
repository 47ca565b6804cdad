//! Stewards' actions: removal, `Lock`, pins (`Add`/`Remove` on `featured`), steward changes
//! (on `moderators`), bans (`Block`), and reports (`Flag`). Who may act is checked in `check`,
//! before anything is handled.

use activitypub_federation::{
    config::Data,
    kinds::activity::{BlockType, FlagType},
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use url::Url;

use super::{arrival, group, id_of, person, unknown};
use crate::app::AppState;
use crate::db::models::Group;
use crate::domain::threads::ThreadFlag;
use crate::domain::{comments, groups, objects, threads};
use crate::error::{Error, Result};

/// A report (Lemmy: one object and `summary`; Mastodon: several objects and `content`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Flag {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: FlagType,
    pub actor: Url,
    pub object: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
}

/// A ban from a group: `Block` of a person with the group as `target`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Block {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: BlockType,
    pub actor: Url,
    pub object: Url,
    pub target: Url,
}

/// Steward actions as Lemmy's moderators send them.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum ModKind {
    /// Lock a thread against new comments.
    Lock,
    /// Add to `target`: the group's `featured` (pin) or `moderators` collection.
    Add,
    /// Remove from `target`.
    Remove,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModAction {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: ModKind,
    pub actor: Url,
    pub object: Url,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Url>,
}

/// Only a steward acts on a group's content. A remote group vouches for its own stewards by
/// relaying; for our groups the actor must be one of the stewards here. The content must have
/// come the right way for its group (see [`crate::domain::remote::Arrival`]).
pub(super) async fn check_steward(
    data: &Data<AppState>,
    actor: &Url,
    object: &Url,
    relayed_by: Option<&Group>,
) -> Result<()> {
    let thread_id = match objects::by_ap_id(data, object.as_str()).await? {
        Some(objects::ReplyTarget::Thread(t)) => t.id,
        Some(objects::ReplyTarget::Comment(c)) => c.thread_id,
        None => return Err(unknown(object)),
    };
    let group = objects::group_of_thread(data, thread_id).await?;
    arrival(relayed_by).check(&group)?;
    if relayed_by.is_none() {
        let steward = person(data, actor).await?;
        if !groups::steward_of(data, group.id, steward.id).await? {
            return Err(Error::Refused(
                "only the group's stewards may do this".into(),
            ));
        }
    }
    Ok(())
}

/// `Lock` and pins are a steward's; steward changes come only from the group itself.
pub(super) async fn check_mod(
    data: &Data<AppState>,
    m: &ModAction,
    relayed_by: Option<&Group>,
) -> Result<()> {
    let target = m.target.as_ref().map(Url::as_str).unwrap_or_default();
    match m.kind {
        ModKind::Lock => check_steward(data, &m.actor, &m.object, relayed_by).await,
        _ if target.ends_with("/featured") => {
            check_steward(data, &m.actor, &m.object, relayed_by).await
        }
        _ if target.ends_with("/moderators") => {
            // Only a remote group's own announcement changes its stewards here.
            let g = relayed_by
                .ok_or_else(|| Error::Refused("steward changes must come from the group".into()))?;
            if target != format!("{}/moderators", g.ap_id) {
                return Err(Error::Refused(
                    "a group may only change its own stewards".into(),
                ));
            }
            Ok(())
        }
        _ => Err(Error::Refused("unsupported Add/Remove target".into())),
    }
}

/// A ban is a steward's of the group named as `target` (vouched for by the group when it is
/// remote), and comes the right way for that group.
pub(super) async fn check_ban(
    data: &Data<AppState>,
    b: &Block,
    relayed_by: Option<&Group>,
) -> Result<()> {
    let g = group(data, &b.target).await?;
    arrival(relayed_by).check(&g)?;
    if relayed_by.is_none() {
        let steward = person(data, &b.actor).await?;
        if !groups::steward_of(data, g.id, steward.id).await? {
            return Err(Error::Refused("only the group's stewards may ban".into()));
        }
    }
    Ok(())
}

/// A steward action on a thread or comment. [`check_steward`] ran before it was handled; it runs
/// again here, as the object may have been stored (and become someone else's) in between.
pub(super) async fn steward_action(
    data: &Data<AppState>,
    actor: &Url,
    object: &Url,
    flag: ThreadFlag,
    value: bool,
    raw: Value,
    relayed_by: Option<&Group>,
) -> Result<()> {
    check_steward(data, actor, object, relayed_by).await?;
    let steward = person(data, actor).await?;
    let (thread_id, comment_id) = match objects::by_ap_id(data, object.as_str()).await? {
        Some(objects::ReplyTarget::Thread(t)) => (t.id, None),
        Some(objects::ReplyTarget::Comment(c)) => (c.thread_id, Some(c.id)),
        None => return Err(unknown(object)),
    };
    match comment_id {
        Some(c) if matches!(flag, ThreadFlag::Removed) => {
            comments::remove_as(data, steward, c, value, Some(raw))
                .await
                .map(|_| ())
        }
        Some(_) => Err(Error::Refused("comments cannot be locked or pinned".into())),
        None => threads::moderate_as(data, steward, thread_id, flag, value, Some(raw))
            .await
            .map(|_| ()),
    }
}

/// A report on content of one of our groups, for its stewards.
pub(super) async fn flag(data: &Data<AppState>, f: Flag) -> Result<()> {
    let reporter = person(data, &f.actor).await?;
    let objects_named: Vec<Url> = match &f.object {
        Value::Array(items) => items.iter().filter_map(id_of).collect(),
        other => id_of(other).into_iter().collect(),
    };
    let reason = f
        .content
        .or(f.summary)
        .unwrap_or_else(|| "(no reason given)".into());
    for object in objects_named {
        use crate::domain::reports::{file, Reported};
        let (thread_id, reported) = match objects::by_ap_id(data, object.as_str()).await? {
            Some(objects::ReplyTarget::Thread(t)) => (t.id, Reported::Thread(t.id)),
            Some(objects::ReplyTarget::Comment(c)) => (c.thread_id, Reported::Comment(c.id)),
            None => continue,
        };
        // Reports go to the group's own instance: ours only for our groups.
        if !objects::group_of_thread(data, thread_id).await?.local {
            continue;
        }
        file(data, reporter, reported, &reason, Some(f.id.to_string())).await?;
        return Ok(());
    }
    Err(Error::Refused("the report names nothing of ours".into()))
}

/// A checked ban from a group (see [`check_ban`]), or its lifting.
pub(super) async fn ban(data: &Data<AppState>, b: Block, value: bool, raw: Value) -> Result<()> {
    let g = group(data, &b.target).await?;
    let steward = person(data, &b.actor).await?;
    let banned = person(data, &b.object).await?;
    let group_handle = crate::domain::names::handle(&g.name, b.target.as_str());
    let person_handle = crate::domain::names::handle(&banned.username, b.object.as_str());
    groups::ban(
        data,
        steward,
        &group_handle,
        &person_handle,
        value,
        Some(raw),
    )
    .await
}

/// A checked `Lock`, or `Add`/`Remove` on a group's featured or moderators collection.
pub(super) async fn mod_action(
    data: &Data<AppState>,
    m: ModAction,
    raw: Value,
    relayed_by: Option<&Group>,
) -> Result<()> {
    let target = m.target.as_ref().map(Url::as_str).unwrap_or_default();
    let add = m.kind == ModKind::Add;
    match (m.kind, relayed_by) {
        (ModKind::Lock, _) => {
            steward_action(
                data,
                &m.actor,
                &m.object,
                ThreadFlag::Locked,
                true,
                raw,
                relayed_by,
            )
            .await
        }
        _ if target.ends_with("/featured") => {
            steward_action(
                data,
                &m.actor,
                &m.object,
                ThreadFlag::Pinned,
                add,
                raw,
                relayed_by,
            )
            .await
        }
        (_, Some(g)) if target.ends_with("/moderators") => {
            let new_steward = person(data, &m.object).await?;
            groups::set_remote_steward(data, g.clone(), new_steward, add).await
        }
        _ => Err(Error::Refused("unsupported Add/Remove target".into())),
    }
}
