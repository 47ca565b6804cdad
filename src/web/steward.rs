//! A group's steward tools: requests to join, members and their roles, bans, the group's
//! settings, reports, and what stewards removed (to restore it). Every action goes through
//! the same domain functions as the JSON API, so the rules (last steward stays, stewards cannot
//! be banned) and the federation of each action are the same.

use askama::Template;
use axum::{
    extract::Query,
    http::StatusCode,
    response::Response,
    routing::{get, post},
    Router,
};
use serde::Deserialize;

use crate::domain::{
    comments::{self, CommentInThread},
    groups::{self, GroupUpdate, MemberAction},
    reports::{self, ReportView},
    threads,
    views::{GroupView, MemberView, PersonRef, ThreadView},
};
use crate::error::{Error, Result};
use crate::extract::ApiPath;
use crate::web::{page_with_status, see_other, Ctx, FormErrors, WebForm};

const LISTED: i64 = 50;

pub fn routes() -> Router {
    Router::new()
        .route("/g/{name}/steward", get(tools))
        .route("/g/{name}/steward/settings", post(save_settings))
        .route("/g/{name}/steward/members/{person}", post(act_on_member))
        .route("/g/{name}/steward/reports/{id}", post(resolve_report))
}

#[derive(Template)]
#[template(path = "web/steward.html")]
struct StewardPage<'a> {
    ctx: &'a Ctx,
    group: GroupView,
    pending: Vec<MemberView>,
    members: Vec<MemberView>,
    members_next: Option<String>,
    reports: Vec<ReportView>,
    reports_next: Option<String>,
    removed_threads: Vec<ThreadView>,
    removed_comments: Vec<CommentInThread>,
    form: SettingsForm,
    errors: FormErrors,
}

impl StewardPage<'_> {
    fn base(&self) -> String {
        format!("{}/steward", self.group.href())
    }

    /// The address of a form acting on one member.
    fn member_action(&self, person: &PersonRef) -> String {
        format!("{}/members/{}", self.base(), person.local_handle())
    }
}

#[derive(Debug, Default, Deserialize)]
struct ToolParams {
    members: Option<String>,
    reports: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct SettingsForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    rules: String,
    approval_required: Option<String>,
}

async fn steward_page(
    ctx: &Ctx,
    name: &str,
    params: ToolParams,
    form: Option<SettingsForm>,
    errors: FormErrors,
) -> Result<Response> {
    let viewer = ctx.member()?;
    let group = groups::get(&ctx.state, Some(viewer), name).await?;
    if !group.local || !(group.viewer_is_steward || viewer.person.is_admin) {
        return Err(Error::forbidden("only the group's stewards see its tools"));
    }
    let handle = group.local_handle();
    let (pending, members, reports, removed_threads, removed_comments) = tokio::try_join!(
        groups::members(
            &ctx.state,
            Some(viewer),
            &handle,
            true,
            super::page_request(None, LISTED)?
        ),
        groups::members(
            &ctx.state,
            Some(viewer),
            &handle,
            false,
            super::page_request(params.members.as_deref(), LISTED)?
        ),
        reports::list(
            &ctx.state,
            viewer,
            &handle,
            super::page_request(params.reports.as_deref(), LISTED)?
        ),
        threads::removed_in(&ctx.state, viewer, &handle, LISTED),
        comments::removed_in(&ctx.state, viewer, &handle, LISTED),
    )?;
    let base = format!("{}/steward", group.href());
    let link = |which: &str, cursor: Option<String>| {
        cursor.map(|c| format!("{base}?{which}={}#{which}", super::urlencode(&c)))
    };
    let form = form.unwrap_or_else(|| SettingsForm {
        title: group.title.clone(),
        description: group.description_source.clone(),
        rules: group.rules_source.clone(),
        approval_required: group.approval_required.then(String::new),
    });
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    page_with_status(
        status,
        &StewardPage {
            ctx,
            pending: pending.items,
            members_next: link("members", members.next_cursor),
            members: members.items,
            reports_next: link("reports", reports.next_cursor),
            reports: reports.items,
            removed_threads,
            removed_comments,
            group,
            form,
            errors,
        },
    )
}

async fn tools(
    ctx: Ctx,
    ApiPath(name): ApiPath<String>,
    Query(params): Query<ToolParams>,
) -> Result<Response> {
    let ctx = ctx.in_section("groups");
    steward_page(&ctx, &name, params, None, FormErrors::default()).await
}

async fn save_settings(
    ApiPath(name): ApiPath<String>,
    WebForm { ctx, form }: WebForm<SettingsForm>,
) -> Result<Response> {
    let viewer = ctx.member()?;
    let ctx = ctx.clone().in_section("groups");
    let update = GroupUpdate {
        title: Some(form.title.clone()),
        description: Some(form.description.clone()),
        rules: Some(form.rules.clone()),
        approval_required: Some(form.approval_required.is_some()),
    };
    match groups::update(&ctx.state, viewer, &name, update).await {
        Ok(g) => Ok(see_other(
            &ctx,
            &format!("{}/steward#settings", g.href()),
            Some("notice-saved"),
        )),
        Err(e) => {
            let errors =
                FormErrors::from_error(ctx.lang, &e, &["title", "description", "rules"], "title")
                    .ok_or(e)?;
            steward_page(&ctx, &name, ToolParams::default(), Some(form), errors).await
        }
    }
}

#[derive(Debug, Deserialize)]
struct MemberForm {
    action: String,
}

async fn act_on_member(
    ApiPath((name, person)): ApiPath<(String, String)>,
    WebForm { ctx, form }: WebForm<MemberForm>,
) -> Result<Response> {
    let viewer = ctx.member()?;
    let to = format!("/g/{name}/steward#members");
    let action = match form.action.as_str() {
        "approve" => MemberAction::Approve,
        "remove" | "refuse" => MemberAction::Remove,
        "make_steward" => MemberAction::MakeSteward,
        "remove_steward" => MemberAction::RemoveSteward,
        "ban" | "unban" => {
            let ban = form.action == "ban";
            groups::ban(&ctx.state, viewer.person.clone(), &name, &person, ban, None).await?;
            let notice = if ban {
                "notice-banned"
            } else {
                "notice-unbanned"
            };
            return Ok(see_other(&ctx, &to, Some(notice)));
        }
        _ => return Err(Error::BadRequest("unknown member action".into())),
    };
    groups::act_on_member(&ctx.state, viewer, &name, &person, action).await?;
    let notice = match form.action.as_str() {
        "approve" => "notice-member-approved",
        "refuse" => "notice-member-refused",
        "remove" => "notice-member-removed",
        "make_steward" => "notice-steward-added",
        _ => "notice-steward-removed",
    };
    Ok(see_other(&ctx, &to, Some(notice)))
}

#[derive(Debug, Deserialize)]
struct ReportForm {
    action: String,
}

async fn resolve_report(
    ApiPath((name, id)): ApiPath<(String, i64)>,
    WebForm { ctx, form }: WebForm<ReportForm>,
) -> Result<Response> {
    let viewer = ctx.member()?;
    let resolved = match form.action.as_str() {
        "resolve" => true,
        "reopen" => false,
        _ => return Err(Error::BadRequest("unknown report action".into())),
    };
    reports::resolve(&ctx.state, viewer, id, resolved).await?;
    let notice = if resolved {
        "notice-report-resolved"
    } else {
        "notice-report-reopened"
    };
    Ok(see_other(
        &ctx,
        &format!("/g/{name}/steward#reports"),
        Some(notice),
    ))
}
