//! Server-rendered pages. For now the front page: the instance, its groups and their latest
//! threads, built from the same domain calls as the JSON API.

use askama::Template;
use axum::{response::Html, routing::get, Router};

use crate::api::State;
use crate::domain::{
    groups,
    paging::PageRequest,
    site,
    threads::{self, Sort},
    views::{GroupSummary, SiteView, ThreadView},
};
use crate::error::{Error, Result};

const GROUPS_ON_FRONT: i64 = 20;
const THREADS_PER_GROUP: i64 = 3;

pub fn routes() -> Router {
    Router::new().route("/", get(front))
}

#[derive(Template)]
#[template(path = "front.html")]
struct FrontPage {
    site: SiteView,
    groups: Vec<(GroupSummary, Vec<ThreadView>)>,
}

async fn front(
    State(state): State,
    headers: axum::http::HeaderMap,
) -> Result<axum::response::Response> {
    use axum::response::IntoResponse;
    if crate::federation::accepts_activity_json(&headers) {
        return crate::federation::instance_actor_response(&state).await;
    }
    front_page(&state).await.map(IntoResponse::into_response)
}

async fn front_page(state: &crate::app::AppState) -> Result<Html<String>> {
    let site = site::view(state).await?;
    let first = |limit| PageRequest { after: None, limit };
    let listed = groups::list(state, None, first(GROUPS_ON_FRONT)).await?;
    let mut groups = Vec::with_capacity(listed.items.len());
    for g in listed.items {
        let latest =
            threads::list(state, None, &g.name, Sort::New, first(THREADS_PER_GROUP)).await?;
        groups.push((g, latest.items));
    }
    FrontPage { site, groups }
        .render()
        .map(Html)
        .map_err(|e| Error::Internal(format!("template: {e}")))
}
