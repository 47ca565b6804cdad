//! Activities we receive. `verify` checks shapes and origins without writing; `receive` hands the
//! content to the same domain functions a local request uses.

use activitypub_federation::{
    config::Data,
    fetch::object_id::ObjectId,
    kinds::activity::{
        AcceptType, AnnounceType, BlockType, CreateType, DeleteType, DislikeType, FlagType,
        FollowType, LikeType, RejectType, UndoType, UpdateType,
    },
    traits::Activity,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use url::Url;

use crate::app::AppState;
use crate::db::models::{Group, Person};
use crate::domain::remote::Arrival;
use crate::domain::threads::ThreadFlag;
use crate::domain::{comments, follows, groups, objects, text, threads, votes};
use crate::error::{Error, Result};
use crate::federation::actors::{verify_same_origin, DbActor};
use crate::federation::wire::{NoteJson, PageJson};

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

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum VoteType {
    Like(LikeType),
    Dislike(DislikeType),
}

/// `Like` (+1) or `Dislike` (−1) of a thread or comment.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Vote {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: VoteType,
    pub actor: Url,
    pub object: Url,
}

/// `Delete` of a thread or comment by its author, or of the author's own account.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Delete {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: DeleteType,
    pub actor: Url,
    /// The deleted object's id, or the object (a `Tombstone`) with its id.
    pub object: Value,
    /// Present (the reason, possibly empty) on a steward's removal, as Lemmy sends it; absent
    /// when the author deletes their own content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum CreateOrUpdateType {
    Create(CreateType),
    Update(UpdateType),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CreateOrUpdate {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: CreateOrUpdateType,
    pub actor: Url,
    pub object: PostJson,
}

/// The content of a `Create`: a thread (`Page`, `Article`) or a reply (`Note`).
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum PostJson {
    Page(PageJson),
    Note(NoteJson),
}

impl PostJson {
    fn id(&self) -> &Url {
        match self {
            PostJson::Page(p) => &p.id,
            PostJson::Note(n) => &n.id,
        }
    }

    fn attributed_to(&self) -> &Url {
        match self {
            PostJson::Page(p) => &p.attributed_to,
            PostJson::Note(n) => &n.attributed_to,
        }
    }
}

impl<'de> Deserialize<'de> for PostJson {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        match value.get("type").and_then(Value::as_str) {
            Some("Page" | "Article") => serde_json::from_value(value)
                .map(PostJson::Page)
                .map_err(serde::de::Error::custom),
            Some("Note") => serde_json::from_value(value)
                .map(PostJson::Note)
                .map_err(serde::de::Error::custom),
            other => Err(serde::de::Error::custom(format!(
                "unsupported object type {other:?}"
            ))),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Announce {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: AnnounceType,
    pub actor: Url,
    /// The relayed activity, embedded (or only its id).
    pub object: Value,
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

/// The local member whose `Follow` an `Accept` or `Reject` answers (the Follow is embedded).
async fn our_follower(data: &Data<AppState>, follow: &Value) -> Result<Person> {
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

    async fn verify(&self, _data: &Data<AppState>) -> Result<()> {
        verify_same_origin(self.id(), self.actor())?;
        match self {
            InboxActivity::Undo(u) if u.object.actor() != &u.actor => Err(Error::Refused(
                "an Undo must undo the sender's own activity".into(),
            )),
            InboxActivity::UpdatePerson(u) if u.object.0.id != u.actor => Err(Error::Refused(
                "a person may only update their own profile".into(),
            )),
            InboxActivity::CreateOrUpdate(c) => {
                if c.object.attributed_to() != &c.actor {
                    return Err(Error::Refused(
                        "the object's author is not the activity's actor".into(),
                    ));
                }
                verify_same_origin(c.object.id(), &c.actor)
            }
            InboxActivity::Accept(a) => follow_answer_origin(&a.object, &a.actor),
            InboxActivity::Reject(r) => follow_answer_origin(&r.object, &r.actor),
            _ => Ok(()),
        }
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

/// An `Accept` or `Reject` must answer a Follow of the group that sends it.
fn follow_answer_origin(object: &Value, actor: &Url) -> Result<()> {
    if let Some(target) = object.get("object").and_then(Value::as_str) {
        if target != actor.as_str() {
            return Err(Error::Refused(
                "the answer does not come from the followed group".into(),
            ));
        }
    }
    Ok(())
}

/// Processes one activity; `relayed_by` is the group whose `Announce` carried it.
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
    if needs_receipt && !objects::first_receipt(data, id.as_str(), kind, actor.as_str()).await? {
        return Ok(());
    }
    tracing::info!(activity = %id, kind, actor = %actor, "received");
    let handled: Result<()> = async {
        match activity {
            InboxActivity::Follow(f) => {
                let follower = person(data, &f.actor).await?;
                let json = serde_json::to_value(&f).map_err(|e| Error::Internal(e.to_string()))?;
                match objects::local_actor(data, f.object.as_str()).await? {
                    Some(objects::LocalActor::Group(g)) => {
                        groups::remote_follow(data, g, follower, json).await?;
                    }
                    Some(objects::LocalActor::Person(p)) => {
                        crate::domain::remote::follow_person(data, follower, p, json).await?;
                    }
                    None => {
                        return Err(Error::Refused(
                            "we only take follows of our own groups and members".into(),
                        ))
                    }
                }
            }
            InboxActivity::Accept(a) => {
                let follower = our_follower(data, &a.object).await?;
                match any_actor(data, &a.actor).await? {
                    DbActor::Group(g, _) => {
                        groups::follow_accepted(data, (*g).clone(), follower).await?;
                        // A member here joined: read the group's stewards, figures and recent
                        // threads, so that it looks whole from the first page.
                        super::backfill::spawn_refresh(data, *g, true);
                    }
                    DbActor::Person(p, _) => follows::answered(data, *p, follower, true).await?,
                    DbActor::Instance(..) => {
                        return Err(Error::Refused("nothing follows this actor".into()))
                    }
                }
            }
            InboxActivity::Reject(r) => {
                let follower = our_follower(data, &r.object).await?;
                match any_actor(data, &r.actor).await? {
                    DbActor::Group(g, _) => groups::follow_rejected(data, *g, follower).await?,
                    DbActor::Person(p, _) => follows::answered(data, *p, follower, false).await?,
                    DbActor::Instance(..) => {
                        return Err(Error::Refused("nothing follows this actor".into()))
                    }
                }
            }
            InboxActivity::Undo(u) => match u.object {
                Undoable::Follow(f) => {
                    let follower = person(data, &u.actor).await?;
                    match objects::local_actor(data, f.object.as_str()).await? {
                        Some(objects::LocalActor::Person(p)) => {
                            crate::domain::remote::unfollow_person(data, follower, p).await?
                        }
                        Some(objects::LocalActor::Group(g)) => {
                            groups::remote_unfollow(data, g, follower).await?
                        }
                        // Nobody here was followed: nothing to undo.
                        None => return Err(unknown(&f.object)),
                    }
                }
                Undoable::Vote(v) => vote(data, &v.actor, &v.object, 0, raw, relayed_by).await?,
                // The author's own deletion undone (no `summary`): restored, as Lemmy lets
                // authors do.
                Undoable::Delete(d) if d.summary.is_none() => {
                    undelete(data, d, raw, relayed_by).await?;
                }
                // A removal undone (Lemmy's `summary` on the inner `Delete`, or a steward's
                // `Delete` of someone else's content): restored.
                Undoable::Delete(d) => {
                    let object = id_of(&d.object)
                        .ok_or_else(|| Error::Refused("Undo of a Delete of nothing".into()))?;
                    steward_action(
                        data,
                        &d.actor,
                        &object,
                        ThreadFlag::Removed,
                        false,
                        raw,
                        relayed_by,
                    )
                    .await?;
                }
                Undoable::Mod(m) if m.kind == ModKind::Lock => {
                    steward_action(
                        data,
                        &m.actor,
                        &m.object,
                        ThreadFlag::Locked,
                        false,
                        raw,
                        relayed_by,
                    )
                    .await?;
                }
                Undoable::Mod(_) => {
                    return Err(Error::Refused("only a Lock can be undone that way".into()))
                }
                Undoable::Block(b) => ban(data, b, false, raw, relayed_by).await?,
            },
            InboxActivity::Mod(m) => mod_action(data, m, raw, relayed_by).await?,
            InboxActivity::Block(b) => ban(data, b, true, raw, relayed_by).await?,
            InboxActivity::Flag(f) => {
                if relayed_by.is_some() {
                    return Err(Error::Refused("reports are not relayed".into()));
                }
                flag(data, f).await?;
            }
            InboxActivity::UpdatePerson(u) => {
                if relayed_by.is_some() {
                    return Err(Error::Refused("a person's update comes from them".into()));
                }
                crate::domain::remote::upsert_person(data, (*u.object.0).into()).await?;
            }
            InboxActivity::UpdateGroup(u) => {
                let g = relayed_by.ok_or_else(|| {
                    Error::Refused("a group's update must come from the group".into())
                })?;
                if u.object.id.as_str() != g.ap_id {
                    return Err(Error::Refused("a group may only update itself".into()));
                }
                let g = crate::domain::remote::upsert_group(data, u.object.into()).await?;
                super::backfill::spawn_refresh(data, g, false);
            }
            InboxActivity::Vote(v) => {
                let score = if matches!(v.kind, VoteType::Dislike(_)) {
                    -1
                } else {
                    1
                };
                vote(data, &v.actor, &v.object, score, raw, relayed_by).await?;
            }
            InboxActivity::Delete(d) => delete(data, d, raw, relayed_by).await?,
            InboxActivity::CreateOrUpdate(c) => create_or_update(*c, raw, data, relayed_by).await?,
            InboxActivity::Announce(a) => announce(a, data).await?,
        }
        Ok(())
    }
    .await;
    match handled {
        Ok(()) | Err(Error::AlreadyReceived) => {}
        Err(e) => {
            if needs_receipt {
                if let Err(forget) = objects::forget_receipt(data, id.as_str()).await {
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

/// A vote (or its withdrawal, `score` 0) on a thread or comment we know.
async fn vote(
    data: &Data<AppState>,
    voter: &Url,
    object: &Url,
    score: i32,
    raw: Value,
    relayed_by: Option<&Group>,
) -> Result<()> {
    let voter = person(data, voter).await?;
    votes::cast_remote(
        data,
        voter,
        object.to_string(),
        score,
        arrival(relayed_by),
        raw,
    )
    .await
    .map_err(|e| match e {
        Error::NotFound(_) => unknown(object),
        other => other,
    })?;
    Ok(())
}

/// An activity about `object`, which we do not have: nothing to do, and nothing for the sender
/// to retry.
fn unknown(object: &Url) -> Error {
    Error::Dropped(format!("{object} is not known here"))
}

/// A steward action on a thread or comment. A remote group vouches for its own stewards by
/// relaying; for our groups the actor must be one of the stewards here.
async fn steward_action(
    data: &Data<AppState>,
    actor: &Url,
    object: &Url,
    flag: ThreadFlag,
    value: bool,
    raw: Value,
    relayed_by: Option<&Group>,
) -> Result<()> {
    let steward = person(data, actor).await?;
    let (thread_id, comment_id) = match objects::by_ap_id(data, object.as_str()).await? {
        Some(objects::ReplyTarget::Thread(t)) => (t.id, None),
        Some(objects::ReplyTarget::Comment(c)) => (c.thread_id, Some(c.id)),
        None => return Err(unknown(object)),
    };
    let group = objects::group_of_thread(data, thread_id).await?;
    arrival(relayed_by).check(&group)?;
    if relayed_by.is_none() && !groups::steward_of(data, group.id, steward.id).await? {
        return Err(Error::Refused(
            "only the group's stewards may do this".into(),
        ));
    }
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
async fn flag(data: &Data<AppState>, f: Flag) -> Result<()> {
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

/// A ban from a group, by one of its stewards (vouched for by the group when it is remote).
async fn ban(
    data: &Data<AppState>,
    b: Block,
    value: bool,
    raw: Value,
    relayed_by: Option<&Group>,
) -> Result<()> {
    let g = group(data, &b.target).await?;
    arrival(relayed_by).check(&g)?;
    let steward = person(data, &b.actor).await?;
    let banned = person(data, &b.object).await?;
    let group_handle = crate::domain::names::handle(&g.name, b.target.as_str());
    let person_handle = crate::domain::names::handle(&banned.username, b.object.as_str());
    if relayed_by.is_none() && !groups::steward_of(data, g.id, steward.id).await? {
        return Err(Error::Refused("only the group's stewards may ban".into()));
    }
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

/// `Lock`, and `Add`/`Remove` on a group's featured or moderators collection.
async fn mod_action(
    data: &Data<AppState>,
    m: ModAction,
    raw: Value,
    relayed_by: Option<&Group>,
) -> Result<()> {
    let target = m.target.as_ref().map(Url::as_str).unwrap_or_default();
    let add = m.kind == ModKind::Add;
    match m.kind {
        ModKind::Lock => {
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
        _ if target.ends_with("/moderators") => {
            // Only a remote group's own announcement changes its stewards here.
            let g = relayed_by
                .ok_or_else(|| Error::Refused("steward changes must come from the group".into()))?;
            if target != format!("{}/moderators", g.ap_id) {
                return Err(Error::Refused(
                    "a group may only change its own stewards".into(),
                ));
            }
            let new_steward = person(data, &m.object).await?;
            groups::set_remote_steward(data, g.clone(), new_steward, add).await
        }
        _ => Err(Error::Refused("unsupported Add/Remove target".into())),
    }
}

/// A `Delete` by an author of their thread or comment, or of their own account; or a steward's
/// removal.
async fn delete(
    data: &Data<AppState>,
    d: Delete,
    raw: Value,
    relayed_by: Option<&Group>,
) -> Result<()> {
    let object = id_of(&d.object).ok_or_else(|| Error::Refused("Delete of nothing".into()))?;
    let author = person(data, &d.actor).await?;
    if object == d.actor {
        return crate::domain::remote::delete_person(data, author).await;
    }
    let author_id = match objects::by_ap_id(data, object.as_str()).await? {
        Some(objects::ReplyTarget::Thread(t)) => Some(t.author_id),
        Some(objects::ReplyTarget::Comment(c)) => Some(c.author_id),
        None => None,
    };
    // A `summary` marks a steward's removal, as Lemmy sends it, even of the steward's own
    // content (which stays up elsewhere and may be restored). Without one, someone else's
    // content is still taken as removed by a steward, as other servers send it.
    if d.summary.is_some() || author_id.is_some_and(|a| a != author.id) {
        return steward_action(
            data,
            &d.actor,
            &object,
            ThreadFlag::Removed,
            true,
            raw,
            relayed_by,
        )
        .await;
    }
    match objects::by_ap_id(data, object.as_str()).await? {
        Some(objects::ReplyTarget::Thread(t)) => {
            arrival(relayed_by).check(&objects::group_of_thread(data, t.id).await?)?;
            threads::delete_as(data, author, t.id, Some(raw)).await
        }
        Some(objects::ReplyTarget::Comment(c)) => {
            arrival(relayed_by).check(&objects::group_of_thread(data, c.thread_id).await?)?;
            comments::delete_as(data, author, c.id, Some(raw)).await
        }
        // Deleting what we never had is already done.
        None => Err(unknown(&object)),
    }
    .map_err(|e| match e {
        Error::Forbidden(m) => Error::Refused(m),
        other => other,
    })
}

/// The `Undo` of a `Delete` without `summary`: the author restores their thread or comment. Of
/// someone else's content, it undoes a steward's removal, as that `Delete` was taken.
async fn undelete(
    data: &Data<AppState>,
    d: Delete,
    raw: Value,
    relayed_by: Option<&Group>,
) -> Result<()> {
    let object =
        id_of(&d.object).ok_or_else(|| Error::Refused("Undo of a Delete of nothing".into()))?;
    let actor = person(data, &d.actor).await?;
    let restored = match objects::by_ap_id(data, object.as_str()).await? {
        Some(objects::ReplyTarget::Thread(t)) if t.author_id == actor.id => {
            arrival(relayed_by).check(&objects::group_of_thread(data, t.id).await?)?;
            threads::restore_as(data, actor, t.id, raw).await
        }
        Some(objects::ReplyTarget::Comment(c)) if c.author_id == actor.id => {
            arrival(relayed_by).check(&objects::group_of_thread(data, c.thread_id).await?)?;
            comments::restore_as(data, actor, c.id, raw).await
        }
        _ => {
            return steward_action(
                data,
                &d.actor,
                &object,
                ThreadFlag::Removed,
                false,
                raw,
                relayed_by,
            )
            .await
        }
    };
    restored.map_err(|e| match e {
        Error::Forbidden(m) => Error::Refused(m),
        other => other,
    })
}

/// The group a thread is posted to: `audience`, else the first group among `to` and `cc`.
async fn audience_group(data: &Data<AppState>, page: &PageJson) -> Result<Group> {
    let candidates = page
        .audience
        .iter()
        .chain(page.to.iter())
        .chain(page.cc.iter());
    for c in candidates {
        if c.as_str() == crate::federation::wire::PUBLIC {
            continue;
        }
        if let Ok(g) = group(data, c).await {
            return Ok(g);
        }
    }
    Err(Error::Refused("the thread names no group we know".into()))
}

async fn create_or_update(
    c: CreateOrUpdate,
    activity: Value,
    data: &Data<AppState>,
    relayed_by: Option<&Group>,
) -> Result<()> {
    let author = person(data, &c.actor).await?;
    let limits = &data.config.limits;
    match c.object {
        PostJson::Page(page) => {
            let g = audience_group(data, &page).await?;
            arrival(relayed_by).check(&g)?;
            threads::store_remote(data, author, g, remote_thread(&page, limits)?, activity).await?;
        }
        PostJson::Note(note) => {
            let Some(in_reply_to) = note.in_reply_to.clone() else {
                return thread_from_mention(data, author, note, activity, relayed_by).await;
            };
            let (body_source, body_html) =
                remote_body(note.source.as_ref(), Some(&note.content), limits.body_bytes)?;
            let reply = comments::RemoteReply {
                in_reply_to: in_reply_to.to_string(),
                ap_id: note.id.to_string(),
                body_source,
                body_html,
                created_at: note.published.naive_utc(),
                language: note.language.tag(),
            };
            let arrival = arrival(relayed_by);
            match comments::store_remote(
                data,
                author.clone(),
                reply.clone(),
                arrival,
                activity.clone(),
            )
            .await
            {
                // A reply to something we have not seen (we joined after it was posted):
                // fetch it from its origin, with its own parents, then take the reply.
                Err(Error::NotFound(_)) => {
                    resolve_post(data, &in_reply_to).await?;
                    comments::store_remote(data, author, reply, arrival, activity).await?;
                }
                other => {
                    other?;
                }
            }
        }
    }
    Ok(())
}

/// A post that is not a reply and mentions one of our groups (as Mastodon users write
/// `@design@agency.example …`) starts a thread there: its first line, without the leading
/// mentions, is the title; the whole post is the body.
async fn thread_from_mention(
    data: &Data<AppState>,
    author: Person,
    note: NoteJson,
    activity: Value,
    relayed_by: Option<&Group>,
) -> Result<()> {
    let mentioned = note
        .tag
        .iter()
        .filter(|t| t.kind == "Mention")
        .filter_map(|t| t.href.clone())
        .chain(note.to.iter().cloned())
        .chain(note.cc.iter().cloned());
    let mut target = None;
    for candidate in mentioned {
        if let Some(objects::LocalActor::Group(g)) =
            objects::local_actor(data, candidate.as_str()).await?
        {
            target = Some(g);
            break;
        }
    }
    let group = target.ok_or_else(|| {
        Error::Refused("a post that is neither a reply nor addressed to one of our groups".into())
    })?;
    arrival(relayed_by).check(&group)?;
    let limits = &data.config.limits;
    let (body_source, body_html) =
        remote_body(note.source.as_ref(), Some(&note.content), limits.body_bytes)?;
    let title = text::title_from_text(&text::html_to_text(&body_html), limits.title_chars)
        .ok_or_else(|| Error::Refused("the post has no text to make a title of".into()))?;
    threads::store_remote(
        data,
        author,
        group,
        threads::RemoteThread {
            ap_id: note.id.to_string(),
            title,
            body_source,
            body_html,
            url: None,
            published: note.published.naive_utc(),
            updated: note.updated.map(|u| u.naive_utc()),
            language: note.language.tag(),
        },
        activity,
    )
    .await?;
    Ok(())
}

/// A remote `Page` as a thread: title bounded to one line, body sanitized, link from attachments.
fn remote_thread(page: &PageJson, limits: &crate::config::Limits) -> Result<threads::RemoteThread> {
    let name: String = page.name.chars().take(limits.title_chars).collect();
    let title = text::parse_line("name", &name, limits.title_chars)
        .map_err(|e| Error::Refused(format!("thread title: {e}")))?;
    let (body_source, body_html) = remote_body(
        page.source.as_ref(),
        page.content.as_deref(),
        limits.body_bytes,
    )?;
    Ok(threads::RemoteThread {
        ap_id: page.id.to_string(),
        title,
        body_source,
        body_html,
        url: crate::federation::wire::thread_link(&page.attachment).map(|u| u.to_string()),
        published: page.published.naive_utc(),
        updated: page.updated.map(|u| u.naive_utc()),
        language: page.language.tag(),
    })
}

/// How an activity reached us: directly, or in the `Announce` of `relayed_by`.
fn arrival(relayed_by: Option<&Group>) -> Arrival {
    relayed_by.map_or(Arrival::Direct, |g| Arrival::RelayedBy(g.id))
}

/// Sanitized HTML and, when given as markdown, the source; bounded in size.
fn remote_body(
    source: Option<&crate::federation::wire::Source>,
    html: Option<&str>,
    limit: usize,
) -> Result<(String, String)> {
    let html = html.unwrap_or_default();
    if html.len() > limit * 4 {
        return Err(Error::Refused("the content is too large".into()));
    }
    let markdown = source
        .filter(|s| s.media_type == "text/markdown" && s.content.len() <= limit)
        .map(|s| s.content.clone())
        .unwrap_or_default();
    Ok((markdown, text::sanitize_html(html)))
}

/// An `Announce` from a group we follow: the inner activity is checked as if it came directly.
async fn announce(a: Announce, data: &Data<AppState>) -> Result<()> {
    let g = group(data, &a.actor).await?;
    if g.local {
        return Err(Error::Refused(
            "we take Announces only from groups we follow".into(),
        ));
    }
    let followed = objects::followed_by_us(data, g.id).await?;
    let inner_value = if a.object.is_string() {
        let id = id_of(&a.object).ok_or_else(|| Error::Refused("Announce of nothing".into()))?;
        fetch_activity(data, &id).await.map_err(|e| match e {
            // Gone (410) at its origin.
            Error::Federation(activitypub_federation::error::Error::ObjectDeleted(_)) => {
                unknown(&id)
            }
            other => other,
        })?
    } else {
        a.object
    };
    let mut inner_value = inner_value;
    let mut inner: InboxActivity = serde_json::from_value(inner_value.clone())
        .map_err(|e| Error::Refused(format!("unsupported announced activity: {e}")))?;
    // A remote group relays our own members' activities back to us. Only those we really sent
    // are taken, as we sent them: anything else speaking for this instance is forged.
    let ours = |u: &Url| crate::federation::actors::authority(u) == data.config.domain;
    if ours(inner.id()) || ours(inner.actor()) {
        let sent = objects::sent_activity(data, inner.id().as_str())
            .await?
            .ok_or_else(|| {
                Error::Refused("an announced activity speaks for this instance falsely".into())
            })?;
        inner_value = serde_json::from_str(&sent)
            .map_err(|e| Error::Internal(format!("stored activity: {e}")))?;
        inner = serde_json::from_value(inner_value.clone())
            .map_err(|e| Error::Refused(format!("unsupported announced activity: {e}")))?;
    }
    // A group we no longer follow still tells a member of ours about their ban.
    let about_our_member = match &inner {
        InboxActivity::Block(b)
        | InboxActivity::Undo(Undo {
            object: Undoable::Block(b),
            ..
        }) => {
            matches!(
                objects::local_actor(data, b.object.as_str()).await?,
                Some(objects::LocalActor::Person(_))
            )
        }
        _ => false,
    };
    if !followed && !about_our_member {
        return Err(Error::Refused(
            "we take Announces only from groups we follow".into(),
        ));
    }
    if matches!(
        inner,
        InboxActivity::Announce(_)
            | InboxActivity::Follow(_)
            | InboxActivity::Undo(Undo {
                object: Undoable::Follow(_),
                ..
            })
    ) {
        return Err(Error::Refused("that activity cannot be announced".into()));
    }
    inner.verify(data).await?;
    Box::pin(receive(inner, inner_value, data, Some(&g))).await
}

/// How many parents a fetched reply may pull in before we give up.
const MAX_FETCH_DEPTH: u32 = 5;

/// Fetches a thread or reply by its URL from its origin, with the group and the parents it needs,
/// and stores it. Returns the thread's id and, for a reply, the comment's.
///
/// # Errors
/// A document that is not a thread or reply of a group we can reach, or from the wrong origin.
pub async fn resolve_post(data: &Data<AppState>, id: &Url) -> Result<(i64, Option<i64>)> {
    resolve_post_at(data, id, 0).await
}

/// The thread (and comment) stored under `id`, if any.
async fn stored_post(data: &Data<AppState>, id: &Url) -> Result<Option<(i64, Option<i64>)>> {
    Ok(match objects::by_ap_id(data, id.as_str()).await? {
        Some(objects::ReplyTarget::Thread(t)) => Some((t.id, None)),
        Some(objects::ReplyTarget::Comment(c)) => Some((c.thread_id, Some(c.id))),
        None => None,
    })
}

async fn resolve_post_at(
    data: &Data<AppState>,
    id: &Url,
    depth: u32,
) -> Result<(i64, Option<i64>)> {
    if let Some(found) = stored_post(data, id).await? {
        return Ok(found);
    }
    match fetch_post(data, id, depth).await {
        // Fetched at the same moment by someone else: theirs is stored.
        Err(Error::AlreadyReceived) => stored_post(data, id)
            .await?
            .ok_or(Error::NotFound("thread or comment")),
        other => other,
    }
}

async fn fetch_post(data: &Data<AppState>, id: &Url, depth: u32) -> Result<(i64, Option<i64>)> {
    if depth >= MAX_FETCH_DEPTH {
        return Err(Error::Refused(
            "the reply chain is too deep to fetch".into(),
        ));
    }
    let document = fetch_activity(data, id).await?;
    let post: PostJson = serde_json::from_value(document)
        .map_err(|e| Error::Refused(format!("not a thread or reply: {e}")))?;
    if post.id() != id {
        return Err(Error::Refused(
            "the document's id is not the URL it was fetched from".into(),
        ));
    }
    verify_same_origin(post.attributed_to(), id)?;
    let author = person(data, post.attributed_to()).await?;
    let activity = serde_json::json!({"id": format!("{id}#fetched"), "type": "Create", "actor": post.attributed_to(), "object": post});
    let limits = &data.config.limits;
    match post {
        PostJson::Page(page) => {
            let g = audience_group(data, &page).await?;
            let thread = remote_thread(&page, limits)?;
            Ok((
                threads::store_remote(data, author, g, thread, activity).await?,
                None,
            ))
        }
        PostJson::Note(note) => {
            let parent = note
                .in_reply_to
                .clone()
                .ok_or_else(|| Error::Refused("a post that is not a reply".into()))?;
            Box::pin(resolve_post_at(data, &parent, depth + 1)).await?;
            let (body_source, body_html) =
                remote_body(note.source.as_ref(), Some(&note.content), limits.body_bytes)?;
            let reply = comments::RemoteReply {
                in_reply_to: parent.to_string(),
                ap_id: note.id.to_string(),
                body_source,
                body_html,
                created_at: note.published.naive_utc(),
                language: note.language.tag(),
            };
            let (thread_id, comment_id) =
                comments::store_remote(data, author, reply, Arrival::Fetched, activity).await?;
            Ok((thread_id, Some(comment_id)))
        }
    }
}

/// Fetches an announced activity by id from its own origin.
async fn fetch_activity(data: &Data<AppState>, id: &Url) -> Result<Value> {
    let res = activitypub_federation::fetch::fetch_object_http::<AppState, Value>(id, data).await?;
    if res.url != *id {
        verify_same_origin(&res.url, id)?;
    }
    Ok(res.object)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_come_from_the_first_line_without_mentions() {
        let text =
            text::html_to_text("<p>@design@a.example Plain &amp; simple forms</p><p>More text</p>");
        assert_eq!(
            text::title_from_text(&text, 200).as_deref(),
            Some("Plain & simple forms")
        );
        assert_eq!(
            text::title_from_text("one two three", 7).as_deref(),
            Some("one two")
        );
        assert_eq!(text::title_from_text("@only@mentions", 200), None);
    }
}
