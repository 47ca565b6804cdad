//! Statuses: threads and comments. A reply becomes a comment; a new status that mentions a group
//! becomes a thread there, its first line the title. Favourites are upvotes.

use axum::{
    http::HeaderMap,
    routing::{get, post},
    Json, Router,
};
use serde::Deserialize;
use serde_json::{json, Value};

use super::entities::{self, Ctx, Status};
use super::{paged, Id, Input, MResult, MastoError, PageParams, Params, Token};
use activitypub_federation::config::Data;

use crate::app::AppState;
use crate::domain::comments::{self, CommentEdit, NewCommentInput};
use crate::domain::directory::{self, Entry};
use crate::domain::people::Viewer;
use crate::domain::statuses::{self, StatusContent, StatusOf};
use crate::domain::text::{self, plain_to_markdown, strip_leading_mentions};
use crate::domain::threads::{self, NewThreadInput, ThreadEdit};
use crate::domain::votes::{self, Target};
use crate::extract::State;

pub fn routes() -> Router {
    Router::new()
        .route("/api/v1/statuses", post(create).get(many))
        .route("/api/v1/statuses/{id}", get(show).put(edit).delete(remove))
        .route("/api/v1/statuses/{id}/context", get(context))
        .route("/api/v1/statuses/{id}/source", get(source))
        .route("/api/v1/statuses/{id}/history", get(history))
        .route("/api/v1/statuses/{id}/favourite", post(favourite))
        .route("/api/v1/statuses/{id}/unfavourite", post(unfavourite))
        .route("/api/v1/statuses/{id}/favourited_by", get(favourited_by))
        .route("/api/v1/statuses/{id}/reblogged_by", get(reblogged_by))
        .route("/api/v1/statuses/{id}/bookmark", post(bookmark))
        .route("/api/v1/statuses/{id}/unbookmark", post(unbookmark))
        .route("/api/v1/statuses/{id}/reblog", post(no_boosts))
        .route("/api/v1/statuses/{id}/unreblog", post(no_boosts))
        .route("/api/v1/statuses/{id}/pin", post(no_pins))
        .route("/api/v1/statuses/{id}/unpin", post(no_pins))
        .route("/api/v1/statuses/{id}/mute", post(no_mutes))
        .route("/api/v1/statuses/{id}/unmute", post(no_mutes))
        .route("/api/v1/statuses/{id}/translate", post(no_translation))
}

/// A status id from a path; a boost's id stands for the status boosted.
fn status_id(raw: &str) -> MResult<i64> {
    raw.parse()
        .map(entities::unboost)
        .map_err(|_| MastoError::not_found())
}

/// The status as the viewer sees it now.
async fn render(state: &AppState, viewer: Option<&Viewer>, id: i64) -> MResult<Status> {
    let bundle = statuses::one(state, viewer, id).await?;
    entities::statuses(&Ctx { state }, &bundle)
        .pop()
        .ok_or_else(MastoError::not_found)
}

async fn show(State(state): State, token: Token, Id(id): Id<String>) -> MResult<Json<Status>> {
    let viewer = token.reader("read:statuses")?;
    Ok(Json(render(&state, viewer, status_id(&id)?).await?))
}

#[derive(Debug, Default, Deserialize)]
struct ManyParams {
    #[serde(rename = "id[]", default)]
    ids: Vec<String>,
}

async fn many(
    State(state): State,
    token: Token,
    Params(p): Params<ManyParams>,
) -> MResult<Json<Vec<Status>>> {
    let viewer = token.reader("read:statuses")?;
    let ids: Vec<i64> = p
        .ids
        .iter()
        .filter_map(|i| i.parse().ok())
        .take(40)
        .collect();
    let bundle = statuses::by_ids(&state, viewer, ids).await?;
    Ok(Json(entities::statuses(&Ctx { state: &state }, &bundle)))
}

async fn context(
    State(state): State,
    token: Token,
    Id(id): Id<String>,
) -> MResult<Json<entities::Context>> {
    let viewer = token.reader("read:statuses")?;
    let id = status_id(&id)?;
    // An unknown or hidden status has no context.
    statuses::one(&state, viewer, id).await?;
    let c = statuses::context(&state, viewer, id).await?;
    let ctx = Ctx { state: &state };
    Ok(Json(entities::Context {
        ancestors: entities::statuses(&ctx, &c.ancestors),
        descendants: entities::statuses(&ctx, &c.descendants),
    }))
}

#[derive(Debug, Default, Deserialize)]
struct StatusForm {
    status: Option<String>,
    in_reply_to_id: Option<String>,
    #[serde(rename = "media_ids[]", default)]
    media_ids: Vec<String>,
    #[serde(rename = "poll[options][]", default)]
    poll_options: Vec<String>,
    spoiler_text: Option<String>,
    visibility: Option<String>,
    scheduled_at: Option<String>,
    language: Option<String>,
}

/// `@name` or `@name@domain` words of a text, in order.
fn mentions(text: &str) -> Vec<String> {
    text.split_whitespace()
        .filter_map(|w| w.strip_prefix('@'))
        .map(|w| w.trim_end_matches(|c: char| !(c.is_alphanumeric() || c == '_')))
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

fn check_form(f: &StatusForm) -> MResult<()> {
    if !f.media_ids.is_empty() {
        return Err(MastoError::unprocessable(
            "Media attachments are not supported on this server: link to the file instead",
        ));
    }
    if !f.poll_options.is_empty() {
        return Err(MastoError::unprocessable(
            "Polls are not supported on this server",
        ));
    }
    if f.scheduled_at.as_deref().is_some_and(|s| !s.is_empty()) {
        return Err(MastoError::unprocessable(
            "Scheduled posts are not supported on this server",
        ));
    }
    match f.visibility.as_deref() {
        None | Some("" | "public" | "unlisted") => Ok(()),
        Some(_) => Err(MastoError::unprocessable(
            "Threads and replies in groups are public: private and direct posts are not supported",
        )),
    }
}

/// The group a new status names, fetched from its server when it is not known here.
async fn mentioned_group(data: &Data<AppState>, text: &str) -> Option<Entry> {
    for m in mentions(text) {
        if let Ok(e @ Entry::Group(_)) = directory::lookup(data, &m).await {
            return Some(e);
        }
        if m.contains('@') {
            if let Some(e @ Entry::Group(_)) = super::search::resolve_account(data, &m).await {
                return Some(e);
            }
        }
    }
    None
}

async fn create(
    data: Data<AppState>,
    token: Token,
    headers: HeaderMap,
    Input(f): Input<StatusForm>,
) -> MResult<Json<Status>> {
    let state: &AppState = &data;
    let viewer = token.member("write:statuses")?;
    check_form(&f)?;
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(|k| (viewer.id(), k.to_string()));
    if let Some(k) = &key {
        if let Some(done) = state.idempotency.get(k) {
            return Ok(Json(render(state, Some(viewer), done).await?));
        }
    }
    let text = f.status.clone().unwrap_or_default();
    let warning = f.spoiler_text.as_deref();
    let id = match f.in_reply_to_id.as_deref().filter(|s| !s.is_empty()) {
        Some(parent) => {
            let parent = status_id(parent)?;
            let body = plain_to_markdown(strip_leading_mentions(&text).trim());
            if body.trim().is_empty() {
                return Err(MastoError::unprocessable(
                    "Validation failed: Text can't be blank",
                ));
            }
            let body = text::with_warning(warning, &body);
            let (thread_id, parent_id) = match statuses::status_of(state, parent).await? {
                StatusOf::Thread(t) => (t, None),
                StatusOf::Comment(c) => (statuses::thread_of_comment(state, c).await?, Some(c)),
            };
            let comment = comments::create(
                state,
                viewer,
                thread_id,
                NewCommentInput {
                    body,
                    parent_id,
                    language: f.language.clone(),
                },
            )
            .await?;
            statuses::comment_status(state, comment.id).await?
        }
        None => {
            let Some(Entry::Group(group)) = mentioned_group(&data, &text).await else {
                return Err(MastoError::unprocessable(
                    "Posts here belong in a group: mention one (@name@domain) to start a thread there, its first line the title, or reply to a thread",
                ));
            };
            let (title, body) =
                text::thread_from_post(&text, warning, state.config.limits.title_chars)?;
            let handle = directory::handle_of(state, directory::Who::Group(group.id)).await?;
            let thread = threads::create(
                state,
                viewer,
                &handle,
                NewThreadInput {
                    title,
                    body,
                    url: None,
                    language: f.language.clone(),
                },
            )
            .await?;
            statuses::thread_status(state, thread.id).await?
        }
    };
    if let Some(k) = key {
        state.idempotency.insert(k, id);
    }
    Ok(Json(render(state, Some(viewer), id).await?))
}

async fn edit(
    State(state): State,
    token: Token,
    Id(id): Id<String>,
    Input(f): Input<StatusForm>,
) -> MResult<Json<Status>> {
    let viewer = token.member("write:statuses")?;
    check_form(&f)?;
    let id = status_id(&id)?;
    let text = f.status.clone().unwrap_or_default();
    match statuses::status_of(&state, id).await? {
        StatusOf::Thread(t) => {
            let (title, body) =
                text::thread_from_post(&text, None, state.config.limits.title_chars)?;
            threads::edit(
                &state,
                viewer,
                t,
                ThreadEdit {
                    title: Some(title),
                    body: Some(body),
                    url: None,
                },
            )
            .await?;
        }
        StatusOf::Comment(c) => {
            let body = plain_to_markdown(strip_leading_mentions(&text).trim());
            comments::edit(&state, viewer, c, CommentEdit { body }).await?;
        }
    }
    Ok(Json(render(&state, Some(viewer), id).await?))
}

/// Deletes a thread or comment; answers with the status as it was, with its `text`, so that
/// apps can offer to redraft it.
async fn remove(State(state): State, token: Token, Id(id): Id<String>) -> MResult<Json<Status>> {
    let viewer = token.member("write:statuses")?;
    let id = status_id(&id)?;
    let bundle = statuses::one(&state, Some(viewer), id).await?;
    let data = bundle.statuses.first().ok_or_else(MastoError::not_found)?;
    let mut status = entities::statuses(&Ctx { state: &state }, &bundle)
        .pop()
        .ok_or_else(MastoError::not_found)?;
    status.text = Some(entities::source_text(data));
    match data.content {
        StatusContent::Thread(ref t) => threads::delete(&state, viewer, t.id).await?,
        StatusContent::Comment { ref comment, .. } => {
            comments::delete(&state, viewer, comment.id).await?
        }
    }
    Ok(Json(status))
}

async fn source(State(state): State, token: Token, Id(id): Id<String>) -> MResult<Json<Value>> {
    let viewer = token.member("read:statuses")?;
    let id = status_id(&id)?;
    let bundle = statuses::one(&state, Some(viewer), id).await?;
    let data = bundle.statuses.first().ok_or_else(MastoError::not_found)?;
    Ok(Json(json!({
        "id": id.to_string(),
        "text": entities::source_text(data),
        "spoiler_text": "",
    })))
}

/// Earlier versions are not kept: the history holds the current one.
async fn history(
    State(state): State,
    token: Token,
    Id(id): Id<String>,
) -> MResult<Json<Vec<Value>>> {
    let viewer = token.reader("read:statuses")?;
    let s = render(&state, viewer, status_id(&id)?).await?;
    Ok(Json(vec![json!({
        "content": s.content,
        "spoiler_text": s.spoiler_text,
        "sensitive": s.sensitive,
        "created_at": s.edited_at.clone().unwrap_or(s.created_at.clone()),
        "account": s.account,
        "poll": null,
        "media_attachments": [],
        "emojis": [],
    })]))
}

async fn vote(state: &AppState, viewer: &Viewer, id: i64, score: i32) -> MResult<Status> {
    let target = match statuses::status_of(state, id).await? {
        StatusOf::Thread(t) => Target::Thread(t),
        StatusOf::Comment(c) => Target::Comment(c),
    };
    votes::vote(state, viewer, target, score).await?;
    render(state, Some(viewer), id).await
}

async fn favourite(State(state): State, token: Token, Id(id): Id<String>) -> MResult<Json<Status>> {
    let viewer = token.member("write:favourites")?;
    Ok(Json(vote(&state, viewer, status_id(&id)?, 1).await?))
}

async fn unfavourite(
    State(state): State,
    token: Token,
    Id(id): Id<String>,
) -> MResult<Json<Status>> {
    let viewer = token.member("write:favourites")?;
    Ok(Json(vote(&state, viewer, status_id(&id)?, 0).await?))
}

async fn favourited_by(
    State(state): State,
    token: Token,
    Id(id): Id<String>,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
    Params(p): Params<PageParams>,
) -> MResult<axum::response::Response> {
    token.reader("read:accounts")?;
    let (people, bounds) =
        statuses::favourited_by(&state, status_id(&id)?, p.window(40, 80)).await?;
    let ctx = Ctx { state: &state };
    let items: Vec<entities::Account> = people
        .iter()
        .map(|p| entities::person_account(&ctx, p))
        .collect();
    Ok(paged(
        &state,
        &format!("/api/v1/statuses/{id}/favourited_by"),
        query.as_deref(),
        items,
        bounds,
    ))
}

async fn reblogged_by(
    State(state): State,
    token: Token,
    Id(id): Id<String>,
) -> MResult<Json<Vec<Value>>> {
    let viewer = token.reader("read:accounts")?;
    statuses::one(&state, viewer, status_id(&id)?).await?;
    Ok(Json(Vec::new()))
}

async fn bookmark(State(state): State, token: Token, Id(id): Id<String>) -> MResult<Json<Status>> {
    let viewer = token.member("write:bookmarks")?;
    let id = status_id(&id)?;
    statuses::bookmark(&state, viewer, id, true).await?;
    Ok(Json(render(&state, Some(viewer), id).await?))
}

async fn unbookmark(
    State(state): State,
    token: Token,
    Id(id): Id<String>,
) -> MResult<Json<Status>> {
    let viewer = token.member("write:bookmarks")?;
    let id = status_id(&id)?;
    statuses::bookmark(&state, viewer, id, false).await?;
    Ok(Json(render(&state, Some(viewer), id).await?))
}

async fn no_boosts(token: Token) -> MResult<Json<Value>> {
    token.writer()?;
    Err(MastoError::unprocessable(
        "Boosts are not supported: groups relay their threads to everyone who follows them",
    ))
}

async fn no_pins(token: Token) -> MResult<Json<Value>> {
    token.writer()?;
    Err(MastoError::unprocessable(
        "Pinning to a profile is not supported; stewards pin threads in their groups",
    ))
}

async fn no_mutes(token: Token) -> MResult<Json<Value>> {
    token.writer()?;
    Err(MastoError::unprocessable(
        "Muting conversations is not supported on this server",
    ))
}

async fn no_translation() -> MastoError {
    MastoError::unprocessable("Translation is not available on this server")
}
