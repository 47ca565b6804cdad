//! Atom feeds (RFC 4287): `GET /g/{name}/feed.atom`, a group's latest threads, and the one
//! renderer any other feed uses.
//!
//! To add a feed, build a [`FeedMeta`] and a list of [`FeedEntry`] (a thread gives one with
//! [`FeedEntry::from_thread`]) from what a domain function returned, and answer
//! [`atom`]`(&request_headers, meta, entries)`. It answers the document as
//! `application/atom+xml; charset=utf-8` with an `ETag` (a digest of the document) and a
//! `Last-Modified` (the feed's `updated`), or `304 Not Modified` when the reader's
//! `If-None-Match` names the same document.
//!
//! Choices, so that every feed makes the same ones:
//! - A feed's `id` is its own absolute URL here (also its `self` link): stable, and ours even
//!   for a remote group, whose ActivityPub id lives on a server that may publish other feeds.
//!   For a local group it is the group's ActivityPub id followed by `/feed.atom`.
//! - An entry's `id` is the ActivityPub id of what it shows, so that a reader following the
//!   same thread through two servers' feeds sees one item.
//! - `updated` is the latest entry's, or [`FeedMeta::updated_when_empty`] for an empty feed.
//! - Titles, names and summaries are plain text (escaped by the writer); the content is the
//!   sanitized HTML the pages show, sent as `type="html"`.

use atom_syndication::{Content, Entry, Feed, Generator, Link, Person, Text};
use axum::{
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use base64::Engine as _;
use chrono::{DateTime, FixedOffset, Utc};
use sha2::{Digest, Sha256};

use axum::extract::RawQuery;

use crate::domain::search::{self, Hit, Kind, Params, Reach};
use crate::domain::{groups, text, threads, views::ThreadView};
use crate::error::{Error, Result};
use crate::extract::{query_pairs, ApiPath, State};
use crate::federation::network;

/// The most entries a feed carries.
pub const FEED_ENTRIES: i64 = 50;
/// A summary's length, in characters.
const SUMMARY_CHARS: usize = 280;
pub const ATOM_CONTENT_TYPE: &str = "application/atom+xml; charset=utf-8";

pub fn routes() -> Router {
    Router::new()
        .route("/g/{name}/feed.atom", get(group_feed))
        .route("/search/feed.atom", get(search_feed))
}

/// What a feed says of itself.
#[derive(Debug, Clone)]
pub struct FeedMeta {
    /// The feed's absolute URL: its `id` and its `self` link.
    pub url: String,
    pub title: String,
    pub subtitle: Option<String>,
    /// The absolute URL of the page the feed follows (its `alternate` link).
    pub page: String,
    /// The feed's `updated` when it has no entry (a group's creation, say).
    pub updated_when_empty: DateTime<Utc>,
}

/// One item of a feed.
#[derive(Debug, Clone)]
pub struct FeedEntry {
    /// A permanent id: the ActivityPub id of what it shows.
    pub id: String,
    pub title: String,
    /// The absolute URL of its page.
    pub link: String,
    pub author_name: String,
    pub author_uri: Option<String>,
    pub published: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    /// Sanitized HTML.
    pub content_html: String,
    /// Plain text.
    pub summary: String,
    /// The language it is written in, when known.
    pub lang: Option<String>,
}

impl FeedEntry {
    /// A thread as an entry; `base` is this instance's origin (`https://host`).
    pub fn from_thread(base: &str, t: &ThreadView) -> FeedEntry {
        let body_text = text::html_to_text(&t.body);
        let summary = if body_text.trim().is_empty() {
            t.url.clone().unwrap_or_else(|| t.title.clone())
        } else {
            shorten(body_text.trim(), SUMMARY_CHARS)
        };
        FeedEntry {
            id: t.ap_id.clone(),
            title: t.title.clone(),
            link: format!("{base}/t/{}", t.id),
            author_name: t.author.shown().to_string(),
            author_uri: Some(t.author.ap_id.clone()),
            published: t.created_at,
            updated: t.updated_at.unwrap_or(t.created_at),
            content_html: t.body.clone(),
            summary,
            lang: t.language.clone(),
        }
    }
}

/// At most `max` characters, with an ellipsis when cut.
fn shorten(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", s[..at].trim_end()),
        None => s.to_string(),
    }
}

fn fixed(t: DateTime<Utc>) -> DateTime<FixedOffset> {
    t.fixed_offset()
}

fn link(href: &str, rel: &str, mime: &str) -> Link {
    Link {
        href: href.to_string(),
        rel: rel.to_string(),
        mime_type: Some(mime.to_string()),
        ..Link::default()
    }
}

/// The Atom document of `entries` (in the order given), as a response; `304` when the
/// request's `If-None-Match` already names it.
pub fn atom(request: &HeaderMap, meta: FeedMeta, entries: Vec<FeedEntry>) -> Result<Response> {
    let updated = entries
        .iter()
        .map(|e| e.updated)
        .max()
        .unwrap_or(meta.updated_when_empty);
    let mut feed = Feed::default();
    feed.set_id(meta.url.clone());
    feed.set_title(Text::plain(meta.title));
    feed.set_subtitle(meta.subtitle.map(Text::plain));
    feed.set_updated(fixed(updated));
    feed.set_links(vec![
        link(&meta.url, "self", "application/atom+xml"),
        link(&meta.page, "alternate", "text/html"),
    ]);
    feed.set_generator(Generator {
        value: "Commonplace".into(),
        uri: None,
        version: Some(env!("CARGO_PKG_VERSION").into()),
    });
    feed.set_entries(entries.into_iter().map(entry).collect::<Vec<_>>());
    let body = feed
        .write_to(Vec::new())
        .map_err(|e| Error::Internal(format!("atom feed: {e}")))?;

    let digest = Sha256::digest(&body);
    let etag = format!(
        "\"{}\"",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..18])
    );
    let last_modified = updated.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(ATOM_CONTENT_TYPE),
    );
    for (name, value) in [
        (header::ETAG, &etag),
        (header::LAST_MODIFIED, &last_modified),
    ] {
        if let Ok(v) = HeaderValue::from_str(value) {
            headers.insert(name, v);
        }
    }
    if names_etag(request, &etag) {
        return Ok((StatusCode::NOT_MODIFIED, headers).into_response());
    }
    Ok((StatusCode::OK, headers, body).into_response())
}

/// Whether `If-None-Match` lists this document (or `*`).
fn names_etag(request: &HeaderMap, etag: &str) -> bool {
    request
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == etag || t == "*")
}

fn entry(e: FeedEntry) -> Entry {
    let mut entry = Entry::default();
    entry.set_id(e.id);
    entry.set_title(Text::plain(e.title));
    entry.set_links(vec![link(&e.link, "alternate", "text/html")]);
    entry.set_authors(vec![Person {
        name: e.author_name,
        uri: e.author_uri,
        ..Person::default()
    }]);
    entry.set_published(Some(fixed(e.published)));
    entry.set_updated(fixed(e.updated));
    entry.set_summary(Some(Text::plain(e.summary)));
    entry.set_content(Some(Content {
        value: Some(e.content_html),
        content_type: Some("html".into()),
        lang: e.lang,
        ..Content::default()
    }));
    entry
}

/// A group's latest threads, here or from a remote group we hold (`name@domain`).
async fn group_feed(
    State(state): State,
    headers: HeaderMap,
    ApiPath(name): ApiPath<String>,
) -> Result<Response> {
    let group = groups::get(&state, None, &name).await?;
    let handle = group.local_handle();
    let listed = threads::for_feed(&state, &handle, FEED_ENTRIES).await?;
    let base = state.config.base_url();
    let page = format!("{base}{}", group.href());
    let description = text::html_to_text(&group.description);
    let meta = FeedMeta {
        url: format!("{page}/feed.atom"),
        title: group.title.clone(),
        subtitle: Some(description.trim().to_string()).filter(|d| !d.is_empty()),
        page,
        updated_when_empty: group.created_at,
    };
    let entries = listed
        .iter()
        .map(|t| FeedEntry::from_thread(&base, t))
        .collect();
    atom(&headers, meta, entries)
}

/// Where a result is read: its page here, or its own address for a partner's.
fn hit_link(base: &str, h: &Hit) -> String {
    match (h.local || h.id != 0, h.kind) {
        (false, _) => h.ap_id.clone(),
        (true, Kind::Threads) => format!("{base}/t/{}", h.id),
        (true, Kind::Comments) => format!("{base}/c/{}", h.id),
        (true, Kind::Groups) => format!(
            "{base}/g/{}",
            h.group.as_ref().map_or("", |g| g.handle.as_str())
        ),
        (true, Kind::People) => format!(
            "{base}/u/{}",
            h.author.as_ref().map_or("", |a| a.handle.as_str())
        ),
    }
}

/// A saved search as a feed: `GET /search/feed.atom?q=…` with the search page's parameters;
/// the best 50 results (or `limit`), with their snippets.
async fn search_feed(
    State(state): State,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response> {
    let pairs = query_pairs(raw.as_deref())?;
    let mut params = Params::from_pairs(&pairs)?;
    if !pairs.iter().any(|(n, _)| n == "limit") {
        params.request.limit = FEED_ENTRIES;
    }
    let q = params.request.q.clone();
    let found = match params.reach {
        Reach::Local => search::search(&state, None, params.request.clone()).await?,
        Reach::Network => network::search(&state, None, params.request.clone()).await?,
    };
    let base = state.config.base_url();
    let query = params.to_query_string(0);
    let meta = FeedMeta {
        url: format!("{base}/search/feed.atom?{query}"),
        title: format!("{q} — {}", state.config.domain),
        subtitle: None,
        page: format!("{base}/search?{query}"),
        updated_when_empty: Utc::now(),
    };
    let entries = found
        .hits
        .iter()
        .map(|h| {
            let at = h.created_at.and_utc();
            FeedEntry {
                id: h.ap_id.clone(),
                title: h.title.clone(),
                link: hit_link(&base, h),
                author_name: h
                    .author
                    .as_ref()
                    .map(|a| a.display_name.clone().unwrap_or_else(|| a.handle.clone()))
                    .unwrap_or_else(|| h.instance.clone()),
                author_uri: h.author.as_ref().map(|a| a.ap_id.clone()),
                published: at,
                updated: at,
                content_html: h.snippet_html.clone(),
                summary: text::html_to_text(&h.snippet_html),
                lang: None,
            }
        })
        .collect();
    atom(&headers, meta, entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_are_cut_on_characters_with_an_ellipsis() {
        assert_eq!(shorten("équipe", 10), "équipe");
        assert_eq!(shorten("équipe de données", 6), "équipe…");
    }

    #[test]
    fn if_none_match_may_list_several_tags_or_a_weak_one() {
        let mut h = HeaderMap::new();
        h.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_static("\"a\", W/\"b\""),
        );
        assert!(names_etag(&h, "\"b\""));
        assert!(!names_etag(&h, "\"c\""));
    }
}
