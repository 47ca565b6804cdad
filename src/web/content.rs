//! Pages of what members write: the home page and its feed, the about page, a thread with its
//! comments, and the hashtag pages. The forms that post, edit and vote are in `web::writing`;
//! those that delete, report and moderate in `web::moderation`.

use askama::Template;
use axum::{
    extract::Query,
    http::HeaderMap,
    response::{IntoResponse, Redirect, Response},
    routing::get,
    Router,
};
use serde::Deserialize;

use crate::domain::{
    comments, groups,
    paging::PageRequest,
    site,
    threads::{self, Sort},
    views::{CommentView, GroupSummary, SiteView, ThreadDetail, ThreadView},
};
use crate::error::Result;
use crate::extract::ApiPath;
use crate::web::{page, Ctx};

/// Threads on a page of a listing.
pub const PAGE_SIZE: i64 = 20;
const GROUPS_ON_HOME: i64 = 8;

pub fn routes() -> Router {
    Router::new()
        .route("/", get(home))
        .route("/about", get(about))
        .route("/t/{id}", get(thread))
        .route("/c/{id}", get(comment))
        .route("/tags/{tag}", get(tag))
}

/// `sort` and `cursor` of a listing page.
#[derive(Debug, Default, Deserialize)]
pub struct ListParams {
    pub sort: Option<String>,
    pub cursor: Option<String>,
}

impl ListParams {
    pub fn sort(&self) -> (Sort, &'static str) {
        match self.sort.as_deref() {
            Some("active") => (Sort::Active, "active"),
            Some("top") => (Sort::Top, "top"),
            _ => (Sort::New, "new"),
        }
    }

    /// # Errors
    /// 400 for a cursor this server did not make.
    pub fn page(&self) -> Result<PageRequest> {
        super::page_request(self.cursor.as_deref(), PAGE_SIZE)
    }
}

/// A listing of threads with its sort and the address of its next page.
pub struct ThreadList {
    pub threads: Vec<ThreadView>,
    pub sort: &'static str,
    pub next: Option<String>,
    /// The page's own address, which sort links and paging build on.
    pub base: String,
}

impl ThreadList {
    pub fn sort_href(&self, sort: &str) -> String {
        format!("{}?sort={sort}", self.base)
    }

    pub fn next_href(&self) -> Option<String> {
        self.next.as_ref().map(|c| {
            format!(
                "{}?sort={}&cursor={}",
                self.base,
                self.sort,
                super::urlencode(c)
            )
        })
    }
}

#[derive(Template)]
#[template(path = "web/home.html")]
struct HomePage<'a> {
    ctx: &'a Ctx,
    site: SiteView,
    groups: Vec<GroupSummary>,
    feed: Option<ThreadList>,
}

async fn home(ctx: Ctx, headers: HeaderMap, Query(params): Query<ListParams>) -> Result<Response> {
    if crate::federation::accepts_activity_json(&headers) {
        return crate::federation::instance_actor_response(&ctx.state).await;
    }
    let ctx = ctx.in_section("home");
    let site = site::view(&ctx.state).await?;
    let (feed, groups) = match &ctx.viewer {
        Some(viewer) => {
            let (sort, sort_name) = params.sort();
            let page_req = params.page()?;
            let listed = threads::feed(&ctx.state, viewer, sort, page_req).await?;
            let feed = ThreadList {
                threads: listed.items,
                sort: sort_name,
                next: listed.next_cursor,
                base: "/".into(),
            };
            (Some(feed), Vec::new())
        }
        None => (None, groups::most_active(&ctx.state, GROUPS_ON_HOME).await?),
    };
    page(&HomePage {
        ctx: &ctx,
        site,
        groups,
        feed,
    })
}

/// Non-empty lines: the site's rules are kept one per line.
fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

#[derive(Template)]
#[template(path = "web/about.html")]
struct AboutPage<'a> {
    ctx: &'a Ctx,
    site: SiteView,
    rules: Vec<String>,
}

async fn about(ctx: Ctx) -> Result<Response> {
    let site = site::view(&ctx.state).await?;
    let rules = lines(&site.rules);
    page(&AboutPage {
        ctx: &ctx,
        site,
        rules,
    })
}

/// A step through the comment tree, for nested lists without recursion in templates.
pub enum TreeStep<'a> {
    OpenList,
    CloseList,
    Open(&'a CommentView),
    Close,
}

fn tree_steps(comments: &[CommentView]) -> Vec<TreeStep<'_>> {
    fn walk<'a>(level: &'a [CommentView], out: &mut Vec<TreeStep<'a>>) {
        out.push(TreeStep::OpenList);
        for c in level {
            out.push(TreeStep::Open(c));
            if !c.replies.is_empty() {
                walk(&c.replies, out);
            }
            out.push(TreeStep::Close);
        }
        out.push(TreeStep::CloseList);
    }
    let mut out = Vec::new();
    if !comments.is_empty() {
        walk(comments, &mut out);
    }
    out
}

#[derive(Template)]
#[template(path = "web/thread.html")]
struct ThreadPage<'a> {
    ctx: &'a Ctx,
    detail: &'a ThreadDetail,
    steps: Vec<TreeStep<'a>>,
    /// Whether the viewer wrote the thread.
    mine: bool,
    comment_total: i64,
}

impl ThreadPage<'_> {
    fn is_mine(&self, c: &CommentView) -> bool {
        self.ctx.viewer_id() == Some(c.author.id)
    }

    fn can_reply(&self) -> bool {
        let t = &self.detail.thread;
        !t.locked && !t.deleted && !t.removed
    }
}

async fn thread(ctx: Ctx, headers: HeaderMap, ApiPath(id): ApiPath<i64>) -> Result<Response> {
    if crate::federation::accepts_activity_json(&headers) {
        return crate::federation::thread_document(&ctx.state, id).await;
    }
    let detail = threads::get(&ctx.state, ctx.viewer.as_ref(), id).await?;
    let t = &detail.thread;
    page(&ThreadPage {
        ctx: &ctx,
        mine: ctx.viewer_id() == Some(t.author.id),
        comment_total: t.comment_count,
        steps: tree_steps(&detail.comments),
        detail: &detail,
    })
}

/// A comment's address opens its thread at the comment; programs get the `Note`.
async fn comment(ctx: Ctx, headers: HeaderMap, ApiPath(id): ApiPath<i64>) -> Result<Response> {
    if crate::federation::accepts_activity_json(&headers) {
        return crate::federation::comment_document(&ctx.state, id).await;
    }
    let c = comments::one(&ctx.state, ctx.viewer.as_ref(), id).await?;
    Ok(Redirect::to(&format!("/t/{}#comment-{id}", c.thread_id)).into_response())
}

#[derive(Template)]
#[template(path = "web/tag.html")]
struct TagPage<'a> {
    ctx: &'a Ctx,
    tag: String,
    threads: Vec<ThreadView>,
}

/// The latest threads with a hashtag: where statuses' tag links lead.
async fn tag(ctx: Ctx, ApiPath(tag): ApiPath<String>) -> Result<Response> {
    use crate::domain::statuses::{self, StatusContent, Timeline, Window};
    let tag = tag.trim_start_matches('#').to_lowercase();
    let window = Window {
        limit: 40,
        ..Window::default()
    };
    let bundle = statuses::timeline(
        &ctx.state,
        ctx.viewer.as_ref(),
        Timeline::Tag(tag.clone()),
        window,
    )
    .await?;
    let threads = bundle
        .statuses
        .into_iter()
        .filter_map(|s| match s.content {
            StatusContent::Thread(t) => Some(t),
            StatusContent::Comment { .. } => None,
        })
        .collect();
    page(&TagPage {
        ctx: &ctx,
        tag,
        threads,
    })
}
