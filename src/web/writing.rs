//! The forms that write: a reply, a vote, a new thread, and the edits of threads and comments,
//! each shown again with its preview or its errors.

use askama::Template;
use axum::{extract::Query, http::StatusCode, response::Response, routing::get, Router};
use serde::Deserialize;

use crate::domain::{
    comments::{self, CommentEdit, CommentInThread, NewCommentInput},
    groups, text,
    threads::{self, NewThreadInput, ThreadEdit},
    views::{GroupView, ThreadView},
    votes::{self, Target},
};
use crate::error::{Error, Result};
use crate::extract::ApiPath;
use crate::federation::network;
use crate::web::search::HitView;
use crate::web::{page, page_with_status, see_other, Ctx, FormErrors, WebForm};

/// Threads shown as "already asked?" on a new thread's preview.
const SIMILAR_SHOWN: i64 = 5;

pub fn routes() -> Router {
    Router::new()
        .route("/t/{id}/reply", get(reply_form).post(reply))
        .route("/t/{id}/vote", axum::routing::post(vote_thread))
        .route("/c/{id}/vote", axum::routing::post(vote_comment))
        .route("/t/{id}/edit", get(edit_thread_form).post(edit_thread))
        .route("/c/{id}/edit", get(edit_comment_form).post(edit_comment))
        .route("/g/{name}/new", get(compose_form).post(compose))
}

/// What a reply answers: the thread or one of its comments.
enum ReplyTo {
    Thread(ThreadView),
    Comment(CommentInThread),
}

#[derive(Template)]
#[template(path = "web/reply.html")]
struct ReplyPage<'a> {
    ctx: &'a Ctx,
    thread_id: i64,
    to: ReplyTo,
    body: String,
    preview: Option<String>,
    errors: FormErrors,
}

#[derive(Debug, Default, Deserialize)]
struct ReplyParams {
    parent: Option<i64>,
}

async fn reply_target(ctx: &Ctx, thread_id: i64, parent: Option<i64>) -> Result<ReplyTo> {
    match parent {
        Some(p) => {
            let c = comments::one(&ctx.state, ctx.viewer.as_ref(), p).await?;
            if c.thread_id != thread_id {
                return Err(Error::NotFound("comment"));
            }
            Ok(ReplyTo::Comment(c))
        }
        None => Ok(ReplyTo::Thread(
            threads::get(&ctx.state, ctx.viewer.as_ref(), thread_id)
                .await?
                .thread,
        )),
    }
}

async fn reply_form(
    ctx: Ctx,
    ApiPath(id): ApiPath<i64>,
    Query(q): Query<ReplyParams>,
) -> Result<Response> {
    ctx.member()?;
    let to = reply_target(&ctx, id, q.parent).await?;
    page(&ReplyPage {
        ctx: &ctx,
        thread_id: id,
        to,
        body: String::new(),
        preview: None,
        errors: FormErrors::default(),
    })
}

#[derive(Debug, Deserialize)]
struct ReplyForm {
    #[serde(default)]
    body: String,
    parent_id: Option<i64>,
    #[serde(default)]
    action: String,
}

/// Posts a reply, or shows it as it will look (`action=preview`).
async fn reply(
    ApiPath(id): ApiPath<i64>,
    WebForm { ctx, form }: WebForm<ReplyForm>,
) -> Result<Response> {
    let viewer = ctx.member()?;
    let mut errors = FormErrors::default();
    if form.action != "preview" {
        let input = NewCommentInput {
            body: form.body.clone(),
            parent_id: form.parent_id,
            language: None,
        };
        match comments::create(&ctx.state, viewer, id, input).await {
            Ok(c) => {
                return Ok(see_other(
                    &ctx,
                    &format!("/t/{id}#comment-{}", c.id),
                    Some("notice-reply-posted"),
                ))
            }
            Err(e) => {
                errors = FormErrors::from_error(ctx.lang, &e, &["body"], "body").ok_or(e)?;
            }
        }
    }
    let to = reply_target(&ctx, id, form.parent_id).await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    page_with_status(
        status,
        &ReplyPage {
            preview: (form.action == "preview").then(|| text::render_markdown(&form.body)),
            ctx: &ctx,
            thread_id: id,
            to,
            body: form.body,
            errors,
        },
    )
}

#[derive(Debug, Deserialize)]
struct VoteForm {
    score: i32,
    #[serde(default)]
    next: String,
}

async fn vote_thread(
    ApiPath(id): ApiPath<i64>,
    WebForm { ctx, form }: WebForm<VoteForm>,
) -> Result<Response> {
    votes::vote(&ctx.state, ctx.member()?, Target::Thread(id), form.score).await?;
    let back = if form.next.is_empty() {
        format!("/t/{id}#thread")
    } else {
        form.next
    };
    Ok(see_other(&ctx, &back, None))
}

async fn vote_comment(
    ApiPath(id): ApiPath<i64>,
    WebForm { ctx, form }: WebForm<VoteForm>,
) -> Result<Response> {
    votes::vote(&ctx.state, ctx.member()?, Target::Comment(id), form.score).await?;
    let back = if form.next.is_empty() {
        format!("/c/{id}")
    } else {
        form.next
    };
    Ok(see_other(&ctx, &back, None))
}

/// The thread and comment forms share one template: title and link only for threads.
#[derive(Template)]
#[template(path = "web/compose.html")]
struct ComposePage<'a> {
    ctx: &'a Ctx,
    /// Page title and heading.
    heading: String,
    action: String,
    /// Where "cancel" leads.
    back: String,
    group: Option<&'a GroupView>,
    is_thread: bool,
    title: String,
    url: String,
    body: String,
    language: String,
    preview: Option<(String, String)>,
    errors: FormErrors,
    submit: String,
    /// Existing threads that look like this one (a new thread's preview).
    similar: Vec<HitView>,
}

impl ComposePage<'_> {
    /// The words for a count of replies, for the script that lists similar threads.
    fn replies_words(&self, n: i64) -> String {
        self.ctx.tn("search-replies", &n)
    }
}

#[derive(Debug, Default, Deserialize)]
struct ComposeForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    action: String,
}

async fn compose_form(ctx: Ctx, ApiPath(name): ApiPath<String>) -> Result<Response> {
    let viewer = ctx.member()?;
    let group = groups::get(&ctx.state, Some(viewer), &name).await?;
    let language = viewer
        .person
        .language
        .clone()
        .unwrap_or_else(|| ctx.lang.code().to_string());
    page(&ComposePage {
        heading: ctx.ts("compose-title", "group", &group.title),
        action: format!("{}/new", group.href()),
        back: group.href(),
        group: Some(&group),
        is_thread: true,
        title: String::new(),
        url: String::new(),
        body: String::new(),
        language,
        preview: None,
        errors: FormErrors::default(),
        submit: ctx.t("compose-submit"),
        similar: Vec::new(),
        ctx: &ctx,
    })
}

async fn compose(
    ApiPath(name): ApiPath<String>,
    WebForm { ctx, form }: WebForm<ComposeForm>,
) -> Result<Response> {
    let viewer = ctx.member()?;
    let group = groups::get(&ctx.state, Some(viewer), &name).await?;
    let mut errors = FormErrors::default();
    if form.action != "preview" {
        let input = NewThreadInput {
            title: form.title.clone(),
            body: form.body.clone(),
            url: Some(form.url.clone()),
            language: Some(form.language.clone()),
        };
        match threads::create(&ctx.state, viewer, &group.local_handle(), input).await {
            Ok(t) => {
                return Ok(see_other(
                    &ctx,
                    &format!("/t/{}", t.id),
                    Some("notice-thread-posted"),
                ))
            }
            Err(e) => {
                errors = FormErrors::from_error(
                    ctx.lang,
                    &e,
                    &["title", "url", "body", "language"],
                    "title",
                )
                .ok_or(e)?;
            }
        }
    }
    let similar = if form.action == "preview" {
        similar_threads(&ctx, &form.title).await
    } else {
        Vec::new()
    };
    compose_again(&ctx, form, errors, ComposeKind::Thread(&group), similar)
}

/// Threads here and on partners that look like `title`. A failure costs only the suggestions,
/// never the form.
async fn similar_threads(ctx: &Ctx, title: &str) -> Vec<HitView> {
    match network::similar(&ctx.state, title, SIMILAR_SHOWN).await {
        Ok((hits, _)) => hits.into_iter().map(HitView::of).collect(),
        Err(e) => {
            tracing::warn!(error = %e, "similar threads for a preview");
            Vec::new()
        }
    }
}

enum ComposeKind<'a> {
    Thread(&'a GroupView),
    EditThread(i64),
    EditComment(i64),
}

/// The form again, with its preview or its errors.
fn compose_again(
    ctx: &Ctx,
    form: ComposeForm,
    errors: FormErrors,
    kind: ComposeKind<'_>,
    similar: Vec<HitView>,
) -> Result<Response> {
    let (heading, action, back, group, is_thread, submit) = match kind {
        ComposeKind::Thread(g) => (
            ctx.ts("compose-title", "group", &g.title),
            format!("{}/new", g.href()),
            g.href(),
            Some(g),
            true,
            ctx.t("compose-submit"),
        ),
        ComposeKind::EditThread(id) => (
            ctx.t("edit-thread-title"),
            format!("/t/{id}/edit"),
            format!("/t/{id}"),
            None,
            true,
            ctx.t("edit-submit"),
        ),
        ComposeKind::EditComment(id) => (
            ctx.t("edit-comment-title"),
            format!("/c/{id}/edit"),
            format!("/c/{id}"),
            None,
            false,
            ctx.t("edit-submit"),
        ),
    };
    let preview = (form.action == "preview" && errors.is_empty())
        .then(|| (form.title.clone(), text::render_markdown(&form.body)));
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    page_with_status(
        status,
        &ComposePage {
            ctx,
            heading,
            action,
            back,
            group,
            is_thread,
            title: form.title,
            url: form.url,
            body: form.body,
            language: form.language,
            preview,
            errors,
            submit,
            similar,
        },
    )
}

async fn edit_thread_form(ctx: Ctx, ApiPath(id): ApiPath<i64>) -> Result<Response> {
    let viewer = ctx.member()?;
    let detail = threads::get(&ctx.state, Some(viewer), id).await?;
    let t = detail.thread;
    if t.author.id != viewer.id() {
        return Err(Error::forbidden("only the author can edit a thread"));
    }
    let form = ComposeForm {
        title: t.title,
        url: t.url.unwrap_or_default(),
        body: t.body_source,
        language: t.language.unwrap_or_default(),
        action: String::new(),
    };
    compose_again(
        &ctx,
        form,
        FormErrors::default(),
        ComposeKind::EditThread(id),
        Vec::new(),
    )
}

async fn edit_thread(
    ApiPath(id): ApiPath<i64>,
    WebForm { ctx, form }: WebForm<ComposeForm>,
) -> Result<Response> {
    let viewer = ctx.member()?;
    let mut errors = FormErrors::default();
    if form.action != "preview" {
        let edit = ThreadEdit {
            title: Some(form.title.clone()),
            body: Some(form.body.clone()),
            url: Some(form.url.clone()),
        };
        match threads::edit(&ctx.state, viewer, id, edit).await {
            Ok(_) => return Ok(see_other(&ctx, &format!("/t/{id}"), Some("notice-saved"))),
            Err(e) => {
                errors = FormErrors::from_error(ctx.lang, &e, &["title", "url", "body"], "title")
                    .ok_or(e)?;
            }
        }
    }
    compose_again(&ctx, form, errors, ComposeKind::EditThread(id), Vec::new())
}

async fn edit_comment_form(ctx: Ctx, ApiPath(id): ApiPath<i64>) -> Result<Response> {
    let viewer = ctx.member()?;
    let c = comments::one(&ctx.state, Some(viewer), id).await?;
    if c.comment.author.id != viewer.id() {
        return Err(Error::forbidden("only the author can edit a comment"));
    }
    let form = ComposeForm {
        body: c.comment.body_source,
        ..ComposeForm::default()
    };
    compose_again(
        &ctx,
        form,
        FormErrors::default(),
        ComposeKind::EditComment(id),
        Vec::new(),
    )
}

async fn edit_comment(
    ApiPath(id): ApiPath<i64>,
    WebForm { ctx, form }: WebForm<ComposeForm>,
) -> Result<Response> {
    let viewer = ctx.member()?;
    let mut errors = FormErrors::default();
    if form.action != "preview" {
        let edit = CommentEdit {
            body: form.body.clone(),
        };
        match comments::edit(&ctx.state, viewer, id, edit).await {
            Ok(_) => return Ok(see_other(&ctx, &format!("/c/{id}"), Some("notice-saved"))),
            Err(e) => {
                errors = FormErrors::from_error(ctx.lang, &e, &["body"], "body").ok_or(e)?;
            }
        }
    }
    compose_again(&ctx, form, errors, ComposeKind::EditComment(id), Vec::new())
}
