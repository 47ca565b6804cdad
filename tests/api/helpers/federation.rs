//! Federation seen from the outside: signed deliveries to an inbox as another instance sends
//! them, small remote servers that record what we send, captured documents of real servers.

use activitypub_federation::config::{Data, FederationConfig};
use axum::response::IntoResponse;
use commonplace::domain::remote::{actor_by_ap_id, ActorRow};
use commonplace::federation::actors::DbActor;
use reqwest::StatusCode;
use serde_json::{json, Value};

use super::{eventually, TestApp};

/// The URL of `path` on `app`, under its own host name, as other servers name it.
pub fn at(app: &TestApp, path: &str) -> String {
    format!("http://{}{path}", app.server.state.config.domain)
}

/// A captured document under `tests/fixtures/`.
pub fn fixture(path: &str) -> Value {
    let text = std::fs::read_to_string(format!(
        "{}/tests/fixtures/{path}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Signs requests as `actor` (a local person or group of `app`), as that instance would.
pub async fn signer(app: &TestApp, actor_ap_id: &str) -> Data<()> {
    let actor = match actor_by_ap_id(&app.server.state, actor_ap_id)
        .await
        .unwrap()
        .unwrap()
    {
        ActorRow::Person(p) => DbActor::from_person(p).unwrap(),
        ActorRow::Group(g) => DbActor::from_group(g).unwrap(),
    };
    FederationConfig::builder()
        .domain(app.server.state.config.domain.clone())
        .app_data(())
        .signed_fetch_actor(&actor)
        .debug(true)
        .build()
        .await
        .unwrap()
        .to_request_data()
}

/// A client that reaches `target` under its host name.
pub fn client_for(target: &TestApp) -> reqwest::Client {
    let domain = &target.server.state.config.domain;
    let host = domain.split(':').next().unwrap();
    reqwest::Client::builder()
        .resolve(host, target.server.addr)
        .build()
        .unwrap()
}

pub fn inbox(target: &TestApp) -> String {
    format!("http://{}/inbox", target.server.state.config.domain)
}

/// Signs `body` and lets `tamper` change the request before it is sent.
pub async fn post_signed(
    from: &Data<()>,
    to: &TestApp,
    body: &Value,
    date: Option<String>,
    tamper: impl FnOnce(&mut reqwest::Request),
) -> (StatusCode, Value) {
    let client = client_for(to);
    let bytes = serde_json::to_vec(body).unwrap();
    let signing_client = reqwest_middleware::ClientWithMiddleware::from(client.clone());
    let mut builder = signing_client
        .post(inbox(to))
        .header("content-type", "application/activity+json");
    builder = builder.header("date", date.unwrap_or_else(httpdate_now));
    let mut request = from.sign_request(builder, bytes.into()).await.unwrap();
    tamper(&mut request);
    let res = client.execute(request).await.unwrap();
    let status = res.status();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Now, as an HTTP `Date` header.
pub fn httpdate_now() -> String {
    chrono::Utc::now()
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

/// Signs as `actor` the way Mastodon does: `Host` and `Date` are covered by the signature.
pub async fn signer_with_host_and_date(app: &TestApp, actor_ap_id: &str) -> Data<()> {
    let Some(ActorRow::Person(p)) = actor_by_ap_id(&app.server.state, actor_ap_id)
        .await
        .expect("read")
    else {
        panic!("no such person");
    };
    FederationConfig::builder()
        .domain(app.server.state.config.domain.clone())
        .app_data(())
        .signed_fetch_actor(&DbActor::from_person(p).expect("actor"))
        .http_signature_compat(true)
        .debug(true)
        .build()
        .await
        .expect("config")
        .to_request_data()
}

/// Looks a remote group up by handle, joins it, and waits for its Accept; returns the handle.
pub async fn resolve_and_join(app: &TestApp, token: &str, group_handle: &str) -> String {
    let (status, found) = app
        .get(&format!("/api/v1/resolve?q=!{group_handle}"), Some(token))
        .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(found["type"], "group");
    let handle = found["group"]["handle"].as_str().unwrap().to_string();
    assert_eq!(handle, group_handle);
    let (status, joined) = app
        .post(
            &format!("/api/v1/groups/{handle}/join"),
            Some(token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{joined}");
    assert_eq!(joined["state"], "pending", "a remote group answers later");
    eventually("the group accepts the follow", || async {
        let (_, g) = app
            .get(&format!("/api/v1/groups/{handle}"), Some(token))
            .await;
        g["membership"] == "accepted"
    })
    .await;
    // Joining reads the group's recent threads, then its stewards: once they show, it is done.
    eventually("the group's stewards are read", || async {
        let (_, g) = app
            .get(&format!("/api/v1/groups/{handle}"), Some(token))
            .await;
        g["stewards"].as_array().is_some_and(|s| !s.is_empty())
    })
    .await;
    handle
}

/// One request as a small remote server saw it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub path_and_query: String,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

/// A small real server under `remote.localhost`: it answers each GET of a path that `documents`
/// (given its origin) lists with that status and JSON, any other GET with 404; answers 202 to
/// every POST and records every request. Returns its origin and what it saw.
pub async fn remote_server(
    documents: impl FnOnce(&str) -> Vec<(String, StatusCode, Value)>,
) -> (String, std::sync::Arc<std::sync::Mutex<Vec<Seen>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!(
        "http://remote.localhost:{}",
        listener.local_addr().unwrap().port()
    );
    let documents = std::sync::Arc::new(documents(&origin));
    let seen: std::sync::Arc<std::sync::Mutex<Vec<Seen>>> = std::sync::Arc::default();
    let log = seen.clone();
    let app = axum::Router::new().fallback(move |req: axum::extract::Request| {
        let (log, documents) = (log.clone(), documents.clone());
        async move {
            let (parts, body) = req.into_parts();
            let body = axum::body::to_bytes(body, 1 << 20).await.unwrap().to_vec();
            let path_and_query = parts.uri.path_and_query().unwrap().to_string();
            log.lock().unwrap().push(Seen {
                method: parts.method.to_string(),
                path_and_query: path_and_query.clone(),
                headers: parts.headers,
                body,
            });
            if parts.method == axum::http::Method::POST {
                return (StatusCode::ACCEPTED, String::new()).into_response();
            }
            match documents.iter().find(|(p, ..)| *p == path_and_query) {
                Some((_, status, doc)) => (
                    *status,
                    [("content-type", "application/activity+json")],
                    doc.to_string(),
                )
                    .into_response(),
                None => StatusCode::NOT_FOUND.into_response(),
            }
        }
    });
    tokio::spawn(async move { axum::serve(listener, app).await });
    (origin, seen)
}
