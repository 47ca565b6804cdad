//! The HTTP server's accept loop: HTTP/1 and HTTP/2 through hyper-util, with the limits that
//! `axum::serve` cannot set — a time-out on reading request headers, an idle time-out, and a cap
//! on open connections per client address — so that one address holding thousands of sockets
//! or sending headers a byte at a time cannot starve everyone else.

use std::{
    collections::HashMap,
    convert::Infallible,
    future::Future,
    net::{IpAddr, SocketAddr},
    pin::pin,
    sync::{
        atomic::{AtomicU64, AtomicUsize, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

use axum::{extract::ConnectInfo, response::Response};
use hyper::body::Incoming;
use hyper_util::{
    rt::{TokioExecutor, TokioIo, TokioTimer},
    server::conn::auto,
};
use tokio::{net::TcpListener, sync::watch, time::Instant};
use tower::ServiceExt as _;

/// Time-outs and caps for connections, from `limits` in the configuration.
#[derive(Clone)]
pub struct ConnLimits {
    /// Longest wait for a request's complete headers (HTTP/1).
    pub header_read: Duration,
    /// A connection with no request in flight for this long is closed.
    pub idle: Duration,
    /// Open connections one client address may hold; more are closed at once.
    pub per_address: usize,
    /// Addresses without a cap (trusted reverse proxies carry everyone's connections).
    pub uncapped: Arc<dyn Fn(IpAddr) -> bool + Send + Sync>,
}

/// Once a connection is told to close (idle, or the server stopping), what it is doing may
/// finish within this long; then it is dropped.
const CLOSE_GRACE: Duration = Duration::from_secs(10);

/// Serves `app` on `listener` until `shutdown` resolves, then closes every connection
/// gracefully and returns once they are gone.
///
/// # Errors
/// None today; accept errors are logged and retried.
pub async fn serve<S>(
    listener: TcpListener,
    app: S,
    limits: ConnLimits,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()>
where
    S: tower::Service<axum::extract::Request, Response = Response, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send,
{
    let limits = Arc::new(limits);
    let open = Arc::new(OpenConnections::default());
    // Connections watch `stop`; each holds a `done` receiver until it ends, so the server
    // knows when the last one is gone.
    let (stop_tx, stop_rx) = watch::channel(());
    let (done_tx, done_rx) = watch::channel(());
    let mut shutdown = pin!(shutdown);
    loop {
        let (stream, addr) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    accept_failed(&e).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let slot = if (limits.uncapped)(addr.ip()) {
            None
        } else {
            match open.take(addr.ip(), limits.per_address) {
                Some(slot) => Some(slot),
                None => {
                    refused(addr.ip());
                    drop(stream);
                    continue;
                }
            }
        };
        let conn = Conn {
            app: app.clone(),
            addr,
            limits: limits.clone(),
            stop: stop_rx.clone(),
            _done: done_rx.clone(),
            _slot: slot,
        };
        tokio::spawn(conn.run(stream));
    }
    drop(listener);
    drop(stop_rx);
    drop(done_rx);
    let _ = stop_tx.send(());
    done_tx.closed().await;
    Ok(())
}

/// One accepted connection and what it needs until it closes.
struct Conn<S> {
    app: S,
    addr: SocketAddr,
    limits: Arc<ConnLimits>,
    stop: watch::Receiver<()>,
    _done: watch::Receiver<()>,
    _slot: Option<Slot>,
}

impl<S> Conn<S>
where
    S: tower::Service<axum::extract::Request, Response = Response, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send,
{
    async fn run(mut self, stream: tokio::net::TcpStream) {
        let activity = Arc::new(Activity::new());
        let (app, addr, seen) = (self.app.clone(), self.addr, activity.clone());
        let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
            let mut req = req.map(axum::body::Body::new);
            // What `into_make_service_with_connect_info` gave handlers before.
            req.extensions_mut().insert(ConnectInfo(addr));
            let busy = seen.begin();
            let app = app.clone();
            async move {
                let response = app.oneshot(req).await;
                drop(busy);
                response
            }
        });
        let mut builder = auto::Builder::new(TokioExecutor::new());
        builder
            .http1()
            .timer(TokioTimer::new())
            .header_read_timeout(self.limits.header_read);
        builder.http2().timer(TokioTimer::new());
        let mut conn = pin!(builder.serve_connection_with_upgrades(TokioIo::new(stream), service));
        let mut closing = false;
        let mut deadline = Instant::now() + self.limits.idle;
        loop {
            tokio::select! {
                result = conn.as_mut() => {
                    if let Err(e) = result {
                        tracing::debug!(addr = %self.addr, error = %e, "connection ended");
                    }
                    break;
                }
                _ = self.stop.changed(), if !closing => {
                    conn.as_mut().graceful_shutdown();
                    closing = true;
                    deadline = Instant::now() + CLOSE_GRACE;
                }
                () = tokio::time::sleep_until(deadline) => {
                    if closing {
                        tracing::debug!(addr = %self.addr, "connection dropped after its grace");
                        break;
                    }
                    match activity.idle_since() {
                        Some(since) if since + self.limits.idle <= Instant::now() => {
                            tracing::debug!(addr = %self.addr, "idle connection closed");
                            conn.as_mut().graceful_shutdown();
                            closing = true;
                            deadline = Instant::now() + CLOSE_GRACE;
                        }
                        Some(since) => deadline = since + self.limits.idle,
                        // A request in flight: look again a whole idle period later.
                        None => deadline = Instant::now() + self.limits.idle,
                    }
                }
            }
        }
    }
}

/// Requests in flight on one connection and when the last one ended.
struct Activity {
    start: Instant,
    in_flight: AtomicUsize,
    /// Milliseconds after `start` when the connection last became idle.
    idle_from_ms: AtomicU64,
}

impl Activity {
    fn new() -> Activity {
        Activity {
            start: Instant::now(),
            in_flight: AtomicUsize::new(0),
            idle_from_ms: AtomicU64::new(0),
        }
    }

    fn begin(self: &Arc<Self>) -> Busy {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        Busy(self.clone())
    }

    /// When the connection became idle; `None` while a request is in flight.
    fn idle_since(&self) -> Option<Instant> {
        (self.in_flight.load(Ordering::SeqCst) == 0)
            .then(|| self.start + Duration::from_millis(self.idle_from_ms.load(Ordering::SeqCst)))
    }
}

/// A request in flight; its end makes the connection idle again.
struct Busy(Arc<Activity>);

impl Drop for Busy {
    fn drop(&mut self) {
        let ms = u64::try_from(self.0.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.0.idle_from_ms.store(ms, Ordering::SeqCst);
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Open connections per client address (IPv6 by its /64, which one client usually holds).
#[derive(Default)]
struct OpenConnections(Mutex<HashMap<IpAddr, usize>>);

impl OpenConnections {
    /// A slot for one more connection from `ip`, unless it already holds `cap`.
    fn take(self: &Arc<Self>, ip: IpAddr, cap: usize) -> Option<Slot> {
        let key = address_key(ip);
        let mut open = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let count = open.entry(key).or_insert(0);
        if *count >= cap {
            return None;
        }
        *count += 1;
        Some(Slot {
            open: self.clone(),
            key,
        })
    }
}

/// One connection counted against its address until dropped.
struct Slot {
    open: Arc<OpenConnections>,
    key: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self
            .open
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(count) = open.get_mut(&self.key) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.key);
            }
        }
    }
}

pub use crate::domain::limits::address_key;

/// Logs a refused connection, at most once a minute at warning level so a flood cannot fill
/// the log.
fn refused(ip: IpAddr) {
    static LAST_WARNING: Mutex<Option<std::time::Instant>> = Mutex::new(None);
    let mut last = LAST_WARNING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if last.is_none_or(|t| t.elapsed() >= Duration::from_secs(60)) {
        *last = Some(std::time::Instant::now());
        tracing::warn!(%ip, "connection refused: too many open connections from this address (limits.connections_per_address)");
    } else {
        tracing::debug!(%ip, "connection refused: too many from this address");
    }
}

/// Connection errors concern one client; others (out of file descriptors) pass with time, so
/// wait a moment rather than spin.
async fn accept_failed(e: &std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        e.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %e, "accept error");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_counted_per_address_and_given_back() {
        let open = Arc::new(OpenConnections::default());
        let a = IpAddr::from([10, 0, 0, 1]);
        let first = open.take(a, 2);
        let second = open.take(a, 2);
        assert!(first.is_some() && second.is_some());
        assert!(open.take(a, 2).is_none(), "third from the same address");
        assert!(open.take(IpAddr::from([10, 0, 0, 2]), 2).is_some());
        drop(first);
        assert!(
            open.take(a, 2).is_some(),
            "a closed connection frees its slot"
        );
    }

    #[test]
    fn ipv6_addresses_count_by_their_64_bit_prefix() {
        let a: IpAddr = "2001:db8:1:2::1".parse().expect("ip");
        let b: IpAddr = "2001:db8:1:2::ffff".parse().expect("ip");
        let c: IpAddr = "2001:db8:1:3::1".parse().expect("ip");
        assert_eq!(address_key(a), address_key(b));
        assert_ne!(address_key(a), address_key(c));
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().expect("ip");
        assert_eq!(address_key(mapped), IpAddr::from([192, 0, 2, 1]));
    }
}
