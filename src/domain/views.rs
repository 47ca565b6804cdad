//! What the domain layer hands to its doors (JSON API, later Mastodon API and pages):
//! rows joined and shaped for reading, never raw rows with secrets in them.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::{models, schema::*};
use crate::domain::text::split_tags;

pub use crate::domain::names::handle;

/// The few columns of a person shown beside their content.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = persons)]
pub struct PersonBrief {
    pub id: i64,
    pub ap_id: String,
    pub local: bool,
    pub username: String,
    pub display_name: Option<String>,
    pub agency: Option<String>,
}

/// The few columns of a group shown beside its threads.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = groups)]
pub struct GroupBrief {
    pub id: i64,
    pub ap_id: String,
    pub local: bool,
    pub name: String,
    pub title: String,
}

/// A person as shown beside what they wrote.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PersonRef {
    pub id: i64,
    pub name: String,
    /// `name@domain`, unique across the fediverse.
    pub handle: String,
    pub display_name: Option<String>,
    pub agency: Option<String>,
    pub local: bool,
    pub ap_id: String,
}

impl From<PersonBrief> for PersonRef {
    fn from(p: PersonBrief) -> Self {
        PersonRef {
            handle: handle(&p.username, &p.ap_id),
            id: p.id,
            name: p.username,
            display_name: p.display_name,
            agency: p.agency,
            local: p.local,
            ap_id: p.ap_id,
        }
    }
}

impl PersonRef {
    /// The person's page here: `/u/name`, or `/u/name@domain` for someone from elsewhere.
    pub fn href(&self) -> String {
        person_href(self.local, &self.name, &self.handle)
    }

    /// The name people see.
    pub fn shown(&self) -> &str {
        self.display_name.as_deref().unwrap_or(&self.name)
    }

    /// The name this instance knows the person by: `name`, or `name@domain` from elsewhere.
    pub fn local_handle(&self) -> &str {
        known_as(self.local, &self.name, &self.handle)
    }
}

/// The name this instance knows a person or group by: `name` here, `name@domain` from elsewhere
/// (what their pages and the member and group routes take).
fn known_as<'a>(local: bool, name: &'a str, handle: &'a str) -> &'a str {
    if local {
        name
    } else {
        handle
    }
}

fn person_href(local: bool, name: &str, handle: &str) -> String {
    format!("/u/{}", known_as(local, name, handle))
}

fn group_href(local: bool, name: &str, handle: &str) -> String {
    format!("/g/{}", known_as(local, name, handle))
}

/// A group as shown beside its threads.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GroupRef {
    pub id: i64,
    pub name: String,
    pub handle: String,
    pub title: String,
    pub local: bool,
    pub ap_id: String,
}

impl From<GroupBrief> for GroupRef {
    fn from(g: GroupBrief) -> Self {
        GroupRef {
            handle: handle(&g.name, &g.ap_id),
            id: g.id,
            name: g.name,
            title: g.title,
            local: g.local,
            ap_id: g.ap_id,
        }
    }
}

impl GroupRef {
    /// The group's page here.
    pub fn href(&self) -> String {
        group_href(self.local, &self.name, &self.handle)
    }
}

/// A member's public profile.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PersonView {
    pub id: i64,
    pub name: String,
    pub handle: String,
    pub display_name: Option<String>,
    /// Bio as sanitized HTML.
    pub bio: String,
    /// Bio as the member wrote it (markdown).
    pub bio_source: String,
    pub agency: Option<String>,
    pub role: Option<String>,
    /// Expertise tags as typed; `text::canonical_tag` gives the form filters take.
    pub expertise: Vec<String>,
    /// "Ask me about": plain text.
    pub ask_me_about: String,
    /// Languages they work in, as language tags (`en`, `fr-CA`).
    pub languages: Vec<String>,
    pub is_admin: bool,
    pub local: bool,
    pub ap_id: String,
    pub created_at: DateTime<Utc>,
    /// People following them (on a profile).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub followers_count: Option<i64>,
    /// People they follow (on a profile).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub following_count: Option<i64>,
    /// The signed-in viewer's follow of them: `accepted`, `pending` or `none` (on a profile).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub follow: Option<String>,
    /// Interface language they chose (local members), if any.
    pub language: Option<String>,
}

impl From<models::Person> for PersonView {
    fn from(p: models::Person) -> Self {
        PersonView {
            handle: handle(&p.username, &p.ap_id),
            id: p.id,
            name: p.username,
            display_name: p.display_name,
            bio: p.bio_html,
            bio_source: p.bio_source,
            agency: p.agency,
            role: p.job_role,
            expertise: split_tags(&p.expertise),
            ask_me_about: p.ask_me_about,
            languages: split_tags(&p.languages),
            is_admin: p.is_admin,
            local: p.local,
            ap_id: p.ap_id,
            created_at: p.created_at.and_utc(),
            followers_count: None,
            following_count: None,
            follow: None,
            language: p.language,
        }
    }
}

/// A group with what the viewer may need to act on it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GroupView {
    pub id: i64,
    pub name: String,
    pub handle: String,
    pub title: String,
    /// Description as sanitized HTML.
    pub description: String,
    pub description_source: String,
    /// Guidelines as sanitized HTML.
    pub rules: String,
    pub rules_source: String,
    /// Whether stewards approve each new member.
    pub approval_required: bool,
    pub member_count: i64,
    pub thread_count: i64,
    pub stewards: Vec<PersonRef>,
    /// The viewer's membership: `pending`, `accepted`, `refused`, or absent.
    pub membership: Option<String>,
    /// Why the viewer's join was refused, as the group's server said it (`refused` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub membership_reason: Option<String>,
    pub viewer_is_steward: bool,
    pub local: bool,
    pub ap_id: String,
    pub created_at: DateTime<Utc>,
}

impl GroupView {
    pub fn new(
        g: models::Group,
        stewards: Vec<PersonRef>,
        membership: Option<String>,
        viewer_id: Option<i64>,
    ) -> Self {
        GroupView {
            viewer_is_steward: viewer_id.is_some_and(|v| stewards.iter().any(|s| s.id == v)),
            handle: handle(&g.name, &g.ap_id),
            id: g.id,
            name: g.name,
            title: g.title,
            description: g.description_html,
            description_source: g.description_source,
            rules: g.rules_html,
            rules_source: g.rules_source,
            approval_required: g.approval_required,
            member_count: g.member_count,
            thread_count: g.thread_count,
            stewards,
            membership,
            membership_reason: None,
            local: g.local,
            ap_id: g.ap_id,
            created_at: g.created_at.and_utc(),
        }
    }
}

/// A group in a listing.
#[derive(Debug, Clone, Serialize, ToSchema, Queryable, Selectable)]
#[diesel(table_name = groups)]
pub struct GroupSummary {
    pub id: i64,
    pub name: String,
    pub title: String,
    pub member_count: i64,
    pub thread_count: i64,
    pub local: bool,
    pub ap_id: String,
}

impl GroupSummary {
    pub fn handle(&self) -> String {
        handle(&self.name, &self.ap_id)
    }

    /// The group's page here.
    pub fn href(&self) -> String {
        group_href(self.local, &self.name, &self.handle())
    }
}

impl PersonView {
    pub fn href(&self) -> String {
        person_href(self.local, &self.name, &self.handle)
    }

    pub fn shown(&self) -> &str {
        self.display_name.as_deref().unwrap_or(&self.name)
    }
}

impl GroupView {
    pub fn href(&self) -> String {
        group_href(self.local, &self.name, &self.handle)
    }

    /// The name this instance knows the group by: `name`, or `name@domain` from elsewhere.
    pub fn local_handle(&self) -> String {
        known_as(self.local, &self.name, &self.handle).to_string()
    }
}

/// A member of a group, as stewards and members see the list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MemberView {
    pub person: PersonRef,
    pub state: String,
    pub steward: bool,
    pub joined_at: DateTime<Utc>,
}

/// A thread with its group, author and the viewer's vote.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ThreadView {
    pub id: i64,
    pub ap_id: String,
    pub group: GroupRef,
    pub author: PersonRef,
    pub title: String,
    /// Body as sanitized HTML.
    pub body: String,
    /// Body as written (markdown).
    pub body_source: String,
    pub url: Option<String>,
    pub pinned: bool,
    pub locked: bool,
    /// Removed by a steward: title and body are hidden from everyone but stewards.
    pub removed: bool,
    /// Deleted by its author: a tombstone that keeps the comments readable.
    pub deleted: bool,
    pub score: i64,
    pub upvotes: i64,
    pub downvotes: i64,
    pub comment_count: i64,
    /// The viewer's vote: 1, -1, or absent.
    pub my_vote: Option<i32>,
    pub local: bool,
    /// The language it is written in (`en`, `fr-CA`…), when known.
    pub language: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: Option<DateTime<Utc>>,
    pub last_activity_at: DateTime<Utc>,
}

impl ThreadView {
    pub fn new(
        t: models::Thread,
        group: GroupBrief,
        author: PersonBrief,
        my_vote: Option<i32>,
        show_removed: bool,
    ) -> Self {
        let hidden = t.deleted || (t.removed && !show_removed);
        ThreadView {
            id: t.id,
            ap_id: t.ap_id,
            group: group.into(),
            author: author.into(),
            title: if hidden { String::new() } else { t.title },
            body: if hidden { String::new() } else { t.body_html },
            body_source: if hidden { String::new() } else { t.body_source },
            url: if hidden { None } else { t.url },
            pinned: t.pinned,
            locked: t.locked,
            removed: t.removed,
            deleted: t.deleted,
            score: t.score,
            upvotes: t.upvotes,
            downvotes: t.downvotes,
            comment_count: t.comment_count,
            my_vote,
            local: t.local,
            language: t.language,
            created_at: t.created_at.and_utc(),
            updated_at: t.updated_at.map(|t| t.and_utc()),
            last_activity_at: t.last_activity_at.and_utc(),
        }
    }
}

/// A comment and, nested, the replies to it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CommentView {
    pub id: i64,
    pub ap_id: String,
    pub thread_id: i64,
    pub parent_id: Option<i64>,
    pub author: PersonRef,
    /// Body as sanitized HTML; empty once deleted or removed.
    pub body: String,
    pub body_source: String,
    pub depth: i32,
    pub removed: bool,
    pub deleted: bool,
    pub score: i64,
    pub upvotes: i64,
    pub downvotes: i64,
    pub my_vote: Option<i32>,
    pub local: bool,
    /// The language it is written in, when known.
    pub language: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: Option<DateTime<Utc>>,
    #[schema(no_recursion)]
    pub replies: Vec<CommentView>,
}

impl CommentView {
    pub fn new(
        c: models::Comment,
        author: PersonBrief,
        my_vote: Option<i32>,
        show_removed: bool,
    ) -> Self {
        let hidden = c.deleted || (c.removed && !show_removed);
        CommentView {
            id: c.id,
            ap_id: c.ap_id,
            thread_id: c.thread_id,
            parent_id: c.parent_id,
            author: author.into(),
            body: if hidden { String::new() } else { c.body_html },
            body_source: if hidden { String::new() } else { c.body_source },
            depth: c.depth,
            removed: c.removed,
            deleted: c.deleted,
            score: c.score,
            upvotes: c.upvotes,
            downvotes: c.downvotes,
            my_vote,
            local: c.local,
            language: c.language,
            created_at: c.created_at.and_utc(),
            updated_at: c.updated_at.map(|t| t.and_utc()),
            replies: Vec::new(),
        }
    }
}

/// A thread with its comment tree.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ThreadDetail {
    pub thread: ThreadView,
    /// Top-level comments, oldest first, each with its replies nested.
    pub comments: Vec<CommentView>,
    /// True when the thread has more comments than one response carries.
    pub comments_truncated: bool,
    /// Whether the viewer may act as a steward here (pin, lock, remove).
    pub viewer_is_steward: bool,
    /// The viewer's membership of the thread's group: `pending`, `accepted`, or absent.
    pub viewer_membership: Option<String>,
}

/// Counts shown on the site's front.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SiteCounts {
    pub people: i64,
    pub groups: i64,
    pub threads: i64,
    pub comments: i64,
}

/// This instance as the public sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SiteView {
    pub domain: String,
    pub name: String,
    pub description: String,
    pub rules: String,
    /// `open`, `approval` or `closed`.
    pub registration_mode: String,
    pub counts: SiteCounts,
    pub software: String,
    pub version: String,
}
