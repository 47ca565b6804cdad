//! Mastodon's entities, field by field as its documentation lists them, and how our people,
//! groups, threads and comments are shown as accounts and statuses.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;

use crate::app::AppState;
use crate::domain::directory::{Entry, GroupProfile};
use crate::domain::statuses::{Bundle, PersonProfile, StatusContent, StatusData};
use crate::domain::views::{handle, GroupRef, PersonView};

/// Mastodon's timestamp form: UTC with milliseconds and `Z`.
pub fn time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

pub fn naive_time(t: NaiveDateTime) -> String {
    time(t.and_utc())
}

/// Ids of the boosts a timeline shows with `group_boosts=true`: the boosted status's id plus this,
/// so that they keep their order and never meet a status id.
pub const BOOST_OFFSET: i64 = 1 << 48;

/// The status id behind a boost's id (or the id itself).
pub fn unboost(id: i64) -> i64 {
    if id >= BOOST_OFFSET {
        id - BOOST_OFFSET
    } else {
        id
    }
}

/// A status as its group's boost, the way Mastodon shows what a group relays.
pub fn as_group_boost(inner: Status, group: &Account) -> Status {
    let id = inner.id.parse::<i64>().map_or(0, |i| i + BOOST_OFFSET);
    Status {
        id: id.to_string(),
        uri: format!("{}#boost", inner.uri),
        created_at: inner.created_at.clone(),
        account: group.clone(),
        content: String::new(),
        visibility: "public".into(),
        sensitive: false,
        spoiler_text: String::new(),
        media_attachments: Vec::new(),
        application: None,
        mentions: Vec::new(),
        tags: Vec::new(),
        emojis: Vec::new(),
        reblogs_count: 0,
        favourites_count: 0,
        replies_count: 0,
        url: None,
        in_reply_to_id: None,
        in_reply_to_account_id: None,
        poll: None,
        card: None,
        language: None,
        text: None,
        edited_at: None,
        favourited: false,
        reblogged: false,
        muted: false,
        bookmarked: false,
        pinned: false,
        filtered: Vec::new(),
        reblog: Some(Box::new(inner)),
    }
}

/// Account ids: people are even, groups odd, so the two never share one.
pub fn person_account_id(id: i64) -> String {
    (id * 2).to_string()
}

pub fn group_account_id(id: i64) -> String {
    (id * 2 + 1).to_string()
}

/// What an account id stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountOf {
    Person(i64),
    Group(i64),
}

pub fn parse_account_id(raw: &str) -> Option<AccountOf> {
    let n: i64 = raw.parse().ok()?;
    if n < 0 {
        return None;
    }
    Some(if n % 2 == 0 {
        AccountOf::Person(n / 2)
    } else {
        AccountOf::Group(n / 2)
    })
}

#[derive(Debug, Clone, Serialize)]
pub struct Field {
    pub name: String,
    pub value: String,
    pub verified_at: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Account {
    pub id: String,
    pub username: String,
    pub acct: String,
    pub url: String,
    pub uri: String,
    pub display_name: String,
    pub note: String,
    pub avatar: String,
    pub avatar_static: String,
    pub header: String,
    pub header_static: String,
    pub locked: bool,
    pub fields: Vec<Field>,
    pub emojis: Vec<serde_json::Value>,
    pub bot: bool,
    pub group: bool,
    pub discoverable: Option<bool>,
    pub indexable: bool,
    pub hide_collections: Option<bool>,
    pub noindex: Option<bool>,
    pub roles: Vec<serde_json::Value>,
    pub created_at: String,
    pub last_status_at: Option<String>,
    pub statuses_count: i64,
    pub followers_count: i64,
    pub following_count: i64,
}

/// The signed-in account, with what only its owner sees.
#[derive(Debug, Clone, Serialize)]
pub struct CredentialAccount {
    #[serde(flatten)]
    pub account: Account,
    pub source: Source,
    pub role: Role,
}

#[derive(Debug, Clone, Serialize)]
pub struct Source {
    pub note: String,
    pub fields: Vec<Field>,
    pub privacy: String,
    pub sensitive: bool,
    pub language: Option<String>,
    pub follow_requests_count: i64,
    pub hide_collections: Option<bool>,
    pub discoverable: Option<bool>,
    pub indexable: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Role {
    pub id: String,
    pub name: String,
    pub color: String,
    pub permissions: String,
    pub highlighted: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Mention {
    pub id: String,
    pub username: String,
    pub url: String,
    pub acct: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TagRef {
    pub name: String,
    pub url: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Tag {
    pub name: String,
    pub url: String,
    pub history: Vec<serde_json::Value>,
    pub following: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct PreviewCard {
    pub url: String,
    pub title: String,
    pub description: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub author_name: String,
    pub author_url: String,
    pub provider_name: String,
    pub provider_url: String,
    pub html: String,
    pub width: i64,
    pub height: i64,
    pub image: Option<String>,
    pub embed_url: String,
    pub blurhash: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Status {
    pub id: String,
    pub uri: String,
    pub created_at: String,
    pub account: Account,
    pub content: String,
    pub visibility: String,
    pub sensitive: bool,
    pub spoiler_text: String,
    pub media_attachments: Vec<serde_json::Value>,
    pub application: Option<serde_json::Value>,
    pub mentions: Vec<Mention>,
    pub tags: Vec<TagRef>,
    pub emojis: Vec<serde_json::Value>,
    pub reblogs_count: i64,
    pub favourites_count: i64,
    pub replies_count: i64,
    pub url: Option<String>,
    pub in_reply_to_id: Option<String>,
    pub in_reply_to_account_id: Option<String>,
    pub reblog: Option<Box<Status>>,
    pub poll: Option<serde_json::Value>,
    pub card: Option<PreviewCard>,
    pub language: Option<String>,
    pub text: Option<String>,
    pub edited_at: Option<String>,
    pub favourited: bool,
    pub reblogged: bool,
    pub muted: bool,
    pub bookmarked: bool,
    pub pinned: bool,
    pub filtered: Vec<serde_json::Value>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Context {
    pub ancestors: Vec<Status>,
    pub descendants: Vec<Status>,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct Relationship {
    pub id: String,
    pub following: bool,
    pub showing_reblogs: bool,
    pub notifying: bool,
    pub languages: Option<Vec<String>>,
    pub followed_by: bool,
    pub blocking: bool,
    pub blocked_by: bool,
    pub muting: bool,
    pub muting_notifications: bool,
    pub requested: bool,
    pub requested_by: bool,
    pub domain_blocking: bool,
    pub endorsed: bool,
    pub note: String,
}

/// The server's addresses and names every renderer needs.
pub struct Ctx<'a> {
    pub state: &'a AppState,
}

impl Ctx<'_> {
    fn base(&self) -> String {
        self.state.config.base_url()
    }

    fn domain(&self) -> &str {
        &self.state.config.domain
    }

    /// `name` here, `name@domain` elsewhere.
    fn acct(&self, name: &str, ap_id: &str) -> String {
        let full = handle(name, ap_id);
        match full.split_once('@') {
            Some((n, d)) if d == self.domain() => n.to_string(),
            _ => full,
        }
    }

    pub fn default_avatar(&self) -> String {
        format!("{}/avatars/default.png", self.base())
    }

    pub fn default_header(&self) -> String {
        format!("{}/headers/default.png", self.base())
    }
}

fn person_fields(p: &PersonView) -> Vec<Field> {
    let field = |name: &str, value: String| Field {
        name: name.into(),
        value: crate::domain::text::sanitize_html(&escape(&value)),
        verified_at: None,
    };
    let mut out = Vec::new();
    if let Some(a) = &p.agency {
        out.push(field("Agency", a.clone()));
    }
    if let Some(r) = &p.role {
        out.push(field("Role", r.clone()));
    }
    if !p.ask_me_about.is_empty() {
        out.push(field("Ask me about", p.ask_me_about.clone()));
    }
    if !p.expertise.is_empty() {
        out.push(field("Expertise", p.expertise.join(", ")));
    }
    if !p.languages.is_empty() {
        out.push(field("Languages", p.languages.join(", ")));
    }
    out
}

use crate::domain::text::escape_html as escape;

/// A person as an account.
pub fn person_account(ctx: &Ctx<'_>, p: &PersonProfile) -> Account {
    let v = &p.person;
    let url = if v.local {
        format!("{}/u/{}", ctx.base(), v.name)
    } else {
        v.ap_id.clone()
    };
    Account {
        id: person_account_id(v.id),
        username: v.name.clone(),
        acct: ctx.acct(&v.name, &v.ap_id),
        url,
        uri: v.ap_id.clone(),
        display_name: v.display_name.clone().unwrap_or_default(),
        note: v.bio.clone(),
        avatar: ctx.default_avatar(),
        avatar_static: ctx.default_avatar(),
        header: ctx.default_header(),
        header_static: ctx.default_header(),
        locked: false,
        fields: person_fields(v),
        emojis: Vec::new(),
        bot: false,
        group: false,
        discoverable: Some(true),
        indexable: true,
        hide_collections: Some(false),
        noindex: Some(false),
        roles: Vec::new(),
        created_at: time(
            v.created_at
                .date_naive()
                .and_hms_opt(0, 0, 0)
                .unwrap_or_default()
                .and_utc(),
        ),
        last_status_at: p
            .last_status_at
            .map(|t| t.date().format("%Y-%m-%d").to_string()),
        statuses_count: p.statuses_count,
        followers_count: v.followers_count.unwrap_or(0),
        following_count: v.following_count.unwrap_or(0),
    }
}

/// The signed-in member's own account; `requests` are people asking to join groups they
/// steward, which apps show as follow requests.
pub fn credential_account(ctx: &Ctx<'_>, p: &PersonProfile, requests: i64) -> CredentialAccount {
    let account = person_account(ctx, p);
    CredentialAccount {
        source: Source {
            note: p.person.bio_source.clone(),
            fields: person_fields(&p.person),
            privacy: "public".into(),
            sensitive: false,
            language: p.person.language.clone(),
            follow_requests_count: requests,
            hide_collections: Some(false),
            discoverable: Some(true),
            indexable: true,
        },
        role: if p.person.is_admin {
            Role {
                id: "3".into(),
                name: "Admin".into(),
                color: String::new(),
                permissions: "1".into(),
                highlighted: true,
            }
        } else {
            Role {
                id: "-99".into(),
                name: String::new(),
                color: String::new(),
                permissions: "0".into(),
                highlighted: false,
            }
        },
        account,
    }
}

/// A group as an account with `"group": true`.
pub fn group_account(ctx: &Ctx<'_>, g: &GroupProfile) -> Account {
    let url = if g.local {
        format!("{}/g/{}", ctx.base(), g.name)
    } else {
        g.ap_id.clone()
    };
    Account {
        id: group_account_id(g.id),
        username: g.name.clone(),
        acct: ctx.acct(&g.name, &g.ap_id),
        url,
        uri: g.ap_id.clone(),
        display_name: g.title.clone(),
        note: g.description_html.clone(),
        avatar: ctx.default_avatar(),
        avatar_static: ctx.default_avatar(),
        header: ctx.default_header(),
        header_static: ctx.default_header(),
        locked: g.approval_required,
        fields: Vec::new(),
        emojis: Vec::new(),
        bot: false,
        group: true,
        discoverable: Some(true),
        indexable: true,
        hide_collections: Some(true),
        noindex: Some(false),
        roles: Vec::new(),
        created_at: time(
            g.created_at
                .date()
                .and_hms_opt(0, 0, 0)
                .unwrap_or_default()
                .and_utc(),
        ),
        last_status_at: g
            .last_thread_at
            .map(|t| t.date().format("%Y-%m-%d").to_string()),
        statuses_count: g.thread_count,
        followers_count: g.member_count,
        following_count: 0,
    }
}

fn group_mention(ctx: &Ctx<'_>, g: &GroupRef) -> Mention {
    let url = if g.local {
        format!("{}/g/{}", ctx.base(), g.name)
    } else {
        g.ap_id.clone()
    };
    Mention {
        id: group_account_id(g.id),
        username: g.name.clone(),
        acct: ctx.acct(&g.name, &g.ap_id),
        url,
    }
}

/// A thread or comment as a status. A thread's content starts with its title in bold; both end
/// with a mention of the group, so that apps show, and link, where it was posted.
pub fn status(
    ctx: &Ctx<'_>,
    s: &StatusData,
    people: &HashMap<i64, PersonProfile>,
) -> Option<Status> {
    let author = people.get(&s.author_id())?;
    let account = person_account(ctx, author);
    let (
        group,
        title,
        body,
        ap_id,
        link,
        created,
        updated,
        votes,
        vote,
        thread_local,
        comment_local,
    ) = match &s.content {
        StatusContent::Thread(t) => (
            &t.group,
            Some(t.title.as_str()),
            t.body.as_str(),
            t.ap_id.as_str(),
            t.url.clone(),
            t.created_at,
            t.updated_at,
            t.upvotes,
            t.my_vote,
            t.local,
            None,
        ),
        StatusContent::Comment { comment, thread } => (
            &thread.group,
            None,
            comment.body.as_str(),
            comment.ap_id.as_str(),
            None,
            comment.created_at,
            comment.updated_at,
            comment.upvotes,
            comment.my_vote,
            thread.local,
            Some((comment.local, comment.id)),
        ),
    };
    let language = match &s.content {
        StatusContent::Thread(t) => t.language.clone(),
        StatusContent::Comment { comment, .. } => comment.language.clone(),
    };
    let mention = group_mention(ctx, group);
    let mut content = String::new();
    if let Some(title) = title {
        content.push_str(&format!("<p><strong>{}</strong></p>", escape(title)));
    }
    content.push_str(body);
    content.push_str(&format!(
        "<p>in <span class=\"h-card\"><a href=\"{}\" class=\"u-url mention\">@<span>{}</span></a></span></p>",
        escape(&mention.url),
        escape(&mention.username)
    ));
    // The page people open: ours for what is here, the origin's otherwise.
    let url = match (&s.content, comment_local) {
        (StatusContent::Thread(t), _) if thread_local => format!("{}/t/{}", ctx.base(), t.id),
        (StatusContent::Comment { comment, .. }, Some((true, _))) => {
            format!("{}/c/{}", ctx.base(), comment.id)
        }
        _ => ap_id.to_string(),
    };
    let card = link.map(|l| PreviewCard {
        title: title.unwrap_or_default().to_string(),
        provider_name: url::Url::parse(&l)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_default(),
        url: l,
        description: String::new(),
        kind: "link".into(),
        author_name: String::new(),
        author_url: String::new(),
        provider_url: String::new(),
        html: String::new(),
        width: 0,
        height: 0,
        image: None,
        embed_url: String::new(),
        blurhash: None,
    });
    let base = ctx.base();
    Some(Status {
        id: s.id.to_string(),
        uri: ap_id.to_string(),
        created_at: time(created),
        account,
        content,
        visibility: "public".into(),
        sensitive: false,
        spoiler_text: String::new(),
        media_attachments: Vec::new(),
        application: None,
        mentions: vec![mention],
        tags: s
            .tags
            .iter()
            .map(|t| TagRef {
                name: t.clone(),
                url: format!("{base}/tags/{t}"),
            })
            .collect(),
        emojis: Vec::new(),
        reblogs_count: 0,
        favourites_count: votes,
        replies_count: s.replies,
        url: Some(url),
        in_reply_to_id: s.in_reply_to.map(|(id, _)| id.to_string()),
        in_reply_to_account_id: s.in_reply_to.map(|(_, p)| person_account_id(p)),
        reblog: None,
        poll: None,
        card,
        language,
        text: None,
        edited_at: updated.map(time),
        favourited: vote == Some(1),
        reblogged: false,
        muted: false,
        bookmarked: s.bookmarked,
        pinned: false,
        filtered: Vec::new(),
    })
}

/// Every status of a bundle, in order.
pub fn statuses(ctx: &Ctx<'_>, bundle: &Bundle) -> Vec<Status> {
    bundle
        .statuses
        .iter()
        .filter_map(|s| status(ctx, s, &bundle.people))
        .collect()
}

/// The markdown a status was written from (for "delete and redraft" and editing).
pub fn source_text(s: &StatusData) -> String {
    match &s.content {
        StatusContent::Thread(t) if t.body_source.is_empty() => t.title.clone(),
        StatusContent::Thread(t) => format!("{}\n\n{}", t.title, t.body_source),
        StatusContent::Comment { comment, .. } => comment.body_source.clone(),
    }
}

/// A person or group as an account.
pub fn account(ctx: &Ctx<'_>, e: &Entry) -> Account {
    match e {
        Entry::Person(p) => person_account(ctx, p),
        Entry::Group(g) => group_account(ctx, g),
    }
}
