//! The outgoing HTTP client shared by fetches and deliveries.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// In test mode (plain http), names under `.localhost` resolve to loopback as RFC 6761 reserves
/// them, so several instances can run on one machine under distinct host names without touching
/// the system resolver. Everything else goes to the system resolver.
#[derive(Debug, Clone, Copy)]
struct LoopbackLocalhost;

impl Resolve for LoopbackLocalhost {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_string();
        Box::pin(async move {
            if host == "localhost" || host.ends_with(".localhost") {
                let addrs: Addrs =
                    Box::new(vec![SocketAddr::from(([127, 0, 0, 1], 0))].into_iter());
                return Ok(addrs);
            }
            let found = tokio::net::lookup_host((host.as_str(), 0)).await?;
            let addrs: Addrs = Box::new(found.collect::<Vec<_>>().into_iter());
            Ok(addrs)
        })
    }
}

/// Installs the TLS provider (ring) for every HTTP client of the process; call it before
/// building any client. Installing it twice is harmless.
pub fn install_tls() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The client: TLS through rustls (ring), bounded time-outs and redirects, our user agent.
///
/// # Errors
/// The TLS set-up failed.
pub fn build(
    test_mode: bool,
    user_agent: &str,
) -> anyhow::Result<reqwest_middleware::ClientWithMiddleware> {
    install_tls();
    let mut builder = reqwest::Client::builder()
        .user_agent(user_agent)
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::limited(3))
        .pool_idle_timeout(Duration::from_secs(30));
    if test_mode {
        builder = builder.dns_resolver(Arc::new(LoopbackLocalhost));
    }
    Ok(builder.build()?.into())
}
