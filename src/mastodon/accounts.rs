//! Accounts: the signed-in member, people and groups (groups are accounts with
//! `"group": true`; following one joins it), their statuses and followers, relationships.

use axum::{
    extract::RawQuery,
    response::Response,
    routing::{get, patch, post},
    Json, Router,
};
use serde::Deserialize;

use super::entities::{self, parse_account_id, AccountOf, Ctx, Relationship};
use super::{paged, Fields, Id, MResult, MastoError, PageParams, Params, Token};
use crate::domain::directory::{self, Who};
use crate::domain::people::{self, ProfileUpdate};
use crate::domain::statuses::{self, Timeline};
use crate::domain::{follows, groups};
use crate::extract::State;

pub fn routes() -> Router {
    Router::new()
        .route(
            "/api/v1/accounts/verify_credentials",
            get(verify_credentials),
        )
        .route(
            "/api/v1/accounts/update_credentials",
            patch(update_credentials),
        )
        .route("/api/v1/accounts/lookup", get(lookup))
        .route("/api/v1/accounts/search", get(search))
        .route("/api/v1/accounts/relationships", get(relationships))
        .route(
            "/api/v1/accounts/familiar_followers",
            get(familiar_followers),
        )
        .route("/api/v1/accounts", get(many))
        .route("/api/v1/accounts/{id}", get(show))
        .route("/api/v1/accounts/{id}/statuses", get(statuses_of))
        .route("/api/v1/accounts/{id}/followers", get(followers))
        .route("/api/v1/accounts/{id}/following", get(following))
        .route("/api/v1/accounts/{id}/follow", post(follow))
        .route("/api/v1/accounts/{id}/unfollow", post(unfollow))
        .route("/api/v1/accounts/{id}/lists", get(lists_of))
        .route(
            "/api/v1/accounts/{id}/remove_from_followers",
            post(remove_from_followers),
        )
        .route("/api/v1/accounts/{id}/featured_tags", get(empty))
        .route("/api/v1/accounts/{id}/identity_proofs", get(empty))
        .route("/api/v1/accounts/{id}/block", post(unsupported))
        .route("/api/v1/accounts/{id}/unblock", post(unsupported))
        .route("/api/v1/accounts/{id}/mute", post(unsupported))
        .route("/api/v1/accounts/{id}/unmute", post(unsupported))
        .route("/api/v1/accounts/{id}/pin", post(unsupported))
        .route("/api/v1/accounts/{id}/unpin", post(unsupported))
        .route("/api/v1/accounts/{id}/note", post(unsupported))
}

fn who(raw: &str) -> MResult<Who> {
    match parse_account_id(raw) {
        Some(AccountOf::Person(p)) => Ok(Who::Person(p)),
        Some(AccountOf::Group(g)) => Ok(Who::Group(g)),
        None => Err(MastoError::not_found()),
    }
}

async fn verify_credentials(
    State(state): State,
    token: Token,
) -> MResult<Json<entities::CredentialAccount>> {
    let viewer = match token.member("read:accounts") {
        Ok(v) => v,
        Err(e) => token.member("profile").map_err(|_| e)?,
    };
    let profile = statuses::people(&state, vec![viewer.id()])
        .await?
        .remove(&viewer.id())
        .ok_or_else(MastoError::not_found)?;
    let requests = directory::join_request_count(&state, viewer).await?;
    Ok(Json(entities::credential_account(
        &Ctx { state: &state },
        &profile,
        requests,
    )))
}

/// `display_name`, `note` and profile fields named Agency, Role, Expertise, "Ask me about" and
/// Languages (any case): fields given replace all five, as Mastodon replaces its fields. Other
/// fields (`locked`, `bot`, `discoverable`, `source[…]`) are accepted and have no effect here.
async fn update_credentials(
    State(state): State,
    token: Token,
    Fields(fields): Fields,
) -> MResult<Json<entities::CredentialAccount>> {
    let viewer = token.member("write:accounts")?;
    let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    // fields_attributes[N][name] / [value], as forms send them; JSON arrays become
    // fields_attributes[][name].
    let mut named: Vec<(String, String)> = Vec::new();
    let mut pending_name: Option<(String, String)> = None;
    for (k, v) in &fields {
        if let Some(rest) = k.strip_prefix("fields_attributes[") {
            let (index, part) = rest.split_once("][").unwrap_or((rest, ""));
            let part = part.trim_end_matches(']');
            match part {
                "name" => pending_name = Some((index.to_string(), v.clone())),
                "value" => {
                    if let Some((i, n)) = pending_name.take() {
                        if i == index || index.is_empty() {
                            named.push((n, v.clone()));
                        }
                    }
                }
                _ => {}
            }
        }
    }
    let field = |name: &str| {
        named
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let fields_given = fields
        .iter()
        .any(|(k, _)| k.starts_with("fields_attributes"));
    let update = ProfileUpdate {
        display_name: get("display_name"),
        bio: get("note"),
        agency: if fields_given {
            Some(field("agency").unwrap_or_default())
        } else {
            None
        },
        role: if fields_given {
            Some(field("role").unwrap_or_default())
        } else {
            None
        },
        expertise: if fields_given {
            Some(
                field("expertise")
                    .unwrap_or_default()
                    .split(',')
                    .map(|t| t.trim().to_string())
                    .filter(|t| !t.is_empty())
                    .collect(),
            )
        } else {
            None
        },
        ask_me_about: fields_given.then(|| field("ask me about").unwrap_or_default()),
        languages: fields_given.then(|| {
            field("languages")
                .unwrap_or_default()
                .split(',')
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
                .collect()
        }),
        ..ProfileUpdate::default()
    };
    people::update_profile(&state, viewer, update).await?;
    let profile = statuses::people(&state, vec![viewer.id()])
        .await?
        .remove(&viewer.id())
        .ok_or_else(MastoError::not_found)?;
    let requests = directory::join_request_count(&state, viewer).await?;
    Ok(Json(entities::credential_account(
        &Ctx { state: &state },
        &profile,
        requests,
    )))
}

async fn show(
    State(state): State,
    token: Token,
    Id(id): Id<String>,
) -> MResult<Json<entities::Account>> {
    token.reader("read:accounts")?;
    let entry = directory::entry(&state, who(&id)?).await?;
    Ok(Json(entities::account(&Ctx { state: &state }, &entry)))
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
) -> MResult<Json<Vec<entities::Account>>> {
    token.reader("read:accounts")?;
    let who: Vec<Who> = p.ids.iter().filter_map(|i| who(i).ok()).take(40).collect();
    let entries = directory::many(&state, who).await?;
    let ctx = Ctx { state: &state };
    Ok(Json(
        entries.iter().map(|e| entities::account(&ctx, e)).collect(),
    ))
}

#[derive(Debug, Default, Deserialize)]
struct LookupParams {
    acct: Option<String>,
}

async fn lookup(
    State(state): State,
    token: Token,
    Params(p): Params<LookupParams>,
) -> MResult<Json<entities::Account>> {
    token.reader("read:accounts")?;
    let acct = p.acct.ok_or_else(MastoError::not_found)?;
    let entry = directory::lookup(&state, &acct).await?;
    Ok(Json(entities::account(&Ctx { state: &state }, &entry)))
}

#[derive(Debug, Default, Deserialize)]
struct SearchParams {
    q: Option<String>,
    limit: Option<String>,
    offset: Option<String>,
    resolve: Option<String>,
}

/// Accounts by name; with `resolve=true` and a full handle, one unknown here is fetched.
async fn search(
    data: activitypub_federation::config::Data<crate::app::AppState>,
    token: Token,
    Params(p): Params<SearchParams>,
) -> MResult<Json<Vec<entities::Account>>> {
    let viewer = token.reader("read:accounts")?;
    let state: &crate::app::AppState = &data;
    let q = p.q.unwrap_or_default();
    let limit = p
        .limit
        .and_then(|l| l.parse().ok())
        .unwrap_or(40)
        .clamp(1, 80);
    let offset = p.offset.and_then(|o| o.parse().ok()).unwrap_or(0).max(0);
    let resolve = p
        .resolve
        .as_deref()
        .is_some_and(|r| r == "true" || r == "1");
    let mut found = directory::search(state, &q, limit, offset).await?;
    if found.is_empty() && resolve && viewer.is_some() {
        if let Some(entry) = super::search::resolve_account(&data, &q).await {
            found.push(entry);
        }
    }
    let ctx = Ctx { state };
    Ok(Json(
        found.iter().map(|e| entities::account(&ctx, e)).collect(),
    ))
}

#[derive(Debug, Default, Deserialize)]
struct RelationshipParams {
    #[serde(rename = "id[]", default)]
    ids: Vec<String>,
    id: Option<String>,
}

async fn relationships(
    State(state): State,
    token: Token,
    Params(p): Params<RelationshipParams>,
) -> MResult<Json<Vec<Relationship>>> {
    let viewer = token.member("read:follows")?;
    let mut raw = p.ids;
    raw.extend(p.id);
    let ids: Vec<(String, Who)> = raw
        .into_iter()
        .filter_map(|i| who(&i).ok().map(|w| (i, w)))
        .take(40)
        .collect();
    let standings =
        directory::standings(&state, viewer, ids.iter().map(|(_, w)| *w).collect()).await?;
    Ok(Json(
        ids.into_iter()
            .zip(standings)
            .map(|((id, _), s)| relationship(id, s))
            .collect(),
    ))
}

fn relationship(id: String, s: directory::Standing) -> Relationship {
    Relationship {
        id,
        following: s.following,
        showing_reblogs: s.following,
        followed_by: s.followed_by,
        requested: s.requested,
        ..Relationship::default()
    }
}

async fn familiar_followers(
    token: Token,
    Params(p): Params<RelationshipParams>,
) -> MResult<Json<Vec<serde_json::Value>>> {
    token.member("read:follows")?;
    let mut raw = p.ids;
    raw.extend(p.id);
    Ok(Json(
        raw.into_iter()
            .map(|id| serde_json::json!({"id": id, "accounts": []}))
            .collect(),
    ))
}

#[derive(Debug, Default, Deserialize)]
struct StatusesParams {
    #[serde(flatten)]
    page: PageParams,
    pinned: Option<String>,
    exclude_replies: Option<String>,
    only_media: Option<String>,
    tagged: Option<String>,
}

fn yes(v: &Option<String>) -> bool {
    v.as_deref().is_some_and(|v| v == "true" || v == "1")
}

async fn statuses_of(
    State(state): State,
    token: Token,
    Id(id): Id<String>,
    RawQuery(query): RawQuery,
    Params(p): Params<StatusesParams>,
) -> MResult<Response> {
    let viewer = token.reader("read:statuses")?;
    let window = p.page.status_window(20, 40);
    let path = format!("/api/v1/accounts/{id}/statuses");
    // No media here, and pins are a group's.
    if yes(&p.only_media) || p.tagged.is_some() {
        return Ok(paged(
            &state,
            &path,
            query.as_deref(),
            Vec::<entities::Status>::new(),
            None,
        ));
    }
    let timeline = match who(&id)? {
        Who::Person(p_id) => {
            if yes(&p.pinned) {
                return Ok(paged(
                    &state,
                    &path,
                    query.as_deref(),
                    Vec::<entities::Status>::new(),
                    None,
                ));
            }
            Timeline::Person {
                id: p_id,
                threads_only: yes(&p.exclude_replies),
            }
        }
        Who::Group(g) => Timeline::Group {
            id: g,
            pinned: yes(&p.pinned),
        },
    };
    directory::entry(&state, who(&id)?).await?;
    let bundle = statuses::timeline(&state, viewer, timeline, window).await?;
    let ids = bundle.ids();
    let bounds = ids.first().zip(ids.last()).map(|(f, l)| (*f, *l));
    let items = entities::statuses(&Ctx { state: &state }, &bundle);
    Ok(paged(&state, &path, query.as_deref(), items, bounds))
}

async fn follow_list(
    state: &crate::app::AppState,
    token: &Token,
    id: &str,
    query: Option<&str>,
    p: &PageParams,
    followers: bool,
) -> MResult<Response> {
    token.reader("read:accounts")?;
    let (entries, bounds) =
        directory::follow_page(state, who(id)?, followers, p.window(40, 80)).await?;
    let ctx = Ctx { state };
    let items: Vec<entities::Account> =
        entries.iter().map(|e| entities::account(&ctx, e)).collect();
    let path = format!(
        "/api/v1/accounts/{id}/{}",
        if followers { "followers" } else { "following" }
    );
    Ok(paged(state, &path, query, items, bounds))
}

async fn followers(
    State(state): State,
    token: Token,
    Id(id): Id<String>,
    RawQuery(query): RawQuery,
    Params(p): Params<PageParams>,
) -> MResult<Response> {
    follow_list(&state, &token, &id, query.as_deref(), &p, true).await
}

async fn following(
    State(state): State,
    token: Token,
    Id(id): Id<String>,
    RawQuery(query): RawQuery,
    Params(p): Params<PageParams>,
) -> MResult<Response> {
    follow_list(&state, &token, &id, query.as_deref(), &p, false).await
}

/// Following a person follows them; following a group joins it.
async fn follow(
    State(state): State,
    token: Token,
    Id(id): Id<String>,
) -> MResult<Json<Relationship>> {
    let viewer = token.member("write:follows")?;
    let target = who(&id)?;
    let handle = directory::handle_of(&state, target).await?;
    match target {
        Who::Person(_) => {
            follows::follow(&state, viewer, &handle).await?;
        }
        Who::Group(_) => {
            groups::join(&state, viewer, &handle).await?;
        }
    }
    relationship_now(&state, viewer, id, target).await
}

async fn unfollow(
    State(state): State,
    token: Token,
    Id(id): Id<String>,
) -> MResult<Json<Relationship>> {
    let viewer = token.member("write:follows")?;
    let target = who(&id)?;
    let handle = directory::handle_of(&state, target).await?;
    match target {
        Who::Person(_) => {
            follows::unfollow(&state, viewer, &handle).await?;
        }
        Who::Group(_) => {
            groups::leave(&state, viewer, &handle).await?;
        }
    }
    relationship_now(&state, viewer, id, target).await
}

/// Ends a person's follow of the viewer.
async fn remove_from_followers(
    State(state): State,
    token: Token,
    Id(id): Id<String>,
) -> MResult<Json<Relationship>> {
    let viewer = token.member("write:follows")?;
    let Who::Person(person) = who(&id)? else {
        return Err(MastoError::unprocessable("A group does not follow people"));
    };
    follows::remove_follower(&state, viewer, person).await?;
    relationship_now(&state, viewer, id, Who::Person(person)).await
}

/// The viewer's relationship with one account as it stands after an action on it.
async fn relationship_now(
    state: &crate::app::AppState,
    viewer: &crate::domain::people::Viewer,
    id: String,
    target: Who,
) -> MResult<Json<Relationship>> {
    let s = directory::standings(state, viewer, vec![target]).await?;
    Ok(Json(relationship(
        id,
        s.into_iter().next().unwrap_or_default(),
    )))
}

async fn lists_of(
    State(state): State,
    token: Token,
    Id(id): Id<String>,
) -> MResult<Json<Vec<super::lists::ListEntity>>> {
    let viewer = token.member("read:lists")?;
    let lists = match who(&id)? {
        Who::Group(g) => crate::domain::lists::containing(&state, viewer, g).await?,
        Who::Person(_) => Vec::new(),
    };
    Ok(Json(
        lists
            .into_iter()
            .map(super::lists::ListEntity::from)
            .collect(),
    ))
}

async fn empty() -> Json<Vec<serde_json::Value>> {
    Json(Vec::new())
}

async fn unsupported(token: Token) -> MResult<Json<serde_json::Value>> {
    token.writer()?;
    Err(MastoError::unprocessable(
        "Blocking, muting, notes and pinned accounts are not supported on this server",
    ))
}
