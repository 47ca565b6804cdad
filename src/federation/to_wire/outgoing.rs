//! Domain → wire for activities: the typed documents we send, built from what the domain says
//! happened (`domain::publish::Outgoing`), addressed as Lemmy addresses them in a group.

use serde::Serialize;
use serde_json::Value;

use crate::db::models::Group;
use crate::domain::publish::{activity_id, Activities, Change, ModAction, Origin, Outgoing};
use crate::error::{Error, Result};
use crate::federation::wire::{GroupJson, NoteJson, PageJson, PersonJson, PUBLIC};
use crate::federation::{group_json, note_json, page_json, person_json};

/// The activity types we send.
#[derive(Debug, Clone, Copy, Serialize)]
pub enum Kind {
    Create,
    Update,
    Delete,
    Undo,
    Like,
    Dislike,
    Lock,
    Add,
    Remove,
    Block,
    Flag,
    Follow,
    Accept,
    Reject,
    Announce,
}

impl Kind {
    /// The path segment of an activity's id.
    fn segment(self) -> String {
        format!("{self:?}").to_lowercase()
    }
}

/// What an activity acts on.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum Object {
    Id(String),
    Activity(Box<Activity>),
    Page(Box<PageJson>),
    Note(Box<NoteJson>),
    Group(Box<GroupJson>),
    Person(Box<PersonJson>),
    /// An activity received from elsewhere, relayed as it came.
    Received(Value),
}

/// One activity as sent. The outermost carries `@context` (so does an activity of ours inside a
/// group's `Announce`, as it was built to be sent and served on its own); nested ones do not.
#[derive(Debug, Serialize)]
pub struct Activity {
    #[serde(rename = "@context", skip_serializing_if = "Option::is_none")]
    pub context: Option<Value>,
    pub id: String,
    #[serde(rename = "type")]
    pub kind: Kind,
    pub actor: String,
    pub object: Object,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub to: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cc: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audience: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
}

impl Activity {
    /// A bare activity with a fresh id under `base`.
    fn new(base: &str, kind: Kind, actor: &str, object: Object) -> Activity {
        Activity {
            id: activity_id(base, &kind.segment()),
            ..Activity::bare(kind, actor, object)
        }
    }

    /// An activity with no id yet (the caller gives it one) and no addressing.
    pub fn bare(kind: Kind, actor: &str, object: Object) -> Activity {
        Activity {
            context: None,
            id: String::new(),
            kind,
            actor: actor.to_string(),
            object,
            to: Vec::new(),
            cc: Vec::new(),
            target: None,
            audience: None,
            summary: None,
            content: None,
        }
    }

    /// An activity in a group: public, with the group in `cc` and as `audience`.
    fn in_group(base: &str, kind: Kind, actor: &str, group: &Group, object: Object) -> Activity {
        Activity {
            to: vec![PUBLIC.to_string()],
            cc: vec![group.ap_id.clone()],
            audience: Some(group.ap_id.clone()),
            ..Activity::new(base, kind, actor, object)
        }
    }

    fn to(mut self, to: &str) -> Activity {
        self.to = vec![to.to_string()];
        self
    }

    fn boxed(self) -> Object {
        Object::Activity(Box::new(self))
    }
}

/// The `Follow` an `Undo` or a `Reject` refers to: by the id we kept, or a fresh one.
fn follow_of(base: &str, follow_id: Option<&str>, actor: &str, object: &str) -> Activity {
    let object = Object::Id(object.into());
    match follow_id {
        Some(id) => Activity {
            id: id.to_string(),
            ..Activity::bare(Kind::Follow, actor, object)
        },
        None => Activity::new(base, Kind::Follow, actor, object),
    }
}

/// Builds our activities (the implementation of the domain's [`Activities`]).
pub struct Builder;

impl Builder {
    /// The activity for `what`, without `@context`.
    ///
    /// # Errors
    /// A stored id that is not a URL.
    pub fn activity(base: &str, what: Outgoing<'_>) -> Result<Activity> {
        let id = |s: &str| Object::Id(s.to_string());
        Ok(match what {
            Outgoing::Vote {
                voter,
                group,
                target,
                score,
            } => Activity {
                audience: Some(group.ap_id.clone()),
                ..Activity::new(base, vote_kind(score), &voter.ap_id, id(target))
            },
            Outgoing::VoteWithdrawn {
                voter,
                group,
                target,
                old,
            } => {
                let vote = Activity {
                    audience: Some(group.ap_id.clone()),
                    ..Activity::new(base, vote_kind(old), &voter.ap_id, id(target))
                };
                Activity {
                    audience: Some(group.ap_id.clone()),
                    ..Activity::new(base, Kind::Undo, &voter.ap_id, vote.boxed())
                }
            }
            Outgoing::Deleted {
                author,
                group,
                object,
            } => Activity::in_group(base, Kind::Delete, &author.ap_id, group, id(object)),
            Outgoing::Moderation {
                steward,
                group,
                action,
                object,
                value,
            } => {
                let act = |kind| Activity::in_group(base, kind, &steward.ap_id, group, id(object));
                let undo = |inner: Activity| {
                    Activity::in_group(base, Kind::Undo, &steward.ap_id, group, inner.boxed())
                };
                // Lemmy tells a removal from its author's deletion by `summary` (the reason;
                // empty when none is given), on the `Delete` and on the one inside its `Undo`.
                // Without it, Lemmy takes the steward for the author and refuses the `Delete`
                // ("Domains do not match").
                let removal = || Activity {
                    summary: Some(String::new()),
                    ..act(Kind::Delete)
                };
                match (action, value) {
                    (ModAction::Remove, true) => removal(),
                    (ModAction::Remove, false) => undo(removal()),
                    (ModAction::Lock, true) => act(Kind::Lock),
                    (ModAction::Lock, false) => undo(act(Kind::Lock)),
                    (ModAction::Feature, add) => Activity {
                        target: Some(format!("{}/featured", group.ap_id)),
                        ..act(if add { Kind::Add } else { Kind::Remove })
                    },
                }
            }
            Outgoing::StewardChanged {
                by,
                group,
                steward,
                added,
            } => Activity {
                target: Some(format!("{}/moderators", group.ap_id)),
                ..Activity::in_group(
                    base,
                    if added { Kind::Add } else { Kind::Remove },
                    &by.ap_id,
                    group,
                    id(steward),
                )
            },
            Outgoing::GroupUpdated { by, group } => {
                let doc = Object::Group(Box::new(group_json(base, group)?));
                Activity::in_group(base, Kind::Update, &by.ap_id, group, doc)
            }
            Outgoing::PersonUpdated { person } => {
                let doc = Object::Person(Box::new(person_json(base, person)?));
                Activity::new(base, Kind::Update, &person.ap_id, doc).to(PUBLIC)
            }
            Outgoing::Ban {
                steward,
                group,
                person,
                value,
            } => {
                let block = Activity {
                    target: Some(group.ap_id.clone()),
                    ..Activity::in_group(
                        base,
                        Kind::Block,
                        &steward.ap_id,
                        group,
                        id(&person.ap_id),
                    )
                };
                if value {
                    block
                } else {
                    Activity::in_group(base, Kind::Undo, &steward.ap_id, group, block.boxed())
                }
            }
            Outgoing::Flag {
                id: flag_id,
                reporter,
                group,
                object,
                reason,
            } => Activity {
                id: flag_id.to_string(),
                audience: Some(group.ap_id.clone()),
                summary: Some(reason.to_string()),
                content: Some(reason.to_string()),
                ..Activity::new(base, Kind::Flag, &reporter.ap_id, id(object)).to(&group.ap_id)
            },
            Outgoing::Thread {
                thread,
                group,
                change,
            } => {
                let page = Object::Page(Box::new(page_json(thread)?));
                Activity::in_group(base, change_kind(change), &thread.author_ap_id, group, page)
            }
            Outgoing::Comment {
                comment,
                group,
                change,
            } => {
                let note = Object::Note(Box::new(note_json(comment)?));
                Activity::in_group(
                    base,
                    change_kind(change),
                    &comment.author_ap_id,
                    group,
                    note,
                )
            }
            Outgoing::Follow {
                id: follow_id,
                follower,
                object,
            } => follow_of(base, Some(follow_id), &follower.ap_id, object).to(object),
            Outgoing::Unfollow {
                follower,
                object,
                follow_id,
            } => {
                let follow = follow_of(base, follow_id, &follower.ap_id, object);
                Activity::new(base, Kind::Undo, &follower.ap_id, follow.boxed()).to(object)
            }
            Outgoing::RejectFollow {
                rejecter,
                follower,
                follow_id,
            } => {
                let follow = follow_of(base, follow_id, &follower.ap_id, rejecter);
                Activity::new(base, Kind::Reject, rejecter, follow.boxed()).to(&follower.ap_id)
            }
            Outgoing::AcceptFollow {
                accepter,
                follower,
                follow,
            } => Activity::new(base, Kind::Accept, accepter, Object::Received(follow))
                .to(&follower.ap_id),
            Outgoing::Announce { group, activity } => Activity {
                to: vec![PUBLIC.to_string()],
                cc: vec![format!("{}/followers", group.ap_id)],
                ..Activity::new(
                    base,
                    Kind::Announce,
                    &group.ap_id,
                    Object::Received(activity),
                )
            },
        })
    }
}

fn vote_kind(score: i32) -> Kind {
    if score > 0 {
        Kind::Like
    } else {
        Kind::Dislike
    }
}

fn change_kind(change: Change) -> Kind {
    match change {
        Change::Create => Kind::Create,
        Change::Update => Kind::Update,
    }
}

impl Activities for Builder {
    fn build(&self, o: &Origin, what: Outgoing<'_>) -> Result<Value> {
        // A complete ActivityStreams document: with the `@context` our served documents carry,
        // which some servers (Fedify's) require of every delivery.
        let activity = Activity {
            context: Some(crate::federation::context()),
            ..Builder::activity(&o.base, what)?
        };
        serde_json::to_value(activity).map_err(|e| Error::Internal(e.to_string()))
    }
}
