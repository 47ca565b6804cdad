//! Full-text search: one function for every door (JSON API, Mastodon API, pages, feeds,
//! partner instances), over threads, comments, groups and people — ours and the copies of
//! remote ones we hold.
//!
//! What is typed is parsed once ([`Query`]) and written out for the backend's index (FTS5 on
//! SQLite, a tsvector on PostgreSQL; see migration 000014): both fold case and accents and do
//! not stem, so the same query finds the same rows on either. Results are ranked by relevance
//! (bm25 or ts_rank, each brought to 0..1), lifted a little by recency and by how the row was
//! received (score and replies): one scale, so that results from partners merge with ours.
//! Removed and deleted content, suspended people and what members banned from a group wrote
//! in it never appear.

mod hits;
mod params;
mod partners;
mod query;
mod snippet;
mod sql;

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use params::{Params, Reach, LIMIT_DEFAULT};
pub use partners::{hidden_here, is_partner, merge, partners, tidy};
pub use query::{Mode, Query, Term, QUERY_MAX};
pub use snippet::{fold, highlight, words};

use crate::db::AnyConnection;
use crate::domain::people::Viewer;
use crate::domain::Context;
use crate::error::{Error, Result};

/// Most results on one page.
pub const LIMIT_MAX: i64 = 50;
/// Deepest page: past it, refine the query.
pub const OFFSET_MAX: i64 = 1_000;

/// What a result is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Threads,
    Comments,
    Groups,
    People,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Threads, Kind::Comments, Kind::Groups, Kind::People];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Threads => "threads",
            Kind::Comments => "comments",
            Kind::Groups => "groups",
            Kind::People => "people",
        }
    }

    /// # Errors
    /// 422 naming `kind` for anything else.
    pub fn parse(s: &str) -> Result<Kind> {
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
            .ok_or_else(|| Error::invalid("kind", "must be threads, comments, groups or people"))
    }
}

/// What narrows a search; every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    /// Only these kinds (all when empty).
    pub kinds: Vec<Kind>,
    /// A group by name here, or `name@domain`: its threads and comments, the group itself,
    /// and its members.
    pub group: Option<String>,
    /// Written by people of this agency (any case), or people of it.
    pub agency: Option<String>,
    /// From this instance (its domain, with the port if it has one).
    pub instance: Option<String>,
    /// Written by this person (`name` here, `name@domain` from elsewhere).
    pub author: Option<String>,
    /// Created on or after this day (UTC).
    pub since: Option<NaiveDate>,
    /// Created on or before this day (UTC).
    pub until: Option<NaiveDate>,
    /// Written by this person (our id; for doors that name people by id).
    pub author_id: Option<i64>,
    /// In this group (our id).
    pub group_id: Option<i64>,
}

impl Filters {
    /// Whether a kind is asked for at all: groups have no author or agency.
    fn wants(&self, kind: Kind) -> bool {
        if !self.kinds.is_empty() && !self.kinds.contains(&kind) {
            return false;
        }
        match kind {
            Kind::Groups => {
                self.author.is_none() && self.author_id.is_none() && self.agency.is_none()
            }
            Kind::People => self.author.is_none() && self.author_id.is_none(),
            Kind::Threads | Kind::Comments => true,
        }
    }

    /// # Errors
    /// 422 naming the field: a value too long or a range that ends before it starts.
    fn check(&self) -> Result<()> {
        for (field, value) in [
            ("group", &self.group),
            ("agency", &self.agency),
            ("instance", &self.instance),
            ("author", &self.author),
        ] {
            if value.as_ref().is_some_and(|v| v.chars().count() > 200) {
                return Err(Error::invalid(field, "must be at most 200 characters"));
            }
        }
        if let (Some(since), Some(until)) = (self.since, self.until) {
            if until < since {
                return Err(Error::invalid("until", "must not be before since"));
            }
        }
        Ok(())
    }
}

/// A search: what was typed, filters, and the page.
#[derive(Debug, Clone)]
pub struct Request {
    pub q: String,
    pub filters: Filters,
    pub offset: i64,
    pub limit: i64,
}

/// Where a thread or comment was posted.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct GroupRef {
    /// `name` here, `name@domain` from elsewhere.
    pub handle: String,
    pub title: String,
    pub ap_id: String,
}

/// Who wrote it (or who it is, for people).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuthorRef {
    pub handle: String,
    pub display_name: Option<String>,
    pub agency: Option<String>,
    pub ap_id: String,
}

/// One result.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Hit {
    pub kind: Kind,
    /// Our id of the row (threads and comments: their API ids; 0 in a partner's answer).
    pub id: i64,
    /// The ActivityPub id: the same on every instance, so results merge on it.
    pub ap_id: String,
    /// Thread title; for a comment, its thread's title; group title; person's name.
    pub title: String,
    /// Safe HTML: escaped text with the matched words in `<mark>`.
    pub snippet_html: String,
    pub group: Option<GroupRef>,
    pub author: Option<AuthorRef>,
    /// The instance the thing lives on.
    pub instance: String,
    pub local: bool,
    pub score: i64,
    /// Comments on a thread; replies under a comment; threads of a group; 0 for people.
    pub replies: i64,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    /// Relevance with the recency and reception lift, 0..2: comparable across instances.
    pub rank: f64,
    /// For a comment: its thread's id here.
    pub thread_id: Option<i64>,
}

/// A partner instance left out of a network search, and why.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Skipped {
    pub instance: String,
    pub reason: String,
}

/// A page of results.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct Results {
    pub hits: Vec<Hit>,
    /// The offset of the next page, when there is one.
    pub next_offset: Option<i64>,
    /// Partners asked in a network search that did not answer in time or in good form.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<Skipped>,
}

/// Searches; `viewer` is who asks (public content is all there is to find today).
///
/// # Errors
/// 422 naming `q`, `kind`, `limit`, `offset` or a filter; 404 for an unknown group or author.
pub async fn search(ctx: &Context, _viewer: Option<&Viewer>, req: Request) -> Result<Results> {
    let query = Query::parse(&req.q)?;
    check_page(req.offset, req.limit)?;
    req.filters.check()?;
    ranked_page(ctx, query, req.filters, req.offset, req.limit).await
}

/// Threads that look like `title` (any of its longer words), for "before you post": at most
/// `limit`, best first.
///
/// # Errors
/// 422 naming `title` when it is too long.
pub async fn similar(ctx: &Context, title: &str, limit: i64) -> Result<Vec<Hit>> {
    if title.chars().count() > QUERY_MAX {
        return Err(Error::invalid(
            "title",
            format!("must be at most {QUERY_MAX} characters"),
        ));
    }
    let Some(query) = Query::any_of(title) else {
        return Ok(Vec::new());
    };
    let filters = Filters {
        kinds: vec![Kind::Threads],
        ..Filters::default()
    };
    let found = ranked_page(ctx, query, filters, 0, limit.clamp(1, 10)).await?;
    Ok(found.hits)
}

/// Deepest result a network search pages to: partners are each asked for `offset + limit`
/// results at once.
pub const NETWORK_DEPTH: i64 = 200;

/// A search at offset 0 as deep as a network search needs (up to [`NETWORK_DEPTH`] results):
/// what a network search asks of this instance and of each partner.
///
/// # Errors
/// As [`search`]; 422 naming `limit` beyond [`NETWORK_DEPTH`], `offset` when not 0.
pub async fn search_wide(ctx: &Context, viewer: Option<&Viewer>, req: Request) -> Result<Results> {
    if req.offset != 0 {
        return Err(Error::invalid("offset", "must be 0 for a partner's search"));
    }
    if !(1..=NETWORK_DEPTH).contains(&req.limit) {
        return Err(Error::invalid(
            "limit",
            format!("must be between 1 and {NETWORK_DEPTH}"),
        ));
    }
    let query = Query::parse(&req.q)?;
    req.filters.check()?;
    let _ = viewer;
    ranked_page(ctx, query, req.filters, 0, req.limit).await
}

/// # Errors
/// 422 naming `limit` or `offset` outside their ranges.
pub fn check_page(offset: i64, limit: i64) -> Result<()> {
    if !(1..=LIMIT_MAX).contains(&limit) {
        return Err(Error::invalid(
            "limit",
            format!("must be between 1 and {LIMIT_MAX}"),
        ));
    }
    if !(0..=OFFSET_MAX).contains(&offset) {
        return Err(Error::invalid(
            "offset",
            format!("must be between 0 and {OFFSET_MAX}"),
        ));
    }
    Ok(())
}

/// A checked query's page of results, ranked as of now, in one read transaction: what every
/// kind of search here comes down to.
async fn ranked_page(
    ctx: &Context,
    query: Query,
    filters: Filters,
    offset: i64,
    limit: i64,
) -> Result<Results> {
    let instance_id = ctx.instance_id;
    let now = chrono::Utc::now().naive_utc();
    ctx.db
        .read(move |c| run(c, instance_id, &query, &filters, offset, limit, now))
        .await
}

/// The search itself, inside one read transaction.
fn run(
    conn: &mut AnyConnection,
    instance_id: i64,
    query: &Query,
    filters: &Filters,
    offset: i64,
    limit: i64,
    now: NaiveDateTime,
) -> Result<Results> {
    let scope = sql::Scope::resolve(conn, instance_id, filters)?;
    let mut ranked = sql::ranked(conn, query, filters, &scope, offset, limit + 1, now)?;
    let next_offset = (ranked.len() as i64 > limit).then_some(offset + limit);
    ranked.truncate(usize::try_from(limit).unwrap_or(0));
    let hits = hits::load(conn, query, &ranked)?;
    Ok(Results {
        hits,
        next_offset,
        skipped: Vec::new(),
    })
}

/// How many matching threads and comments are weighed to find who wrote about something.
const AUTHORS_DEPTH: i64 = 200;

/// Someone who wrote about what was searched, with what weighs for them.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuthorRank {
    pub author: AuthorRef,
    pub instance: String,
    /// Matching threads and comments they wrote (among the best [`AUTHORS_DEPTH`]).
    pub threads: i64,
    pub comments: i64,
    /// Votes their matching writing received.
    pub score: i64,
    /// Sum of the matching writing's ranks: what the order follows.
    pub weight: f64,
}

/// "People who wrote about X": the authors of the best matching threads and comments, ranked
/// by how much matching content they wrote and how it was received (the sum of its ranks,
/// which already carry votes and replies).
///
/// # Errors
/// As [`search`].
pub async fn authors(
    ctx: &Context,
    q: &str,
    filters: Filters,
    limit: i64,
) -> Result<Vec<AuthorRank>> {
    let mut filters = filters;
    filters.kinds = vec![Kind::Threads, Kind::Comments];
    let query = Query::parse(q)?;
    filters.check()?;
    let found = ranked_page(ctx, query, filters, 0, AUTHORS_DEPTH).await?;
    let mut ranked: Vec<AuthorRank> = Vec::new();
    for hit in found.hits {
        let Some(author) = hit.author else { continue };
        let at = match ranked.iter().position(|a| a.author.ap_id == author.ap_id) {
            Some(at) => at,
            None => {
                ranked.push(AuthorRank {
                    author,
                    instance: hit.instance.clone(),
                    threads: 0,
                    comments: 0,
                    score: 0,
                    weight: 0.0,
                });
                ranked.len() - 1
            }
        };
        let entry = &mut ranked[at];
        match hit.kind {
            Kind::Threads => entry.threads += 1,
            _ => entry.comments += 1,
        }
        entry.score += hit.score;
        entry.weight += hit.rank;
    }
    ranked.sort_by(|a, b| {
        b.weight
            .total_cmp(&a.weight)
            .then(a.author.handle.cmp(&b.author.handle))
    });
    ranked.truncate(usize::try_from(limit.clamp(1, LIMIT_MAX)).unwrap_or(20));
    Ok(ranked)
}
