//! Per-process attempt counters: sign-in and registration per client address, posting per
//! member. Kept in memory on purpose (see docs/configuration.md).

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::Mutex,
    time::{Duration, Instant},
};

use crate::error::Error;

/// Fixed one-minute windows of attempts per key: per client address for sign-in and
/// registration, per member for posting. Kept in this process (see docs/configuration.md).
pub struct RateLimiter<K = IpAddr> {
    per_minute: u32,
    windows: Mutex<HashMap<K, (Instant, u32)>>,
}

impl<K: std::hash::Hash + Eq> RateLimiter<K> {
    pub fn new(per_minute: u32) -> RateLimiter<K> {
        RateLimiter {
            per_minute,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one attempt by `key`.
    ///
    /// # Errors
    /// 429 once the key has used its attempts for this minute.
    pub fn check(&self, key: K) -> Result<(), Error> {
        self.count(key)
    }

    fn count(&self, key: K) -> Result<(), Error> {
        let now = Instant::now();
        let mut windows = self
            .windows
            .lock()
            .map_err(|_| Error::Internal("rate limiter lock poisoned".into()))?;
        if windows.len() > 100_000 {
            windows.retain(|_, (start, _)| now.duration_since(*start) < Duration::from_secs(60));
        }
        let entry = windows.entry(key).or_insert((now, 0));
        if now.duration_since(entry.0) >= Duration::from_secs(60) {
            *entry = (now, 0);
        }
        if entry.1 >= self.per_minute {
            return Err(Error::RateLimited);
        }
        entry.1 += 1;
        Ok(())
    }
}

impl RateLimiter<IpAddr> {
    /// Counts one attempt from a client address, by the address it is counted by (an IPv6
    /// client by its /64).
    ///
    /// # Errors
    /// 429 once the client has used its attempts for this minute.
    pub fn check_client(&self, ip: IpAddr) -> Result<(), Error> {
        self.count(address_key(ip))
    }
}

/// The address a client is counted by: an IPv4 address, or an IPv6 client's /64 (which anyone
/// holding one can rotate through at will).
pub fn address_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let mut segments = v6.segments();
            segments[4..].fill(0);
            IpAddr::from(segments)
        }
        v4 => v4,
    }
}
