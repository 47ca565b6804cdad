//! Whether a thread or a comment is shown, and to whom: one rule that every door (the pages, the
//! JSON API, the Mastodon API, ActivityPub documents) asks, so that what stewards removed is gone
//! everywhere at once.
//!
//! - A thread that stewards removed is gone for everyone but the group's stewards and the
//!   instance's administrators, and so is every comment in it.
//! - A thread its author deleted stays readable as a tombstone while replies hang from it.
//! - A comment deleted by its author or removed by stewards is gone (threads show a tombstone in
//!   its place).
//! - Nothing gone may be edited, replied to or voted on.
//! - A group's feed leaves out the threads of authors suspended here or banned from the group:
//!   a feed is read by programs that never see a steward's later decision, so it only carries
//!   what the group still stands behind.

use diesel::prelude::*;

use crate::db::models::{Comment, Thread};
use crate::db::schema::{group_bans, threads};

/// Whether a comment is shown to readers: neither it nor its thread was taken down.
pub fn comment_shown(comment: &Comment, thread: &Thread) -> bool {
    !comment.deleted && !comment.removed && !thread.removed
}

/// Whether a thread's page may be read by a viewer: a removed thread only by stewards, a deleted
/// one while it still has replies to show.
pub fn thread_readable(thread: &Thread, viewer_is_steward: bool, has_comments: bool) -> bool {
    (!thread.removed || viewer_is_steward) && (!thread.deleted || has_comments)
}

/// The people banned from a group, for queries over its threads:
/// `threads::author_id.ne_all(banned_from(group_id))`.
#[diesel::dsl::auto_type(no_type_alias)]
pub fn banned_from(group_id: i64) -> _ {
    group_bans::table
        .filter(group_bans::group_id.eq(group_id))
        .select(group_bans::person_id)
}

diesel::alias!(threads as removed_thread: RemovedThread);

/// The ids of threads stewards removed, for queries over comments:
/// `comments::thread_id.nullable().ne_all(removed_threads())` (nullable, so that it serves
/// queries where comments are left-joined too). It reads threads under an alias, so that it
/// fits queries that join threads themselves. The condition is the bare column, as the partial
/// index `threads_removed` (`WHERE removed`) states it: `removed = ?` with a bound value does not
/// match the index, and the list was read by scanning every thread.
#[allow(clippy::type_complexity)]
pub fn removed_threads() -> diesel::dsl::Select<
    diesel::dsl::Filter<
        diesel::query_source::Alias<RemovedThread>,
        diesel::query_source::AliasedField<RemovedThread, threads::removed>,
    >,
    diesel::dsl::Nullable<diesel::query_source::AliasedField<RemovedThread, threads::id>>,
> {
    removed_thread
        .filter(removed_thread.field(threads::removed))
        .select(removed_thread.field(threads::id).nullable())
}

#[cfg(test)]
mod tests {
    /// `threads_removed` is `ON threads (id) WHERE removed`: only the bare column, not a bound
    /// `removed = ?`, lets SQLite read the list through it instead of every thread.
    #[test]
    fn removed_threads_are_asked_for_as_their_partial_index_states_it() {
        let sql =
            diesel::debug_query::<diesel::sqlite::Sqlite, _>(&super::removed_threads()).to_string();
        assert!(sql.contains("WHERE"), "{sql}");
        assert!(!sql.contains('?'), "a bound value hides the index: {sql}");
    }
}
