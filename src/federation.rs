//! ActivityPub: discovery (WebFinger, NodeInfo, host-meta), actor and object documents with
//! content negotiation, and collections. Wire shapes live in `wire`.

pub mod activities;
pub mod actors;
pub mod backfill;
pub mod client;
pub mod lookup;
pub mod publish;
pub mod signatures;
pub mod wire;

use activitypub_federation::{
    config::Data, fetch::webfinger::build_webfinger_response_with_type,
    protocol::public_key::PublicKey, FEDERATION_CONTENT_TYPE,
};
use axum::{
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use serde::Deserialize;
use serde_json::{json, Value};
use url::Url;

use crate::app::AppState;
use crate::db::models::{Group, Person};
use crate::domain::{
    objects::{self, CommentObject, ThreadObject},
    text::split_tags,
};
use crate::error::{Error, Result};
use crate::extract::{ApiPath, ApiQuery, State};
use wire::*;

/// Threads listed in a group's outbox.
const OUTBOX_ITEMS: i64 = 20;

pub fn routes() -> Router {
    Router::new()
        .route("/.well-known/webfinger", get(webfinger))
        .route("/.well-known/nodeinfo", get(nodeinfo_links))
        .route("/nodeinfo/2.1", get(nodeinfo))
        .route("/nodeinfo/2.0", get(nodeinfo_2_0))
        .route("/.well-known/host-meta", get(host_meta))
        .route("/u/{name}/outbox", get(person_outbox))
        .route("/u/{name}/followers", get(person_followers))
        .route("/u/{name}/following", get(person_following))
        .route("/g/{name}/outbox", get(group_outbox))
        .route("/g/{name}/followers", get(group_followers))
        .route("/g/{name}/moderators", get(group_moderators))
        .route("/g/{name}/featured", get(group_featured))
        .route("/activities/{kind}/{token}", get(activity))
        .route(
            "/g/{name}/activities/announce/create/{id}",
            get(outbox_announce),
        )
        .route("/t/{id}/activities/create", get(outbox_create))
        .route("/inbox", post(inbox))
        .route("/u/{name}/inbox", post(inbox))
        .route("/g/{name}/inbox", post(inbox))
}

/// Applies the instance's federation policy to every URL the federation library meets: the ids
/// of incoming activities, fetched objects and delivery inboxes.
#[derive(Clone)]
pub struct PolicyVerifier(pub crate::domain::policy::SharedPolicy);

#[async_trait::async_trait]
impl activitypub_federation::config::UrlVerifier for PolicyVerifier {
    async fn verify(
        &self,
        url: &Url,
    ) -> std::result::Result<(), activitypub_federation::error::Error> {
        let domain = actors::authority(url);
        let permitted = self.0.read().map(|p| p.permits(&domain)).unwrap_or(false);
        if permitted {
            Ok(())
        } else {
            Err(activitypub_federation::error::Error::UrlVerificationError(
                "this instance does not federate with that domain",
            ))
        }
    }
}

/// How far a signed request's `Date` may be from our clock (the signatures' own validity window).
const DATE_WINDOW_SECONDS: i64 = 3600;

/// Refuses a request dated too far from now (a replay or a broken clock). Without a `Date`, the
/// signature must carry its own `created` time, which the signature check bounds.
fn check_date(headers: &HeaderMap) -> Result<()> {
    let Some(raw) = headers.get(header::DATE).and_then(|v| v.to_str().ok()) else {
        let signature = headers
            .get("signature")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if signature.contains("created=") {
            return Ok(());
        }
        return Err(Error::BadSignature(
            "a signed Date header is required".into(),
        ));
    };
    let date = chrono::DateTime::parse_from_rfc2822(raw)
        .map_err(|_| Error::BadSignature(format!("unreadable Date {raw:?}")))?;
    let skew = (chrono::Utc::now() - date.with_timezone(&chrono::Utc))
        .num_seconds()
        .abs();
    if skew > DATE_WINDOW_SECONDS {
        return Err(Error::BadSignature(format!(
            "Date {raw} is too far from now"
        )));
    }
    Ok(())
}

/// Every inbox (shared, person, group) takes the same activities: the activity names its target.
/// A draft-cavage signature, its digest and the actor are checked by the federation library; an
/// RFC 9421 signature by [`signatures`]; then our own `verify` and `receive` run.
async fn inbox(data: Data<AppState>, request: axum::extract::Request) -> Result<StatusCode> {
    match receive_inbox(&data, request).await {
        Ok(()) => Ok(StatusCode::OK),
        Err(Error::Dropped(why)) => {
            tracing::info!(reason = %why, "activity dropped");
            Ok(StatusCode::ACCEPTED)
        }
        Err(e) => {
            tracing::info!(error = %e, "activity refused");
            Err(e)
        }
    }
}

async fn receive_inbox(data: &Data<AppState>, request: axum::extract::Request) -> Result<()> {
    use activitypub_federation::axum::inbox::{receive_activity, ActivityData};
    use axum::extract::FromRequest;
    let limit = data.config.limits.request_bytes;
    let message_signature = signatures::is_message_signature(request.headers());
    if !message_signature {
        check_date(request.headers())?;
    }
    let signed = message_signature || request.headers().contains_key("signature");
    let (mut parts, body) = request.into_parts();
    addressed_to_us(&mut parts, &data.config.domain);
    let bytes = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| Error::RequestTooLarge)?;
    let json: Value = serde_json::from_slice(&bytes)
        .map_err(|e| Error::BadRequest(format!("the body is not JSON: {e}")))?;
    // The signer's key first, so that failing to get it is told apart from later failures.
    // Unsigned requests are refused below without fetching anything.
    if signed {
        signer(data, &json).await?;
    }
    if message_signature {
        return activities::RECEIVED_JSON
            .scope(json, receive_message_signed(data, &parts, &bytes))
            .await;
    }
    let request = axum::extract::Request::from_parts(parts, axum::body::Body::from(bytes));
    let activity = ActivityData::from_request(request, &())
        .await
        .map_err(|_| Error::BadRequest("unreadable request".into()))?;
    activities::RECEIVED_JSON
        .scope(
            json,
            receive_activity::<activities::InboxActivity, actors::DbActor, AppState>(
                activity, data,
            ),
        )
        .await
        .map_err(|e| match e {
            // The signature library reports a missing or malformed signature as `Other`.
            Error::Federation(activitypub_federation::error::Error::Other(m)) => {
                Error::BadSignature(m)
            }
            other => other,
        })
}

/// The actor an incoming activity names, fetched if new, for its key. When its server does not
/// give us the document (refuses us, has no such actor, answers something unusable), the
/// signature cannot be checked: that is the sender's problem, a 401, not a failure of ours. A
/// `Delete` of an actor whose document is gone is dropped (202): there is nothing to verify or
/// to delete.
async fn signer(data: &Data<AppState>, activity: &Value) -> Result<actors::DbActor> {
    use activitypub_federation::{error::Error as F, fetch::object_id::ObjectId};
    let actor = activity
        .get("actor")
        .and_then(Value::as_str)
        .and_then(|a| Url::parse(a).ok())
        .ok_or_else(|| Error::BadRequest("the activity names no actor".into()))?;
    match ObjectId::<actors::DbActor>::from(actor.clone())
        .dereference(data)
        .await
    {
        // A domain our policy refuses stays a 403.
        Err(Error::Federation(e)) if !matches!(e, F::UrlVerificationError(_)) => {
            let deleting_itself = activity.get("type").and_then(Value::as_str) == Some("Delete")
                && activities::id_of(activity.get("object").unwrap_or(&Value::Null))
                    .is_some_and(|o| o == actor);
            if deleting_itself && matches!(e, F::ObjectDeleted(_) | F::NotFound) {
                return Err(Error::Dropped(format!("{actor} is gone")));
            }
            Err(Error::BadSignature(format!(
                "the key of {actor} cannot be fetched: {e}"
            )))
        }
        other => other,
    }
}

/// Signatures cover the `Host` the sender addressed, which is our domain; a reverse proxy may
/// pass on another (nginx's plain `proxy_pass` sends the upstream's address, HTTP/2 sends none).
/// So the signature is checked against the domain: a request signed for another server still
/// fails, and one that came through such a proxy does not.
fn addressed_to_us(parts: &mut axum::http::request::Parts, domain: &str) {
    use axum::http::{header::HOST, HeaderValue};
    let arrived = parts.headers.get(HOST).and_then(|v| v.to_str().ok());
    if arrived.is_some_and(|host| !host.eq_ignore_ascii_case(domain)) {
        static WARNED: std::sync::Once = std::sync::Once::new();
        let arrived = arrived.unwrap_or_default();
        WARNED.call_once(|| {
            tracing::warn!(
                host = arrived,
                domain,
                "an inbox request arrived with a Host header other than our domain; its \
                 signature is checked against the domain. Behind a reverse proxy, pass the Host \
                 on (nginx: proxy_set_header Host $host), see deploy/README.md"
            );
        });
        tracing::debug!(host = arrived, domain, "inbox request for another Host");
    }
    if let Ok(value) = HeaderValue::from_str(domain) {
        parts.headers.insert(HOST, value);
    }
}

/// The same steps as the federation library's, for a request signed the RFC 9421 way: the
/// signature's form, time and digest; the activity's id; its actor (fetched if new); the
/// signature with the actor's key; then our checks and processing.
async fn receive_message_signed(
    data: &Data<AppState>,
    parts: &axum::http::request::Parts,
    body: &[u8],
) -> Result<()> {
    use activitypub_federation::{
        config::UrlVerifier,
        fetch::object_id::ObjectId,
        traits::{Activity, Actor},
    };
    // The address the sender signed is ours, whatever `Host` a proxy passes on: a request
    // signed for another server does not verify here.
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let target_uri = Url::parse(&format!("{}{path}", data.config.base_url()))
        .map_err(|_| Error::BadSignature("the request's address cannot be read".into()))?;
    let checked = signatures::check(
        &signatures::Request {
            method: &parts.method,
            target_uri: &target_uri,
            headers: &parts.headers,
            body,
        },
        chrono::Utc::now().timestamp(),
    )?;
    let activity: activities::InboxActivity = serde_json::from_slice(body)
        .map_err(|e| Error::BadRequest(format!("not an activity we take: {e}")))?;
    // The checks the federation library makes of an activity's id on the other path.
    let id = activity.id();
    let production = data.config.uses_https();
    match id.scheme() {
        "https" => {}
        "http" if !production => {}
        _ => {
            return Err(Error::Refused(
                "the activity's id has the wrong scheme".into(),
            ))
        }
    }
    if production && id.port().is_some() {
        return Err(Error::Refused(
            "an explicit port in an activity's id".into(),
        ));
    }
    if actors::authority(id) == data.config.domain {
        return Err(Error::Refused(
            "an activity from this instance itself".into(),
        ));
    }
    let mut checked_id = id.clone();
    if let Some(host) = id.host_str().filter(|h| h.ends_with('.')) {
        let trimmed = host.trim_end_matches('.').to_string();
        let _ = checked_id.set_host(Some(&trimmed));
    }
    PolicyVerifier(data.policy.clone())
        .verify(&checked_id)
        .await?;
    let actor = ObjectId::<actors::DbActor>::from(activity.actor().clone())
        .dereference(data)
        .await?;
    checked.verify(actor.public_key_pem())?;
    tracing::debug!(key = %checked.key_id, "RFC 9421 signature verified");
    activity.verify(data).await?;
    activity.receive(data).await
}

/// The JSON-LD context of every document we serve and every activity we send: ActivityStreams,
/// the security vocabulary (`publicKey`), and the Lemmy, Mastodon and schema.org terms we use.
pub fn context() -> Value {
    json!([
        "https://www.w3.org/ns/activitystreams",
        "https://w3id.org/security/v1",
        {
            "lemmy": "https://join-lemmy.org/ns#",
            "toot": "http://joinmastodon.org/ns#",
            "schema": "http://schema.org#",
            "featured": {"@id": "toot:featured", "@type": "@id"},
            "sensitive": "as:sensitive",
            "postingRestrictedToMods": "lemmy:postingRestrictedToMods",
            "commentsEnabled": "lemmy:commentsEnabled",
            "PropertyValue": "schema:PropertyValue",
            "value": "schema:value"
        }
    ])
}

/// Whether the client asked for ActivityPub JSON rather than a page.
fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("application/activity+json") || v.contains("application/ld+json"))
}

/// A document with `@context`, served as `application/activity+json`.
fn activity_json<T: serde::Serialize>(status: StatusCode, doc: &T) -> Result<Response> {
    let mut value = serde_json::to_value(doc).map_err(|e| Error::Internal(e.to_string()))?;
    if let Value::Object(map) = &mut value {
        map.insert("@context".into(), context());
    }
    Ok((
        status,
        [(header::CONTENT_TYPE, FEDERATION_CONTENT_TYPE)],
        Json(value),
    )
        .into_response())
}

fn url(raw: &str) -> Result<Url> {
    Url::parse(raw).map_err(|e| Error::Internal(format!("stored id {raw} is not a URL: {e}")))
}

fn public_key(ap_id: &str, pem: &str) -> Result<PublicKey> {
    Ok(PublicKey {
        id: format!("{ap_id}#main-key"),
        owner: url(ap_id)?,
        public_key_pem: pem.to_string(),
    })
}

fn shared_inbox(state: &AppState) -> Result<Option<Endpoints>> {
    Ok(Some(Endpoints {
        shared_inbox: url(&format!("{}/inbox", state.config.base_url()))?,
    }))
}

pub fn person_json(state: &AppState, p: &Person) -> Result<PersonJson> {
    // Mastodon reads a field's value as HTML: our fields are plain text, so they are escaped.
    let field = |name: &str, value: &str| json!({"type": "PropertyValue", "name": name, "value": crate::domain::text::escape_html(value)});
    let mut attachment = Vec::new();
    if let Some(a) = &p.agency {
        attachment.push(field("Agency", a));
    }
    if let Some(r) = &p.job_role {
        attachment.push(field("Role", r));
    }
    let tags = split_tags(&p.expertise);
    if !tags.is_empty() {
        attachment.push(field("Expertise", &tags.join(", ")));
    }
    Ok(PersonJson {
        kind: "Person".into(),
        id: url(&p.ap_id)?,
        preferred_username: Some(p.username.clone()),
        name: p.display_name.clone(),
        summary: (!p.bio_html.is_empty()).then(|| p.bio_html.clone()),
        source: Source::markdown(&p.bio_source),
        inbox: url(&p.inbox_url)?,
        outbox: Some(url(&format!("{}/outbox", p.ap_id))?),
        followers: Some(url(&format!("{}/followers", p.ap_id))?),
        following: Some(url(&format!("{}/following", p.ap_id))?),
        endpoints: shared_inbox(state)?,
        public_key: public_key(&p.ap_id, &p.public_key)?,
        published: Some(p.created_at.and_utc()),
        updated: Some(p.updated_at.and_utc()),
        attachment,
    })
}

/// This server as an `Application` actor: its key verifies our signed fetches.
pub fn instance_json(state: &AppState, i: &crate::db::models::Instance) -> Result<PersonJson> {
    let base = state.config.base_url();
    let id = format!("{base}/");
    Ok(PersonJson {
        kind: "Application".into(),
        id: url(&id)?,
        preferred_username: Some(state.config.domain.clone()),
        name: Some(i.name.clone()),
        summary: None,
        source: None,
        inbox: url(&format!("{base}/inbox"))?,
        outbox: None,
        followers: None,
        following: None,
        endpoints: shared_inbox(state)?,
        public_key: public_key(&id, i.public_key.as_deref().unwrap_or_default())?,
        published: Some(i.created_at.and_utc()),
        updated: Some(i.updated_at.and_utc()),
        attachment: Vec::new(),
    })
}

/// `/` for ActivityPub clients: the instance actor.
///
/// # Errors
/// Database failures or key generation.
pub async fn instance_actor_response(state: &AppState) -> Result<Response> {
    let instance = crate::domain::site::instance_with_keys(state).await?;
    activity_json(StatusCode::OK, &instance_json(state, &instance)?)
}

/// Whether the request asks for ActivityPub JSON.
pub fn accepts_activity_json(headers: &HeaderMap) -> bool {
    wants_json(headers)
}

pub fn group_json(state: &AppState, g: &Group) -> Result<GroupJson> {
    Ok(GroupJson {
        kind: "Group".into(),
        id: url(&g.ap_id)?,
        preferred_username: Some(g.name.clone()),
        name: Some(g.title.clone()),
        summary: (!g.description_html.is_empty()).then(|| g.description_html.clone()),
        source: Source::markdown(&g.description_source),
        media_type: Some("text/html".into()),
        sensitive: Some(false),
        inbox: url(&g.inbox_url)?,
        followers: Some(url(&format!("{}/followers", g.ap_id))?),
        attributed_to: Some(url(&format!("{}/moderators", g.ap_id))?),
        featured: Some(url(&format!("{}/featured", g.ap_id))?),
        posting_restricted_to_mods: Some(false),
        rules: (!g.rules_html.is_empty()).then(|| g.rules_html.clone()),
        endpoints: shared_inbox(state)?,
        outbox: Some(url(&format!("{}/outbox", g.ap_id))?),
        public_key: public_key(&g.ap_id, &g.public_key)?,
        published: Some(g.created_at.and_utc()),
        updated: Some(g.updated_at.and_utc()),
    })
}

/// Characters of a thread's body that Mastodon readers see under its title.
const EXCERPT_CHARS: usize = 400;

/// The first few hundred characters of a body, as one paragraph of escaped text, cut at a word.
fn excerpt(markdown: &str) -> Option<String> {
    let rendered = crate::domain::text::render_markdown(markdown);
    let text = ammonia::Builder::empty().clean(&rendered).to_string();
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        return None;
    }
    let cut = if text.chars().count() > EXCERPT_CHARS {
        let head: String = text.chars().take(EXCERPT_CHARS).collect();
        let at = head.rfind(' ').unwrap_or(head.len());
        format!("{}…", &head[..at])
    } else {
        text
    };
    Some(format!("<p>{cut}</p>"))
}

pub fn page_json(t: &ThreadObject) -> Result<PageJson> {
    let th = &t.thread;
    let group = url(&t.group_ap_id)?;
    Ok(PageJson {
        kind: "Page".into(),
        id: url(&th.ap_id)?,
        attributed_to: url(&t.author_ap_id)?,
        to: vec![group.clone(), url(PUBLIC)?],
        cc: Vec::new(),
        audience: Some(group),
        name: th.title.clone(),
        summary: excerpt(&th.body_source),
        content: (!th.body_html.is_empty()).then(|| th.body_html.clone()),
        media_type: "text/html".into(),
        url: Some(url(&th.ap_id)?),
        source: Source::markdown(&th.body_source),
        attachment: th
            .url
            .as_deref()
            .map(url)
            .transpose()?
            .map(LinkJson::link)
            .into_iter()
            .collect(),
        sensitive: false,
        comments_enabled: Some(!th.locked),
        tag: Vec::new(),
        published: th.created_at.and_utc(),
        updated: th.updated_at.map(|u| u.and_utc()),
        language: LanguageFields::of(th.language.as_deref(), &th.body_html),
        replies: Some(wire::ReplyCount {
            kind: "Collection".into(),
            total_items: th.comment_count,
        }),
    })
}

pub fn note_json(c: &CommentObject) -> Result<NoteJson> {
    let group = url(&c.group_ap_id)?;
    Ok(NoteJson {
        kind: "Note".into(),
        id: url(&c.comment.ap_id)?,
        attributed_to: url(&c.author_ap_id)?,
        to: vec![group.clone(), url(PUBLIC)?],
        cc: Vec::new(),
        audience: Some(group),
        in_reply_to: Some(url(c.parent_ap_id.as_deref().unwrap_or(&c.thread_ap_id))?),
        content: c.comment.body_html.clone(),
        media_type: "text/html".into(),
        source: Source::markdown(&c.comment.body_source),
        tag: Vec::new(),
        published: c.comment.created_at.and_utc(),
        updated: c.comment.updated_at.map(|u| u.and_utc()),
        language: LanguageFields::of(c.comment.language.as_deref(), &c.comment.body_html),
    })
}

/// A deleted or removed object, answered as Lemmy does: 410 with a `Tombstone`.
fn tombstone(id: &str) -> Result<Response> {
    activity_json(StatusCode::GONE, &json!({"id": id, "type": "Tombstone"}))
}

/// A local person as an ActivityPub actor (the JSON side of `/u/NAME`).
///
/// # Errors
/// 404 for an unknown name.
pub async fn person_document(state: &AppState, name: &str) -> Result<Response> {
    let p = objects::local_person(state, name).await?;
    activity_json(StatusCode::OK, &person_json(state, &p)?)
}

/// A local group as an ActivityPub actor (the JSON side of `/g/NAME`).
///
/// # Errors
/// 404 for an unknown name.
pub async fn group_document(state: &AppState, name: &str) -> Result<Response> {
    let g = objects::local_group(state, name, 0).await?;
    activity_json(StatusCode::OK, &group_json(state, &g.group)?)
}

/// A local thread as a `Page`, or its tombstone (the JSON side of `/t/ID`).
///
/// # Errors
/// 404 for an unknown or remote thread.
pub async fn thread_document(state: &AppState, id: i64) -> Result<Response> {
    let t = objects::local_thread(state, id).await?;
    if t.thread.deleted || t.thread.removed {
        return tombstone(&t.thread.ap_id);
    }
    activity_json(StatusCode::OK, &page_json(&t)?)
}

/// A local comment as a `Note`, or its tombstone (the JSON side of `/c/ID`).
///
/// # Errors
/// 404 for an unknown or remote comment.
pub async fn comment_document(state: &AppState, id: i64) -> Result<Response> {
    let c = objects::local_comment(state, id).await?;
    if !c.shown {
        return tombstone(&c.comment.ap_id);
    }
    activity_json(StatusCode::OK, &note_json(&c)?)
}

/// One of our activities at its id, as it was sent (JSON whatever the client accepts); a
/// `Tombstone` (410) once the thread or comment it carries or acts on is deleted or removed, as
/// that content itself is.
async fn activity(
    State(state): State,
    ApiPath((kind, token)): ApiPath<(String, String)>,
) -> Result<Response> {
    let id = format!("{}/activities/{kind}/{token}", state.config.base_url());
    let data = objects::local_activity(&state, &id).await?;
    let doc: Value = serde_json::from_str(&data)
        .map_err(|e| Error::Internal(format!("stored activity {id}: {e}")))?;
    if let Some(content) = content_of(&doc) {
        if objects::post_gone(&state, content).await? {
            return tombstone(&id);
        }
    }
    activity_json(StatusCode::OK, &doc)
}

/// The id of the thread or comment an activity carries (`Create`, `Update`) or acts on (`Like`,
/// `Lock`…), looking inside an `Announce`. None for a `Delete` or an `Undo`: they tell of the
/// content's end and stay readable after it.
fn content_of(activity: &Value) -> Option<&str> {
    let object = activity.get("object")?;
    match activity.get("type").and_then(Value::as_str)? {
        "Announce" => object.is_object().then(|| content_of(object)).flatten(),
        "Delete" | "Undo" => None,
        _ => object
            .as_str()
            .or_else(|| object.get("id").and_then(Value::as_str)),
    }
}

fn ordered(id: String, items: Vec<Value>) -> Result<CollectionJson> {
    Ok(CollectionJson {
        kind: "OrderedCollection".into(),
        id: url(&id)?,
        total_items: Some(items.len() as i64),
        ordered_items: Some(items),
        items: None,
    })
}

async fn person_outbox(State(state): State, ApiPath(name): ApiPath<String>) -> Result<Response> {
    let p = objects::local_person(&state, &name).await?;
    activity_json(
        StatusCode::OK,
        &ordered(format!("{}/outbox", p.ap_id), Vec::new())?,
    )
}

/// A member's followers and followed, as counts (the lists are not published).
async fn person_follow_collection(state: &AppState, name: &str, which: &str) -> Result<Response> {
    let p = objects::local_person(state, name).await?;
    let (followers, following) = crate::domain::follows::counts_of(state, p.id).await?;
    activity_json(
        StatusCode::OK,
        &CollectionJson {
            kind: "Collection".into(),
            id: url(&format!("{}/{which}", p.ap_id))?,
            total_items: Some(if which == "followers" {
                followers
            } else {
                following
            }),
            ordered_items: None,
            items: Some(Vec::new()),
        },
    )
}

async fn person_followers(State(state): State, ApiPath(name): ApiPath<String>) -> Result<Response> {
    person_follow_collection(&state, &name, "followers").await
}

async fn person_following(State(state): State, ApiPath(name): ApiPath<String>) -> Result<Response> {
    person_follow_collection(&state, &name, "following").await
}

/// The group's recent threads, each as the `Announce(Create(Page))` its followers received.
async fn group_outbox(State(state): State, ApiPath(name): ApiPath<String>) -> Result<Response> {
    let g = objects::local_group(&state, &name, OUTBOX_ITEMS).await?;
    let items = g
        .recent
        .iter()
        .map(announce_of_thread)
        .collect::<Result<Vec<_>>>()?;
    let mut doc = ordered(format!("{}/outbox", g.group.ap_id), items)?;
    doc.total_items = Some(g.group.thread_count);
    activity_json(StatusCode::OK, &doc)
}

/// A thread of one of our groups as an outbox item: the group's `Announce` of the author's
/// `Create`, under ids that [`outbox_announce`] and [`outbox_create`] serve.
fn announce_of_thread(t: &ThreadObject) -> Result<Value> {
    Ok(json!({
        "type": "Announce",
        "id": format!("{}/activities/announce/create/{}", t.group_ap_id, t.thread.id),
        "actor": t.group_ap_id,
        "to": [PUBLIC],
        "cc": [format!("{}/followers", t.group_ap_id)],
        "object": create_of_thread(t)?,
    }))
}

fn create_of_thread(t: &ThreadObject) -> Result<Value> {
    Ok(json!({
        "type": "Create",
        "id": format!("{}/activities/create", t.thread.ap_id),
        "actor": t.author_ap_id,
        "to": [PUBLIC],
        "cc": [t.group_ap_id],
        "audience": t.group_ap_id,
        "object": page_json(t)?,
    }))
}

/// An outbox item at its id; a `Tombstone` (410) once the thread is deleted or removed.
async fn outbox_announce(
    State(state): State,
    ApiPath((name, id)): ApiPath<(String, i64)>,
) -> Result<Response> {
    let t = objects::thread_of_local_group(&state, &name, id).await?;
    let doc = announce_of_thread(&t)?;
    if t.thread.deleted || t.thread.removed {
        return tombstone(doc["id"].as_str().unwrap_or_default());
    }
    activity_json(StatusCode::OK, &doc)
}

/// The `Create` inside an outbox item, for a thread written here.
async fn outbox_create(State(state): State, ApiPath(id): ApiPath<i64>) -> Result<Response> {
    let t = objects::local_thread(&state, id).await?;
    let doc = create_of_thread(&t)?;
    if t.thread.deleted || t.thread.removed {
        return tombstone(doc["id"].as_str().unwrap_or_default());
    }
    activity_json(StatusCode::OK, &doc)
}

/// Followers as Lemmy serves them: the count only.
async fn group_followers(State(state): State, ApiPath(name): ApiPath<String>) -> Result<Response> {
    let g = objects::local_group(&state, &name, 0).await?;
    activity_json(
        StatusCode::OK,
        &CollectionJson {
            kind: "Collection".into(),
            id: url(&format!("{}/followers", g.group.ap_id))?,
            total_items: Some(g.follower_count),
            ordered_items: None,
            items: Some(Vec::new()),
        },
    )
}

async fn group_moderators(State(state): State, ApiPath(name): ApiPath<String>) -> Result<Response> {
    let g = objects::local_group(&state, &name, 0).await?;
    let items = g.steward_ids.iter().map(|s| json!(s)).collect();
    let mut doc = ordered(format!("{}/moderators", g.group.ap_id), items)?;
    doc.total_items = None;
    activity_json(StatusCode::OK, &doc)
}

async fn group_featured(State(state): State, ApiPath(name): ApiPath<String>) -> Result<Response> {
    let g = objects::local_group(&state, &name, 0).await?;
    let items = g
        .featured
        .iter()
        .map(|t| serde_json::to_value(page_json(t)?).map_err(|e| Error::Internal(e.to_string())))
        .collect::<Result<Vec<_>>>()?;
    activity_json(
        StatusCode::OK,
        &ordered(format!("{}/featured", g.group.ap_id), items)?,
    )
}

#[derive(Debug, Deserialize)]
struct WebfingerQuery {
    resource: String,
}

/// A person or a group (they never share a name) by `acct:NAME@DOMAIN`, or by its actor URL,
/// as RFC 7033 asks: a `resource` that is not a URI is a 400; a URI that names nothing here
/// (another scheme or domain, an unknown name) is a 404.
async fn webfinger(
    data: Data<AppState>,
    ApiQuery(q): ApiQuery<WebfingerQuery>,
) -> Result<Response> {
    let state: &AppState = &data;
    let Some((name, wanted)) = webfinger_name(&q.resource, &state.config.domain)? else {
        return Ok(webfinger_not_found());
    };
    let found = match objects::local_person(state, &name).await {
        Ok(p) => (p.ap_id, "Person"),
        Err(Error::NotFound(_)) => match objects::local_group(state, &name, 0).await {
            Ok(g) => (g.group.ap_id, "Group"),
            Err(Error::NotFound(_)) => return Ok(webfinger_not_found()),
            Err(e) => return Err(e),
        },
        Err(e) => return Err(e),
    };
    let (ap_id, kind) = found;
    if wanted.is_some_and(|w| w != kind) {
        return Ok(webfinger_not_found());
    }
    let doc =
        build_webfinger_response_with_type(q.resource.clone(), vec![(url(&ap_id)?, Some(kind))]);
    Ok(([(header::CONTENT_TYPE, "application/jrd+json")], Json(doc)).into_response())
}

/// The name a WebFinger `resource` asks for here, and the kind of actor when its URL says it;
/// None for a well-formed URI that names nothing of this instance.
///
/// # Errors
/// 400 for a resource that is not a URI, or an `acct:` URI without `NAME@DOMAIN`.
fn webfinger_name(resource: &str, domain: &str) -> Result<Option<(String, Option<&'static str>)>> {
    let malformed = || {
        Error::BadRequest(format!(
            "resource must be a URI, such as acct:NAME@{domain}"
        ))
    };
    let uri = Url::parse(resource).map_err(|_| malformed())?;
    match uri.scheme() {
        "acct" => {
            let (name, host) = uri.path().rsplit_once('@').ok_or_else(malformed)?;
            if name.is_empty() || host.is_empty() {
                return Err(malformed());
            }
            Ok(host
                .eq_ignore_ascii_case(domain)
                .then(|| (name.to_string(), None)))
        }
        "http" | "https" if actors::authority(&uri).eq_ignore_ascii_case(domain) => {
            let segments: Vec<&str> = uri
                .path_segments()
                .map(Iterator::collect)
                .unwrap_or_default();
            Ok(match segments.as_slice() {
                ["u", name] if !name.is_empty() => Some((name.to_string(), Some("Person"))),
                ["g", name] if !name.is_empty() => Some((name.to_string(), Some("Group"))),
                _ => None,
            })
        }
        _ => Ok(None),
    }
}

/// WebFinger's 404, the same whatever was asked for.
fn webfinger_not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(crate::error::ErrorBody {
            error: "not_found",
            message: "not found".into(),
            field: None,
        }),
    )
        .into_response()
}

async fn nodeinfo_links(State(state): State) -> Json<Value> {
    let base = state.config.base_url();
    Json(json!({
        "links": [
            {
                "rel": "http://nodeinfo.diaspora.software/ns/schema/2.1",
                "href": format!("{base}/nodeinfo/2.1"),
            },
            {
                "rel": "http://nodeinfo.diaspora.software/ns/schema/2.0",
                "href": format!("{base}/nodeinfo/2.0"),
            },
        ]
    }))
}

async fn nodeinfo(state: State) -> Result<Response> {
    nodeinfo_document(state, "2.1").await
}

/// NodeInfo 2.0, which some software still reads; it differs from 2.1 only in fields we do
/// not fill.
async fn nodeinfo_2_0(state: State) -> Result<Response> {
    nodeinfo_document(state, "2.0").await
}

async fn nodeinfo_document(State(state): State, version: &str) -> Result<Response> {
    let u = objects::usage(&state).await?;
    let doc = json!({
        "version": version,
        "software": {
            "name": "commonplace",
            "version": env!("CARGO_PKG_VERSION"),
        },
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": []},
        "openRegistrations": u.open_registrations,
        "usage": {
            "users": {"total": u.users, "activeMonth": u.active_month, "activeHalfyear": u.active_halfyear},
            "localPosts": u.local_posts,
            "localComments": u.local_comments,
        },
        // Apps that tell servers apart by NodeInfo learn here that the Mastodon client API
        // is offered (the convention of Pleroma and Akkoma), and which version it follows.
        "metadata": {
            "nodeName": u.name,
            "features": ["mastodon_api"],
            "upstream": {"name": "mastodon", "version": "4.3.0"},
        },
    });
    let profile = format!(
        "application/json; profile=\"http://nodeinfo.diaspora.software/ns/schema/{version}#\""
    );
    Ok(([(header::CONTENT_TYPE, profile)], Json(doc)).into_response())
}

async fn host_meta(State(state): State) -> Response {
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<XRD xmlns=\"http://docs.oasis-open.org/ns/xri/xrd-1.0\">\n  \
         <Link rel=\"lrdd\" template=\"{}/.well-known/webfinger?resource={{uri}}\"/>\n</XRD>\n",
        state.config.base_url()
    );
    (
        [(header::CONTENT_TYPE, "application/xrd+xml; charset=utf-8")],
        xml,
    )
        .into_response()
}
