//! The native JSON API under `/api/v1/`: thin handlers that parse, call the domain layer and
//! render. Its OpenAPI document is generated from these handlers and served at
//! `/api/v1/openapi.json`.
//!
//! No route here may take a path of Mastodon's client API (`accounts`, `statuses`, …): that API
//! will share the `/api/v1/` prefix.

pub mod content;
mod groups;
mod people;
mod remote;
mod search;

use axum::{routing::get, Json, Router};
use utoipa::{
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
    Modify, OpenApi,
};

use crate::error::{Error, ErrorBody};

/// 404 in our error format for any path no route claims.
pub async fn not_found() -> Error {
    Error::NotFound("route")
}

/// 405 in our error format (which Mastodon apps read too) for a method a route does not take.
pub async fn method_not_allowed() -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        Json(serde_json::json!({
            "error": "method_not_allowed",
            "message": "this address does not take that method",
        })),
    )
        .into_response()
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Commonplace JSON API",
        description = "The native API of a Commonplace instance. Errors are `{\"error\", \"message\", \"field\"?}`; lists use keyset pagination with `cursor` and `next_cursor`. See docs/api.md.",
        license(name = "AGPL-3.0-or-later")
    ),
    modifiers(&BearerAuth),
    paths(
        people::register, people::login, people::logout, people::me, people::update_me,
        people::directory, people::expertise_counts, people::person, people::follow, people::unfollow, people::followers, people::following,
        people::site, people::update_site, people::approve_person,
        groups::list, groups::create, groups::show, groups::update, groups::join, groups::leave,
        groups::members, groups::approve_member, groups::remove_member, groups::make_steward, groups::ban,
        content::list_threads, content::create_thread, content::get_thread, content::edit_thread,
        content::delete_thread, content::create_comment, content::edit_comment, content::delete_comment,
        content::vote_thread, content::vote_comment, content::pin, content::lock, content::remove_thread,
        content::remove_comment, content::feed, content::report_thread, content::report_comment,
        content::list_reports, remote::resolve, remote::get_policy, remote::put_policy,
        remote::queue, search::search, search::similar, search::authors,
    ),
    components(schemas(ErrorBody))
)]
pub struct ApiDoc;

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

pub fn routes() -> Router {
    Router::new()
        .route("/api/v1/openapi.json", get(openapi))
        .merge(people::routes())
        .merge(groups::routes())
        .merge(content::routes())
        .merge(remote::routes())
        .merge(search::routes())
}
