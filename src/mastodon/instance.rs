//! The instance as Mastodon apps read it at start-up, in both versions of the entity.

use axum::{routing::get, Json, Router};
use serde_json::{json, Value};

use super::MResult;
use crate::app::AppState;
use crate::domain::{objects, site};
use crate::extract::State;

/// The version apps read to decide what they may call: the Mastodon API level we follow, and
/// what we are.
pub fn version() -> String {
    format!(
        "4.3.0 (compatible; Commonplace {})",
        env!("CARGO_PKG_VERSION")
    )
}

pub fn routes() -> axum::Router {
    Router::new()
        .route("/api/v1/instance", get(v1))
        .route("/api/v2/instance", get(v2))
        .route("/api/v1/instance/peers", get(peers))
        .route("/api/v1/instance/activity", get(activity))
        .route("/api/v1/instance/rules", get(rules))
        .route(
            "/api/v1/instance/extended_description",
            get(extended_description),
        )
        .route(
            "/api/v1/instance/translation_languages",
            get(translation_languages),
        )
        .route("/api/v1/instance/domain_blocks", get(domain_blocks))
        .route("/api/v1/instance/languages", get(languages))
}

fn rules_of(text: &str) -> Vec<Value> {
    text.lines()
        .map(str::trim)
        .map(|l| l.trim_start_matches(['-', '*', ' ']).trim())
        .filter(|l| !l.is_empty())
        .enumerate()
        .map(|(i, l)| json!({"id": (i + 1).to_string(), "text": l, "hint": ""}))
        .collect()
}

/// Limits apps show before a member writes, from our own limits.
fn configuration(state: &AppState) -> Value {
    let l = &state.config.limits;
    json!({
        "accounts": {"max_featured_tags": 0, "max_pinned_statuses": 0},
        "statuses": {
            // Bodies are limited in bytes: four per character at most.
            "max_characters": l.body_bytes / 4,
            "max_media_attachments": 0,
            "characters_reserved_per_url": 23
        },
        "media_attachments": {
            "supported_mime_types": [],
            "image_size_limit": 0,
            "image_matrix_limit": 0,
            "video_size_limit": 0,
            "video_frame_rate_limit": 0,
            "video_matrix_limit": 0
        },
        "polls": {
            "max_options": 0,
            "max_characters_per_option": 0,
            "min_expiration": 0,
            "max_expiration": 0
        },
        "translation": {"enabled": false},
    })
}

fn streaming_url(state: &AppState) -> String {
    let base = state.config.base_url();
    base.replacen("https://", "wss://", 1)
        .replacen("http://", "ws://", 1)
}

async fn v1(State(state): State) -> MResult<Json<Value>> {
    let s = site::view(&state).await?;
    let peers = site::peers(&state).await?.len();
    Ok(Json(json!({
        "uri": state.config.domain,
        "title": s.name,
        "short_description": s.description,
        "description": s.description,
        "email": "",
        "version": version(),
        "urls": {"streaming_api": streaming_url(&state)},
        "stats": {
            "user_count": s.counts.people,
            "status_count": s.counts.threads + s.counts.comments,
            "domain_count": peers,
        },
        "thumbnail": format!("{}/avatars/default.png", state.config.base_url()),
        "languages": ["en"],
        "registrations": s.registration_mode != "closed",
        "approval_required": s.registration_mode == "approval",
        "invites_enabled": false,
        "configuration": configuration(&state),
        "contact_account": null,
        "rules": rules_of(&s.rules),
    })))
}

async fn v2(State(state): State) -> MResult<Json<Value>> {
    let s = site::view(&state).await?;
    let usage = objects::usage(&state).await?;
    let mut configuration = configuration(&state);
    configuration["urls"] = json!({"streaming": streaming_url(&state), "status": null});
    configuration["vapid"] = json!({"public_key": ""});
    Ok(Json(json!({
        "domain": state.config.domain,
        "title": s.name,
        "version": version(),
        "source_url": state.config.mastodon.source_url,
        "description": s.description,
        "usage": {"users": {"active_month": usage.active_month}},
        "thumbnail": {"url": format!("{}/avatars/default.png", state.config.base_url())},
        "icon": [],
        "languages": ["en"],
        "configuration": configuration,
        "registrations": {
            "enabled": s.registration_mode != "closed",
            "approval_required": s.registration_mode == "approval",
            "message": null,
            "url": null,
        },
        "api_versions": {"mastodon": 2},
        "contact": {"email": "", "account": null},
        "rules": rules_of(&s.rules),
    })))
}

async fn peers(State(state): State) -> MResult<Json<Vec<String>>> {
    Ok(Json(site::peers(&state).await?))
}

async fn activity() -> Json<Vec<Value>> {
    Json(Vec::new())
}

async fn rules(State(state): State) -> MResult<Json<Vec<Value>>> {
    Ok(Json(rules_of(&site::view(&state).await?.rules)))
}

async fn extended_description(State(state): State) -> MResult<Json<Value>> {
    let s = site::view(&state).await?;
    // The description is kept as markdown; Mastodon gives HTML here.
    let content = crate::domain::text::render_markdown(&s.description);
    Ok(Json(json!({"updated_at": null, "content": content})))
}

async fn translation_languages() -> Json<Value> {
    Json(json!({}))
}

async fn domain_blocks() -> Json<Vec<Value>> {
    Json(Vec::new())
}

/// Languages people write in here.
async fn languages() -> Json<Vec<Value>> {
    Json(vec![
        json!({"code": "en", "name": "English"}),
        json!({"code": "fr", "name": "French"}),
    ])
}
