//! A person's page: who they are, where they work, what they wrote lately and the groups they
//! belong to; following and unfollowing them.

use askama::Template;
use axum::{http::HeaderMap, response::Response, routing::get, routing::post, Router};

use crate::domain::{
    comments::{self, CommentInThread},
    follows, groups, people, threads,
    views::{GroupSummary, PersonView, ThreadView},
};
use crate::error::Result;
use crate::extract::ApiPath;
use crate::web::{page, see_other, Ctx, EmptyForm, WebForm};

const RECENT: i64 = 10;

pub fn routes() -> Router {
    Router::new()
        .route("/u/{name}", get(profile))
        .route("/u/{name}/follow", post(follow))
        .route("/u/{name}/unfollow", post(unfollow))
}

#[derive(Template)]
#[template(path = "web/person.html")]
struct PersonPage<'a> {
    ctx: &'a Ctx,
    person: PersonView,
    threads: Vec<ThreadView>,
    comments: Vec<CommentInThread>,
    groups: Vec<GroupSummary>,
    is_self: bool,
}

impl PersonPage<'_> {
    fn action(&self, what: &str) -> String {
        format!("{}/{what}", self.person.href())
    }

    /// The directory of people with this expertise.
    fn tag_href(&self, label: &str) -> String {
        format!(
            "/people?expertise={}",
            super::urlencode(&crate::domain::text::canonical_tag(label))
        )
    }
}

async fn profile(ctx: Ctx, headers: HeaderMap, ApiPath(name): ApiPath<String>) -> Result<Response> {
    if crate::federation::accepts_activity_json(&headers) {
        return crate::federation::person_document(&ctx.state, &name).await;
    }
    let person = people::profile(&ctx.state, ctx.viewer.as_ref(), &name).await?;
    let is_self = ctx.viewer_id() == Some(person.id);
    let ctx = if is_self { ctx.in_section("me") } else { ctx };
    let page_req = super::page_request(None, RECENT)?;
    let (threads, comments, groups) = tokio::try_join!(
        threads::by_author(&ctx.state, ctx.viewer.as_ref(), person.id, page_req),
        comments::by_author(&ctx.state, ctx.viewer.as_ref(), person.id, RECENT),
        groups::of_person(&ctx.state, person.id),
    )?;
    page(&PersonPage {
        ctx: &ctx,
        person,
        threads: threads.items,
        comments,
        groups,
        is_self,
    })
}

async fn follow(
    ApiPath(name): ApiPath<String>,
    WebForm { ctx, .. }: WebForm<EmptyForm>,
) -> Result<Response> {
    let viewer = ctx.member()?;
    let person = people::profile(&ctx.state, Some(viewer), &name).await?;
    let state = follows::follow(&ctx.state, viewer, &name).await?;
    let notice = if state.state == crate::domain::groups::MembershipState::Accepted.as_str() {
        "notice-following"
    } else {
        "notice-follow-requested"
    };
    Ok(see_other(&ctx, &person.href(), Some(notice)))
}

async fn unfollow(
    ApiPath(name): ApiPath<String>,
    WebForm { ctx, .. }: WebForm<EmptyForm>,
) -> Result<Response> {
    let viewer = ctx.member()?;
    let person = people::profile(&ctx.state, Some(viewer), &name).await?;
    follows::unfollow(&ctx.state, viewer, &name).await?;
    Ok(see_other(&ctx, &person.href(), Some("notice-unfollowed")))
}
