//! Pages of what members write: the home page and its feed, a thread with its comments, the
//! forms that post, edit, delete, vote, report and moderate, and the hashtag pages.

use askama::Template;
use axum::{
    extract::Query,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
    routing::get,
    Router,
};
use serde::Deserialize;

use crate::domain::{
    comments::{self, CommentEdit, CommentInThread, NewCommentInput},
    groups,
    paging::PageRequest,
    reports::{self, Reported},
    site, text,
    threads::{self, NewThreadInput, Sort, ThreadEdit, ThreadFlag},
    views::{CommentView, GroupSummary, GroupView, SiteView, ThreadDetail, ThreadView},
    votes::{self, Target},
};
use crate::error::{Error, Result};
use crate::extract::ApiPath;
use crate::web::{page, page_with_status, see_other, Ctx, FormErrors, WebForm};

/// Threads on a page of a listing.
pub const PAGE_SIZE: i64 = 20;
const GROUPS_ON_HOME: i64 = 8;

pub fn routes() -> Router {
    Router::new()
        .route("/", get(home))
        .route("/about", get(about))
        .route("/t/{id}", get(thread))
        .route("/c/{id}", get(comment))
        .route("/t/{id}/reply", get(reply_form).post(reply))
        .route("/t/{id}/vote", axum::routing::post(vote_thread))
        .route("/c/{id}/vote", axum::routing::post(vote_comment))
        .route("/t/{id}/edit", get(edit_thread_form).post(edit_thread))
        .route("/c/{id}/edit", get(edit_comment_form).post(edit_comment))
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
        .route("/g/{name}/new", get(compose_form).post(compose))
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
    compose_again(&ctx, form, errors, ComposeKind::Thread(&group))
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
    compose_again(&ctx, form, errors, ComposeKind::EditThread(id))
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
    compose_again(&ctx, form, errors, ComposeKind::EditComment(id))
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
