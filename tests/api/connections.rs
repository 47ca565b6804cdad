//! Connection limits: slow and idle clients are cut off, one address cannot hold every socket,
//! and everyone else is still served meanwhile.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpSocket, TcpStream},
};

use crate::helpers::{eventually, spawn_with};

/// Waits until the server closes `stream` (end of file or reset); how long that took.
async fn closed_within(stream: &mut TcpStream, limit: Duration) -> Duration {
    let started = Instant::now();
    let mut buf = [0u8; 512];
    tokio::time::timeout(limit, async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
    })
    .await
    .expect("the server closes the connection");
    started.elapsed()
}

/// A raw connection from `source` (e.g. 127.0.0.2) to the server.
async fn connect_from(source: [u8; 4], to: std::net::SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().expect("socket");
    socket
        .bind((std::net::Ipv4Addr::from(source), 0).into())
        .expect("bind source address");
    socket.connect(to).await.expect("connect")
}

/// Whether a whole request on a fresh connection from `source` gets an answer.
async fn served_from(source: [u8; 4], to: std::net::SocketAddr) -> bool {
    let client = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from(source))
        .pool_max_idle_per_host(0)
        .build()
        .expect("client");
    matches!(
        client.get(format!("http://{to}/api/v1/site")).send().await,
        Ok(res) if res.status() == StatusCode::OK
    )
}

#[tokio::test]
async fn a_client_sending_headers_slowly_is_cut_off_while_others_are_served() {
    let app = spawn_with(|c| c.limits.header_read_seconds = 1).await;
    let addr = app.server.addr;
    let mut slow = TcpStream::connect(addr).await.expect("connect");
    // A byte every 200 ms keeps the connection busy, but the headers never end.
    let trickle = tokio::spawn(async move {
        for byte in
            b"GET /api/v1/site HTTP/1.1\r\nHost: localhost\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaa"
        {
            if slow.write_all(&[*byte]).await.is_err() {
                return (slow, true);
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        (slow, false)
    });
    assert!(
        served_from([127, 0, 0, 1], addr).await,
        "another client is served meanwhile"
    );
    let (mut slow, write_failed) = trickle.await.expect("trickle");
    if !write_failed {
        let waited = closed_within(&mut slow, Duration::from_secs(5)).await;
        assert!(waited < Duration::from_secs(5));
    }
    app.stop().await;
}

#[tokio::test]
async fn a_connection_that_sends_nothing_is_closed_after_the_idle_time() {
    let app = spawn_with(|c| c.limits.idle_seconds = 1).await;
    let addr = app.server.addr;
    // Nothing at all: not even the protocol is known, so only the idle time-out applies.
    let mut silent = TcpStream::connect(addr).await.expect("connect");
    let waited = closed_within(&mut silent, Duration::from_secs(5)).await;
    assert!(waited >= Duration::from_millis(900), "{waited:?}");
    // A kept-alive connection after its request: closed the same way.
    let mut kept = TcpStream::connect(addr).await.expect("connect");
    kept.write_all(b"GET /api/v1/site HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .expect("write");
    let mut buf = [0u8; 16];
    kept.read_exact(&mut buf).await.expect("response");
    assert!(buf.starts_with(b"HTTP/1.1 200"));
    closed_within(&mut kept, Duration::from_secs(5)).await;
    app.stop().await;
}

#[tokio::test]
async fn connections_beyond_the_per_address_cap_are_closed_and_other_addresses_served() {
    let app = spawn_with(|c| c.limits.connections_per_address = 3).await;
    let addr = app.server.addr;
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(connect_from([127, 0, 0, 1], addr).await);
    }
    // The three are accepted and counted; a fourth from the same address is closed unanswered.
    eventually("a fourth connection from 127.0.0.1 is closed", || async {
        let mut extra = connect_from([127, 0, 0, 1], addr).await;
        let _ = extra
            .write_all(b"GET /api/v1/site HTTP/1.1\r\nHost: localhost\r\n\r\n")
            .await;
        let mut buf = [0u8; 64];
        matches!(
            tokio::time::timeout(Duration::from_secs(2), extra.read(&mut buf)).await,
            Ok(Ok(0) | Err(_))
        )
    })
    .await;
    assert!(!served_from([127, 0, 0, 1], addr).await);
    assert!(
        served_from([127, 0, 0, 2], addr).await,
        "another address is served"
    );
    // One of the three closes: its slot is free again.
    drop(held.pop());
    eventually("127.0.0.1 is served again", || {
        served_from([127, 0, 0, 1], addr)
    })
    .await;
    drop(held);
    app.stop().await;
}

#[tokio::test]
async fn stopping_the_server_closes_kept_alive_connections() {
    let app = spawn_with(|_| {}).await;
    let addr = app.server.addr;
    let mut kept = TcpStream::connect(addr).await.expect("connect");
    kept.write_all(b"GET /api/v1/site HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .expect("write");
    let mut buf = [0u8; 16];
    kept.read_exact(&mut buf).await.expect("response");
    let stopping = tokio::spawn(app.stop());
    closed_within(&mut kept, Duration::from_secs(5)).await;
    let stopped = tokio::time::timeout(Duration::from_secs(5), stopping)
        .await
        .expect("stop returns")
        .expect("stop task");
    // And it starts again on the same port.
    let app = stopped.start().await;
    assert!(served_from([127, 0, 0, 1], app.server.addr).await);
    app.stop().await;
}

#[tokio::test]
async fn a_trusted_proxy_is_not_capped() {
    let app = spawn_with(|c| {
        c.limits.connections_per_address = 2;
        c.trusted_proxies = "127.0.0.1".parse().expect("proxies");
    })
    .await;
    let addr = app.server.addr;
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(connect_from([127, 0, 0, 1], addr).await);
    }
    assert!(
        served_from([127, 0, 0, 1], addr).await,
        "the proxy carries everyone's connections"
    );
    drop(held);
    app.stop().await;
}
