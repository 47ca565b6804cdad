//! Timelines: home (the member's groups, the people they follow, their own posts), public,
//! by hashtag, by list; and the member's bookmarks and favourites. Paged by status id with
//! Mastodon's `Link` headers.

use axum::{extract::RawQuery, response::Response, routing::get, Router};
use serde::Deserialize;

use super::entities::{self, Ctx};
use super::{paged, Id, MResult, MastoError, PageParams, Params, Token};
use crate::app::AppState;
use crate::extract::State;
use std::collections::HashMap;

use crate::domain::directory::{self, Entry, Who};
use crate::domain::people::Viewer;
use crate::domain::statuses::{self, Bundle, Timeline};

pub fn routes() -> Router {
    Router::new()
        .route("/api/v1/timelines/home", get(home))
        .route("/api/v1/timelines/public", get(public))
        .route("/api/v1/timelines/tag/{hashtag}", get(tag))
        .route("/api/v1/timelines/list/{id}", get(list))
        .route("/api/v1/timelines/direct", get(direct))
        .route("/api/v1/bookmarks", get(bookmarks))
        .route("/api/v1/favourites", get(favourites))
}

#[derive(Debug, Default, Deserialize)]
struct TimelineParams {
    #[serde(flatten)]
    page: PageParams,
    local: Option<String>,
    remote: Option<String>,
    only_media: Option<String>,
    /// Show each status as its group's boost, as Mastodon shows what a group relays.
    group_boosts: Option<String>,
}

fn yes(v: &Option<String>) -> bool {
    v.as_deref().is_some_and(|v| v == "true" || v == "1")
}

async fn window_of(
    state: &AppState,
    viewer: Option<&Viewer>,
    timeline: Timeline,
    p: &TimelineParams,
    path: &str,
    query: Option<&str>,
) -> MResult<Response> {
    // Nothing here carries media.
    let bundle = if yes(&p.only_media) {
        Bundle::default()
    } else {
        statuses::timeline(state, viewer, timeline, p.page.status_window(20, 40)).await?
    };
    let ids = bundle.ids();
    let mut bounds = ids.first().zip(ids.last()).map(|(f, l)| (*f, *l));
    let ctx = Ctx { state };
    let mut items = entities::statuses(&ctx, &bundle);
    if yes(&p.group_boosts) {
        let groups: Vec<Who> = bundle
            .statuses
            .iter()
            .map(|s| Who::Group(s.group_id()))
            .collect();
        let accounts: HashMap<i64, entities::Account> = directory::many(state, groups)
            .await?
            .iter()
            .filter_map(|e| match e {
                Entry::Group(g) => Some((g.id, entities::group_account(&ctx, g))),
                Entry::Person(_) => None,
            })
            .collect();
        items = bundle
            .statuses
            .iter()
            .filter_map(|data| {
                let status = entities::status(&ctx, data, &bundle.people)?;
                Some(match accounts.get(&data.group_id()) {
                    Some(group) => entities::as_group_boost(status, group),
                    None => status,
                })
            })
            .collect();
        bounds = bounds.map(|(f, l)| (f + entities::BOOST_OFFSET, l + entities::BOOST_OFFSET));
    }
    Ok(paged(state, path, query, items, bounds))
}

async fn home(
    State(state): State,
    token: Token,
    RawQuery(query): RawQuery,
    Params(p): Params<TimelineParams>,
) -> MResult<Response> {
    let viewer = token.member("read:statuses")?;
    window_of(
        &state,
        Some(viewer),
        Timeline::Home,
        &p,
        "/api/v1/timelines/home",
        query.as_deref(),
    )
    .await
}

async fn public(
    State(state): State,
    token: Token,
    RawQuery(query): RawQuery,
    Params(p): Params<TimelineParams>,
) -> MResult<Response> {
    let viewer = token.reader("read:statuses")?;
    let timeline = Timeline::Public {
        local: yes(&p.local),
        remote: yes(&p.remote),
    };
    window_of(
        &state,
        viewer,
        timeline,
        &p,
        "/api/v1/timelines/public",
        query.as_deref(),
    )
    .await
}

async fn tag(
    State(state): State,
    token: Token,
    Id(hashtag): Id<String>,
    RawQuery(query): RawQuery,
    Params(p): Params<TimelineParams>,
) -> MResult<Response> {
    let viewer = token.reader("read:statuses")?;
    let path = format!("/api/v1/timelines/tag/{hashtag}");
    window_of(
        &state,
        viewer,
        Timeline::Tag(hashtag),
        &p,
        &path,
        query.as_deref(),
    )
    .await
}

async fn list(
    State(state): State,
    token: Token,
    Id(id): Id<String>,
    RawQuery(query): RawQuery,
    Params(p): Params<TimelineParams>,
) -> MResult<Response> {
    let viewer = token.member("read:lists")?;
    let list: i64 = id.parse().map_err(|_| MastoError::not_found())?;
    let path = format!("/api/v1/timelines/list/{id}");
    window_of(
        &state,
        Some(viewer),
        Timeline::List(list),
        &p,
        &path,
        query.as_deref(),
    )
    .await
}

/// Direct messages do not exist here.
async fn direct(token: Token) -> MResult<axum::Json<Vec<serde_json::Value>>> {
    token.member("read:statuses")?;
    Ok(axum::Json(Vec::new()))
}

async fn bookmarks(
    State(state): State,
    token: Token,
    RawQuery(query): RawQuery,
    Params(p): Params<PageParams>,
) -> MResult<Response> {
    let viewer = token.member("read:bookmarks")?;
    let (bundle, bounds) = statuses::bookmarks(&state, viewer, p.window(20, 40)).await?;
    let items = entities::statuses(&Ctx { state: &state }, &bundle);
    Ok(paged(
        &state,
        "/api/v1/bookmarks",
        query.as_deref(),
        items,
        bounds,
    ))
}

async fn favourites(
    State(state): State,
    token: Token,
    RawQuery(query): RawQuery,
    Params(p): Params<PageParams>,
) -> MResult<Response> {
    let viewer = token.member("read:favourites")?;
    let (bundle, bounds) = statuses::favourites(&state, viewer, p.window(20, 40)).await?;
    let items = entities::statuses(&Ctx { state: &state }, &bundle);
    Ok(paged(
        &state,
        "/api/v1/favourites",
        query.as_deref(),
        items,
        bounds,
    ))
}
