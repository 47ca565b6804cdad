//! Our records as ActivityPub JSON: actors (people, groups, the instance), threads as `Page`s,
//! comments as `Note`s, the outbox's `Announce(Create(Page))`, and the JSON-LD context.

pub mod outgoing;

use activitypub_federation::protocol::public_key::PublicKey;
use serde_json::{json, Value};
use url::Url;

use super::wire::{self, *};
use crate::app::AppState;
use crate::db::models::{Group, Person};
use crate::domain::{
    objects::{CommentObject, ThreadObject},
    text::{canonical_tag, split_tags},
};
use crate::error::{Error, Result};

/// The JSON-LD context of every document we serve and every activity we send: ActivityStreams,
/// the security vocabulary (`publicKey`), and the Lemmy, Mastodon and schema.org terms we use.
pub fn context() -> Value {
    json!([
        "https://www.w3.org/ns/activitystreams",
        "https://w3id.org/security/v1",
        {
            "lemmy": "https://join-lemmy.org/ns#",
            "toot": "http://joinmastodon.org/ns#",
            "schema": "http://schema.org#",
            "featured": {"@id": "toot:featured", "@type": "@id"},
            "sensitive": "as:sensitive",
            "postingRestrictedToMods": "lemmy:postingRestrictedToMods",
            "commentsEnabled": "lemmy:commentsEnabled",
            "Hashtag": "as:Hashtag",
            "PropertyValue": "schema:PropertyValue",
            "value": "schema:value"
        }
    ])
}

pub(super) fn url(raw: &str) -> Result<Url> {
    Url::parse(raw).map_err(|e| Error::Internal(format!("stored id {raw} is not a URL: {e}")))
}

fn public_key(ap_id: &str, pem: &str) -> Result<PublicKey> {
    Ok(PublicKey {
        id: format!("{ap_id}#main-key"),
        owner: url(ap_id)?,
        public_key_pem: pem.to_string(),
    })
}

/// Our shared inbox, under our base URL.
fn shared_inbox(base: &str) -> Result<Option<Endpoints>> {
    Ok(Some(Endpoints {
        shared_inbox: url(&format!("{base}/inbox"))?,
    }))
}

/// A person's actor document; `base` is our base URL.
pub fn person_json(base: &str, p: &Person) -> Result<PersonJson> {
    // Mastodon reads a field's value as HTML: our fields are plain text, so they are escaped.
    let field = |name: &str, value: &str| json!({"type": "PropertyValue", "name": name, "value": crate::domain::text::escape_html(value)});
    let mut attachment = Vec::new();
    if let Some(a) = &p.agency {
        attachment.push(field("Agency", a));
    }
    if let Some(r) = &p.job_role {
        attachment.push(field("Role", r));
    }
    if !p.ask_me_about.is_empty() {
        attachment.push(field("Ask me about", &p.ask_me_about));
    }
    let tags = split_tags(&p.expertise);
    // Kept for peers that read expertise only from this field, as we did before tags.
    if !tags.is_empty() {
        attachment.push(field("Expertise", &tags.join(", ")));
    }
    let languages = split_tags(&p.languages);
    if !languages.is_empty() {
        attachment.push(field("Languages", &languages.join(", ")));
    }
    let tag = tags
        .iter()
        .map(|label| {
            json!({
                "type": "Hashtag",
                "name": hashtag_name(label),
                "href": format!("{base}/people?expertise={}", canonical_tag(label)),
            })
        })
        .collect();
    Ok(PersonJson {
        kind: "Person".into(),
        id: url(&p.ap_id)?,
        preferred_username: Some(p.username.clone()),
        name: p.display_name.clone(),
        summary: (!p.bio_html.is_empty()).then(|| p.bio_html.clone()),
        source: Source::markdown(&p.bio_source),
        inbox: url(&p.inbox_url)?,
        outbox: Some(url(&format!("{}/outbox", p.ap_id))?),
        followers: Some(url(&format!("{}/followers", p.ap_id))?),
        following: Some(url(&format!("{}/following", p.ap_id))?),
        endpoints: shared_inbox(base)?,
        public_key: public_key(&p.ap_id, &p.public_key)?,
        published: Some(p.created_at.and_utc()),
        updated: Some(p.updated_at.and_utc()),
        attachment,
        tag,
    })
}

/// A tag as Mastodon names hashtags: `#` and no spaces or hyphens ("Open data" → `#Open_data`).
fn hashtag_name(label: &str) -> String {
    let words: Vec<&str> = label
        .split(|c: char| c.is_whitespace() || c == '-')
        .filter(|w| !w.is_empty())
        .collect();
    format!("#{}", words.join("_"))
}

/// This server as an `Application` actor: its key verifies our signed fetches.
pub fn instance_json(state: &AppState, i: &crate::db::models::Instance) -> Result<PersonJson> {
    let base = state.config.base_url();
    let id = format!("{base}/");
    Ok(PersonJson {
        kind: "Application".into(),
        id: url(&id)?,
        preferred_username: Some(state.config.domain.clone()),
        name: Some(i.name.clone()),
        summary: None,
        source: None,
        inbox: url(&format!("{base}/inbox"))?,
        outbox: None,
        followers: None,
        following: None,
        endpoints: shared_inbox(&base)?,
        public_key: public_key(&id, i.public_key.as_deref().unwrap_or_default())?,
        published: Some(i.created_at.and_utc()),
        updated: Some(i.updated_at.and_utc()),
        attachment: Vec::new(),
        tag: Vec::new(),
    })
}

/// A group's actor document; `base` is our base URL.
pub fn group_json(base: &str, g: &Group) -> Result<GroupJson> {
    Ok(GroupJson {
        kind: "Group".into(),
        id: url(&g.ap_id)?,
        preferred_username: Some(g.name.clone()),
        name: Some(g.title.clone()),
        summary: (!g.description_html.is_empty()).then(|| g.description_html.clone()),
        source: Source::markdown(&g.description_source),
        media_type: Some("text/html".into()),
        sensitive: Some(false),
        inbox: url(&g.inbox_url)?,
        followers: Some(url(&format!("{}/followers", g.ap_id))?),
        attributed_to: Some(url(&format!("{}/moderators", g.ap_id))?),
        featured: Some(url(&format!("{}/featured", g.ap_id))?),
        posting_restricted_to_mods: Some(false),
        rules: (!g.rules_html.is_empty()).then(|| g.rules_html.clone()),
        endpoints: shared_inbox(base)?,
        outbox: Some(url(&format!("{}/outbox", g.ap_id))?),
        public_key: public_key(&g.ap_id, &g.public_key)?,
        published: Some(g.created_at.and_utc()),
        updated: Some(g.updated_at.and_utc()),
    })
}

/// Characters of a thread's body that Mastodon readers see under its title.
const EXCERPT_CHARS: usize = 400;

/// The first few hundred characters of a body, as one paragraph of escaped text, cut at a word.
fn excerpt(markdown: &str) -> Option<String> {
    let rendered = crate::domain::text::render_markdown(markdown);
    let text = ammonia::Builder::empty().clean(&rendered).to_string();
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        return None;
    }
    let cut = if text.chars().count() > EXCERPT_CHARS {
        let head: String = text.chars().take(EXCERPT_CHARS).collect();
        let at = head.rfind(' ').unwrap_or(head.len());
        format!("{}…", &head[..at])
    } else {
        text
    };
    Some(format!("<p>{cut}</p>"))
}

pub fn page_json(t: &ThreadObject) -> Result<PageJson> {
    let th = &t.thread;
    let group = url(&t.group_ap_id)?;
    Ok(PageJson {
        kind: "Page".into(),
        id: url(&th.ap_id)?,
        attributed_to: url(&t.author_ap_id)?,
        to: vec![group.clone(), url(PUBLIC)?],
        cc: Vec::new(),
        audience: Some(group),
        name: th.title.clone(),
        summary: excerpt(&th.body_source),
        content: (!th.body_html.is_empty()).then(|| th.body_html.clone()),
        media_type: "text/html".into(),
        url: Some(url(&th.ap_id)?),
        source: Source::markdown(&th.body_source),
        attachment: th
            .url
            .as_deref()
            .map(url)
            .transpose()?
            .map(LinkJson::link)
            .into_iter()
            .collect(),
        sensitive: false,
        comments_enabled: Some(!th.locked),
        tag: Vec::new(),
        published: th.created_at.and_utc(),
        updated: th.updated_at.map(|u| u.and_utc()),
        language: LanguageFields::of(th.language.as_deref(), &th.body_html),
        replies: Some(wire::ReplyCount {
            kind: "Collection".into(),
            total_items: th.comment_count,
        }),
    })
}

pub fn note_json(c: &CommentObject) -> Result<NoteJson> {
    let group = url(&c.group_ap_id)?;
    Ok(NoteJson {
        kind: "Note".into(),
        id: url(&c.comment.ap_id)?,
        attributed_to: url(&c.author_ap_id)?,
        to: vec![group.clone(), url(PUBLIC)?],
        cc: Vec::new(),
        audience: Some(group),
        in_reply_to: Some(url(c.parent_ap_id.as_deref().unwrap_or(&c.thread_ap_id))?),
        summary: None,
        content: c.comment.body_html.clone(),
        media_type: "text/html".into(),
        source: Source::markdown(&c.comment.body_source),
        tag: Vec::new(),
        published: c.comment.created_at.and_utc(),
        updated: c.comment.updated_at.map(|u| u.and_utc()),
        language: LanguageFields::of(c.comment.language.as_deref(), &c.comment.body_html),
    })
}

/// A thread of one of our groups as an outbox item: the group's `Announce` of the author's
/// `Create`, under ids that `documents::outbox_announce` and `documents::outbox_create` serve.
pub(super) fn announce_of_thread(t: &ThreadObject) -> Result<Value> {
    let announce = outgoing::Activity {
        id: format!(
            "{}/activities/announce/create/{}",
            t.group_ap_id, t.thread.id
        ),
        to: vec![PUBLIC.to_string()],
        cc: vec![format!("{}/followers", t.group_ap_id)],
        ..outgoing::Activity::bare(
            outgoing::Kind::Announce,
            &t.group_ap_id,
            outgoing::Object::Activity(Box::new(create_activity(t)?)),
        )
    };
    serde_json::to_value(announce).map_err(|e| Error::Internal(e.to_string()))
}

pub(super) fn create_of_thread(t: &ThreadObject) -> Result<Value> {
    serde_json::to_value(create_activity(t)?).map_err(|e| Error::Internal(e.to_string()))
}

/// The `Create` of a thread as its outbox serves it, under a fixed id.
fn create_activity(t: &ThreadObject) -> Result<outgoing::Activity> {
    Ok(outgoing::Activity {
        id: format!("{}/activities/create", t.thread.ap_id),
        to: vec![PUBLIC.to_string()],
        cc: vec![t.group_ap_id.clone()],
        audience: Some(t.group_ap_id.clone()),
        ..outgoing::Activity::bare(
            outgoing::Kind::Create,
            &t.author_ap_id,
            outgoing::Object::Page(Box::new(page_json(t)?)),
        )
    })
}
