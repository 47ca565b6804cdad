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

tokio::task_local! {
    /// Set by the delivery worker around one delivery: what the receiving server said when it
    /// refused it. The federation library takes a 4xx answer as final and drops its text, but a
    /// member waiting on a refused `Follow` needs it.
    pub static REFUSAL: std::cell::RefCell<Option<String>>;
}

/// Keeps the status and text of a refused delivery (a 4xx other than 408 and 429, which the
/// library retries) in [`REFUSAL`], when the request runs inside a delivery.
struct RecordRefusals;

#[async_trait::async_trait]
impl reqwest_middleware::Middleware for RecordRefusals {
    async fn handle(
        &self,
        req: reqwest::Request,
        extensions: &mut axum::http::Extensions,
        next: reqwest_middleware::Next<'_>,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        let response = next.run(req, extensions).await?;
        let status = response.status();
        let refused = status.is_client_error()
            && status != reqwest::StatusCode::REQUEST_TIMEOUT
            && status != reqwest::StatusCode::TOO_MANY_REQUESTS;
        if !refused || REFUSAL.try_with(|_| ()).is_err() {
            return Ok(response);
        }
        // The body is read here (bounded, as the library would) and handed on rebuilt.
        let mut body = Vec::new();
        let mut response = response;
        while let Some(chunk) = response.chunk().await.ok().flatten() {
            body.extend_from_slice(&chunk);
            if body.len() > 4096 {
                break;
            }
        }
        // Servers answer in JSON with a message (ours, Mastodon's `error`) or in plain text.
        let text = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| {
                v.get("message")
                    .or_else(|| v.get("error"))
                    .and_then(|m| m.as_str().map(str::to_string))
            })
            .unwrap_or_else(|| String::from_utf8_lossy(&body).into_owned());
        let summary: String = text.trim().chars().take(300).collect();
        let _ = REFUSAL.try_with(|r| {
            *r.borrow_mut() = Some(format!("refused with {status}: {summary}"));
        });
        let rebuilt = axum::http::Response::builder()
            .status(status)
            .body(body)
            .map_err(|e| reqwest_middleware::Error::Middleware(anyhow::anyhow!(e)))?;
        Ok(reqwest::Response::from(rebuilt))
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
    Ok(reqwest_middleware::ClientBuilder::new(builder.build()?)
        .with(RecordRefusals)
        .build())
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
