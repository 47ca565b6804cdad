//! Accounts, sessions, profiles and the instance itself.

use axum::{
    http::StatusCode,
    routing::{get, post},
    Json, Router,
};

use serde::Deserialize;
use utoipa::IntoParams;

use crate::domain::{
    expertise::{self, DirectoryPage, DirectoryParams, TagCount},
    follows::{self, Direction, FollowState, FollowView},
    paging::{Page, PageRequest},
    people::{self, AuthResponse, Credentials, ProfileUpdate, Registration},
    site::{self, SiteUpdate},
    views::{PersonView, SiteView},
};
use crate::error::{ErrorBody, Result};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth, ClientIp, MaybeAuth, State};

pub fn routes() -> Router {
    Router::new()
        .route("/api/v1/auth/register", post(register))
        .route("/api/v1/auth/login", post(login))
        .route("/api/v1/auth/logout", post(logout))
        .route("/api/v1/me", get(me).patch(update_me))
        .route("/api/v1/people", get(directory))
        .route("/api/v1/expertise", get(expertise_counts))
        .route("/api/v1/people/{name}", get(person))
        .route("/api/v1/people/{name}/follow", post(follow))
        .route("/api/v1/people/{name}/unfollow", post(unfollow))
        .route("/api/v1/people/{name}/followers", get(followers))
        .route("/api/v1/people/{name}/following", get(following))
        .route("/api/v1/site", get(site).patch(update_site))
        .route("/api/v1/admin/people/{name}/approve", post(approve_person))
}

/// Create an account. In `approval` mode the account waits for an administrator and no token
/// is returned.
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "auth", request_body = Registration,
    responses((status = 201, body = AuthResponse), (status = 403, description = "registration closed", body = ErrorBody),
        (status = 409, description = "name taken", body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn register(
    State(state): State,
    ClientIp(ip): ClientIp,
    ApiJson(input): ApiJson<Registration>,
) -> Result<(StatusCode, Json<AuthResponse>)> {
    state.auth_limiter.check_client(ip)?;
    Ok((
        StatusCode::CREATED,
        Json(people::register(&state, input).await?),
    ))
}

/// Sign in and get a bearer token.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = Credentials,
    responses((status = 200, body = AuthResponse), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn login(
    State(state): State,
    ClientIp(ip): ClientIp,
    ApiJson(input): ApiJson<Credentials>,
) -> Result<Json<AuthResponse>> {
    Ok(Json(people::login(&state, ip, input).await?))
}

/// End the session of the token used.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody)))]
pub async fn logout(State(state): State, Auth(viewer): Auth) -> Result<StatusCode> {
    people::logout(&state, &viewer).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The signed-in member.
#[utoipa::path(get, path = "/api/v1/me", tag = "people", security(("bearer" = [])),
    responses((status = 200, body = PersonView), (status = 401, body = ErrorBody)))]
pub async fn me(Auth(viewer): Auth) -> Json<PersonView> {
    Json(viewer.person.into())
}

/// Change the signed-in member's profile or password.
#[utoipa::path(patch, path = "/api/v1/me", tag = "people", security(("bearer" = [])), request_body = ProfileUpdate,
    responses((status = 200, body = PersonView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_me(
    State(state): State,
    Auth(viewer): Auth,
    ApiJson(input): ApiJson<ProfileUpdate>,
) -> Result<Json<PersonView>> {
    Ok(Json(people::update_profile(&state, &viewer, input).await?))
}

/// The people directory: everyone this instance knows, here and elsewhere (never suspended or
/// unapproved accounts), filtered and in pages of a stable order.
#[utoipa::path(get, path = "/api/v1/people", tag = "people", params(DirectoryParams),
    responses((status = 200, body = DirectoryPage), (status = 422, description = "a bad filter, order, offset or limit; `field` names it", body = ErrorBody)))]
pub async fn directory(
    State(state): State,
    ApiQuery(q): ApiQuery<DirectoryParams>,
) -> Result<Json<DirectoryPage>> {
    Ok(Json(expertise::people(&state, q.parse()?).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ExpertiseQuery {
    /// Only tags whose canonical form starts with this one's (suggestions while typing).
    pub prefix: Option<String>,
    /// 1 to 80; 20 when absent.
    pub limit: Option<i64>,
}

/// Expertise tags of the people in the directory, most given first: canonical form, the
/// spelling most people typed, and how many give it.
#[utoipa::path(get, path = "/api/v1/expertise", tag = "people", params(ExpertiseQuery),
    responses((status = 200, body = Vec<TagCount>), (status = 422, body = ErrorBody)))]
pub async fn expertise_counts(
    State(state): State,
    ApiQuery(q): ApiQuery<ExpertiseQuery>,
) -> Result<Json<Vec<TagCount>>> {
    Ok(Json(
        expertise::counts(&state, q.prefix.as_deref(), q.limit).await?,
    ))
}

/// A profile: `name` for a member here, `name@domain` for someone known from elsewhere; with
/// follow counts and the viewer's follow.
#[utoipa::path(get, path = "/api/v1/people/{name}", tag = "people", params(("name" = String, Path)),
    responses((status = 200, body = PersonView), (status = 404, body = ErrorBody)))]
pub async fn person(
    State(state): State,
    MaybeAuth(viewer): MaybeAuth,
    ApiPath(name): ApiPath<String>,
) -> Result<Json<PersonView>> {
    Ok(Json(people::profile(&state, viewer.as_ref(), &name).await?))
}

/// Follow someone: at once here, `pending` until their server accepts elsewhere. Their threads
/// then show in the feed.
#[utoipa::path(post, path = "/api/v1/people/{name}/follow", tag = "people", security(("bearer" = [])),
    params(("name" = String, Path)),
    responses((status = 200, body = FollowState), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn follow(
    State(state): State,
    Auth(viewer): Auth,
    ApiPath(name): ApiPath<String>,
) -> Result<Json<FollowState>> {
    Ok(Json(follows::follow(&state, &viewer, &name).await?))
}

/// Stop following someone.
#[utoipa::path(post, path = "/api/v1/people/{name}/unfollow", tag = "people", security(("bearer" = [])),
    params(("name" = String, Path)),
    responses((status = 200, body = FollowState), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn unfollow(
    State(state): State,
    Auth(viewer): Auth,
    ApiPath(name): ApiPath<String>,
) -> Result<Json<FollowState>> {
    Ok(Json(follows::unfollow(&state, &viewer, &name).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct FollowListQuery {
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

async fn follow_list(
    state: &crate::app::AppState,
    name: &str,
    direction: Direction,
    q: FollowListQuery,
) -> Result<Json<Page<FollowView>>> {
    let l = &state.config.limits;
    let page = PageRequest::new(
        q.cursor.as_deref(),
        q.limit,
        l.default_page_size,
        l.max_page_size,
    )?;
    Ok(Json(follows::list(state, name, direction, page).await?))
}

/// People who follow someone, in the order they began.
#[utoipa::path(get, path = "/api/v1/people/{name}/followers", tag = "people",
    params(("name" = String, Path), FollowListQuery),
    responses((status = 200, body = Page<FollowView>), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn followers(
    State(state): State,
    ApiPath(name): ApiPath<String>,
    ApiQuery(q): ApiQuery<FollowListQuery>,
) -> Result<Json<Page<FollowView>>> {
    follow_list(&state, &name, Direction::Followers, q).await
}

/// People someone follows, in the order they began.
#[utoipa::path(get, path = "/api/v1/people/{name}/following", tag = "people",
    params(("name" = String, Path), FollowListQuery),
    responses((status = 200, body = Page<FollowView>), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn following(
    State(state): State,
    ApiPath(name): ApiPath<String>,
    ApiQuery(q): ApiQuery<FollowListQuery>,
) -> Result<Json<Page<FollowView>>> {
    follow_list(&state, &name, Direction::Following, q).await
}

/// This instance: name, description, rules, registration mode and counts.
#[utoipa::path(get, path = "/api/v1/site", tag = "site", responses((status = 200, body = SiteView)))]
pub async fn site(State(state): State) -> Result<Json<SiteView>> {
    Ok(Json(site::view(&state).await?))
}

/// Change the instance (administrators).
#[utoipa::path(patch, path = "/api/v1/site", tag = "site", security(("bearer" = [])), request_body = SiteUpdate,
    responses((status = 200, body = SiteView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_site(
    State(state): State,
    Auth(viewer): Auth,
    ApiJson(input): ApiJson<SiteUpdate>,
) -> Result<Json<SiteView>> {
    Ok(Json(site::update(&state, &viewer, input).await?))
}

/// Approve an account registered in `approval` mode (administrators).
#[utoipa::path(post, path = "/api/v1/admin/people/{name}/approve", tag = "site", security(("bearer" = [])),
    params(("name" = String, Path)),
    responses((status = 200, body = PersonView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn approve_person(
    State(state): State,
    Auth(viewer): Auth,
    ApiPath(name): ApiPath<String>,
) -> Result<Json<PersonView>> {
    Ok(Json(people::approve(&state, &viewer, &name).await?))
}
