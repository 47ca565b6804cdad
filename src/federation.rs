//! ActivityPub: the routes, and the inboxes that receive activities. Discovery (WebFinger,
//! NodeInfo, host-meta) is in `discovery`; actor and object documents with content negotiation,
//! and collections, in `documents`. Wire shapes live in `wire`; conversions have one home per
//! direction: `from_wire` (what we read, in the domain's terms) and `to_wire` (our records and
//! activities as JSON).

pub mod activities;
pub mod actors;
pub mod backfill;
pub mod client;
mod discovery;
pub mod documents;
pub mod from_wire;
pub mod lookup;
pub mod network;
pub mod signatures;
pub mod to_wire;
pub mod wire;

use activitypub_federation::config::Data;
use axum::{
    http::{header, HeaderMap, StatusCode},
    routing::{get, post},
    Router,
};
use serde_json::Value;
use url::Url;

use crate::app::AppState;
use crate::error::{Error, Result};
use discovery::{host_meta, nodeinfo, nodeinfo_2_0, nodeinfo_links, webfinger};
use documents::{
    activity, group_featured, group_followers, group_moderators, group_outbox, outbox_announce,
    outbox_create, person_followers, person_following, person_outbox,
};

// The conversions and documents live in `to_wire` and `documents`; these keep the paths that
// other modules use working.
pub use documents::{
    accepts_activity_json, comment_document, group_document, instance_actor_response,
    person_document, thread_document,
};
pub use to_wire::{context, group_json, instance_json, note_json, page_json, person_json};

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
