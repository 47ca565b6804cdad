//! Threads, comments, votes, steward actions and the member's feed.

use axum::{
    body::Bytes,
    http::StatusCode,
    routing::{get, patch, post},
    Json, Router,
};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::domain::{
    comments::{self, CommentEdit, NewCommentInput},
    paging::{Page, PageRequest},
    reports::{self, ReportInput, ReportView, Reported},
    threads::{self, ListQuery, NewThreadInput, ThreadEdit, ThreadFlag},
    views::{CommentView, ThreadDetail, ThreadView},
    votes::{self, Target, VoteInput, VoteResult},
};
use crate::error::{ErrorBody, Result};
use crate::extract::{optional_body, ApiJson, ApiPath, ApiQuery, Auth, MaybeAuth, State};

pub fn routes() -> Router {
    Router::new()
        .route(
            "/api/v1/groups/{name}/threads",
            get(list_threads).post(create_thread),
        )
        .route(
            "/api/v1/threads/{id}",
            get(get_thread).patch(edit_thread).delete(delete_thread),
        )
        .route("/api/v1/threads/{id}/comments", post(create_comment))
        .route("/api/v1/threads/{id}/vote", post(vote_thread))
        .route("/api/v1/threads/{id}/pin", post(pin))
        .route("/api/v1/threads/{id}/lock", post(lock))
        .route("/api/v1/threads/{id}/remove", post(remove_thread))
        .route(
            "/api/v1/comments/{id}",
            patch(edit_comment).delete(delete_comment),
        )
        .route("/api/v1/comments/{id}/vote", post(vote_comment))
        .route("/api/v1/comments/{id}/remove", post(remove_comment))
        .route("/api/v1/feed", get(feed))
        .route("/api/v1/threads/{id}/report", post(report_thread))
        .route("/api/v1/comments/{id}/report", post(report_comment))
        .route("/api/v1/groups/{name}/reports", get(list_reports))
}

/// Body of a steward action: `{"value": false}` undoes it; an empty body means `true`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct FlagInput {
    #[serde(default = "yes")]
    pub value: bool,
}

fn yes() -> bool {
    true
}

impl Default for FlagInput {
    fn default() -> Self {
        FlagInput { value: true }
    }
}

fn page(state: &AppState, q: &ListQuery) -> Result<PageRequest> {
    let l = &state.config.limits;
    PageRequest::new(
        q.cursor.as_deref(),
        q.limit,
        l.default_page_size,
        l.max_page_size,
    )
}

/// Threads of a group, sorted `new`, `active` or `top`, a page at a time.
#[utoipa::path(get, path = "/api/v1/groups/{name}/threads", tag = "threads", params(("name" = String, Path), ListQuery),
    responses((status = 200, body = Page<ThreadView>), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_threads(
    State(state): State,
    MaybeAuth(viewer): MaybeAuth,
    ApiPath(name): ApiPath<String>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Page<ThreadView>>> {
    let page = page(&state, &q)?;
    Ok(Json(
        threads::list(
            &state,
            viewer.as_ref(),
            &name,
            q.sort.unwrap_or_default(),
            page,
        )
        .await?,
    ))
}

/// Post a thread in a group.
#[utoipa::path(post, path = "/api/v1/groups/{name}/threads", tag = "threads", security(("bearer" = [])),
    params(("name" = String, Path)), request_body = NewThreadInput,
    responses((status = 201, body = ThreadView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_thread(
    State(state): State,
    Auth(viewer): Auth,
    ApiPath(name): ApiPath<String>,
    ApiJson(input): ApiJson<NewThreadInput>,
) -> Result<(StatusCode, Json<ThreadView>)> {
    Ok((
        StatusCode::CREATED,
        Json(threads::create(&state, &viewer, &name, input).await?),
    ))
}

/// A thread with its comment tree.
#[utoipa::path(get, path = "/api/v1/threads/{id}", tag = "threads", params(("id" = i64, Path)),
    responses((status = 200, body = ThreadDetail), (status = 404, body = ErrorBody)))]
pub async fn get_thread(
    State(state): State,
    MaybeAuth(viewer): MaybeAuth,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ThreadDetail>> {
    Ok(Json(threads::get(&state, viewer.as_ref(), id).await?))
}

/// Edit your thread.
#[utoipa::path(patch, path = "/api/v1/threads/{id}", tag = "threads", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = ThreadEdit,
    responses((status = 200, body = ThreadView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn edit_thread(
    State(state): State,
    Auth(viewer): Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<ThreadEdit>,
) -> Result<Json<ThreadView>> {
    Ok(Json(threads::edit(&state, &viewer, id, input).await?))
}

/// Delete your thread (its comments stay readable).
#[utoipa::path(delete, path = "/api/v1/threads/{id}", tag = "threads", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_thread(
    State(state): State,
    Auth(viewer): Auth,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode> {
    threads::delete(&state, &viewer, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Reply to a thread, or to one of its comments with `parent_id`.
#[utoipa::path(post, path = "/api/v1/threads/{id}/comments", tag = "comments", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = NewCommentInput,
    responses((status = 201, body = CommentView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_comment(
    State(state): State,
    Auth(viewer): Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<NewCommentInput>,
) -> Result<(StatusCode, Json<CommentView>)> {
    Ok((
        StatusCode::CREATED,
        Json(comments::create(&state, &viewer, id, input).await?),
    ))
}

/// Edit your comment.
#[utoipa::path(patch, path = "/api/v1/comments/{id}", tag = "comments", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = CommentEdit,
    responses((status = 200, body = CommentView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn edit_comment(
    State(state): State,
    Auth(viewer): Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<CommentEdit>,
) -> Result<Json<CommentView>> {
    Ok(Json(comments::edit(&state, &viewer, id, input).await?))
}

/// Delete your comment (replies keep their place).
#[utoipa::path(delete, path = "/api/v1/comments/{id}", tag = "comments", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_comment(
    State(state): State,
    Auth(viewer): Auth,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode> {
    comments::delete(&state, &viewer, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Vote on a thread: 1, -1, or 0 to withdraw.
#[utoipa::path(post, path = "/api/v1/threads/{id}/vote", tag = "threads", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = VoteInput,
    responses((status = 200, body = VoteResult), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn vote_thread(
    State(state): State,
    Auth(viewer): Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<VoteInput>,
) -> Result<Json<VoteResult>> {
    Ok(Json(
        votes::vote(&state, &viewer, Target::Thread(id), input.score).await?,
    ))
}

/// Vote on a comment: 1, -1, or 0 to withdraw.
#[utoipa::path(post, path = "/api/v1/comments/{id}/vote", tag = "comments", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = VoteInput,
    responses((status = 200, body = VoteResult), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn vote_comment(
    State(state): State,
    Auth(viewer): Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<VoteInput>,
) -> Result<Json<VoteResult>> {
    Ok(Json(
        votes::vote(&state, &viewer, Target::Comment(id), input.score).await?,
    ))
}

async fn moderate(
    state: AppState,
    viewer: Auth,
    id: i64,
    flag: ThreadFlag,
    body: &[u8],
) -> Result<Json<ThreadView>> {
    let input: FlagInput = optional_body(body)?;
    Ok(Json(
        threads::moderate(&state, &viewer.0, id, flag, input.value).await?,
    ))
}

/// Pin (or with `{"value": false}` unpin) a thread (stewards).
#[utoipa::path(post, path = "/api/v1/threads/{id}/pin", tag = "stewards", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body(content = Option<FlagInput>),
    responses((status = 200, body = ThreadView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn pin(
    State(state): State,
    viewer: Auth,
    ApiPath(id): ApiPath<i64>,
    body: Bytes,
) -> Result<Json<ThreadView>> {
    moderate(state, viewer, id, ThreadFlag::Pinned, &body).await
}

/// Lock a thread against new comments, or unlock it (stewards).
#[utoipa::path(post, path = "/api/v1/threads/{id}/lock", tag = "stewards", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body(content = Option<FlagInput>),
    responses((status = 200, body = ThreadView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn lock(
    State(state): State,
    viewer: Auth,
    ApiPath(id): ApiPath<i64>,
    body: Bytes,
) -> Result<Json<ThreadView>> {
    moderate(state, viewer, id, ThreadFlag::Locked, &body).await
}

/// Remove a thread from the group, or restore it (stewards).
#[utoipa::path(post, path = "/api/v1/threads/{id}/remove", tag = "stewards", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body(content = Option<FlagInput>),
    responses((status = 200, body = ThreadView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn remove_thread(
    State(state): State,
    viewer: Auth,
    ApiPath(id): ApiPath<i64>,
    body: Bytes,
) -> Result<Json<ThreadView>> {
    moderate(state, viewer, id, ThreadFlag::Removed, &body).await
}

/// Remove a comment, or restore it (stewards).
#[utoipa::path(post, path = "/api/v1/comments/{id}/remove", tag = "stewards", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body(content = Option<FlagInput>),
    responses((status = 200, body = CommentView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn remove_comment(
    State(state): State,
    Auth(viewer): Auth,
    ApiPath(id): ApiPath<i64>,
    body: Bytes,
) -> Result<Json<CommentView>> {
    let input: FlagInput = optional_body(&body)?;
    Ok(Json(
        comments::remove(&state, &viewer, id, input.value).await?,
    ))
}

/// Threads from the groups you belong to, newest first (or `sort=active|top`).
#[utoipa::path(get, path = "/api/v1/feed", tag = "threads", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, body = Page<ThreadView>), (status = 401, body = ErrorBody)))]
pub async fn feed(
    State(state): State,
    Auth(viewer): Auth,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Page<ThreadView>>> {
    let page = page(&state, &q)?;
    Ok(Json(
        threads::feed(&state, &viewer, q.sort.unwrap_or_default(), page).await?,
    ))
}

/// The new report's id.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct ReportCreated {
    pub id: i64,
}

/// Report a thread to the group's stewards (on its own instance, wherever that is).
#[utoipa::path(post, path = "/api/v1/threads/{id}/report", tag = "stewards", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = ReportInput,
    responses((status = 201, body = ReportCreated), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn report_thread(
    State(state): State,
    Auth(viewer): Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<ReportInput>,
) -> Result<(StatusCode, Json<ReportCreated>)> {
    let id = reports::file(
        &state,
        viewer.person,
        Reported::Thread(id),
        &input.reason,
        None,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(ReportCreated { id })))
}

/// Report a comment to the group's stewards.
#[utoipa::path(post, path = "/api/v1/comments/{id}/report", tag = "stewards", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = ReportInput,
    responses((status = 201, body = ReportCreated), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn report_comment(
    State(state): State,
    Auth(viewer): Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<ReportInput>,
) -> Result<(StatusCode, Json<ReportCreated>)> {
    let id = reports::file(
        &state,
        viewer.person,
        Reported::Comment(id),
        &input.reason,
        None,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(ReportCreated { id })))
}

/// Reports on a group's content, oldest first (stewards).
#[utoipa::path(get, path = "/api/v1/groups/{name}/reports", tag = "stewards", security(("bearer" = [])), params(("name" = String, Path), ListQuery),
    responses((status = 200, body = Page<ReportView>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_reports(
    State(state): State,
    Auth(viewer): Auth,
    ApiPath(name): ApiPath<String>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Page<ReportView>>> {
    let page = page(&state, &q)?;
    Ok(Json(reports::list(&state, &viewer, &name, page).await?))
}
