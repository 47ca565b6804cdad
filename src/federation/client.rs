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

/// The client: TLS through rustls (ring), bounded time-outs, our user agent. It follows no
/// redirect itself: the federation library follows one, after checking the new address as it
/// checks the first. In production every host name is resolved by the library's validating
/// resolver, which refuses private, loopback and link-local addresses at the moment of
/// connecting (so a name cannot switch to an internal address after it was checked).
///
/// # Errors
/// The TLS set-up failed.
pub fn build(
    test_mode: bool,
    user_agent: &str,
) -> anyhow::Result<reqwest_middleware::ClientWithMiddleware> {
    install_tls();
    let builder = reqwest::Client::builder()
        .user_agent(user_agent)
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .pool_idle_timeout(Duration::from_secs(30));
    let builder = if test_mode {
        builder.dns_resolver(Arc::new(LoopbackLocalhost))
    } else {
        builder.dns_resolver(Arc::new(
            activitypub_federation::resolver::ValidatingDnsResolver::new(Vec::new(), true),
        ))
    };
    Ok(builder.build()?.into())
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn production_clients_refuse_internal_addresses_test_clients_reach_loopback() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            let app = axum::Router::new().route("/", axum::routing::get(|| async { "ok" }));
            axum::serve(listener, app).await
        });
        let url = format!("http://alpha.localhost:{port}/");
        let test = super::build(true, "test").unwrap();
        let res = test.get(&url).send().await.unwrap();
        assert_eq!(res.text().await.unwrap(), "ok");
        // Literal addresses never reach a resolver: the federation library refuses them before
        // any fetch or delivery in production.
        let production = super::build(false, "test").unwrap();
        let err = production
            .get(format!("http://localhost:{port}/"))
            .send()
            .await
            .unwrap_err();
        assert!(format!("{err:?}").contains("ResolveInternalIp"), "{err:?}");
    }
}
