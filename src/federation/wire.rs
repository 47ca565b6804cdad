//! ActivityPub documents as they travel: actors, objects and collections, shaped as Lemmy
//! sends them so that Lemmy, Mbin, PieFed and Mastodon read them without surprises.

use activitypub_federation::protocol::public_key::PublicKey;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use url::Url;

/// The public audience of ActivityStreams.
pub const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

/// Markdown source beside HTML content.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Source {
    pub content: String,
    #[serde(default = "text_html")]
    pub media_type: String,
}

impl Source {
    pub fn markdown(content: &str) -> Option<Source> {
        (!content.is_empty()).then(|| Source {
            content: content.to_string(),
            media_type: "text/markdown".into(),
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Endpoints {
    pub shared_inbox: Url,
}

/// A profile field, as Mastodon shows them (`PropertyValue`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PropertyValue {
    #[serde(rename = "type")]
    pub kind: String,
    pub name: String,
    pub value: String,
}

/// A member: `Person`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PersonJson {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: Url,
    /// Some servers leave it out; we then name the actor after its id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    pub inbox: Url,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outbox: Option<Url>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub followers: Option<Url>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub following: Option<Url>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoints: Option<Endpoints>,
    pub public_key: PublicKey,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated: Option<DateTime<Utc>>,
    /// Agency, role, expertise, "ask me about" and languages, shown by Mastodon as profile
    /// fields.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachment: Vec<serde_json::Value>,
    /// A `Hashtag` per expertise tag (others send emoji and mentions here too).
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "values_one_or_many"
    )]
    pub tag: Vec<serde_json::Value>,
}

/// A list of anything, sent as one item, a list or `null`.
fn values_one_or_many<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Vec<serde_json::Value>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Array(items) => items,
        serde_json::Value::Null => Vec::new(),
        one => vec![one],
    })
}

/// A community of practice: `Group`, as Lemmy serves communities.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupJson {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: Url,
    /// Some servers leave it out; we then name the actor after its id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    #[serde(default)]
    pub sensitive: Option<bool>,
    pub inbox: Url,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub followers: Option<Url>,
    /// The stewards collection (Lemmy: moderators).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attributed_to: Option<Url>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub featured: Option<Url>,
    #[serde(default)]
    pub posting_restricted_to_mods: Option<bool>,
    /// The group's guidelines as HTML (what PieFed calls a community's rules); see
    /// docs/federation.md.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rules: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoints: Option<Endpoints>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outbox: Option<Url>,
    pub public_key: PublicKey,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated: Option<DateTime<Utc>>,
}

fn text_html() -> String {
    "text/html".into()
}

/// An attachment: the `Link` a thread is about (what we send), or what others attach
/// (`Image`, `Document` with `url`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LinkJson {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub href: Option<Url>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<Url>,
}

impl LinkJson {
    pub fn link(href: Url) -> LinkJson {
        LinkJson {
            kind: "Link".into(),
            href: Some(href),
            url: None,
        }
    }
}

/// The link a thread is about: the first `Link`, else the first attachment with a URL.
pub fn thread_link(attachments: &[LinkJson]) -> Option<Url> {
    attachments
        .iter()
        .find(|a| a.kind == "Link")
        .and_then(|a| a.href.clone())
        .or_else(|| {
            attachments
                .iter()
                .find_map(|a| a.href.clone().or_else(|| a.url.clone()))
        })
        .filter(|u| matches!(u.scheme(), "http" | "https"))
}

/// A tag inside content: a `Mention` of an actor, a `Hashtag`, an `Emoji`…
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MentionJson {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub href: Option<Url>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A thread: `Page`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageJson {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: Url,
    pub attributed_to: Url,
    /// One id or a list, as different servers send it.
    #[serde(
        default,
        deserialize_with = "activitypub_federation::protocol::helpers::deserialize_one_or_many"
    )]
    pub to: Vec<Url>,
    #[serde(
        default,
        deserialize_with = "activitypub_federation::protocol::helpers::deserialize_one_or_many"
    )]
    pub cc: Vec<Url>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audience: Option<Url>,
    pub name: String,
    /// A short excerpt: Mastodon shows `name`, `summary` and a link for a `Page`, never `content`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    #[serde(default = "text_html")]
    pub media_type: String,
    /// Where people read the thread (the same as `id` for ours).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<Url>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    /// Unreadable attachments are skipped rather than refusing the thread.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "activitypub_federation::protocol::helpers::deserialize_skip_error"
    )]
    pub attachment: Vec<LinkJson>,
    #[serde(default)]
    pub sensitive: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comments_enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tag: Vec<MentionJson>,
    pub published: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated: Option<DateTime<Utc>>,
    #[serde(flatten)]
    pub language: LanguageFields,
    /// How many replies the thread has, as an anonymous collection with only `totalItems`;
    /// Lemmy's pages carry none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replies: Option<ReplyCount>,
}

/// A collection told only by its size.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReplyCount {
    #[serde(rename = "type")]
    pub kind: String,
    pub total_items: i64,
}

/// The language of a post, as Lemmy (`language`) and Mastodon (`contentMap`'s key) write it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LanguageFields {
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "activitypub_federation::protocol::helpers::deserialize_skip_error"
    )]
    pub language: Option<LanguageJson>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "activitypub_federation::protocol::helpers::deserialize_skip_error"
    )]
    pub content_map: Option<std::collections::BTreeMap<String, String>>,
}

/// Lemmy's language object.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LanguageJson {
    pub identifier: String,
    #[serde(default)]
    pub name: String,
}

impl LanguageFields {
    /// What we send: both forms, with the content under its language for Mastodon.
    pub fn of(language: Option<&str>, content_html: &str) -> LanguageFields {
        let Some(tag) = language else {
            return LanguageFields::default();
        };
        LanguageFields {
            language: Some(LanguageJson {
                identifier: tag.to_string(),
                name: language_name(tag).to_string(),
            }),
            content_map: Some([(tag.to_string(), content_html.to_string())].into()),
        }
    }

    /// The language received, if it is a valid tag and not Lemmy's "undetermined".
    pub fn tag(&self) -> Option<String> {
        let candidate = self
            .language
            .as_ref()
            .map(|l| l.identifier.clone())
            .or_else(|| self.content_map.as_ref()?.keys().next().cloned())?;
        if candidate == "und" {
            return None;
        }
        crate::domain::text::parse_language("language", Some(&candidate))
            .ok()
            .flatten()
    }
}

/// The name of a language in itself, for Lemmy's `language.name`; the tag where unknown.
fn language_name(tag: &str) -> &str {
    match tag.split('-').next().unwrap_or(tag) {
        "en" => "English",
        "fr" => "Français",
        "es" => "Español",
        "de" => "Deutsch",
        "pt" => "Português",
        "it" => "Italiano",
        "nl" => "Nederlands",
        _ => tag,
    }
}

/// A comment: `Note` replying to a thread or a comment.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NoteJson {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: Url,
    pub attributed_to: Url,
    /// One id or a list, as different servers send it.
    #[serde(
        default,
        deserialize_with = "activitypub_federation::protocol::helpers::deserialize_one_or_many"
    )]
    pub to: Vec<Url>,
    #[serde(
        default,
        deserialize_with = "activitypub_federation::protocol::helpers::deserialize_one_or_many"
    )]
    pub cc: Vec<Url>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audience: Option<Url>,
    /// Absent for a post that starts a thread (a Mastodon post mentioning a group).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_reply_to: Option<Url>,
    /// A content warning (Mastodon's `spoiler_text`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    pub content: String,
    #[serde(default = "text_html")]
    pub media_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tag: Vec<MentionJson>,
    pub published: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated: Option<DateTime<Utc>>,
    #[serde(flatten)]
    pub language: LanguageFields,
}

/// `OrderedCollection` (outbox, featured, moderators) and `Collection` (followers).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CollectionJson {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: Url,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_items: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ordered_items: Option<Vec<serde_json::Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub items: Option<Vec<serde_json::Value>>,
}
