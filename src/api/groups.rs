//! Groups and their members.

use axum::{
    http::StatusCode,
    routing::{get, post},
    Json, Router,
};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::domain::{
    groups::{self, GroupUpdate, MemberAction, MembershipView, NewGroupInput},
    paging::{Page, PageRequest},
    views::{GroupSummary, GroupView, MemberView},
};
use crate::error::{ErrorBody, Result};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth, MaybeAuth, State};

pub fn routes() -> Router {
    Router::new()
        .route("/api/v1/groups", get(list).post(create))
        .route("/api/v1/groups/{name}", get(show).patch(update))
        .route("/api/v1/groups/{name}/join", post(join))
        .route("/api/v1/groups/{name}/leave", post(leave))
        .route("/api/v1/groups/{name}/members", get(members))
        .route(
            "/api/v1/groups/{name}/members/{person}/approve",
            post(approve_member),
        )
        .route(
            "/api/v1/groups/{name}/members/{person}/remove",
            post(remove_member),
        )
        .route(
            "/api/v1/groups/{name}/members/{person}/steward",
            post(make_steward),
        )
        .route("/api/v1/groups/{name}/members/{person}/ban", post(ban))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct GroupListQuery {
    /// Words to find in the group's name or title.
    pub q: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct MemberListQuery {
    /// `accepted` (default) or `pending` (stewards only).
    pub state: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

fn page(
    state: &crate::app::AppState,
    cursor: Option<&str>,
    limit: Option<i64>,
) -> Result<PageRequest> {
    let l = &state.config.limits;
    PageRequest::new(cursor, limit, l.default_page_size, l.max_page_size)
}

/// Groups, most members first; `q` searches names and titles.
#[utoipa::path(get, path = "/api/v1/groups", tag = "groups", params(GroupListQuery),
    responses((status = 200, body = Page<GroupSummary>), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State,
    ApiQuery(q): ApiQuery<GroupListQuery>,
) -> Result<Json<Page<GroupSummary>>> {
    let page = page(&state, q.cursor.as_deref(), q.limit)?;
    Ok(Json(groups::list(&state, q.q.as_deref(), page).await?))
}

/// Create a group; you become its first steward.
#[utoipa::path(post, path = "/api/v1/groups", tag = "groups", security(("bearer" = [])), request_body = NewGroupInput,
    responses((status = 201, body = GroupView), (status = 401, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State,
    Auth(viewer): Auth,
    ApiJson(input): ApiJson<NewGroupInput>,
) -> Result<(StatusCode, Json<GroupView>)> {
    Ok((
        StatusCode::CREATED,
        Json(groups::create(&state, &viewer, input).await?),
    ))
}

/// A group with its stewards and the viewer's membership.
#[utoipa::path(get, path = "/api/v1/groups/{name}", tag = "groups", params(("name" = String, Path)),
    responses((status = 200, body = GroupView), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State,
    MaybeAuth(viewer): MaybeAuth,
    ApiPath(name): ApiPath<String>,
) -> Result<Json<GroupView>> {
    Ok(Json(groups::get(&state, viewer.as_ref(), &name).await?))
}

/// Change a group's title, description, guidelines or approval setting (stewards).
#[utoipa::path(patch, path = "/api/v1/groups/{name}", tag = "groups", security(("bearer" = [])), params(("name" = String, Path)),
    request_body = GroupUpdate,
    responses((status = 200, body = GroupView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State,
    Auth(viewer): Auth,
    ApiPath(name): ApiPath<String>,
    ApiJson(input): ApiJson<GroupUpdate>,
) -> Result<Json<GroupView>> {
    Ok(Json(groups::update(&state, &viewer, &name, input).await?))
}

/// Join a group (pending where stewards approve members).
#[utoipa::path(post, path = "/api/v1/groups/{name}/join", tag = "groups", security(("bearer" = [])), params(("name" = String, Path)),
    responses((status = 200, body = MembershipView), (status = 404, body = ErrorBody)))]
pub async fn join(
    State(state): State,
    Auth(viewer): Auth,
    ApiPath(name): ApiPath<String>,
) -> Result<Json<MembershipView>> {
    Ok(Json(groups::join(&state, &viewer, &name).await?))
}

/// Leave a group or withdraw a request.
#[utoipa::path(post, path = "/api/v1/groups/{name}/leave", tag = "groups", security(("bearer" = [])), params(("name" = String, Path)),
    responses((status = 200, body = MembershipView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn leave(
    State(state): State,
    Auth(viewer): Auth,
    ApiPath(name): ApiPath<String>,
) -> Result<Json<MembershipView>> {
    Ok(Json(groups::leave(&state, &viewer, &name).await?))
}

/// Members in the order they joined; `state=pending` lists requests (stewards).
#[utoipa::path(get, path = "/api/v1/groups/{name}/members", tag = "groups", params(("name" = String, Path), MemberListQuery),
    responses((status = 200, body = Page<MemberView>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn members(
    State(state): State,
    MaybeAuth(viewer): MaybeAuth,
    ApiPath(name): ApiPath<String>,
    ApiQuery(q): ApiQuery<MemberListQuery>,
) -> Result<Json<Page<MemberView>>> {
    let pending = match q.state.as_deref() {
        None | Some("accepted") => false,
        Some("pending") => true,
        Some(_) => {
            return Err(crate::error::Error::invalid(
                "state",
                "must be accepted or pending",
            ))
        }
    };
    let page = page(&state, q.cursor.as_deref(), q.limit)?;
    Ok(Json(
        groups::members(&state, viewer.as_ref(), &name, pending, page).await?,
    ))
}

async fn member_action(
    state: State,
    viewer: Auth,
    path: (String, String),
    action: MemberAction,
) -> Result<Json<MemberView>> {
    let (State(state), Auth(viewer), (name, person)) = (state, viewer, path);
    Ok(Json(
        groups::act_on_member(&state, &viewer, &name, &person, action).await?,
    ))
}

/// Accept a pending member (stewards).
#[utoipa::path(post, path = "/api/v1/groups/{name}/members/{person}/approve", tag = "groups", security(("bearer" = [])),
    params(("name" = String, Path), ("person" = String, Path)),
    responses((status = 200, body = MemberView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn approve_member(
    state: State,
    viewer: Auth,
    ApiPath(path): ApiPath<(String, String)>,
) -> Result<Json<MemberView>> {
    member_action(state, viewer, path, MemberAction::Approve).await
}

/// Remove a member or refuse a request (stewards).
#[utoipa::path(post, path = "/api/v1/groups/{name}/members/{person}/remove", tag = "groups", security(("bearer" = [])),
    params(("name" = String, Path), ("person" = String, Path)),
    responses((status = 200, body = MemberView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn remove_member(
    state: State,
    viewer: Auth,
    ApiPath(path): ApiPath<(String, String)>,
) -> Result<Json<MemberView>> {
    member_action(state, viewer, path, MemberAction::Remove).await
}

/// Make an accepted member a steward, or with `{"value": false}` take the role back (stewards).
/// The last steward stays.
#[utoipa::path(post, path = "/api/v1/groups/{name}/members/{person}/steward", tag = "groups", security(("bearer" = [])),
    params(("name" = String, Path), ("person" = String, Path)),
    request_body(content = Option<crate::api::content::FlagInput>),
    responses((status = 200, body = MemberView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn make_steward(
    state: State,
    viewer: Auth,
    ApiPath(path): ApiPath<(String, String)>,
    body: axum::body::Bytes,
) -> Result<Json<MemberView>> {
    let input: crate::api::content::FlagInput = crate::extract::optional_body(&body)?;
    let action = if input.value {
        MemberAction::MakeSteward
    } else {
        MemberAction::RemoveSteward
    };
    member_action(state, viewer, path, action).await
}

/// Ban a person (`name`, or `name@domain` for someone elsewhere) from the group, or lift the ban
/// with `{"value": false}` (stewards). A banned person cannot join, post or reply.
#[utoipa::path(post, path = "/api/v1/groups/{name}/members/{person}/ban", tag = "groups", security(("bearer" = [])),
    params(("name" = String, Path), ("person" = String, Path)),
    request_body(content = Option<crate::api::content::FlagInput>),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn ban(
    State(state): State,
    Auth(viewer): Auth,
    ApiPath((name, person)): ApiPath<(String, String)>,
    body: axum::body::Bytes,
) -> Result<StatusCode> {
    let input: crate::api::content::FlagInput = crate::extract::optional_body(&body)?;
    groups::ban(&state, viewer.person, &name, &person, input.value, None).await?;
    Ok(StatusCode::NO_CONTENT)
}
