//! Network search, a Commonplace extension (docs/federation.md): an instance asks its partner
//! instances at once, each over `GET /api/v1/network/search` signed as the asking instance's
//! actor (draft-cavage HTTP signatures, as activities are signed); a partner answers only
//! signed requests from instances it counts as partners, with public content only. Answers
//! are checked, made safe, and merged with ours on one scale; a partner that does not answer
//! well within the time budget is skipped and named.

use std::collections::BTreeMap;
use std::sync::LazyLock;
use std::time::Duration;

use activitypub_federation::config::Data;
use axum::extract::RawQuery;
use axum::http::{HeaderMap, Method, Uri};
use axum::{routing::get, Json, Router};
use base64::{engine::general_purpose::STANDARD as Base64, Engine};
use http_signature_normalization_reqwest::prelude::{Config as SignConfig, Sign};
use rsa::{pkcs8::DecodePrivateKey, pkcs8::DecodePublicKey, Pkcs1v15Sign};
use rsa::{RsaPrivateKey, RsaPublicKey};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tokio::task::JoinSet;
use url::Url;

use crate::app::AppState;
use crate::domain::names::authority;
use crate::domain::people::Viewer;
use crate::domain::search::{
    self, Hit, Kind, Params, Reach, Request, Results, Skipped, NETWORK_DEPTH,
};
use crate::domain::site;
use crate::error::{Error, Result};

/// Largest answer read from a partner.
const ANSWER_BYTES: usize = 1024 * 1024;
/// How long a partner's signature stays acceptable, as for activities.
const SIGNATURE_WINDOW: Duration = Duration::from_secs(3600);

pub fn routes() -> Router {
    Router::new().route("/api/v1/network/search", get(answer))
}

// ---- Asking ----

/// Searches here and on every partner; the page at `req.offset` of the merged results.
///
/// # Errors
/// 422 for a bad query or a page past the network's depth; partners' failures are not errors
/// but `skipped` entries.
pub async fn search(state: &AppState, viewer: Option<&Viewer>, req: Request) -> Result<Results> {
    search::check_page(req.offset, req.limit)?;
    if req.offset + req.limit > NETWORK_DEPTH {
        return Err(Error::invalid(
            "offset",
            format!("a network search pages to {NETWORK_DEPTH} results: refine the query"),
        ));
    }
    let offset = usize::try_from(req.offset).unwrap_or(0);
    let limit = usize::try_from(req.limit).unwrap_or(0);
    let mut wide = req.clone();
    wide.offset = 0;
    wide.limit = req.offset + req.limit;
    let local = search::search_wide(state, viewer, wide.clone()).await?;
    let more_here = local.next_offset.is_some();
    let (remote, skipped, more_there) = ask_all(state, &wide, "search").await?;
    let remote = visible_here(state, remote).await?;
    let more = more_here || more_there;
    let mut merged = search::merge(local.hits, remote, skipped, offset, limit, more);
    // Past the network's depth there is no next page to ask for.
    if req.offset + 2 * req.limit > NETWORK_DEPTH {
        merged.next_offset = None;
    }
    Ok(merged)
}

/// Partners' results less what this instance hides: a copy it holds that stewards removed or
/// its author deleted, people suspended here and what they wrote, what members banned from a
/// group wrote in it. Moderation here applies to every result shown here.
async fn visible_here(state: &AppState, hits: Vec<Hit>) -> Result<Vec<Hit>> {
    if hits.is_empty() {
        return Ok(hits);
    }
    let probe = hits.clone();
    let hidden = state
        .db
        .read(move |c| search::hidden_here(c, &probe))
        .await?;
    Ok(hits
        .into_iter()
        .filter(|h| !hidden.contains(&h.ap_id))
        .collect())
}

/// "Before you post" across the network: threads here and on partners that look like `title`.
///
/// # Errors
/// 422 for a title too long.
pub async fn similar(
    state: &AppState,
    title: &str,
    limit: i64,
) -> Result<(Vec<Hit>, Vec<Skipped>)> {
    let local = search::similar(state, title, limit).await?;
    let req = Request {
        q: title.to_string(),
        filters: search::Filters {
            kinds: vec![Kind::Threads],
            ..search::Filters::default()
        },
        offset: 0,
        limit,
    };
    let (remote, skipped, _) = ask_all(state, &req, "similar").await?;
    let remote = visible_here(state, remote).await?;
    let limit = usize::try_from(limit).unwrap_or(5);
    let merged = search::merge(local, remote, skipped, 0, limit, false);
    Ok((merged.hits, merged.skipped))
}

/// Asks every partner at once and waits at most the budget.
async fn ask_all(
    state: &AppState,
    req: &Request,
    what: &'static str,
) -> Result<(Vec<Hit>, Vec<Skipped>, bool)> {
    let settings = &state.config.network_search;
    if !settings.ask {
        return Ok((Vec::new(), Vec::new(), false));
    }
    let partners = search::partners(state).await?;
    if partners.is_empty() {
        return Ok((Vec::new(), Vec::new(), false));
    }
    let key = Signer::of(state).await?;
    let policy = crate::domain::policy::current(state).await?;
    let budget = Duration::from_millis(settings.budget_ms);
    let query = Params {
        request: req.clone(),
        reach: Reach::Local,
    };
    let path = match what {
        "similar" => format!(
            "/api/v1/network/search?{}",
            url::form_urlencoded::Serializer::new(String::new())
                .append_pair("similar", &req.q)
                .append_pair("limit", &req.limit.to_string())
                .finish()
        ),
        _ => format!("/api/v1/network/search?{}", query.to_query_string(0)),
    };
    // The same search asked again within a minute (pages, feed readers, a title being typed)
    // is answered from what partners said, not asked of them again.
    let cache_key = format!("{} {} {path}", state.config.domain, partners.join(","));
    if let Some(answer) = ANSWERS.get(&cache_key) {
        return Ok(answer);
    }
    let scheme = if state.config.uses_https() {
        "https"
    } else {
        "http"
    };
    let mut asks = JoinSet::new();
    for partner in partners {
        let url = format!("{scheme}://{partner}{path}");
        let (http, key) = (state.http.clone(), key.clone());
        asks.spawn(async move {
            let answer = tokio::time::timeout(budget, ask(http, key, &url)).await;
            (partner, answer)
        });
    }
    let limit = usize::try_from(req.limit).unwrap_or(0);
    let (mut hits, mut skipped, mut more) = (Vec::new(), Vec::new(), false);
    let deadline = tokio::time::Instant::now() + budget + Duration::from_millis(50);
    loop {
        let next = tokio::time::timeout_at(deadline, asks.join_next()).await;
        let Ok(Some(joined)) = next else { break };
        let Ok((partner, answer)) = joined else {
            continue;
        };
        match answer {
            Ok(Ok(results)) => {
                more |= results.next_offset.is_some();
                hits.extend(search::tidy(&policy, results, limit));
            }
            Ok(Err(reason)) => {
                tracing::info!(partner = %partner, %reason, "network search: partner skipped");
                skipped.push(Skipped {
                    instance: partner,
                    reason,
                });
            }
            Err(_) => skipped.push(Skipped {
                instance: partner,
                reason: format!("did not answer within {} ms", budget.as_millis()),
            }),
        }
    }
    // Any still running ran out of time (the join itself timed out).
    asks.abort_all();
    let answer = (hits, skipped, more);
    ANSWERS.insert(cache_key, answer.clone());
    Ok(answer)
}

/// Partners' answers by what was asked of them, for a minute.
type Answer = (Vec<Hit>, Vec<Skipped>, bool);
static ANSWERS: LazyLock<moka::sync::Cache<String, Answer>> = LazyLock::new(|| {
    moka::sync::Cache::builder()
        .max_capacity(1_000)
        .time_to_live(Duration::from_secs(60))
        .build()
});

/// Our instance actor's key, for signing.
#[derive(Clone)]
struct Signer {
    key_id: String,
    private_key: RsaPrivateKey,
}

impl Signer {
    async fn of(state: &AppState) -> Result<Signer> {
        let instance = site::instance_with_keys(state).await?;
        let pem = instance
            .private_key
            .ok_or_else(|| Error::Internal("the instance has no private key".into()))?;
        let private_key = RsaPrivateKey::from_pkcs8_pem(&pem)
            .map_err(|e| Error::Internal(format!("instance key: {e}")))?;
        Ok(Signer {
            key_id: format!("{}/#main-key", state.config.base_url()),
            private_key,
        })
    }
}

static SIGNING: LazyLock<SignConfig> = LazyLock::new(|| {
    SignConfig::new()
        .mastodon_compat()
        .set_expiration(SIGNATURE_WINDOW)
});

/// Why a request could not be signed.
#[derive(Debug, thiserror::Error)]
enum SignFailure {
    #[error("{0}")]
    Sign(#[from] http_signature_normalization_reqwest::SignError),
    #[error("{0}")]
    Http(#[from] reqwest::Error),
    #[error("{0}")]
    Key(String),
}

/// One partner's answer, or why there is none.
async fn ask(
    http: reqwest_middleware::ClientWithMiddleware,
    key: Signer,
    url: &str,
) -> std::result::Result<Results, String> {
    let private_key = key.private_key;
    let request = http
        .get(url)
        .header("Accept", "application/json")
        .signature(&SIGNING, key.key_id, move |signing_string| {
            private_key
                .sign(
                    Pkcs1v15Sign::new::<Sha256>(),
                    &Sha256::digest(signing_string.as_bytes()),
                )
                .map(|s| Base64.encode(s))
                .map_err(|e| SignFailure::Key(e.to_string()))
        })
        .await
        .map_err(|e| format!("could not sign the request: {e}"))?;
    let mut response = http
        .execute(request)
        .await
        .map_err(|e| format!("could not be reached: {e}"))?;
    let status = response.status();
    if status.is_redirection() {
        return Err(format!("answered with a redirect ({status}), not followed"));
    }
    if !status.is_success() {
        return Err(format!("refused the search ({status})"));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| format!("broke off its answer: {e}"))?
    {
        body.extend_from_slice(&chunk);
        if body.len() > ANSWER_BYTES {
            return Err(format!("answered with more than {ANSWER_BYTES} bytes"));
        }
    }
    serde_json::from_slice(&body).map_err(|e| format!("answered with something unreadable: {e}"))
}

// ---- Answering ----

/// What a partner's `keyId` names: an actor document with its key.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct KeyOwner {
    id: Url,
    public_key: PublicKey,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PublicKey {
    id: String,
    public_key_pem: String,
}

/// Partners' keys by key id, read again after ten minutes.
static KEYS: LazyLock<moka::sync::Cache<String, String>> = LazyLock::new(|| {
    moka::sync::Cache::builder()
        .max_capacity(1_000)
        .time_to_live(Duration::from_secs(600))
        .build()
});

/// The signer's domain, once its signature is verified with the key its actor publishes.
async fn verified_signer(
    data: &Data<AppState>,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
) -> Result<String> {
    let mut map = BTreeMap::new();
    for (name, value) in headers {
        if let Ok(v) = value.to_str() {
            map.insert(name.to_string(), v.to_string());
        }
    }
    // The signature must be for us: whatever Host arrived (a proxy may rewrite it), the host
    // checked is our own domain, so a request signed for another instance does not verify.
    map.insert("host".into(), data.config.domain.clone());
    let config = http_signature_normalization::Config::new()
        .mastodon_compat()
        .require_header("(request-target)")
        .require_header("date")
        .set_expiration(SIGNATURE_WINDOW);
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let unverified = config
        .begin_verify(method.as_str(), path, map)
        .map_err(|e| Error::BadSignature(format!("network search needs a signed request: {e}")))?;
    let key_id = Url::parse(unverified.key_id())
        .map_err(|_| Error::BadSignature("keyId is not a URL".into()))?;
    let signer = authority(&key_id);
    if !search::is_partner(data, &signer).await? {
        return Err(Error::Forbidden(format!(
            "{signer} is not a partner of this instance for network search"
        )));
    }
    let pem = match KEYS.get(key_id.as_str()) {
        Some(pem) => pem,
        None => {
            let mut owner_url = key_id.clone();
            owner_url.set_fragment(None);
            let owner: KeyOwner =
                activitypub_federation::fetch::fetch_object_http(&owner_url, data)
                    .await?
                    .object;
            if authority(&owner.id) != signer || owner.public_key.id != key_id.as_str() {
                return Err(Error::BadSignature(
                    "the key is not the signing instance's own".into(),
                ));
            }
            KEYS.insert(key_id.to_string(), owner.public_key.public_key_pem.clone());
            owner.public_key.public_key_pem
        }
    };
    let public_key = RsaPublicKey::from_public_key_pem(&pem)
        .map_err(|_| Error::BadSignature("the signer's key is unreadable".into()))?;
    let good = unverified.verify(|signature, signing_string| {
        Base64.decode(signature).is_ok_and(|bytes| {
            public_key
                .verify(
                    Pkcs1v15Sign::new::<Sha256>(),
                    &Sha256::digest(signing_string.as_bytes()),
                    &bytes,
                )
                .is_ok()
        })
    });
    if !good {
        KEYS.invalidate(key_id.as_str());
        return Err(Error::BadSignature("the signature does not verify".into()));
    }
    Ok(signer)
}

/// A partner's search: the same parameters as `GET /api/v1/search` (local scope only), or
/// `similar=<title>` for "before you post". Public content only.
async fn answer(
    data: Data<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Json<Results>> {
    if !data.config.network_search.answer {
        return Err(Error::Forbidden(
            "this instance does not answer network searches".into(),
        ));
    }
    let signer = verified_signer(&data, &method, &uri, &headers).await?;
    let pairs = crate::extract::query_pairs(raw.as_deref())?;
    if let Some((_, title)) = pairs.iter().find(|(n, _)| n == "similar") {
        let limit = pairs
            .iter()
            .find(|(n, _)| n == "limit")
            .and_then(|(_, l)| l.parse().ok())
            .unwrap_or(5);
        let hits = search::similar(&data, title, limit).await?;
        return Ok(Json(Results {
            hits,
            ..Results::default()
        }));
    }
    let params = Params::from_pairs(&pairs)?;
    if params.reach != Reach::Local {
        return Err(Error::invalid("scope", "a partner answers for itself only"));
    }
    tracing::info!(partner = %signer, "network search answered");
    // Public content only: no viewer.
    Ok(Json(
        search::search_wide(&data, None, params.request).await?,
    ))
}
