//! Outgoing activities, built inside the transaction that changes the content and queued in the
//! persistent outbox (`domain::outbox`). Groups relay what they accept as `Announce` (FEP-1b12).

use diesel::prelude::*;
use serde_json::{json, Value};

use crate::db::{models::*, schema::*, AnyConnection};
use crate::domain::groups::ACCEPTED;
use crate::domain::objects::{thread_objects, CommentObject};
use crate::domain::outbox;
use crate::error::{Error, Result};
use crate::federation::{note_json, page_json, wire::PUBLIC};

/// Queues one of our activities (see [`outbox::enqueue`]) as a complete ActivityStreams document:
/// with the `@context` our served documents carry, which some servers (Fedify's) require of
/// every delivery. An activity relayed inside it keeps its own. Returns whether it was queued.
fn send(
    conn: &mut AnyConnection,
    o: &Origin,
    activity: &Value,
    inboxes: &[String],
) -> Result<bool> {
    let mut document = activity.clone();
    if let Value::Object(map) = &mut document {
        map.insert("@context".into(), crate::federation::context());
    }
    outbox::enqueue(conn, o, &document, inboxes)
}

/// A fresh activity id under this instance.
pub fn activity_id(base: &str, kind: &str) -> String {
    use rand::Rng;
    let token: u128 = rand::rng().random();
    format!("{base}/activities/{kind}/{token:032x}")
}

/// The inboxes of a group's remote followers, one per server where they share one.
pub(crate) fn follower_inboxes(conn: &mut AnyConnection, group_id: i64) -> Result<Vec<String>> {
    let rows: Vec<(String, Option<String>)> = memberships::table
        .inner_join(persons::table)
        .filter(memberships::group_id.eq(group_id))
        .filter(memberships::state.eq(ACCEPTED))
        .filter(persons::local.eq(false))
        .select((persons::inbox_url, persons::shared_inbox_url))
        .load(conn)?;
    let mut inboxes: Vec<String> = rows
        .into_iter()
        .map(|(inbox, shared)| shared.unwrap_or(inbox))
        .collect();
    inboxes.sort();
    inboxes.dedup();
    Ok(inboxes)
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

/// Where an activity about content in `group` goes: a local group announces it to its followers;
/// a local author sends it to a remote group, which will announce it.
fn route(conn: &mut AnyConnection, o: &Origin, group: &Group, activity: Value) -> Result<()> {
    route_also(conn, o, group, activity, &[])
}

/// A received activity about content of `group`, whose receipt the caller recorded when its
/// transaction began (so that copies arriving at the same moment wait for it and stop there):
/// announced to the followers if the group is ours.
pub fn relay(conn: &mut AnyConnection, o: &Origin, group: &Group, activity: Value) -> Result<()> {
    send_about(conn, o, group, activity, &[])
}

fn is_ours(o: &Origin, activity: &Value) -> bool {
    activity["actor"]
        .as_str()
        .is_some_and(|a| a.starts_with(&format!("{}/", o.base)))
}

/// As [`route`], with `extra` inboxes for a local group's announcement (someone who is no longer
/// a follower but must hear of it, like a banned member). A received activity's receipt is the
/// inbox's business (`activities::receive`), recorded before it is handled.
fn route_also(
    conn: &mut AnyConnection,
    o: &Origin,
    group: &Group,
    activity: Value,
    extra: &[String],
) -> Result<()> {
    send_about(conn, o, group, activity, extra)
}

/// A local group announces `activity` to its followers (and `extra`); a remote group gets ours.
fn send_about(
    conn: &mut AnyConnection,
    o: &Origin,
    group: &Group,
    activity: Value,
    extra: &[String],
) -> Result<()> {
    let ours = is_ours(o, &activity);
    if group.local {
        let announce = json!({
            "id": activity_id(&o.base, "announce"),
            "type": "Announce",
            "actor": group.ap_id,
            "to": [PUBLIC],
            "cc": [format!("{}/followers", group.ap_id)],
            "object": activity,
        });
        let mut inboxes = follower_inboxes(conn, group.id)?;
        inboxes.extend_from_slice(extra);
        // The activity announced is served at its id too, as others may fetch it there.
        if send(conn, o, &announce, &inboxes)? && ours {
            outbox::keep(conn, &activity)?;
        }
        Ok(())
    } else {
        if ours {
            send(conn, o, &activity, &[inbox_of_group(group)]).map(drop)
        } else {
            Ok(())
        }
    }
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
    if let Some(activity) = received {
        return relay(conn, o, group, activity);
    }
    if old == new || !voter.local {
        return Ok(());
    }
    let like = |score: i32| {
        json!({
            "id": activity_id(&o.base, if score > 0 { "like" } else { "dislike" }),
            "type": if score > 0 { "Like" } else { "Dislike" },
            "actor": voter.ap_id,
            "object": target,
            "audience": group.ap_id,
        })
    };
    // A new vote replaces the old one, as Lemmy reads it; only a withdrawal needs an Undo.
    // (One activity per change keeps concurrent deliveries from arriving out of order.)
    let activity = if new == 0 {
        json!({
            "id": activity_id(&o.base, "undo"),
            "type": "Undo",
            "actor": voter.ap_id,
            "object": like(old),
            "audience": group.ap_id,
        })
    } else {
        like(new)
    };
    route(conn, o, group, activity)?;
    Ok(())
}

/// An activity addressed as Lemmy addresses them in a group: public, with the group in `cc`
/// and as `audience`.
fn in_group(o: &Origin, kind: &str, actor: &str, group: &Group, object: Value) -> Value {
    json!({
        "id": activity_id(&o.base, &kind.to_lowercase()),
        "type": kind,
        "actor": actor,
        "object": object,
        "to": [PUBLIC],
        "cc": [group.ap_id],
        "audience": group.ap_id,
    })
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
    let activity = match received {
        Some(a) => a,
        None if author.local => in_group(o, "Delete", &author.ap_id, group, json!(object)),
        None => return Ok(()),
    };
    route(conn, o, group, activity)
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
    if let Some(activity) = received {
        return route(conn, o, group, activity);
    }
    if !steward.local {
        return Ok(());
    }
    let base = |kind: &str| in_group(o, kind, &steward.ap_id, group, json!(object));
    let undo = |inner: Value| in_group(o, "Undo", &steward.ap_id, group, inner);
    // Lemmy tells a removal from its author's deletion by `summary` (the reason; empty when
    // none is given), on the `Delete` and on the one inside its `Undo`. Without it, Lemmy takes
    // the steward for the author and refuses the `Delete` ("Domains do not match").
    let removal = || {
        let mut delete = base("Delete");
        delete["summary"] = json!("");
        delete
    };
    let activity = match (action, value) {
        (ModAction::Remove, true) => removal(),
        (ModAction::Remove, false) => undo(removal()),
        (ModAction::Lock, true) => base("Lock"),
        (ModAction::Lock, false) => undo(base("Lock")),
        (ModAction::Feature, add) => {
            let mut a = base(if add { "Add" } else { "Remove" });
            a["target"] = json!(format!("{}/featured", group.ap_id));
            a
        }
    };
    route(conn, o, group, activity)
}

/// A steward appointed (`Add` to the group's moderators collection) or stepped down (`Remove`).
pub fn steward_changed(
    conn: &mut AnyConnection,
    o: &Origin,
    by: &Person,
    group: &Group,
    steward_ap_id: &str,
    added: bool,
) -> Result<()> {
    if !by.local {
        return Ok(());
    }
    let kind = if added { "Add" } else { "Remove" };
    let mut change = in_group(o, kind, &by.ap_id, group, json!(steward_ap_id));
    change["target"] = json!(format!("{}/moderators", group.ap_id));
    route(conn, o, group, change)
}

/// A group's description changed: `Update` with the new `Group`.
pub fn group_updated(
    conn: &mut AnyConnection,
    o: &Origin,
    by: &Person,
    group: &Group,
    group_json: Value,
) -> Result<()> {
    if !by.local || !group.local {
        return Ok(());
    }
    let update = in_group(o, "Update", &by.ap_id, group, group_json);
    route(conn, o, group, update)
}

/// A member's profile changed: `Update` with the new `Person`, to the remote groups they belong
/// to and the servers of their remote followers, which keep a copy (agency and role included).
pub fn person_updated(
    conn: &mut AnyConnection,
    o: &Origin,
    person: &Person,
    person_json: Value,
) -> Result<()> {
    if !person.local {
        return Ok(());
    }
    let mut inboxes: Vec<(String, Option<String>)> = memberships::table
        .inner_join(groups::table)
        .filter(memberships::person_id.eq(person.id))
        .filter(memberships::state.eq(ACCEPTED))
        .filter(groups::local.eq(false))
        .select((groups::inbox_url, groups::shared_inbox_url))
        .load(conn)?;
    inboxes.extend(
        person_follows::table
            .inner_join(persons::table.on(persons::id.eq(person_follows::follower_id)))
            .filter(person_follows::followed_id.eq(person.id))
            .filter(person_follows::state.eq(ACCEPTED))
            .filter(persons::local.eq(false))
            .select((persons::inbox_url, persons::shared_inbox_url))
            .load::<(String, Option<String>)>(conn)?,
    );
    let mut inboxes: Vec<String> = inboxes
        .into_iter()
        .map(|(inbox, shared)| shared.unwrap_or(inbox))
        .collect();
    inboxes.sort();
    inboxes.dedup();
    if inboxes.is_empty() {
        return Ok(());
    }
    let update = json!({
        "id": activity_id(&o.base, "update"),
        "type": "Update",
        "actor": person.ap_id,
        "to": [PUBLIC],
        "object": person_json,
    });
    send(conn, o, &update, &inboxes).map(|_| ())
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
    // The banned member is no follower any more, yet their server must learn of it.
    let banned_inbox = if person.local {
        Vec::new()
    } else {
        vec![inbox_of_person(person)]
    };
    if let Some(activity) = received {
        return route_also(conn, o, group, activity, &banned_inbox);
    }
    if !steward.local {
        return Ok(());
    }
    let mut block = in_group(o, "Block", &steward.ap_id, group, json!(person.ap_id));
    block["target"] = json!(group.ap_id);
    let activity = if value {
        block
    } else {
        in_group(o, "Undo", &steward.ap_id, group, block)
    };
    route_also(conn, o, group, activity, &banned_inbox)
}

/// A local member reports content of a remote group: `Flag` to the group's instance, not relayed.
#[allow(clippy::too_many_arguments)]
pub fn flag(
    conn: &mut AnyConnection,
    o: &Origin,
    reporter: &Person,
    group: &Group,
    flag_id: &str,
    object: &str,
    reason: &str,
) -> Result<()> {
    let flag = json!({
        "id": flag_id,
        "type": "Flag",
        "actor": reporter.ap_id,
        "object": object,
        "summary": reason,
        "content": reason,
        "to": [group.ap_id],
        "audience": group.ap_id,
    });
    send(conn, o, &flag, &[inbox_of_group(group)]).map(drop)
}

/// Context every publisher needs: our base URL and domain, and the count of transactions that
/// queued deliveries and have not woken the delivery worker yet.
#[derive(Clone)]
pub struct Origin {
    pub base: String,
    pub domain: String,
    pub queued: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

/// A thread was created or edited: `Create`/`Update` of its `Page`, or `received` unchanged when
/// it came from another server (whose receipt the caller recorded, as for [`relay`]).
pub fn thread_changed(
    conn: &mut AnyConnection,
    o: &Origin,
    thread_id: i64,
    kind: &str,
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
            let t = thread_objects(conn, vec![thread])?
                .pop()
                .ok_or(Error::NotFound("thread"))?;
            in_group(o, kind, &t.author_ap_id, &group, json!(page_json(&t)?))
        }
    };
    send_about(conn, o, &group, activity, &[])
}

/// A comment was created or edited.
pub fn comment_changed(
    conn: &mut AnyConnection,
    o: &Origin,
    comment_id: i64,
    kind: &str,
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
            let author_ap_id: String = persons::table
                .find(comment.author_id)
                .select(persons::ap_id)
                .first(conn)?;
            let parent_ap_id = match comment.parent_id {
                Some(p) => Some(
                    comments::table
                        .find(p)
                        .select(comments::ap_id)
                        .first(conn)?,
                ),
                None => None,
            };
            let object = CommentObject {
                shown: true,
                comment,
                author_ap_id: author_ap_id.clone(),
                group_ap_id: group.ap_id.clone(),
                thread_ap_id: thread.ap_id.clone(),
                parent_ap_id,
            };
            in_group(o, kind, &author_ap_id, &group, json!(note_json(&object)?))
        }
    };
    route(conn, o, &group, activity)
}

/// A local member asks to join a remote group.
pub fn follow(
    conn: &mut AnyConnection,
    o: &Origin,
    person: &Person,
    group: &Group,
) -> Result<String> {
    let id = activity_id(&o.base, "follow");
    let follow = json!({
        "id": id,
        "type": "Follow",
        "actor": person.ap_id,
        "object": group.ap_id,
        "to": [group.ap_id],
    });
    send(conn, o, &follow, &[inbox_of_group(group)])?;
    Ok(id)
}

/// A local member leaves a remote group.
pub fn unfollow(
    conn: &mut AnyConnection,
    o: &Origin,
    person: &Person,
    group: &Group,
    follow_id: Option<&str>,
) -> Result<()> {
    let undo = json!({
        "id": activity_id(&o.base, "undo"),
        "type": "Undo",
        "actor": person.ap_id,
        "object": {
            "id": follow_id.map_or_else(|| activity_id(&o.base, "follow"), str::to_string),
            "type": "Follow",
            "actor": person.ap_id,
            "object": group.ap_id,
        },
        "to": [group.ap_id],
    });
    send(conn, o, &undo, &[inbox_of_group(group)]).map(drop)
}

/// A local member follows a person elsewhere. Returns the `Follow`'s id.
pub fn follow_person(
    conn: &mut AnyConnection,
    o: &Origin,
    member: &Person,
    target: &Person,
) -> Result<String> {
    let id = activity_id(&o.base, "follow");
    let follow = json!({
        "id": id,
        "type": "Follow",
        "actor": member.ap_id,
        "object": target.ap_id,
        "to": [target.ap_id],
    });
    send(conn, o, &follow, &[inbox_of_person(target)])?;
    Ok(id)
}

/// A local member stops following a person elsewhere.
pub fn unfollow_person(
    conn: &mut AnyConnection,
    o: &Origin,
    member: &Person,
    target: &Person,
    follow_id: Option<&str>,
) -> Result<()> {
    let undo = json!({
        "id": activity_id(&o.base, "undo"),
        "type": "Undo",
        "actor": member.ap_id,
        "object": {
            "id": follow_id.map_or_else(|| activity_id(&o.base, "follow"), str::to_string),
            "type": "Follow",
            "actor": member.ap_id,
            "object": target.ap_id,
        },
        "to": [target.ap_id],
    });
    send(conn, o, &undo, &[inbox_of_person(target)]).map(drop)
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
    let reject = json!({
        "id": activity_id(&o.base, "reject"),
        "type": "Reject",
        "actor": rejecter,
        "object": {
            "id": follow_id.map_or_else(|| activity_id(&o.base, "follow"), str::to_string),
            "type": "Follow",
            "actor": follower.ap_id,
            "object": rejecter,
        },
        "to": [follower.ap_id],
    });
    send(conn, o, &reject, &[inbox_of_person(follower)]).map(drop)
}

/// One of our groups or members (`accepter`, by id) accepts a remote person's `Follow`.
pub fn accept(
    conn: &mut AnyConnection,
    o: &Origin,
    accepter: &str,
    follower: &Person,
    follow: Value,
) -> Result<()> {
    let accept = json!({
        "id": activity_id(&o.base, "accept"),
        "type": "Accept",
        "actor": accepter,
        "object": follow,
        "to": [follower.ap_id],
    });
    send(conn, o, &accept, &[inbox_of_person(follower)]).map(drop)
}
