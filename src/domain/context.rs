//! What every domain function is given: the database, the configuration, this instance's row,
//! the limiters and caches, and the way to federate what it changes. The doors hold it inside
//! their own state (`app::Context`); the domain never sees more than this.

use std::sync::{atomic::AtomicUsize, Arc};

use crate::config::Config;
use crate::db::Db;
use crate::domain::limits::RateLimiter;
use crate::domain::publish::{Activities, Origin};

#[derive(Clone)]
pub struct Context {
    pub db: Db,
    pub config: Arc<Config>,
    /// Row id of this server in `instances`.
    pub instance_id: i64,
    pub auth_limiter: Arc<RateLimiter>,
    /// Threads and comments per member.
    pub post_limiter: Arc<RateLimiter<i64>>,
    /// Wakes the delivery worker when a transaction has queued deliveries.
    pub outbox_wake: Arc<tokio::sync::Notify>,
    /// Transactions that queued deliveries since the worker was last woken for them.
    pub outbox_queued: Arc<AtomicUsize>,
    /// The federation policy, refreshed from the database.
    pub policy: crate::domain::policy::SharedPolicy,
    /// Remote actors recently read.
    pub actors: crate::domain::remote::ActorCache,
    /// Statuses created lately under an `Idempotency-Key`, by member and key: an app that sends
    /// the same post twice gets the first back.
    pub idempotency: moka::sync::Cache<(i64, String), i64>,
    /// Builds the activities the domain queues (implemented by `federation`).
    pub activities: Arc<dyn Activities>,
}

impl Context {
    /// What a transaction needs to queue activities: our base URL and domain, the activity
    /// builder, and the count that wakes the delivery worker.
    pub fn origin(&self) -> Origin {
        Origin {
            base: self.config.base_url(),
            domain: self.config.domain.clone(),
            queued: self.outbox_queued.clone(),
            activities: self.activities.clone(),
        }
    }

    /// After a write: wakes the delivery worker if a transaction queued deliveries. The count is
    /// shared, so a wake may come before the commit it stands for (or after one that queued
    /// nothing); then the worker's one-second poll finds the deliveries. Nothing is lost, and
    /// the worker is not woken for the many writes that queue nothing.
    pub fn wake_outbox(&self) {
        use std::sync::atomic::Ordering;
        let had = self
            .outbox_queued
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
        if had.is_ok() {
            self.outbox_wake.notify_one();
        }
    }
}
