//! Activities we receive, one file per family (follows, content, votes, moderation, profiles,
//! announce). [`InboxActivity`] tells them apart and delegates: `check` holds every family's
//! checks of shape, origin and permission, before anything is written; `receive` hands the
//! content to the same domain functions a local request uses.

mod announce;
mod content;
mod fetch;
mod follows;
mod moderation;
mod profiles;
mod votes;

use activitypub_federation::{
    config::Data, fetch::object_id::ObjectId, kinds::activity::UndoType, traits::Activity,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use url::Url;

use crate::app::AppState;
use crate::db::models::{Group, Person};
use crate::domain::receipts;
use crate::domain::remote::Arrival;
use crate::domain::threads::ThreadFlag;
use crate::error::{Error, Result};
use crate::federation::actors::{verify_same_origin, DbActor};

pub use announce::Announce;
pub use content::{CreateOrUpdate, CreateOrUpdateType, Delete, PostJson};
pub use fetch::resolve_post;
pub use follows::{Accept, Follow, Reject};
pub use moderation::{Block, Flag, ModAction, ModKind};
pub use profiles::{PersonObject, UpdateGroup, UpdatePerson};
pub use votes::{Vote, VoteType};

/// Every activity our inboxes take, told apart by `type`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum InboxActivity {
    Follow(Follow),
    Accept(Accept),
    Reject(Reject),
    Undo(Undo),
    CreateOrUpdate(Box<CreateOrUpdate>),
    Vote(Vote),
    Delete(Delete),
    Mod(ModAction),
    Block(Block),
    Flag(Flag),
    UpdatePerson(Box<UpdatePerson>),
    UpdateGroup(Box<UpdateGroup>),
    Announce(Announce),
}

/// `Undo` of the sender's own `Follow`, `Like` or `Dislike`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Undo {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: UndoType,
    pub actor: Url,
    pub object: Undoable,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Undoable {
    Follow(Follow),
    Vote(Vote),
    Delete(Delete),
    Mod(ModAction),
    Block(Block),
}

impl Undoable {
    fn actor(&self) -> &Url {
        match self {
            Undoable::Follow(f) => &f.actor,
            Undoable::Vote(v) => &v.actor,
            Undoable::Delete(d) => &d.actor,
            Undoable::Mod(m) => &m.actor,
            Undoable::Block(b) => &b.actor,
        }
    }
}

#[async_trait::async_trait]
impl Activity for InboxActivity {
    type DataType = AppState;
    type Error = Error;

    fn id(&self) -> &Url {
        match self {
            InboxActivity::Follow(a) => &a.id,
            InboxActivity::Accept(a) => &a.id,
            InboxActivity::Reject(a) => &a.id,
            InboxActivity::Undo(a) => &a.id,
            InboxActivity::CreateOrUpdate(a) => &a.id,
            InboxActivity::Vote(a) => &a.id,
            InboxActivity::Delete(a) => &a.id,
            InboxActivity::Mod(a) => &a.id,
            InboxActivity::Block(a) => &a.id,
            InboxActivity::Flag(a) => &a.id,
            InboxActivity::UpdatePerson(a) => &a.id,
            InboxActivity::UpdateGroup(a) => &a.id,
            InboxActivity::Announce(a) => &a.id,
        }
    }

    fn actor(&self) -> &Url {
        match self {
            InboxActivity::Follow(a) => &a.actor,
            InboxActivity::Accept(a) => &a.actor,
            InboxActivity::Reject(a) => &a.actor,
            InboxActivity::Undo(a) => &a.actor,
            InboxActivity::CreateOrUpdate(a) => &a.actor,
            InboxActivity::Vote(a) => &a.actor,
            InboxActivity::Delete(a) => &a.actor,
            InboxActivity::Mod(a) => &a.actor,
            InboxActivity::Block(a) => &a.actor,
            InboxActivity::Flag(a) => &a.actor,
            InboxActivity::UpdatePerson(a) => &a.actor,
            InboxActivity::UpdateGroup(a) => &a.actor,
            InboxActivity::Announce(a) => &a.actor,
        }
    }

    async fn verify(&self, data: &Data<AppState>) -> Result<()> {
        // A copy of what this process just handled stops in `receive` without a lookup.
        if data.recent_activities.contains_key(self.id().as_str()) {
            return Ok(());
        }
        self.check(data, None).await
    }

    async fn receive(self, data: &Data<AppState>) -> Result<()> {
        // Relayed as it came, not as we parsed it: fields we do not read still matter to others.
        let raw = match RECEIVED_JSON.try_with(Value::clone) {
            Ok(raw) => raw,
            Err(_) => serde_json::to_value(&self).map_err(|e| Error::Internal(e.to_string()))?,
        };
        receive(self, raw, data, None).await
    }
}

impl InboxActivity {
    /// Shape, origin and the sender's right to do this, checked before anything is handled;
    /// `relayed_by` is the group whose `Announce` carried the activity, which vouches for its
    /// own stewards.
    async fn check(&self, data: &Data<AppState>, relayed_by: Option<&Group>) -> Result<()> {
        verify_same_origin(self.id(), self.actor())?;
        match self {
            InboxActivity::Follow(_) | InboxActivity::Vote(_) | InboxActivity::Announce(_) => {
                Ok(())
            }
            InboxActivity::Accept(a) => follows::follow_answer_origin(&a.object, &a.actor),
            InboxActivity::Reject(r) => follows::follow_answer_origin(&r.object, &r.actor),
            InboxActivity::Undo(u) => {
                if u.object.actor() != &u.actor {
                    return Err(Error::Refused(
                        "an Undo must undo the sender's own activity".into(),
                    ));
                }
                match &u.object {
                    Undoable::Follow(_) | Undoable::Vote(_) => Ok(()),
                    Undoable::Delete(d) => content::check_delete(data, d, relayed_by).await,
                    Undoable::Mod(m) if m.kind == ModKind::Lock => {
                        moderation::check_mod(data, m, relayed_by).await
                    }
                    Undoable::Mod(_) => {
                        Err(Error::Refused("only a Lock can be undone that way".into()))
                    }
                    Undoable::Block(b) => moderation::check_ban(data, b, relayed_by).await,
                }
            }
            InboxActivity::CreateOrUpdate(c) => content::check_post(c),
            InboxActivity::Delete(d) => content::check_delete(data, d, relayed_by).await,
            InboxActivity::Mod(m) => moderation::check_mod(data, m, relayed_by).await,
            InboxActivity::Block(b) => moderation::check_ban(data, b, relayed_by).await,
            InboxActivity::Flag(_) if relayed_by.is_some() => {
                Err(Error::Refused("reports are not relayed".into()))
            }
            InboxActivity::Flag(_) => Ok(()),
            InboxActivity::UpdatePerson(u) => profiles::check_person(u, relayed_by),
            InboxActivity::UpdateGroup(u) => profiles::check_group(u, relayed_by),
        }
    }
}

/// Processes one checked activity; `relayed_by` is the group whose `Announce` carried it.
async fn receive(
    activity: InboxActivity,
    raw: Value,
    data: &Data<AppState>,
    relayed_by: Option<&Group>,
) -> Result<()> {
    let id = activity.id().clone();
    if data.recent_activities.contains_key(id.as_str()) {
        return Ok(());
    }
    // Content and votes record their receipt in the transaction that stores them; the others
    // claim theirs here before they are handled (so that a copy arriving at the same moment
    // stops), and give it back if handling fails. An Announce needs none: its inner activity
    // has one.
    let recorded_with_content = matches!(
        activity,
        InboxActivity::CreateOrUpdate(_)
            | InboxActivity::Vote(_)
            | InboxActivity::Undo(Undo {
                object: Undoable::Vote(_),
                ..
            })
    );
    let needs_receipt = !recorded_with_content && !matches!(activity, InboxActivity::Announce(_));
    let kind = match &activity {
        InboxActivity::Follow(_) => "Follow",
        InboxActivity::Accept(_) => "Accept",
        InboxActivity::Reject(_) => "Reject",
        InboxActivity::Undo(_) => "Undo",
        InboxActivity::CreateOrUpdate(c) if matches!(c.kind, CreateOrUpdateType::Update(_)) => {
            "Update"
        }
        InboxActivity::CreateOrUpdate(_) => "Create",
        InboxActivity::Vote(v) if matches!(v.kind, VoteType::Dislike(_)) => "Dislike",
        InboxActivity::Vote(_) => "Like",
        InboxActivity::Delete(_) => "Delete",
        InboxActivity::Mod(m) => match m.kind {
            ModKind::Lock => "Lock",
            ModKind::Add => "Add",
            ModKind::Remove => "Remove",
        },
        InboxActivity::Block(_) => "Block",
        InboxActivity::Flag(_) => "Flag",
        InboxActivity::UpdatePerson(_) | InboxActivity::UpdateGroup(_) => "Update",
        InboxActivity::Announce(_) => "Announce",
    };
    let actor = activity.actor().clone();
    if needs_receipt && !receipts::claim(data, id.as_str(), kind, actor.as_str()).await? {
        return Ok(());
    }
    tracing::info!(activity = %id, kind, actor = %actor, "received");
    let handled: Result<()> = async {
        match activity {
            InboxActivity::Follow(f) => follows::follow(data, f).await?,
            InboxActivity::Accept(a) => follows::answered(data, &a.actor, &a.object, true).await?,
            InboxActivity::Reject(r) => follows::answered(data, &r.actor, &r.object, false).await?,
            InboxActivity::Undo(u) => match u.object {
                Undoable::Follow(f) => follows::unfollow(data, &u.actor, f).await?,
                Undoable::Vote(v) => {
                    votes::vote(data, &v.actor, &v.object, 0, raw, relayed_by).await?
                }
                Undoable::Delete(d) => content::undelete(data, d, raw, relayed_by).await?,
                Undoable::Mod(m) => {
                    let flag = ThreadFlag::Locked;
                    moderation::steward_action(
                        data, &m.actor, &m.object, flag, false, raw, relayed_by,
                    )
                    .await?;
                }
                Undoable::Block(b) => moderation::ban(data, b, false, raw).await?,
            },
            InboxActivity::Mod(m) => moderation::mod_action(data, m, raw, relayed_by).await?,
            InboxActivity::Block(b) => moderation::ban(data, b, true, raw).await?,
            InboxActivity::Flag(f) => moderation::flag(data, f).await?,
            InboxActivity::UpdatePerson(u) => profiles::update_person(data, *u).await?,
            InboxActivity::UpdateGroup(u) => profiles::update_group(data, *u).await?,
            InboxActivity::Vote(v) => {
                let score = if matches!(v.kind, VoteType::Dislike(_)) {
                    -1
                } else {
                    1
                };
                votes::vote(data, &v.actor, &v.object, score, raw, relayed_by).await?;
            }
            InboxActivity::Delete(d) => content::delete(data, d, raw, relayed_by).await?,
            InboxActivity::CreateOrUpdate(c) => {
                content::create_or_update(*c, raw, data, relayed_by).await?;
            }
            InboxActivity::Announce(a) => announce::announce(a, data).await?,
        }
        Ok(())
    }
    .await;
    match handled {
        Ok(()) | Err(Error::AlreadyReceived) => {}
        Err(e) => {
            if needs_receipt {
                if let Err(forget) = receipts::forget(data, id.as_str()).await {
                    tracing::warn!(activity = %id, error = %forget, "cannot take back a receipt");
                }
            }
            return Err(e);
        }
    }
    data.recent_activities.insert(id.to_string(), ());
    Ok(())
}

tokio::task_local! {
    /// The body of the inbox request being handled, as JSON.
    pub static RECEIVED_JSON: Value;
}

/// An activity about `object`, which we do not have: nothing to do, and nothing for the sender
/// to retry.
fn unknown(object: &Url) -> Error {
    Error::Dropped(format!("{object} is not known here"))
}

/// How an activity reached us: directly, or in the `Announce` of `relayed_by`.
fn arrival(relayed_by: Option<&Group>) -> Arrival {
    relayed_by.map_or(Arrival::Direct, |g| Arrival::RelayedBy(g.id))
}

async fn person(data: &Data<AppState>, id: &Url) -> Result<Person> {
    match ObjectId::<DbActor>::from(id.clone())
        .dereference(data)
        .await?
    {
        DbActor::Person(p, _) => Ok(*p),
        DbActor::Group(..) | DbActor::Instance(..) => {
            Err(Error::Refused(format!("{id} is not a person")))
        }
    }
}

async fn any_actor(data: &Data<AppState>, id: &Url) -> Result<DbActor> {
    ObjectId::<DbActor>::from(id.clone())
        .dereference(data)
        .await
}

async fn group(data: &Data<AppState>, id: &Url) -> Result<Group> {
    match ObjectId::<DbActor>::from(id.clone())
        .dereference(data)
        .await?
    {
        DbActor::Group(g, _) => Ok(*g),
        DbActor::Person(..) | DbActor::Instance(..) => {
            Err(Error::Refused(format!("{id} is not a group")))
        }
    }
}

/// The `id` of an embedded object or a bare link.
pub(crate) fn id_of(value: &Value) -> Option<Url> {
    value
        .as_str()
        .or_else(|| value.get("id").and_then(Value::as_str))
        .and_then(|s| Url::parse(s).ok())
}
