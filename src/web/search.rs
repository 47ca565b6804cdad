//! The search page (`/search`): the same query string as `GET /api/v1/search`, read by the same
//! [`Params`], answered by the same domain search (or the network's), shown as a page with its
//! form, results and paging. The header's box on every page sends its words here.

use askama::Template;
use axum::{extract::RawQuery, http::StatusCode, response::Response, routing::get, Router};
use chrono::{DateTime, Utc};

use crate::domain::search::{self, Hit, Kind, Params, Reach, Results, LIMIT_DEFAULT};
use crate::error::{Error, Result};
use crate::extract::query_pairs;
use crate::federation::network;
use crate::web::{page_with_status, urlencode, Ctx, FormErrors};

pub fn routes() -> Router {
    Router::new().route("/search", get(search_page))
}

/// The controls of the form; an error about `offset` or `limit` is shown on `q`.
const FIELDS: [&str; 9] = [
    "q", "kind", "group", "agency", "instance", "author", "since", "until", "scope",
];

/// One result as a page shows it: every link already made.
pub struct HitView {
    pub kind: Kind,
    pub href: String,
    pub title: String,
    /// Safe HTML from the domain (escaped text and `<mark>`).
    pub snippet_html: String,
    /// Title and link of the group it was posted in.
    pub group: Option<(String, String)>,
    /// Name, link and agency of who wrote it.
    pub author: Option<(String, String, Option<String>)>,
    pub instance: String,
    pub local: bool,
    pub replies: i64,
    pub created_at: DateTime<Utc>,
}

/// A partner's result names a row on the partner: it opens through the lookup that fetches an
/// object by its ActivityPub id, as the groups directory's find box does.
fn fetched(ap_id: &str) -> String {
    format!("/groups/find?q={}", urlencode(ap_id))
}

impl HitView {
    /// What its count counts: replies to a thread or comment, threads of a group.
    pub fn count_key(&self) -> Option<&'static str> {
        match self.kind {
            Kind::Threads | Kind::Comments => Some("search-replies"),
            Kind::Groups => Some("group-threads"),
            Kind::People => None,
        }
    }

    pub fn of(hit: Hit) -> HitView {
        let elsewhere = hit.id == 0;
        let href = if elsewhere {
            fetched(&hit.ap_id)
        } else {
            match hit.kind {
                Kind::Threads => format!("/t/{}", hit.id),
                Kind::Comments => match hit.thread_id {
                    Some(t) => format!("/t/{t}#comment-{}", hit.id),
                    None => format!("/c/{}", hit.id),
                },
                Kind::Groups => format!("/g/{}", hit.group.as_ref().map_or("", |g| &g.handle)),
                Kind::People => format!("/u/{}", hit.author.as_ref().map_or("", |a| &a.handle)),
            }
        };
        // A group's own result and a person's own result need no second line naming them.
        let group = hit.group.filter(|_| hit.kind != Kind::Groups).map(|g| {
            let href = if elsewhere {
                fetched(&g.ap_id)
            } else {
                format!("/g/{}", g.handle)
            };
            (g.title, href)
        });
        let author = hit.author.filter(|_| hit.kind != Kind::People).map(|a| {
            let href = if elsewhere {
                fetched(&a.ap_id)
            } else {
                format!("/u/{}", a.handle)
            };
            (a.display_name.unwrap_or(a.handle), href, a.agency)
        });
        HitView {
            kind: hit.kind,
            href,
            title: hit.title,
            snippet_html: hit.snippet_html,
            group,
            author,
            instance: hit.instance,
            local: hit.local,
            replies: hit.replies,
            created_at: hit.created_at.and_utc(),
        }
    }
}

/// What was typed into the form, kept as typed so that a refused value comes back to be fixed.
#[derive(Debug, Default)]
struct Typed {
    q: String,
    kinds: Vec<String>,
    group: String,
    agency: String,
    instance: String,
    author: String,
    since: String,
    until: String,
    network: bool,
    limit: Option<String>,
}

impl Typed {
    fn of(pairs: &[(String, String)]) -> Typed {
        let mut t = Typed {
            // The page looks across partners unless asked not to; with none it is local.
            network: true,
            ..Typed::default()
        };
        for (name, value) in pairs {
            let v = value.clone();
            match name.as_str() {
                "q" => t.q = v,
                "kind" | "kind[]" => t
                    .kinds
                    .extend(value.split(',').map(|k| k.trim().to_string())),
                "group" => t.group = v,
                "agency" => t.agency = v,
                "instance" => t.instance = v,
                "author" => t.author = v,
                "since" => t.since = v,
                "until" => t.until = v,
                "scope" => t.network = value.trim() != "local",
                "limit" => t.limit = Some(v),
                _ => {}
            }
        }
        t
    }

    fn has_kind(&self, kind: &str) -> bool {
        self.kinds.iter().any(|k| k == kind)
    }
}

#[derive(Template)]
#[template(path = "web/search.html")]
struct SearchPage<'a> {
    ctx: &'a Ctx,
    typed: Typed,
    kinds: [Kind; 4],
    /// Whether a search ran (a query was given and accepted).
    searched: bool,
    hits: Vec<HitView>,
    previous: Option<String>,
    next: Option<String>,
    /// Partner instances that did not answer, named in one line.
    skipped: String,
    errors: FormErrors,
    /// This search's Atom feed (`/search/feed.atom`), for `<link rel="alternate">`.
    alternate: Option<String>,
}

/// Searches, or shows the empty form when nothing was typed.
async fn search_page(ctx: Ctx, RawQuery(raw): RawQuery) -> Result<Response> {
    let ctx = ctx.in_section("search");
    let pairs = query_pairs(raw.as_deref())?;
    let typed = Typed::of(&pairs);
    // The form always says which scope it wants; a bare `?q=` (the header box) means network.
    let mut pairs = pairs;
    if !pairs.iter().any(|(n, _)| n == "scope") {
        pairs.push(("scope".into(), "network".into()));
    }
    let mut page = SearchPage {
        ctx: &ctx,
        typed,
        kinds: Kind::ALL,
        searched: false,
        hits: Vec::new(),
        previous: None,
        next: None,
        skipped: String::new(),
        errors: FormErrors::default(),
        alternate: None,
    };
    let outcome = match Params::from_pairs(&pairs) {
        Ok(params) if params.request.q.trim().is_empty() => {
            return page_with_status(StatusCode::OK, &page)
        }
        Ok(params) => run(&ctx, &params).await.map(|r| (params, r)),
        Err(e) => Err(e),
    };
    match outcome {
        Ok((params, results)) => {
            let r = &params.request;
            page.searched = true;
            page.alternate = Some(format!("/search/feed.atom?{}", params.to_query_string(0)));
            page.previous = (r.offset > 0).then(|| {
                format!(
                    "/search?{}",
                    params.to_query_string((r.offset - r.limit).max(0))
                )
            });
            page.next = results
                .next_offset
                .map(|n| format!("/search?{}", params.to_query_string(n)));
            page.skipped = results
                .skipped
                .into_iter()
                .map(|s| s.instance)
                .collect::<Vec<_>>()
                .join(", ");
            page.hits = results.hits.into_iter().map(HitView::of).collect();
            page_with_status(StatusCode::OK, &page)
        }
        Err(e) => {
            let (errors, status) = refused(&ctx, e)?;
            page.errors = errors;
            page_with_status(status, &page)
        }
    }
}

async fn run(ctx: &Ctx, params: &Params) -> Result<Results> {
    let request = params.request.clone();
    match params.reach {
        Reach::Local => search::search(&ctx.state, ctx.viewer.as_ref(), request).await,
        Reach::Network => network::search(&ctx.state, ctx.viewer.as_ref(), request).await,
    }
}

/// A refusal about what was typed, next to its field; anything else is an error page.
fn refused(ctx: &Ctx, e: Error) -> Result<(FormErrors, StatusCode)> {
    let unknown = match &e {
        Error::NotFound("group") => Some(("group", "search-unknown-group")),
        Error::NotFound("person") => Some(("author", "search-unknown-author")),
        _ => None,
    };
    if let Some((field, key)) = unknown {
        return Ok((FormErrors::one(field, ctx.t(key)), StatusCode::NOT_FOUND));
    }
    let errors = FormErrors::from_error(ctx.lang, &e, &FIELDS, "q").ok_or(e)?;
    Ok((errors, StatusCode::UNPROCESSABLE_ENTITY))
}

impl SearchPage<'_> {
    /// Filters in use or refused stay in view.
    fn filters_open(&self) -> bool {
        let t = &self.typed;
        self.errors.items.iter().any(|e| e.field != "q")
            || !t.kinds.is_empty()
            || !t.network
            || [
                &t.group,
                &t.agency,
                &t.instance,
                &t.author,
                &t.since,
                &t.until,
            ]
            .iter()
            .any(|v| !v.trim().is_empty())
    }

    /// The limit asked for, when it is not the default (kept by a hidden field).
    fn kept_limit(&self) -> Option<&str> {
        self.typed
            .limit
            .as_deref()
            .filter(|l| l.trim() != LIMIT_DEFAULT.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::search::{AuthorRef, GroupRef};

    fn hit(kind: Kind, id: i64, local: bool) -> Hit {
        Hit {
            kind,
            id,
            ap_id: "https://peer.example/post/7?a=1&b=2".into(),
            title: "A title".into(),
            snippet_html: "a <mark>word</mark>".into(),
            group: Some(GroupRef {
                handle: "design".into(),
                title: "Design".into(),
                ap_id: "https://peer.example/g/design".into(),
            }),
            author: Some(AuthorRef {
                handle: "ana".into(),
                display_name: Some("Ana".into()),
                agency: Some("Tax".into()),
                ap_id: "https://peer.example/u/ana".into(),
            }),
            instance: "peer.example".into(),
            local,
            score: 0,
            replies: 3,
            created_at: chrono::NaiveDateTime::default(),
            rank: 1.0,
            thread_id: (kind == Kind::Comments && id != 0).then_some(4),
        }
    }

    #[test]
    fn results_held_here_open_here() {
        let t = HitView::of(hit(Kind::Threads, 9, true));
        assert_eq!(t.href, "/t/9");
        assert_eq!(t.group, Some(("Design".into(), "/g/design".into())));
        let (name, href, agency) = t.author.unwrap();
        assert_eq!((name.as_str(), href.as_str()), ("Ana", "/u/ana"));
        assert_eq!(agency.as_deref(), Some("Tax"));
        assert_eq!(
            HitView::of(hit(Kind::Comments, 12, true)).href,
            "/t/4#comment-12"
        );
        // A remote thread this instance holds opens here too.
        assert_eq!(HitView::of(hit(Kind::Threads, 9, false)).href, "/t/9");
        let g = HitView::of(hit(Kind::Groups, 2, true));
        assert_eq!(g.href, "/g/design");
        assert!(g.group.is_none(), "a group is not shown as in itself");
        let p = HitView::of(hit(Kind::People, 3, true));
        assert_eq!(p.href, "/u/ana");
        assert!(p.author.is_none());
    }

    #[test]
    fn a_partners_result_opens_through_the_lookup() {
        let t = HitView::of(hit(Kind::Threads, 0, false));
        assert_eq!(
            t.href,
            "/groups/find?q=https%3A%2F%2Fpeer.example%2Fpost%2F7%3Fa%3D1%26b%3D2"
        );
        let (_, group_href) = t.group.unwrap();
        assert_eq!(
            group_href,
            "/groups/find?q=https%3A%2F%2Fpeer.example%2Fg%2Fdesign"
        );
        let (_, author_href, _) = t.author.unwrap();
        assert_eq!(
            author_href,
            "/groups/find?q=https%3A%2F%2Fpeer.example%2Fu%2Fana"
        );
    }
}
