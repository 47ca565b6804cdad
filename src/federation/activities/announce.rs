//! `Announce` by a group we follow: the activity it relays is checked as if it came directly,
//! and then handled as relayed by that group.

use activitypub_federation::{config::Data, kinds::activity::AnnounceType, traits::Activity};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use url::Url;

use super::fetch::fetch_activity;
use super::{group, id_of, receive, unknown, InboxActivity, Undo, Undoable};
use crate::app::AppState;
use crate::domain::objects;
use crate::error::{Error, Result};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Announce {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: AnnounceType,
    pub actor: Url,
    /// The relayed activity, embedded (or only its id).
    pub object: Value,
}

/// An `Announce` from a group we follow: the inner activity is checked as if it came directly.
pub(super) async fn announce(a: Announce, data: &Data<AppState>) -> Result<()> {
    let g = group(data, &a.actor).await?;
    if g.local {
        return Err(Error::Refused(
            "we take Announces only from groups we follow".into(),
        ));
    }
    let followed = objects::followed_by_us(data, g.id).await?;
    let inner_value = if a.object.is_string() {
        let id = id_of(&a.object).ok_or_else(|| Error::Refused("Announce of nothing".into()))?;
        fetch_activity(data, &id).await.map_err(|e| match e {
            // Gone (410) at its origin.
            Error::Federation(activitypub_federation::error::Error::ObjectDeleted(_)) => {
                unknown(&id)
            }
            other => other,
        })?
    } else {
        a.object
    };
    let mut inner_value = inner_value;
    let mut inner: InboxActivity = serde_json::from_value(inner_value.clone())
        .map_err(|e| Error::Refused(format!("unsupported announced activity: {e}")))?;
    // A remote group relays our own members' activities back to us. Only those we really sent
    // are taken, as we sent them: anything else speaking for this instance is forged.
    let ours = |u: &Url| crate::federation::actors::authority(u) == data.config.domain;
    if ours(inner.id()) || ours(inner.actor()) {
        let sent = objects::sent_activity(data, inner.id().as_str())
            .await?
            .ok_or_else(|| {
                Error::Refused("an announced activity speaks for this instance falsely".into())
            })?;
        inner_value = serde_json::from_str(&sent)
            .map_err(|e| Error::Internal(format!("stored activity: {e}")))?;
        inner = serde_json::from_value(inner_value.clone())
            .map_err(|e| Error::Refused(format!("unsupported announced activity: {e}")))?;
    }
    // A group we no longer follow still tells a member of ours about their ban.
    let about_our_member = match &inner {
        InboxActivity::Block(b)
        | InboxActivity::Undo(Undo {
            object: Undoable::Block(b),
            ..
        }) => {
            matches!(
                objects::local_actor(data, b.object.as_str()).await?,
                Some(objects::LocalActor::Person(_))
            )
        }
        _ => false,
    };
    if !followed && !about_our_member {
        return Err(Error::Refused(
            "we take Announces only from groups we follow".into(),
        ));
    }
    if matches!(
        inner,
        InboxActivity::Announce(_)
            | InboxActivity::Follow(_)
            | InboxActivity::Undo(Undo {
                object: Undoable::Follow(_),
                ..
            })
    ) {
        return Err(Error::Refused("that activity cannot be announced".into()));
    }
    inner.check(data, Some(&g)).await?;
    Box::pin(receive(inner, inner_value, data, Some(&g))).await
}
