//! Votes: `Like` and `Dislike` of a thread or comment (and `Undo` of one).

use activitypub_federation::{
    config::Data,
    kinds::activity::{DislikeType, LikeType},
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use url::Url;

use super::{arrival, person, unknown};
use crate::app::AppState;
use crate::db::models::Group;
use crate::domain::votes;
use crate::error::{Error, Result};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum VoteType {
    Like(LikeType),
    Dislike(DislikeType),
}

/// `Like` (+1) or `Dislike` (−1) of a thread or comment.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Vote {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: VoteType,
    pub actor: Url,
    pub object: Url,
}

/// A vote (or its withdrawal, `score` 0) on a thread or comment we know.
pub(super) async fn vote(
    data: &Data<AppState>,
    voter: &Url,
    object: &Url,
    score: i32,
    raw: Value,
    relayed_by: Option<&Group>,
) -> Result<()> {
    let voter = person(data, voter).await?;
    votes::cast_remote(
        data,
        voter,
        object.to_string(),
        score,
        arrival(relayed_by),
        raw,
    )
    .await
    .map_err(|e| match e {
        Error::NotFound(_) => unknown(object),
        other => other,
    })?;
    Ok(())
}
