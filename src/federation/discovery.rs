//! Discovery: WebFinger (RFC 7033), NodeInfo 2.0 and 2.1, and host-meta.

use activitypub_federation::{config::Data, fetch::webfinger::build_webfinger_response_with_type};
use axum::{
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde::Deserialize;
use serde_json::{json, Value};
use url::Url;

use super::actors;
use super::to_wire::url;
use crate::app::AppState;
use crate::domain::objects;
use crate::error::{Error, Result};
use crate::extract::{ApiQuery, State};

#[derive(Debug, Deserialize)]
pub(super) struct WebfingerQuery {
    resource: String,
}

/// A person or a group (they never share a name) by `acct:NAME@DOMAIN`, or by its actor URL,
/// as RFC 7033 asks: a `resource` that is not a URI is a 400; a URI that names nothing here
/// (another scheme or domain, an unknown name) is a 404.
pub(super) async fn webfinger(
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

pub(super) async fn nodeinfo_links(State(state): State) -> Json<Value> {
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

pub(super) async fn nodeinfo(state: State) -> Result<Response> {
    nodeinfo_document(state, "2.1").await
}

/// NodeInfo 2.0, which some software still reads; it differs from 2.1 only in fields we do
/// not fill.
pub(super) async fn nodeinfo_2_0(state: State) -> Result<Response> {
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

pub(super) async fn host_meta(State(state): State) -> Response {
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
