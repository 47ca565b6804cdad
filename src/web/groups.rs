//! Pages of groups: the directory (with the box that finds a group on another server), a
//! group's page with its threads, joining and leaving, and starting a new group.

use activitypub_federation::config::Data;
use askama::Template;
use axum::{
    extract::Query,
    http::{HeaderMap, StatusCode},
    response::Response,
    routing::{get, post},
    Router,
};
use serde::Deserialize;

use crate::app::AppState;
use crate::domain::{
    groups::{self, NewGroupInput, Reach},
    threads,
    views::{GroupSummary, GroupView, ThreadView},
};
use crate::error::{Error, Result};
use crate::extract::ApiPath;
use crate::federation::{
    actors::DbActor,
    lookup::{lookup, Found},
};
use crate::web::content::{ListParams, ThreadList};
use crate::web::{page, page_with_status, see_other, Ctx, EmptyForm, FormErrors, WebForm};

const GROUPS_PER_PAGE: i64 = 30;
const PINNED_SHOWN: i64 = 5;

pub fn routes() -> Router {
    Router::new()
        .route("/groups", get(directory))
        .route("/groups/find", get(find))
        .route("/groups/new", get(new_group_form).post(new_group))
        .route("/g/{name}", get(group))
        .route("/g/{name}/join", post(join))
        .route("/g/{name}/leave", post(leave))
}

#[derive(Template)]
#[template(path = "web/groups.html")]
struct DirectoryPage<'a> {
    ctx: &'a Ctx,
    q: String,
    groups: Vec<GroupSummary>,
    next: Option<String>,
    find: String,
    find_error: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct DirectoryParams {
    #[serde(default)]
    q: String,
    cursor: Option<String>,
}

async fn directory(ctx: Ctx, Query(p): Query<DirectoryParams>) -> Result<Response> {
    let ctx = ctx.in_section("groups");
    directory_page(&ctx, p, String::new(), None, StatusCode::OK).await
}

async fn directory_page(
    ctx: &Ctx,
    p: DirectoryParams,
    find: String,
    find_error: Option<String>,
    status: StatusCode,
) -> Result<Response> {
    let page_req = super::page_request(p.cursor.as_deref(), GROUPS_PER_PAGE)?;
    let q = p.q.chars().take(100).collect::<String>();
    let listed = groups::list(&ctx.state, Some(&q), page_req).await?;
    let next = listed.next_cursor.map(|c| {
        format!(
            "/groups?q={}&cursor={}",
            super::urlencode(&q),
            super::urlencode(&c)
        )
    });
    page_with_status(
        status,
        &DirectoryPage {
            ctx,
            q,
            groups: listed.items,
            next,
            find,
            find_error,
        },
    )
}

#[derive(Debug, Default, Deserialize)]
struct FindParams {
    #[serde(default)]
    q: String,
}

/// The box that takes `@name@domain`, `!name@domain` or a URL: the group is fetched through
/// federation if it is not known here, and its page opens.
async fn find(ctx: Ctx, data: Data<AppState>, Query(p): Query<FindParams>) -> Result<Response> {
    let ctx = ctx.in_section("groups");
    let query = p.q.trim().to_string();
    let problem = if query.is_empty() {
        Some(ctx.t("find-empty"))
    } else {
        match lookup(&data, &query).await {
            Ok(Found::Actor(actor @ (DbActor::Group(..) | DbActor::Person(..)))) => {
                let prefix = if matches!(actor, DbActor::Group(..)) {
                    "g"
                } else {
                    "u"
                };
                let handle = actor.local_handle().unwrap_or_default();
                return Ok(see_other(&ctx, &format!("/{prefix}/{handle}"), None));
            }
            Ok(Found::Post {
                thread_id,
                comment_id,
            }) => {
                let href = match comment_id {
                    Some(c) => format!("/t/{thread_id}#comment-{c}"),
                    None => format!("/t/{thread_id}"),
                };
                return Ok(see_other(&ctx, &href, None));
            }
            Ok(Found::Actor(DbActor::Instance(..))) => Some(ctx.t("find-not-group")),
            Err(Error::Invalid { .. }) => Some(ctx.t("find-invalid")),
            Err(Error::NotFound(_) | Error::Federation(_) | Error::Refused(_)) => {
                Some(ctx.ts("find-not-found", "query", &query))
            }
            Err(e) => return Err(e),
        }
    };
    directory_page(
        &ctx,
        DirectoryParams::default(),
        query,
        problem,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

#[derive(Template)]
#[template(path = "web/group.html")]
struct GroupPage<'a> {
    ctx: &'a Ctx,
    group: GroupView,
    reach: Reach,
    pinned: Vec<ThreadView>,
    list: ThreadList,
}

impl GroupPage<'_> {
    fn action(&self, what: &str) -> String {
        format!("{}/{what}", self.group.href())
    }
}

async fn group(
    ctx: Ctx,
    headers: HeaderMap,
    ApiPath(name): ApiPath<String>,
    Query(params): Query<ListParams>,
) -> Result<Response> {
    if crate::federation::accepts_activity_json(&headers) {
        return crate::federation::group_document(&ctx.state, &name).await;
    }
    let ctx = ctx.in_section("groups");
    let group = groups::get(&ctx.state, ctx.viewer.as_ref(), &name).await?;
    let handle = group.local_handle();
    let (sort, sort_name) = params.sort();
    let first_page = params.cursor.is_none();
    let (reach, pinned, listed) = tokio::try_join!(
        groups::reach(&ctx.state, group.id),
        async {
            if first_page {
                threads::pinned(&ctx.state, ctx.viewer.as_ref(), &handle, PINNED_SHOWN).await
            } else {
                Ok(Vec::new())
            }
        },
        threads::list(
            &ctx.state,
            ctx.viewer.as_ref(),
            &handle,
            sort,
            params.page()?,
        ),
    )?;
    let list = ThreadList {
        threads: listed.items,
        sort: sort_name,
        next: listed.next_cursor,
        base: group.href(),
    };
    page(&GroupPage {
        ctx: &ctx,
        group,
        reach,
        pinned,
        list,
    })
}

async fn join(
    ApiPath(name): ApiPath<String>,
    WebForm { ctx, .. }: WebForm<EmptyForm>,
) -> Result<Response> {
    let viewer = ctx.member()?;
    let group = groups::get(&ctx.state, Some(viewer), &name).await?;
    let state = groups::join(&ctx.state, viewer, &group.local_handle()).await?;
    let notice = if state.state == groups::MembershipState::Accepted.as_str() {
        "notice-joined"
    } else if group.local {
        "notice-join-requested"
    } else {
        // The group's own server answers, by itself unless its stewards approve members.
        "notice-join-sent"
    };
    Ok(see_other(&ctx, &group.href(), Some(notice)))
}

async fn leave(
    ApiPath(name): ApiPath<String>,
    WebForm { ctx, .. }: WebForm<EmptyForm>,
) -> Result<Response> {
    let viewer = ctx.member()?;
    let group = groups::get(&ctx.state, Some(viewer), &name).await?;
    groups::leave(&ctx.state, viewer, &group.local_handle()).await?;
    Ok(see_other(&ctx, &group.href(), Some("notice-left")))
}

#[derive(Template)]
#[template(path = "web/group_new.html")]
struct NewGroupPage<'a> {
    ctx: &'a Ctx,
    form: NewGroupForm,
    errors: FormErrors,
}

#[derive(Debug, Default, Deserialize)]
struct NewGroupForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    rules: String,
    /// A checkbox: present when ticked.
    approval_required: Option<String>,
}

async fn new_group_form(ctx: Ctx) -> Result<Response> {
    ctx.member()?;
    let ctx = ctx.in_section("groups");
    page(&NewGroupPage {
        ctx: &ctx,
        form: NewGroupForm::default(),
        errors: FormErrors::default(),
    })
}

async fn new_group(WebForm { ctx, form }: WebForm<NewGroupForm>) -> Result<Response> {
    let viewer = ctx.member()?;
    let ctx = ctx.clone().in_section("groups");
    let input = NewGroupInput {
        name: form.name.trim().to_string(),
        title: form.title.clone(),
        description: form.description.clone(),
        rules: form.rules.clone(),
        approval_required: form.approval_required.is_some(),
    };
    match groups::create(&ctx.state, viewer, input).await {
        Ok(g) => Ok(see_other(&ctx, &g.href(), Some("notice-group-created"))),
        Err(e) => {
            let errors = FormErrors::from_error(
                ctx.lang,
                &e,
                &["name", "title", "description", "rules"],
                "name",
            )
            .ok_or(e)?;
            page_with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &NewGroupPage {
                    ctx: &ctx,
                    form,
                    errors,
                },
            )
        }
    }
}
