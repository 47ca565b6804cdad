//! Looking up people and groups on other instances; the federation policy and queue.

use activitypub_federation::config::Data;
use axum::{routing::get, Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::AppState;
use crate::domain::{
    groups,
    outbox::{self, QueueHealth},
    policy::{self, Policy, PolicyUpdate},
    threads,
    views::ThreadDetail,
    views::{GroupView, PersonView},
};
use crate::error::{Error, ErrorBody, Result};
use crate::extract::{ApiJson, ApiQuery, Auth};
use crate::federation::actors::DbActor;
use crate::federation::lookup::{lookup, Found};

pub fn routes() -> Router {
    Router::new()
        .route("/api/v1/resolve", get(resolve))
        .route("/api/v1/admin/federation", get(get_policy).put(put_policy))
        .route("/api/v1/admin/queue", get(queue))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ResolveQuery {
    /// `!group@domain`, `@person@domain`, `name@domain`, or the URL of an actor, thread or reply.
    pub q: String,
}

/// What a lookup found.
#[derive(Debug, Serialize, ToSchema)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Resolved {
    Group {
        group: Box<GroupView>,
    },
    Person {
        person: Box<PersonView>,
    },
    /// A thread, or the thread of the reply that was looked up (`comment_id`).
    Thread {
        thread: Box<ThreadDetail>,
        comment_id: Option<i64>,
    },
}

/// Find a group or person on any instance, fetching and storing it; then join a group with its
/// `handle` through `POST /api/v1/groups/{handle}/join`.
#[utoipa::path(get, path = "/api/v1/resolve", tag = "federation", security(("bearer" = [])), params(ResolveQuery),
    responses((status = 200, body = Resolved), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 502, body = ErrorBody)))]
pub async fn resolve(
    data: Data<AppState>,
    Auth(viewer): Auth,
    ApiQuery(q): ApiQuery<ResolveQuery>,
) -> Result<Json<Resolved>> {
    let actor = match lookup(&data, &q.q).await? {
        Found::Post {
            thread_id,
            comment_id,
        } => {
            return Ok(Json(Resolved::Thread {
                thread: Box::new(threads::get(&data, Some(&viewer), thread_id).await?),
                comment_id,
            }))
        }
        Found::Actor(actor) => actor,
    };
    match actor {
        DbActor::Group(..) => {
            let handle = actor.local_handle().unwrap_or_default();
            Ok(Json(Resolved::Group {
                group: Box::new(groups::get(&data, Some(&viewer), &handle).await?),
            }))
        }
        DbActor::Instance(..) => Err(Error::invalid("q", "that is this instance itself")),
        DbActor::Person(p, _) => Ok(Json(Resolved::Person {
            person: Box::new((*p).into()),
        })),
    }
}

/// The federation policy: mode, blocked and allowed domains (administrators).
#[utoipa::path(get, path = "/api/v1/admin/federation", tag = "federation", security(("bearer" = [])),
    responses((status = 200, body = Policy), (status = 403, body = ErrorBody)))]
pub async fn get_policy(data: Data<AppState>, Auth(viewer): Auth) -> Result<Json<Policy>> {
    if !viewer.person.is_admin {
        return Err(Error::forbidden(
            "only administrators can see the federation policy",
        ));
    }
    Ok(Json(policy::current(&data).await?))
}

/// Change the federation policy; given lists replace the current ones (administrators).
#[utoipa::path(put, path = "/api/v1/admin/federation", tag = "federation", security(("bearer" = [])),
    request_body = PolicyUpdate,
    responses((status = 200, body = Policy), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_policy(
    data: Data<AppState>,
    Auth(viewer): Auth,
    ApiJson(input): ApiJson<PolicyUpdate>,
) -> Result<Json<Policy>> {
    Ok(Json(policy::update(&data, Some(&viewer), input).await?))
}

/// The delivery queue's health: pending, failing, delivered, given up (administrators).
#[utoipa::path(get, path = "/api/v1/admin/queue", tag = "federation", security(("bearer" = [])),
    responses((status = 200, body = QueueHealth), (status = 403, body = ErrorBody)))]
pub async fn queue(data: Data<AppState>, Auth(viewer): Auth) -> Result<Json<QueueHealth>> {
    if !viewer.person.is_admin {
        return Err(Error::forbidden(
            "only administrators can see the delivery queue",
        ));
    }
    Ok(Json(outbox::health(&data).await?))
}
