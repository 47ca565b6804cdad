//! The running server: shared state, the router with its layers, start and graceful stop.

use std::{
    net::{IpAddr, SocketAddr},
    sync::Arc,
    time::Duration,
};

use activitypub_federation::config::{FederationConfig, FederationMiddleware};
use anyhow::Context as _;
use axum::{
    extract::{ConnectInfo, DefaultBodyLimit, MatchedPath},
    http::Request,
    Router,
};
use tower_http::trace::TraceLayer;

pub use crate::domain::limits::RateLimiter;
use crate::{config::Config, db::Db, domain, domain::Context};

/// Everything a request or a background task needs; cheap to clone. The domain's part is
/// [`Context`], which this dereferences to; the rest belongs to the doors and federation.
#[derive(Clone)]
pub struct AppState {
    pub ctx: Context,
    /// The outgoing HTTP client (fetches and deliveries).
    pub http: reqwest_middleware::ClientWithMiddleware,
    /// Ids of activities this process handled lately: copies that arrive directly and relayed,
    /// or again after a retry, stop here without a database round trip.
    pub recent_activities: moka::sync::Cache<String, ()>,
    /// Key of the web pages' CSRF tokens: derived from the instance's private key, so every
    /// process of the instance shares it and nobody else can compute it.
    pub web_secret: Arc<[u8; 32]>,
}

impl std::ops::Deref for AppState {
    type Target = Context;

    fn deref(&self) -> &Context {
        &self.ctx
    }
}

impl AppState {
    /// Connects to the database, migrates it and finds this instance's row.
    ///
    /// # Errors
    /// The database is unreachable or belongs to another domain.
    pub async fn new(config: Config) -> anyhow::Result<AppState> {
        let url = config.database_url.clone();
        let pool_size = config.pool_size;
        let db = tokio::task::spawn_blocking(move || Db::connect(&url, pool_size))
            .await
            .context("database set-up thread")??;
        let cfg = config.clone();
        let instance_id = db
            .write(move |c| domain::site::ensure_local_instance(c, &cfg))
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let http = crate::federation::client::build(
            !config.uses_https(),
            &format!(
                "Commonplace/{} (+{})",
                env!("CARGO_PKG_VERSION"),
                config.base_url()
            ),
        )?;
        let instance = domain::site::with_keys(&db, instance_id)
            .await
            .map_err(|e| anyhow::anyhow!("instance key pair: {e}"))?;
        let web_secret = {
            use sha2::{Digest, Sha256};
            let mut h = Sha256::new();
            h.update(b"commonplace web secret\0");
            h.update(instance.private_key.unwrap_or_default().as_bytes());
            Arc::new(<[u8; 32]>::from(h.finalize()))
        };
        let id = instance_id;
        let policy = db
            .read(move |c| crate::domain::policy::load(c, id))
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let ctx = Context {
            policy: Arc::new(std::sync::RwLock::new(policy)),
            db,
            outbox_wake: Arc::new(tokio::sync::Notify::new()),
            outbox_queued: Arc::default(),
            actors: crate::domain::remote::actor_cache(),
            idempotency: moka::sync::Cache::builder()
                .max_capacity(10_000)
                .time_to_live(Duration::from_secs(3600))
                .build(),
            auth_limiter: Arc::new(RateLimiter::new(config.limits.auth_attempts_per_minute)),
            post_limiter: Arc::new(RateLimiter::new(config.limits.posts_per_minute)),
            activities: Arc::new(crate::federation::to_wire::outgoing::Builder),
            config: Arc::new(config),
            instance_id,
        };
        Ok(AppState {
            ctx,
            recent_activities: moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(Duration::from_secs(3600))
                .build(),
            http,
            web_secret,
        })
    }
}

/// The federation library's configuration around our state.
///
/// # Errors
/// The configuration is rejected.
pub async fn federation_config(state: &AppState) -> anyhow::Result<FederationConfig<AppState>> {
    let instance = domain::site::instance_with_keys(state)
        .await
        .map_err(|e| anyhow::anyhow!("instance key pair: {e}"))?;
    let instance_actor =
        crate::federation::actors::DbActor::instance(instance, &state.config.base_url())
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    FederationConfig::builder()
        // Fetches are signed as the instance, for servers that refuse unsigned GETs.
        .signed_fetch_actor(&instance_actor)
        // Sign as Mastodon does: `(request-target)`, `host` and `date` (and `digest`), not the
        // `(created)`/`(expires)` pseudo-headers. Mastodon's secure mode refuses a GET whose
        // `host` is unsigned, and other servers require `date`. Incoming signatures are
        // verified the same way either way.
        .http_signature_compat(true)
        .domain(state.config.domain.clone())
        .app_data(state.clone())
        .client(state.http.clone())
        // Plain http and loopback peers are allowed only for local trials and tests.
        .debug(!state.config.uses_https())
        .http_fetch_limit(MAX_FETCHES_PER_REQUEST)
        .url_verifier(Box::new(crate::federation::PolicyVerifier(
            state.policy.clone(),
        )))
        .build()
        .await
        .context("federation configuration")
}

/// Remote fetches one incoming request or activity may cause.
const MAX_FETCHES_PER_REQUEST: u32 = 20;

/// The whole HTTP surface with its layers.
pub fn router(state: &AppState, federation: FederationConfig<AppState>) -> Router {
    let request_limit = state.config.limits.request_bytes;
    // One span per request; status and latency are recorded on it when the response leaves.
    let trace = TraceLayer::new_for_http()
        .make_span_with(|req: &Request<_>| {
            let route = req
                .extensions()
                .get::<MatchedPath>()
                .map_or(req.uri().path(), MatchedPath::as_str);
            tracing::info_span!(
                "request",
                method = %req.method(),
                path = %req.uri().path(),
                route = %route,
                status = tracing::field::Empty,
                latency_ms = tracing::field::Empty,
            )
        })
        .on_response(
            |res: &axum::http::Response<_>, latency: Duration, span: &tracing::Span| {
                span.record("status", res.status().as_u16());
                span.record("latency_ms", latency.as_secs_f64() * 1000.0);
                tracing::info!("response");
            },
        );
    Router::new()
        .merge(crate::api::routes())
        .merge(crate::federation::network::routes())
        .merge(crate::mastodon::routes())
        .merge(crate::web::routes(state))
        .merge(crate::federation::routes())
        .fallback(crate::web::fallback)
        .method_not_allowed_fallback(crate::api::method_not_allowed)
        .layer(FederationMiddleware::new(federation))
        // Apps that run in a browser (Elk, Phanpy…) call from their own origin. Requests carry
        // bearer tokens, never cookies, so any origin may call.
        .layer(
            tower_http::cors::CorsLayer::new()
                .allow_origin(tower_http::cors::Any)
                .allow_methods(tower_http::cors::Any)
                .allow_headers(tower_http::cors::Any)
                .expose_headers([axum::http::header::LINK])
                .max_age(Duration::from_secs(3600)),
        )
        .layer(DefaultBodyLimit::max(request_limit))
        .layer(trace)
}

/// A server started in this process: its address and a handle to stop it.
pub struct RunningServer {
    pub addr: SocketAddr,
    pub state: AppState,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    worker: tokio::task::JoinHandle<()>,
}

impl RunningServer {
    /// Stops accepting requests, lets those in flight finish, and waits.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = self.task.await;
        // Deliveries in flight are settled by nobody: their claims expire and they are retried.
        self.worker.abort();
        let _ = self.worker.await;
    }
}

/// Starts serving on an already bound listener (tests bind port 0 and set the domain first).
///
/// # Errors
/// Database or federation set-up failed.
pub async fn start(
    config: Config,
    listener: tokio::net::TcpListener,
) -> anyhow::Result<RunningServer> {
    let state = AppState::new(config).await?;
    // The migration that made person_expertise could not fold accents in SQL: fill it here.
    if let Some(rows) = domain::expertise::rebuild_if_empty(&state)
        .await
        .map_err(|e| anyhow::anyhow!("expertise tags: {e}"))?
    {
        tracing::info!(rows, "expertise tags rebuilt");
    }
    let federation = federation_config(&state).await?;
    // Apps call `/api/v1/instance/` and `/api/v1/instance` alike: one route answers both.
    let app = tower_http::normalize_path::NormalizePath::trim_trailing_slash(router(
        &state,
        federation.clone(),
    ));
    let worker = crate::workers::spawn_delivery(federation);
    let addr = listener.local_addr()?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let limits = &state.config.limits;
    let conn_limits = crate::server::ConnLimits {
        header_read: Duration::from_secs(limits.header_read_seconds),
        idle: Duration::from_secs(limits.idle_seconds),
        per_address: limits.connections_per_address,
        uncapped: {
            let proxies = state.config.trusted_proxies.clone();
            Arc::new(move |ip| proxies.contains(ip))
        },
    };
    let task = tokio::spawn(crate::server::serve(listener, app, conn_limits, async {
        let _ = rx.await;
    }));
    Ok(RunningServer {
        addr,
        state,
        shutdown: Some(tx),
        task,
        worker,
    })
}

/// Runs until Ctrl-C or SIGTERM.
///
/// # Errors
/// The address cannot be bound, or set-up failed.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .with_context(|| format!("cannot listen on {}", config.bind))?;
    let server = start(config, listener).await?;
    let state = &server.state;
    tracing::info!(
        addr = %server.addr,
        url = %state.config.base_url(),
        backend = state.db.backend().name(),
        "Commonplace is listening"
    );
    if !domain::people::admin_exists(state).await.unwrap_or(true) {
        tracing::warn!(
            "no administrator yet: create one with `commonplace admin create-user NAME --admin`"
        );
        eprintln!("No administrator yet. Create one with:\n  commonplace admin create-user NAME --admin\n(with cargo: cargo run --release -- admin create-user NAME --admin)");
    }
    shutdown_signal().await;
    tracing::info!("shutting down");
    server.stop().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

/// The client's address, for rate limits: the connection's peer, or, when that peer is a
/// trusted proxy, the address it forwarded — the right-most in `X-Forwarded-For` that is not
/// itself a trusted proxy (the ones to its left could be written by anyone).
pub fn client_ip(
    info: Option<&ConnectInfo<SocketAddr>>,
    headers: &axum::http::HeaderMap,
    trusted: &crate::config::TrustedProxies,
) -> IpAddr {
    let peer = info.map_or(IpAddr::from([0, 0, 0, 0]), |c| c.0.ip().to_canonical());
    if !trusted.contains(peer) {
        return peer;
    }
    let mut client = peer;
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect::<Vec<_>>();
    for hop in forwarded.iter().rev() {
        let Ok(ip) = hop.trim().parse::<IpAddr>() else {
            // An unreadable hop: stop at the last address known good.
            break;
        };
        client = ip.to_canonical();
        if !trusted.contains(client) {
            break;
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderMap;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn forwarded_addresses_count_only_from_trusted_proxies() {
        let trusted: crate::config::TrustedProxies =
            serde_json::from_value(serde_json::json!(["10.0.0.0/8", "127.0.0.1"])).expect("list");
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            "1.1.1.1, 203.0.113.9, 10.0.0.2".parse().expect("v"),
        );
        let from = |peer: &str| ConnectInfo(SocketAddr::new(ip(peer), 4000));
        // From the proxy: the right-most hop that is not a proxy.
        assert_eq!(
            client_ip(Some(&from("127.0.0.1")), &headers, &trusted),
            ip("203.0.113.9")
        );
        // From anyone else the header is the client's own word: ignored.
        assert_eq!(
            client_ip(Some(&from("198.51.100.1")), &headers, &trusted),
            ip("198.51.100.1")
        );
        // A proxy that forwarded nothing readable: the proxy itself.
        headers.insert("x-forwarded-for", "unknown".parse().expect("v"));
        assert_eq!(
            client_ip(Some(&from("127.0.0.1")), &headers, &trusted),
            ip("127.0.0.1")
        );
        assert_eq!(
            client_ip(Some(&from("127.0.0.1")), &HeaderMap::new(), &trusted),
            ip("127.0.0.1")
        );
    }
}
