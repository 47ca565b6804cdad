//! Finding a person, group, thread or reply on another server by handle or URL: fetched,
//! verified and stored, then given to whichever door asked.

use activitypub_federation::{
    config::Data, fetch::object_id::ObjectId, fetch::webfinger::webfinger_resolve_actor,
};
use url::Url;

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::federation::actors::DbActor;

/// What a lookup found.
#[derive(Debug)]
pub enum Found {
    Actor(DbActor),
    /// A thread, or the thread and comment of a reply.
    Post {
        thread_id: i64,
        comment_id: Option<i64>,
    },
}

/// Looks up `@name@domain`, `!name@domain`, `name@domain` or the URL of an actor, a thread or
/// a reply.
///
/// # Errors
/// 422 for a query of none of those forms; fetch and verification failures as they come.
pub async fn lookup(data: &Data<AppState>, query: &str) -> Result<Found> {
    let query = query.trim();
    if query.is_empty() || query.len() > 500 {
        return Err(Error::invalid(
            "q",
            "give @name@domain, !name@domain or a URL",
        ));
    }
    if query.starts_with("http://") || query.starts_with("https://") {
        let url = Url::parse(query).map_err(|e| Error::invalid("q", format!("not a URL: {e}")))?;
        let actor_known = crate::domain::remote::actor_by_ap_id(data, url.as_str())
            .await?
            .is_some();
        if !actor_known {
            match crate::federation::activities::resolve_post(data, &url).await {
                Ok((thread_id, comment_id)) => {
                    return Ok(Found::Post {
                        thread_id,
                        comment_id,
                    })
                }
                // Not a thread or reply: try it as an actor.
                Err(Error::Refused(_)) => {}
                Err(e) => return Err(e),
            }
        }
        return Ok(Found::Actor(
            ObjectId::<DbActor>::from(url).dereference(data).await?,
        ));
    }
    let handle = query.trim_start_matches(['!', '@']);
    if !handle.contains('@') {
        return Err(Error::invalid(
            "q",
            "give @name@domain, !name@domain or a URL",
        ));
    }
    Ok(Found::Actor(
        webfinger_resolve_actor::<AppState, DbActor>(handle, data).await?,
    ))
}
