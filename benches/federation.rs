//! Federation benchmark, against the release server run as a child process on SQLite:
//!
//! 1. the RSA-2048 sign and verify rates of this machine (one core), the ceiling of everything else;
//! 2. inbox throughput: signed `Create(Note)` replies from many remote actors, accepted, verified
//!    and stored per second;
//! 3. fan-out: one thread in a group followed from `BENCH_INSTANCES` (default 1,000) distinct
//!    remote instances, served by one loopback receiver under `rN.localhost` names; the time until
//!    every instance has it, and how many deliveries each received;
//! 4. the server's resident memory during both.
//!
//! `cargo bench --bench federation`. Sizes: `BENCH_ACTORS` (200), `BENCH_ACTIVITIES` (10,000),
//! `BENCH_INSTANCES` (1000), `BENCH_CONCURRENCY` (16). With `BENCH_DATABASE_URL=postgres://…`
//! the server runs on PostgreSQL instead (a database `cp_bench_federation` is dropped and
//! recreated there).

mod common;

use std::{
    collections::{HashMap, HashSet},
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

use activitypub_federation::{
    config::{Data, FederationConfig},
    http_signatures::generate_actor_keypair,
};
use axum::{
    extract::Path,
    http::{header, HeaderMap},
    response::IntoResponse,
    routing::{get, post},
    Router,
};
use commonplace::{db::models::Person, federation::actors::DbActor};
use rsa::{
    pkcs8::{DecodePrivateKey, DecodePublicKey},
    Pkcs1v15Sign, RsaPrivateKey, RsaPublicKey,
};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use common::{env_num, rss_mib, start_server};

/// Samples the peak resident memory of `pid` until the returned flag is set.
fn sample_peak(
    pid: u32,
) -> (
    Arc<std::sync::atomic::AtomicBool>,
    tokio::task::JoinHandle<f64>,
) {
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = stop.clone();
    let task = tokio::spawn(async move {
        let mut peak: f64 = 0.0;
        while !flag.load(Ordering::Relaxed) {
            peak = peak.max(rss_mib(pid));
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        peak
    });
    (stop, task)
}

fn rsa_rates() -> (f64, f64) {
    let keys = generate_actor_keypair().expect("key");
    let private = RsaPrivateKey::from_pkcs8_pem(&keys.private_key).expect("private key");
    let public = RsaPublicKey::from_public_key_pem(&keys.public_key).expect("public key");
    let digest =
        Sha256::digest(b"(request-target): post /inbox\nhost: example\ndate: now\ndigest: x");
    let n = 200;
    let t = Instant::now();
    let mut signature = Vec::new();
    for _ in 0..n {
        signature = private
            .sign(Pkcs1v15Sign::new::<Sha256>(), &digest)
            .expect("sign");
    }
    let sign_rate = f64::from(n) / t.elapsed().as_secs_f64();
    let m = 2000;
    let t = Instant::now();
    for _ in 0..m {
        public
            .verify(Pkcs1v15Sign::new::<Sha256>(), &digest, &signature)
            .expect("verify");
    }
    (sign_rate, f64::from(m) / t.elapsed().as_secs_f64())
}

/// What the loopback receiver saw.
#[derive(Default)]
struct Received {
    posts: AtomicUsize,
    hosts: Mutex<HashMap<String, usize>>,
}

fn host_of(headers: &HeaderMap) -> String {
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// Remote actors (`/u/NAME` under any host name) and inboxes that count deliveries.
async fn start_receiver(public_key: String, received: Arc<Received>) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let app = Router::new()
        .route(
            "/u/{name}",
            get(move |Path(name): Path<String>, headers: HeaderMap| {
                let key = public_key.clone();
                async move {
                    let host = host_of(&headers);
                    let id = format!("http://{host}/u/{name}");
                    let doc = json!({
                        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
                        "id": id, "type": "Person", "preferredUsername": name,
                        "inbox": format!("http://{host}/inbox"),
                        "endpoints": {"sharedInbox": format!("http://{host}/inbox")},
                        "publicKey": {"id": format!("{id}#main-key"), "owner": id, "publicKeyPem": key},
                    });
                    ([(header::CONTENT_TYPE, "application/activity+json")], doc.to_string())
                }
            }),
        )
        .route(
            "/inbox",
            post(move |headers: HeaderMap| {
                let received = received.clone();
                async move {
                    received.posts.fetch_add(1, Ordering::Relaxed);
                    if let Ok(mut hosts) = received.hosts.lock() {
                        *hosts.entry(host_of(&headers)).or_default() += 1;
                    }
                    axum::http::StatusCode::ACCEPTED.into_response()
                }
            }),
        );
    tokio::spawn(async move { axum::serve(listener, app).await });
    port
}

/// A signer for one remote actor (an in-memory person with the shared key).
async fn signer(id: &str, public: &str, private: &str) -> Data<()> {
    let t = chrono::Utc::now().naive_utc();
    let person = Person {
        id: 0,
        ap_id: id.to_string(),
        local: false,
        instance_id: 0,
        username: "bench".into(),
        display_name: None,
        bio_source: String::new(),
        bio_html: String::new(),
        agency: None,
        job_role: None,
        expertise: String::new(),
        password_hash: None,
        is_admin: false,
        approved: true,
        suspended: false,
        public_key: public.to_string(),
        private_key: Some(private.to_string()),
        inbox_url: String::new(),
        shared_inbox_url: None,
        created_at: t,
        updated_at: t,
        last_refreshed_at: None,
        language: None,
        ask_me_about: String::new(),
        languages: String::new(),
    };
    let actor = DbActor::from_person(person).expect("actor");
    FederationConfig::builder()
        .domain("bench.invalid")
        .app_data(())
        .signed_fetch_actor(&actor)
        .debug(true)
        .build()
        .await
        .expect("config")
        .to_request_data()
}

async fn api(
    client: &reqwest::Client,
    base: &str,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: Value,
) -> Value {
    let mut req = client.request(method, format!("{base}{path}")).json(&body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.expect("request");
    res.json().await.unwrap_or(Value::Null)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    commonplace::federation::client::install_tls();
    let actors = env_num("BENCH_ACTORS", 200_usize);
    let activities = env_num("BENCH_ACTIVITIES", 10_000_usize);
    let instances = env_num("BENCH_INSTANCES", 1000_usize);
    let concurrency = env_num("BENCH_CONCURRENCY", 16_usize);
    println!(
        "{} cores",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );

    let (sign, verify) = tokio::task::spawn_blocking(rsa_rates).await?;
    println!("RSA-2048 on one core: sign {sign:.0}/s, verify {verify:.0}/s");

    let keys = generate_actor_keypair()?;
    let received = Arc::new(Received::default());
    let rport = start_receiver(keys.public_key.clone(), received.clone()).await;

    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-federation");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let sport = {
        let l = std::net::TcpListener::bind("127.0.0.1:0")?;
        l.local_addr()?.port()
    };
    let domain = format!("bench.localhost:{sport}");
    let db_url = common::fresh_database("cp_bench_federation", &dir.join("bench.db"))?;
    println!("database: {}", commonplace::db::Backend::of(&db_url).name());
    let server = start_server(
        &db_url,
        &domain,
        sport,
        "error",
        &[("COMMONPLACE_LIMITS__AUTH_ATTEMPTS_PER_MINUTE", "100000")],
    )
    .await?;
    let (pid, base) = (server.pid, server.base.clone());
    let client = reqwest::Client::new();
    let reg = api(
        &client,
        &base,
        reqwest::Method::POST,
        "/api/v1/auth/register",
        None,
        json!({"username": "alice", "password": "correct horse"}),
    )
    .await;
    let token = reg["token"].as_str().expect("token").to_string();
    api(
        &client,
        &base,
        reqwest::Method::POST,
        "/api/v1/groups",
        Some(&token),
        json!({"name": "bench", "title": "Bench"}),
    )
    .await;
    let thread = api(
        &client,
        &base,
        reqwest::Method::POST,
        "/api/v1/groups/bench/threads",
        Some(&token),
        json!({"title": "Target"}),
    )
    .await;
    let thread_ap_id = thread["ap_id"].as_str().expect("thread").to_string();
    println!("idle resident memory: {:.1} MiB", rss_mib(pid));

    // Inbox throughput. Requests are signed before the clock starts: signing is the sender's cost.
    let inbox = format!("http://{domain}/inbox");
    let send_client = reqwest::Client::builder()
        .resolve("bench.localhost", format!("127.0.0.1:{sport}").parse()?)
        .build()?;
    let signing = reqwest_middleware::ClientWithMiddleware::from(send_client.clone());
    let mut signers = Vec::new();
    for a in 0..actors {
        let id = format!("http://src.localhost:{rport}/u/a{a}");
        signers.push((
            id.clone(),
            signer(&id, &keys.public_key, &keys.private_key).await,
        ));
    }
    let sign_started = Instant::now();
    let mut requests = Vec::new();
    for n in 0..activities {
        let (actor, data) = &signers[n % actors];
        let note = json!({
            "id": format!("{actor}/notes/{n}"), "type": "Note", "attributedTo": actor,
            "to": ["https://www.w3.org/ns/activitystreams#Public"], "inReplyTo": thread_ap_id,
            "content": format!("<p>Reply number {n}</p>"), "published": chrono::Utc::now().to_rfc3339(),
        });
        let activity = json!({"id": format!("{actor}/create/{n}"), "type": "Create", "actor": actor, "object": note});
        let builder = signing
            .post(&inbox)
            .header("content-type", "application/activity+json")
            .header(
                "date",
                chrono::Utc::now()
                    .format("%a, %d %b %Y %H:%M:%S GMT")
                    .to_string(),
            );
        requests.push(
            data.sign_request(builder, serde_json::to_vec(&activity)?.into())
                .await?,
        );
    }
    println!(
        "signed {activities} activities in {:.1} s",
        sign_started.elapsed().as_secs_f64()
    );
    // The first activity of each actor makes the server fetch that actor; send those first.
    let warm: Vec<_> = requests.drain(..actors.min(requests.len())).collect();
    for r in warm {
        send_client.execute(r).await?;
    }
    let (stop, peak) = sample_peak(pid);
    let queue = Arc::new(Mutex::new(requests));
    let accepted = Arc::new(AtomicUsize::new(0));
    let refused = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (queue, client, accepted, refused) = (
            queue.clone(),
            send_client.clone(),
            accepted.clone(),
            refused.clone(),
        );
        workers.push(tokio::spawn(async move {
            loop {
                let next = queue.lock().ok().and_then(|mut q| q.pop());
                let Some(request) = next else { break };
                match client.execute(request).await {
                    Ok(r) if r.status().is_success() => accepted.fetch_add(1, Ordering::Relaxed),
                    _ => refused.fetch_add(1, Ordering::Relaxed),
                };
            }
        }));
    }
    for w in workers {
        w.await?;
    }
    let elapsed = started.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    let inbox_peak = peak.await?;
    let accepted = accepted.load(Ordering::Relaxed);
    let rate = accepted as f64 / elapsed;
    println!(
        "inbox: {accepted} accepted, {} refused in {elapsed:.2} s = {rate:.0} activities/s ({:.0} % of the one-core verify ceiling, {:.0} % of two cores); peak RSS {inbox_peak:.1} MiB",
        refused.load(Ordering::Relaxed),
        100.0 * rate / verify,
        100.0 * rate / (2.0 * verify),
    );

    // Fan-out: followers on `instances` distinct servers, seeded straight into the database.
    let db = commonplace::db::Db::connect(&db_url, 1)?;
    let receiver = rport;
    db.write(move |c| {
        use commonplace::db::schema::*;
        use diesel::prelude::*;
        let t = chrono::Utc::now().naive_utc();
        let group_id: i64 = groups::table
            .filter(groups::name.eq("bench"))
            .select(groups::id)
            .first(c)?;
        for n in 0..instances {
            let host = format!("r{n}.localhost:{receiver}");
            diesel::insert_into(instances::table)
                .values((
                    instances::domain.eq(&host),
                    instances::local.eq(false),
                    instances::name.eq(&host),
                    instances::created_at.eq(t),
                    instances::updated_at.eq(t),
                ))
                .execute(c)?;
            let instance_id: i64 = instances::table
                .filter(instances::domain.eq(&host))
                .select(instances::id)
                .first(c)?;
            let ap_id = format!("http://{host}/u/f");
            diesel::insert_into(persons::table)
                .values((
                    persons::ap_id.eq(&ap_id),
                    persons::local.eq(false),
                    persons::instance_id.eq(instance_id),
                    persons::username.eq("f"),
                    persons::public_key.eq(""),
                    persons::inbox_url.eq(format!("http://{host}/inbox")),
                    persons::shared_inbox_url.eq(format!("http://{host}/inbox")),
                    persons::created_at.eq(t),
                    persons::updated_at.eq(t),
                ))
                .execute(c)?;
            let person_id: i64 = persons::table
                .filter(persons::ap_id.eq(&ap_id))
                .select(persons::id)
                .first(c)?;
            diesel::insert_into(memberships::table)
                .values((
                    memberships::group_id.eq(group_id),
                    memberships::person_id.eq(person_id),
                    memberships::state.eq("accepted"),
                    memberships::created_at.eq(t),
                ))
                .execute(c)?;
        }
        Ok(())
    })
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    drop(db);
    received.posts.store(0, Ordering::Relaxed);
    if let Ok(mut h) = received.hosts.lock() {
        h.clear();
    }
    let (stop, peak) = sample_peak(pid);
    let started = Instant::now();
    api(
        &client,
        &base,
        reqwest::Method::POST,
        "/api/v1/groups/bench/threads",
        Some(&token),
        json!({"title": "Fan-out", "body": "To everyone"}),
    )
    .await;
    let deadline = started + Duration::from_secs(120);
    let mut all_at = None;
    while Instant::now() < deadline {
        let hosts = received.hosts.lock().map(|h| h.len()).unwrap_or(0);
        if hosts >= instances {
            all_at = Some(started.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    stop.store(true, Ordering::Relaxed);
    let fan_peak = peak.await?;
    let per_host: HashSet<usize> = received
        .hosts
        .lock()
        .map(|h| h.values().copied().collect())
        .unwrap_or_default();
    match all_at {
        Some(t) => println!(
            "fan-out: {instances} instances had the thread after {:.2} s; {} deliveries in all, deliveries per instance {:?}; peak RSS {fan_peak:.1} MiB",
            t.as_secs_f64(),
            received.posts.load(Ordering::Relaxed),
            per_host
        ),
        None => println!(
            "fan-out: only {} of {instances} instances had the thread after 120 s",
            received.hosts.lock().map(|h| h.len()).unwrap_or(0)
        ),
    }
    Ok(())
}
