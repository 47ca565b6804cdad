//! The forms that take something away or ask for it: deleting one's own thread or comment,
//! reporting one, and a steward's pin, lock or removal (and their undoing).

use askama::Template;
use axum::{http::StatusCode, response::Response, routing::get, Router};
use serde::Deserialize;

use crate::domain::{
    comments::{self, CommentInThread},
    reports::{self, Reported},
    threads::{self, ThreadFlag},
};
use crate::error::{Error, Result};
use crate::extract::ApiPath;
use crate::web::{page, page_with_status, see_other, Ctx, FormErrors, WebForm};

pub fn routes() -> Router {
    Router::new()
        .route(
            "/t/{id}/delete",
            get(delete_thread_form).post(delete_thread),
        )
        .route(
            "/c/{id}/delete",
            get(delete_comment_form).post(delete_comment),
        )
        .route("/t/{id}/moderate", axum::routing::post(moderate_thread))
        .route("/c/{id}/moderate", axum::routing::post(moderate_comment))
        .route(
            "/t/{id}/report",
            get(report_thread_form).post(report_thread),
        )
        .route(
            "/c/{id}/report",
            get(report_comment_form).post(report_comment),
        )
}

/// The question before something is deleted, removed or reported.
#[derive(Template)]
#[template(path = "web/confirm.html")]
struct ConfirmPage<'a> {
    ctx: &'a Ctx,
    heading: String,
    /// What it is about, quoted.
    subject: String,
    action: String,
    button: String,
    back: String,
    /// A reason to give (reports).
    ask_reason: bool,
    reason: String,
    errors: FormErrors,
}

async fn delete_thread_form(ctx: Ctx, ApiPath(id): ApiPath<i64>) -> Result<Response> {
    let viewer = ctx.member()?;
    let t = threads::get(&ctx.state, Some(viewer), id).await?.thread;
    page(&ConfirmPage {
        heading: ctx.t("delete-thread-title"),
        subject: t.title,
        action: format!("/t/{id}/delete"),
        button: ctx.t("delete-submit"),
        back: format!("/t/{id}"),
        ask_reason: false,
        reason: String::new(),
        errors: FormErrors::default(),
        ctx: &ctx,
    })
}

#[derive(Debug, Default, Deserialize)]
struct Empty {}

async fn delete_thread(
    ApiPath(id): ApiPath<i64>,
    WebForm { ctx, .. }: WebForm<Empty>,
) -> Result<Response> {
    let viewer = ctx.member()?;
    let t = threads::get(&ctx.state, Some(viewer), id).await?.thread;
    threads::delete(&ctx.state, viewer, id).await?;
    Ok(see_other(&ctx, &t.group.href(), Some("notice-deleted")))
}

async fn delete_comment_form(ctx: Ctx, ApiPath(id): ApiPath<i64>) -> Result<Response> {
    let viewer = ctx.member()?;
    let c = comments::one(&ctx.state, Some(viewer), id).await?;
    page(&ConfirmPage {
        heading: ctx.t("delete-comment-title"),
        subject: excerpt(&c.comment.body_source),
        action: format!("/c/{id}/delete"),
        button: ctx.t("delete-submit"),
        back: format!("/t/{}#comment-{id}", c.thread_id),
        ask_reason: false,
        reason: String::new(),
        errors: FormErrors::default(),
        ctx: &ctx,
    })
}

async fn delete_comment(
    ApiPath(id): ApiPath<i64>,
    WebForm { ctx, .. }: WebForm<Empty>,
) -> Result<Response> {
    let viewer = ctx.member()?;
    let c = comments::one(&ctx.state, Some(viewer), id).await?;
    comments::delete(&ctx.state, viewer, id).await?;
    Ok(see_other(
        &ctx,
        &format!("/t/{}#comment-{id}", c.thread_id),
        Some("notice-deleted"),
    ))
}

/// The first words of what someone wrote, to say what a question is about.
fn excerpt(source: &str) -> String {
    let text: String = source.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() > 140 {
        let head: String = text.chars().take(140).collect();
        format!("{head}…")
    } else {
        text
    }
}

#[derive(Debug, Deserialize)]
struct ModerateForm {
    action: String,
    /// Where to go afterwards (the steward page restores from its list); the thread otherwise.
    #[serde(default)]
    next: String,
}

/// A steward's pin, lock or removal, or its undoing.
async fn moderate_thread(
    ApiPath(id): ApiPath<i64>,
    WebForm { ctx, form }: WebForm<ModerateForm>,
) -> Result<Response> {
    let viewer = ctx.member()?;
    let (flag, value, notice) = match form.action.as_str() {
        "pin" => (ThreadFlag::Pinned, true, "notice-pinned"),
        "unpin" => (ThreadFlag::Pinned, false, "notice-unpinned"),
        "lock" => (ThreadFlag::Locked, true, "notice-locked"),
        "unlock" => (ThreadFlag::Locked, false, "notice-unlocked"),
        "remove" => (ThreadFlag::Removed, true, "notice-removed"),
        "restore" => (ThreadFlag::Removed, false, "notice-restored"),
        _ => return Err(Error::BadRequest("unknown steward action".into())),
    };
    threads::moderate(&ctx.state, viewer, id, flag, value).await?;
    let to = if form.next.is_empty() {
        format!("/t/{id}")
    } else {
        form.next
    };
    Ok(see_other(&ctx, &to, Some(notice)))
}

async fn moderate_comment(
    ApiPath(id): ApiPath<i64>,
    WebForm { ctx, form }: WebForm<ModerateForm>,
) -> Result<Response> {
    let viewer = ctx.member()?;
    let (value, notice) = match form.action.as_str() {
        "remove" => (true, "notice-removed"),
        "restore" => (false, "notice-restored"),
        _ => return Err(Error::BadRequest("unknown steward action".into())),
    };
    let c = comments::remove(&ctx.state, viewer, id, value).await?;
    let to = if form.next.is_empty() {
        format!("/t/{}#comment-{id}", c.thread_id)
    } else {
        form.next
    };
    Ok(see_other(&ctx, &to, Some(notice)))
}

async fn report_thread_form(ctx: Ctx, ApiPath(id): ApiPath<i64>) -> Result<Response> {
    let viewer = ctx.member()?;
    let t = threads::get(&ctx.state, Some(viewer), id).await?.thread;
    report_page(
        &ctx,
        t.title,
        format!("/t/{id}/report"),
        format!("/t/{id}"),
        String::new(),
        FormErrors::default(),
    )
}

fn report_page(
    ctx: &Ctx,
    subject: String,
    action: String,
    back: String,
    reason: String,
    errors: FormErrors,
) -> Result<Response> {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    page_with_status(
        status,
        &ConfirmPage {
            heading: ctx.t("report-title"),
            subject,
            action,
            button: ctx.t("report-submit"),
            back,
            ask_reason: true,
            reason,
            errors,
            ctx,
        },
    )
}

#[derive(Debug, Deserialize)]
struct ReportForm {
    #[serde(default)]
    reason: String,
}

async fn report_thread(
    ApiPath(id): ApiPath<i64>,
    WebForm { ctx, form }: WebForm<ReportForm>,
) -> Result<Response> {
    let viewer = ctx.member()?;
    match reports::file(
        &ctx.state,
        viewer.person.clone(),
        Reported::Thread(id),
        &form.reason,
        None,
    )
    .await
    {
        Ok(_) => Ok(see_other(
            &ctx,
            &format!("/t/{id}"),
            Some("notice-reported"),
        )),
        Err(e) => {
            let errors = FormErrors::from_error(ctx.lang, &e, &["reason"], "reason").ok_or(e)?;
            let t = threads::get(&ctx.state, Some(viewer), id).await?.thread;
            report_page(
                &ctx,
                t.title,
                format!("/t/{id}/report"),
                format!("/t/{id}"),
                form.reason,
                errors,
            )
        }
    }
}

async fn report_comment_form(ctx: Ctx, ApiPath(id): ApiPath<i64>) -> Result<Response> {
    let viewer = ctx.member()?;
    let c = comments::one(&ctx.state, Some(viewer), id).await?;
    comment_report_page(&ctx, &c, String::new(), FormErrors::default())
}

fn comment_report_page(
    ctx: &Ctx,
    c: &CommentInThread,
    reason: String,
    errors: FormErrors,
) -> Result<Response> {
    report_page(
        ctx,
        excerpt(&c.comment.body_source),
        format!("/c/{}/report", c.comment.id),
        format!("/t/{}#comment-{}", c.thread_id, c.comment.id),
        reason,
        errors,
    )
}

async fn report_comment(
    ApiPath(id): ApiPath<i64>,
    WebForm { ctx, form }: WebForm<ReportForm>,
) -> Result<Response> {
    let viewer = ctx.member()?;
    let c = comments::one(&ctx.state, Some(viewer), id).await?;
    match reports::file(
        &ctx.state,
        viewer.person.clone(),
        Reported::Comment(id),
        &form.reason,
        None,
    )
    .await
    {
        Ok(_) => Ok(see_other(
            &ctx,
            &format!("/t/{}#comment-{id}", c.thread_id),
            Some("notice-reported"),
        )),
        Err(e) => {
            let errors = FormErrors::from_error(ctx.lang, &e, &["reason"], "reason").ok_or(e)?;
            comment_report_page(&ctx, &c, form.reason, errors)
        }
    }
}
