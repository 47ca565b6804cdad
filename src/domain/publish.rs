//! What the domain federates. Inside the transaction that changes some content, the domain says
//! what happened ([`Outgoing`]) and where it goes; `federation` builds the activity (the
//! [`Activities`] trait, implemented there with typed structs); the deliveries are queued in the
//! persistent outbox (`domain::outbox`) by the same transaction. A group relays what it accepts
//! as `Announce` (FEP-1b12).

use std::sync::{atomic::AtomicUsize, Arc};

use diesel::prelude::*;
use serde_json::Value;

use crate::db::{models::*, schema::*, AnyConnection};
use crate::domain::groups::MembershipState;
use crate::domain::objects::{comment_object, thread_objects, CommentObject, ThreadObject};
use crate::domain::outbox;
use crate::error::{Error, Result};

/// Whether content was created or edited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Create,
    Update,
}

/// Steward actions on content, sent as Lemmy's moderators send them.
#[derive(Debug, Clone, Copy)]
pub enum ModAction {
    /// `Delete` with a `summary` by a steward (Lemmy's removal); undone with `Undo(Delete)`.
    Remove,
    /// `Lock` of a thread; undone with `Undo(Lock)`.
    Lock,
    /// `Add` to the group's `featured` collection; undone with `Remove` from it.
    Feature,
}

/// Something the domain did that another server must hear of, in the domain's words.
#[derive(Debug)]
pub enum Outgoing<'a> {
    /// A vote of +1 or -1 (`Like`/`Dislike`) on the object `target`.
    Vote {
        voter: &'a Person,
        group: &'a Group,
        target: &'a str,
        score: i32,
    },
    /// The vote `old` on `target` withdrawn (`Undo` of the `Like`/`Dislike`).
    VoteWithdrawn {
        voter: &'a Person,
        group: &'a Group,
        target: &'a str,
        old: i32,
    },
    /// An author deleted their thread or comment.
    Deleted {
        author: &'a Person,
        group: &'a Group,
        object: &'a str,
    },
    /// A steward acted on `object`, or undid the action (`value` false).
    Moderation {
        steward: &'a Person,
        group: &'a Group,
        action: ModAction,
        object: &'a str,
        value: bool,
    },
    /// A steward appointed (`added`) or stepped down.
    StewardChanged {
        by: &'a Person,
        group: &'a Group,
        steward: &'a str,
        added: bool,
    },
    /// A group's description changed.
    GroupUpdated { by: &'a Person, group: &'a Group },
    /// A member's public profile changed.
    PersonUpdated { person: &'a Person },
    /// A steward banned `person` from the group, or lifted the ban (`value` false).
    Ban {
        steward: &'a Person,
        group: &'a Group,
        person: &'a Person,
        value: bool,
    },
    /// A member reports content of a remote group.
    Flag {
        id: &'a str,
        reporter: &'a Person,
        group: &'a Group,
        object: &'a str,
        reason: &'a str,
    },
    /// A thread was created or edited.
    Thread {
        thread: &'a ThreadObject,
        group: &'a Group,
        change: Change,
    },
    /// A comment was created or edited.
    Comment {
        comment: &'a CommentObject,
        group: &'a Group,
        change: Change,
    },
    /// A local member asks to follow a remote group or person (`object`); `id` is the follow's.
    Follow {
        id: &'a str,
        follower: &'a Person,
        object: &'a str,
    },
    /// A local member stops following `object`: `Undo` of the follow `follow_id` (or of one
    /// with a fresh id, when we did not keep it).
    Unfollow {
        follower: &'a Person,
        object: &'a str,
        follow_id: Option<&'a str>,
    },
    /// One of our actors (`rejecter`) ends or refuses a remote person's follow of it.
    RejectFollow {
        rejecter: &'a str,
        follower: &'a Person,
        follow_id: Option<&'a str>,
    },
    /// One of our actors (`accepter`) accepts a remote person's `follow`, as received.
    AcceptFollow {
        accepter: &'a str,
        follower: &'a Person,
        follow: Value,
    },
    /// One of our groups relays `activity` to its followers.
    Announce { group: &'a Group, activity: Value },
}

/// Turns what happened into the activity document sent (implemented by `federation`).
pub trait Activities: Send + Sync {
    /// The complete document, `@context` included, with a fresh id under `o.base` unless the
    /// event names one.
    ///
    /// # Errors
    /// An id that is not a URL, or a document that cannot be built.
    fn build(&self, o: &Origin, what: Outgoing<'_>) -> Result<Value>;
}

/// What a transaction needs to queue activities: our base URL and domain, the activity builder,
/// and the count of transactions that queued deliveries and have not woken the worker yet.
#[derive(Clone)]
pub struct Origin {
    pub base: String,
    pub domain: String,
    pub queued: Arc<AtomicUsize>,
    pub activities: Arc<dyn Activities>,
}

/// A fresh activity id under this instance.
pub fn activity_id(base: &str, kind: &str) -> String {
    use rand::Rng;
    let token: u128 = rand::rng().random();
    format!("{base}/activities/{kind}/{token:032x}")
}

/// Builds `what` and queues it to `inboxes`. Returns whether anything was queued. With no inbox
/// (a group of ours without remote followers: most posts and most received replies), nothing
/// is built.
fn queue(
    conn: &mut AnyConnection,
    o: &Origin,
    what: Outgoing<'_>,
    inboxes: &[String],
) -> Result<bool> {
    if inboxes.is_empty() {
        return Ok(false);
    }
    let document = o.activities.build(o, what)?;
    outbox::enqueue(conn, o, &document, inboxes)
}

/// The inboxes of a group's remote followers, one per server where they share one.
pub(crate) fn follower_inboxes(conn: &mut AnyConnection, group_id: i64) -> Result<Vec<String>> {
    let rows: Vec<(String, Option<String>)> = memberships::table
        .inner_join(persons::table)
        .filter(memberships::group_id.eq(group_id))
        .filter(memberships::state.eq(MembershipState::Accepted))
        .filter(persons::local.eq(false))
        .select((persons::inbox_url, persons::shared_inbox_url))
        .load(conn)?;
    Ok(one_per_server(rows))
}

/// Inboxes, each actor's shared one where it has one, without repeats.
fn one_per_server(rows: Vec<(String, Option<String>)>) -> Vec<String> {
    let mut inboxes: Vec<String> = rows
        .into_iter()
        .map(|(inbox, shared)| shared.unwrap_or(inbox))
        .collect();
    inboxes.sort();
    inboxes.dedup();
    inboxes
}

fn inbox_of_group(g: &Group) -> String {
    g.shared_inbox_url
        .clone()
        .unwrap_or_else(|| g.inbox_url.clone())
}

fn inbox_of_person(p: &Person) -> String {
    p.shared_inbox_url
        .clone()
        .unwrap_or_else(|| p.inbox_url.clone())
}

fn is_ours(o: &Origin, activity: &Value) -> bool {
    activity["actor"]
        .as_str()
        .is_some_and(|a| a.starts_with(&format!("{}/", o.base)))
}

/// The one way an activity about content of `group` travels: a local group announces it to its
/// followers (and to `extra`, someone who is no longer a follower but must hear of it, like a
/// banned member); a remote group gets the activity if it is ours, and nothing if it came from
/// elsewhere (its origin sent it there). A received activity's receipt is the inbox's business,
/// recorded when its transaction began, so that copies arriving at the same moment stop there.
/// `activity` is either received or made by [`Activities::build`] (with its `@context`).
pub(crate) fn to_group(
    conn: &mut AnyConnection,
    o: &Origin,
    group: &Group,
    activity: Value,
    extra: &[String],
) -> Result<()> {
    let ours = is_ours(o, &activity);
    if group.local {
        let mut inboxes = follower_inboxes(conn, group.id)?;
        inboxes.extend_from_slice(extra);
        let announce = Outgoing::Announce {
            group,
            activity: activity.clone(),
        };
        // The activity announced is served at its id too, as others may fetch it there.
        if queue(conn, o, announce, &inboxes)? && ours {
            outbox::keep(conn, &activity)?;
        }
        Ok(())
    } else if ours {
        outbox::enqueue(conn, o, &activity, &[inbox_of_group(group)]).map(drop)
    } else {
        Ok(())
    }
}

/// Builds `what` and sends it [`to_group`], or relays `received` that way instead.
fn about_group(
    conn: &mut AnyConnection,
    o: &Origin,
    group: &Group,
    what: Outgoing<'_>,
    received: Option<Value>,
    extra: &[String],
) -> Result<()> {
    let activity = match received {
        Some(a) => a,
        None => o.activities.build(o, what)?,
    };
    to_group(conn, o, group, activity, extra)
}

/// A vote changed from `old` to `new` on the object `target`: relay what we received, or send
/// ours as `Like`/`Dislike`, or `Undo` of the old one when withdrawn.
#[allow(clippy::too_many_arguments)]
pub fn vote(
    conn: &mut AnyConnection,
    o: &Origin,
    voter: &Person,
    group: &Group,
    target: &str,
    old: i32,
    new: i32,
    received: Option<Value>,
) -> Result<()> {
    if received.is_none() && (old == new || !voter.local) {
        return Ok(());
    }
    // A new vote replaces the old one, as Lemmy reads it; only a withdrawal needs an Undo.
    // (One activity per change keeps concurrent deliveries from arriving out of order.)
    let what = if new == 0 {
        Outgoing::VoteWithdrawn {
            voter,
            group,
            target,
            old,
        }
    } else {
        Outgoing::Vote {
            voter,
            group,
            target,
            score: new,
        }
    };
    about_group(conn, o, group, what, received, &[])
}

/// A thread or comment was deleted by its author (or restored, on the `Undo` received).
pub fn deleted(
    conn: &mut AnyConnection,
    o: &Origin,
    author: &Person,
    group: &Group,
    object: &str,
    received: Option<Value>,
) -> Result<()> {
    if received.is_none() && !author.local {
        return Ok(());
    }
    let what = Outgoing::Deleted {
        author,
        group,
        object,
    };
    about_group(conn, o, group, what, received, &[])
}

/// A steward acted on `object` (`value` false: the action was undone). Relays `received` when it
/// came from elsewhere; a local group announces it, a local steward of a remote group sends it
/// to the group.
#[allow(clippy::too_many_arguments)]
pub fn moderation(
    conn: &mut AnyConnection,
    o: &Origin,
    steward: &Person,
    group: &Group,
    action: ModAction,
    object: &str,
    value: bool,
    received: Option<Value>,
) -> Result<()> {
    if received.is_none() && !steward.local {
        return Ok(());
    }
    let what = Outgoing::Moderation {
        steward,
        group,
        action,
        object,
        value,
    };
    about_group(conn, o, group, what, received, &[])
}

/// A steward appointed (`Add` to the group's moderators collection) or stepped down (`Remove`).
pub fn steward_changed(
    conn: &mut AnyConnection,
    o: &Origin,
    by: &Person,
    group: &Group,
    steward: &str,
    added: bool,
) -> Result<()> {
    if !by.local {
        return Ok(());
    }
    let what = Outgoing::StewardChanged {
        by,
        group,
        steward,
        added,
    };
    about_group(conn, o, group, what, None, &[])
}

/// A group's description changed: `Update` with the new `Group`.
pub fn group_updated(
    conn: &mut AnyConnection,
    o: &Origin,
    by: &Person,
    group: &Group,
) -> Result<()> {
    if !by.local || !group.local {
        return Ok(());
    }
    about_group(
        conn,
        o,
        group,
        Outgoing::GroupUpdated { by, group },
        None,
        &[],
    )
}

/// A member's profile changed: `Update` with the new `Person`, to the remote groups they belong
/// to and the servers of their remote followers, which keep a copy (agency and role included).
pub fn person_updated(conn: &mut AnyConnection, o: &Origin, person: &Person) -> Result<()> {
    if !person.local {
        return Ok(());
    }
    let mut rows: Vec<(String, Option<String>)> = memberships::table
        .inner_join(groups::table)
        .filter(memberships::person_id.eq(person.id))
        .filter(memberships::state.eq(MembershipState::Accepted))
        .filter(groups::local.eq(false))
        .select((groups::inbox_url, groups::shared_inbox_url))
        .load(conn)?;
    rows.extend(
        person_follows::table
            .inner_join(persons::table.on(persons::id.eq(person_follows::follower_id)))
            .filter(person_follows::followed_id.eq(person.id))
            .filter(person_follows::state.eq(MembershipState::Accepted))
            .filter(persons::local.eq(false))
            .select((persons::inbox_url, persons::shared_inbox_url))
            .load::<(String, Option<String>)>(conn)?,
    );
    let inboxes = one_per_server(rows);
    if inboxes.is_empty() {
        return Ok(());
    }
    queue(conn, o, Outgoing::PersonUpdated { person }, &inboxes).map(drop)
}

/// A steward banned someone from a group (`Block` with the group as target), or lifted the ban.
pub fn ban(
    conn: &mut AnyConnection,
    o: &Origin,
    steward: &Person,
    group: &Group,
    person: &Person,
    value: bool,
    received: Option<Value>,
) -> Result<()> {
    if received.is_none() && !steward.local {
        return Ok(());
    }
    // The banned member is no follower any more, yet their server must learn of it.
    let banned_inbox = if person.local {
        Vec::new()
    } else {
        vec![inbox_of_person(person)]
    };
    let what = Outgoing::Ban {
        steward,
        group,
        person,
        value,
    };
    about_group(conn, o, group, what, received, &banned_inbox)
}

/// A local member reports content of a remote group: `Flag` to the group's instance, not relayed.
#[allow(clippy::too_many_arguments)]
pub fn flag(
    conn: &mut AnyConnection,
    o: &Origin,
    reporter: &Person,
    group: &Group,
    id: &str,
    object: &str,
    reason: &str,
) -> Result<()> {
    let what = Outgoing::Flag {
        id,
        reporter,
        group,
        object,
        reason,
    };
    queue(conn, o, what, &[inbox_of_group(group)]).map(drop)
}

/// A thread was created or edited: `Create`/`Update` of its `Page`, or `received` unchanged when
/// it came from another server (whose receipt the caller recorded, as for [`to_group`]).
pub fn thread_changed(
    conn: &mut AnyConnection,
    o: &Origin,
    thread_id: i64,
    change: Change,
    received: Option<Value>,
) -> Result<()> {
    let thread = threads::table
        .find(thread_id)
        .select(Thread::as_select())
        .first(conn)?;
    let group = groups::table
        .find(thread.group_id)
        .select(Group::as_select())
        .first(conn)?;
    let activity = match received {
        Some(a) => a,
        None => {
            let thread = thread_objects(conn, vec![thread])?
                .pop()
                .ok_or(Error::NotFound("thread"))?;
            let what = Outgoing::Thread {
                thread: &thread,
                group: &group,
                change,
            };
            o.activities.build(o, what)?
        }
    };
    to_group(conn, o, &group, activity, &[])
}

/// A comment was created or edited.
pub fn comment_changed(
    conn: &mut AnyConnection,
    o: &Origin,
    comment_id: i64,
    change: Change,
    received: Option<Value>,
) -> Result<()> {
    let comment = comments::table
        .find(comment_id)
        .select(Comment::as_select())
        .first(conn)?;
    let thread = threads::table
        .find(comment.thread_id)
        .select(Thread::as_select())
        .first(conn)?;
    let group = groups::table
        .find(thread.group_id)
        .select(Group::as_select())
        .first(conn)?;
    let activity = match received {
        Some(a) => a,
        None => {
            let comment = comment_object(conn, comment, &thread, group.ap_id.clone(), true)?;
            let what = Outgoing::Comment {
                comment: &comment,
                group: &group,
                change,
            };
            o.activities.build(o, what)?
        }
    };
    to_group(conn, o, &group, activity, &[])
}

/// A local member asks to follow a remote group or person. Returns the `Follow`'s id.
pub fn follow(
    conn: &mut AnyConnection,
    o: &Origin,
    follower: &Person,
    target: Target<'_>,
) -> Result<String> {
    let id = activity_id(&o.base, "follow");
    let what = Outgoing::Follow {
        id: &id,
        follower,
        object: target.ap_id(),
    };
    queue(conn, o, what, &[target.inbox()])?;
    Ok(id)
}

/// A local member stops following a remote group or person.
pub fn unfollow(
    conn: &mut AnyConnection,
    o: &Origin,
    follower: &Person,
    target: Target<'_>,
    follow_id: Option<&str>,
) -> Result<()> {
    let what = Outgoing::Unfollow {
        follower,
        object: target.ap_id(),
        follow_id,
    };
    queue(conn, o, what, &[target.inbox()]).map(drop)
}

/// Whom a local member follows elsewhere.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    Group(&'a Group),
    Person(&'a Person),
}

impl Target<'_> {
    fn ap_id(&self) -> &str {
        match self {
            Target::Group(g) => &g.ap_id,
            Target::Person(p) => &p.ap_id,
        }
    }

    fn inbox(&self) -> String {
        match self {
            Target::Group(g) => inbox_of_group(g),
            Target::Person(p) => inbox_of_person(p),
        }
    }
}

/// One of our members or groups (`rejecter`, by id) ends a remote person's follow of it, or
/// refuses it: `Reject` of that `Follow`.
pub fn reject_follow(
    conn: &mut AnyConnection,
    o: &Origin,
    rejecter: &str,
    follower: &Person,
    follow_id: Option<&str>,
) -> Result<()> {
    let what = Outgoing::RejectFollow {
        rejecter,
        follower,
        follow_id,
    };
    queue(conn, o, what, &[inbox_of_person(follower)]).map(drop)
}

/// One of our groups or members (`accepter`, by id) accepts a remote person's `Follow`.
pub fn accept(
    conn: &mut AnyConnection,
    o: &Origin,
    accepter: &str,
    follower: &Person,
    follow: Value,
) -> Result<()> {
    let what = Outgoing::AcceptFollow {
        accepter,
        follower,
        follow,
    };
    queue(conn, o, what, &[inbox_of_person(follower)]).map(drop)
}
