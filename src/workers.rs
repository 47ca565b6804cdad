//! Background work claimed from the database: the delivery of queued activities.

use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use activitypub_federation::{
    activity_sending::SendActivityTask,
    config::{Data, FederationConfig},
    traits::{Activity, Object},
};
use serde::{Serialize, Serializer};
use url::Url;

use crate::app::AppState;
use crate::domain::outbox::{self, Claimed};
use crate::error::{Error, Result};
use crate::federation::actors::DbActor;

/// Deliveries in flight at once, in all.
const IN_FLIGHT: usize = 64;
/// Deliveries in flight at once to one remote instance.
const PER_INSTANCE: usize = 4;
/// How often the federation policy is read again from the database.
const POLICY_REFRESH: Duration = Duration::from_secs(10);
/// How often the worker looks for remote groups due for a refresh (`group_refresh_seconds`).
const GROUP_CHECK_EVERY: Duration = Duration::from_secs(60);
/// How often a dead instance is tried again.
const PROBE_EVERY: Duration = Duration::from_secs(300);
/// How often old deliveries and activities are deleted.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// An activity as stored: sent byte for byte as it was queued.
#[derive(Debug)]
struct StoredActivity {
    id: Url,
    actor: Url,
    json: serde_json::Value,
}

impl Serialize for StoredActivity {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        self.json.serialize(s)
    }
}

#[async_trait::async_trait]
impl Activity for StoredActivity {
    type DataType = AppState;
    type Error = Error;

    fn id(&self) -> &Url {
        &self.id
    }

    fn actor(&self) -> &Url {
        &self.actor
    }

    async fn verify(&self, _: &Data<AppState>) -> Result<()> {
        Err(Error::Internal(
            "outgoing activities are never received".into(),
        ))
    }

    async fn receive(self, _: &Data<AppState>) -> Result<()> {
        Err(Error::Internal(
            "outgoing activities are never received".into(),
        ))
    }
}

/// Why a delivery did not happen, and whether to try again.
struct Failure {
    retry: bool,
    message: String,
}

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure {
            retry: true,
            message: e.to_string(),
        }
    }
}

async fn deliver(data: &Data<AppState>, c: &Claimed) -> std::result::Result<(), Failure> {
    let json: serde_json::Value = serde_json::from_str(&c.activity)?;
    let parse = |field: &str| {
        json[field]
            .as_str()
            .and_then(|s| Url::parse(s).ok())
            .ok_or_else(|| format!("stored activity has no {field}"))
    };
    let activity = StoredActivity {
        id: parse("id")?,
        actor: parse("actor")?,
        json: json.clone(),
    };
    let inbox = Url::parse(&c.inbox)?;
    let actor = DbActor::read_from_id(activity.actor.clone(), data)
        .await?
        .ok_or_else(|| format!("actor {} is gone", activity.actor))?;
    let tasks = SendActivityTask::prepare(&activity, &actor, vec![inbox], data).await?;
    let Some(task) = tasks.into_iter().next() else {
        return Err(Failure {
            retry: false,
            message: "inbox refused by the federation policy".into(),
        });
    };
    let refusal = crate::federation::client::REFUSAL
        .scope(std::cell::RefCell::new(None), async {
            task.sign_and_send(data).await?;
            Ok::<_, Failure>(crate::federation::client::REFUSAL.with(std::cell::RefCell::take))
        })
        .await?;
    // Sending it again would be refused again.
    match refusal {
        Some(message) => Err(Failure {
            retry: false,
            message,
        }),
        None => Ok(()),
    }
}

/// Runs deliveries until the returned task is aborted. Several processes may run it against one
/// PostgreSQL database: each claims its own rows.
pub fn spawn_delivery(federation: FederationConfig<AppState>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let data = federation.to_request_data();
        let state = data.app_data().clone();
        let in_flight: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
        let mut last_probe: HashMap<String, Instant> = HashMap::new();
        let mut policy_read = Instant::now();
        let mut follows_checked = Instant::now();
        let mut groups_checked = Instant::now();
        // Refreshing groups fetches from other servers: it runs beside the deliveries, one
        // round at a time, never in their way.
        let mut refreshing: Option<tokio::task::JoinHandle<()>> = None;
        let group_age = chrono::Duration::seconds(
            i64::try_from(state.config.group_refresh_seconds).unwrap_or(i64::MAX / 1000),
        );
        // Pruned a minute after start, then hourly.
        let mut pruned = Instant::now()
            .checked_sub(PRUNE_EVERY - Duration::from_secs(60))
            .unwrap_or_else(Instant::now);
        let follow_check_every =
            POLICY_REFRESH.min(Duration::from_secs(state.config.follow_resend_seconds));
        // Deliveries in flight belong to this task: stopping it stops them too, as a crash would.
        let mut running = tokio::task::JoinSet::new();
        loop {
            while running.try_join_next().is_some() {}
            // Other processes may change the policy; read it again now and then.
            if policy_read.elapsed() >= POLICY_REFRESH {
                if let Err(e) = crate::domain::policy::refresh(&state).await {
                    tracing::warn!(error = %e, "cannot refresh the federation policy");
                }
                policy_read = Instant::now();
            }
            if pruned.elapsed() >= PRUNE_EVERY {
                match outbox::prune(&state).await {
                    Ok((0, 0)) => {}
                    Ok((deliveries, activities)) => {
                        tracing::info!(
                            deliveries,
                            activities,
                            "old deliveries and activities deleted"
                        );
                    }
                    Err(e) => tracing::warn!(error = %e, "cannot delete old deliveries"),
                }
                pruned = Instant::now();
            }
            if groups_checked.elapsed() >= GROUP_CHECK_EVERY
                && refreshing
                    .as_ref()
                    .is_none_or(tokio::task::JoinHandle::is_finished)
            {
                let data = data.reset_request_count();
                refreshing = Some(tokio::spawn(async move {
                    if let Err(e) =
                        crate::federation::backfill::refresh_stale(&data, group_age).await
                    {
                        tracing::warn!(error = %e, "cannot refresh remote groups");
                    }
                }));
                groups_checked = Instant::now();
            }
            if follows_checked.elapsed() >= follow_check_every {
                if let Err(e) = crate::domain::groups::resend_stale_follows(&state).await {
                    tracing::warn!(error = %e, "cannot resend unanswered follows");
                }
                follows_checked = Instant::now();
            }
            let busy: usize = in_flight
                .lock()
                .map(|m| m.values().sum())
                .unwrap_or(IN_FLIGHT);
            let free = IN_FLIGHT.saturating_sub(busy);
            let dead: HashSet<String> = outbox::dead_domains(&state)
                .await
                .unwrap_or_default()
                .into_iter()
                .collect();
            // A dead instance gets one probe delivery now and then, nothing more.
            let probing: HashSet<String> = dead
                .iter()
                .filter(|d| {
                    last_probe
                        .get(*d)
                        .is_none_or(|t| t.elapsed() >= PROBE_EVERY)
                })
                .cloned()
                .collect();
            let room = {
                let counts = in_flight.lock().map(|m| m.clone()).unwrap_or_default();
                let (dead, probing) = (dead.clone(), probing.clone());
                move |domain: &str| {
                    let used = counts.get(domain).copied().unwrap_or(0);
                    if dead.contains(domain) {
                        usize::from(probing.contains(domain) && used == 0)
                    } else {
                        PER_INSTANCE.saturating_sub(used)
                    }
                }
            };
            let batch = if free == 0 {
                Ok(Vec::new())
            } else {
                outbox::claim(&state, free, room).await
            };
            match batch {
                Ok(batch) if !batch.is_empty() => {
                    for claimed in batch {
                        if dead.contains(&claimed.domain) {
                            last_probe.insert(claimed.domain.clone(), Instant::now());
                        }
                        if let Ok(mut m) = in_flight.lock() {
                            *m.entry(claimed.domain.clone()).or_default() += 1;
                        }
                        let (data, in_flight) = (data.reset_request_count(), in_flight.clone());
                        running.spawn(async move {
                            let outcome = deliver(&data, &claimed).await.map_err(|f| {
                                tracing::warn!(inbox = %claimed.inbox, attempt = claimed.attempts + 1, error = %f.message, "delivery failed");
                                (f.retry, f.message)
                            });
                            if let Err(e) = outbox::settle(&data, &claimed, outcome).await {
                                tracing::error!(error = %e, "cannot record delivery outcome");
                            }
                            if let Ok(mut m) = in_flight.lock() {
                                if let Some(n) = m.get_mut(&claimed.domain) {
                                    *n = n.saturating_sub(1);
                                }
                            }
                            data.outbox_wake.notify_one();
                        });
                    }
                }
                Ok(_) => {
                    tokio::select! {
                        () = state.outbox_wake.notified() => {}
                        () = tokio::time::sleep(Duration::from_secs(1)) => {}
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, "cannot claim deliveries");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    })
}
