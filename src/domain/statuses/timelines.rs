//! Mastodon timelines: which statuses a timeline holds, newest first, in windows.

use super::*;

/// A window of a timeline as Mastodon clients ask for it: newest first, older than `max_id`,
/// newer than `since_id`, or the oldest `limit` newer than `min_id`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Window {
    pub max_id: Option<i64>,
    pub since_id: Option<i64>,
    pub min_id: Option<i64>,
    pub limit: i64,
}

/// Which statuses a timeline holds.
#[derive(Debug, Clone)]
pub enum Timeline {
    /// The viewer's groups, the people they follow, and their own.
    Home,
    /// Every group here (`local`), elsewhere (`remote`), or both.
    Public { local: bool, remote: bool },
    /// Threads with a hashtag.
    Tag(String),
    /// The groups of one of the viewer's lists.
    List(i64),
    /// What one person wrote; threads only with `threads_only`.
    Person { id: i64, threads_only: bool },
    /// A group's threads; only the pinned ones with `pinned`.
    Group { id: i64, pinned: bool },
}

/// A status whose thread or comment is neither deleted nor removed.
pub(super) fn visible() -> diesel::dsl::Or<
    Shown<threads::deleted, threads::removed>,
    Shown<comments::deleted, comments::removed>,
> {
    threads::deleted
        .nullable()
        .eq(Some(false))
        .and(threads::removed.nullable().eq(Some(false)))
        .or(comments::deleted
            .nullable()
            .eq(Some(false))
            .and(comments::removed.nullable().eq(Some(false))))
}

/// The ids of a timeline's window, newest first.
pub(super) fn timeline_ids(
    conn: &mut AnyConnection,
    viewer_id: Option<i64>,
    timeline: &Timeline,
    w: Window,
) -> Result<Vec<i64>> {
    let mut q = statuses::table
        .left_join(threads::table.on(statuses::thread_id.eq(threads::id.nullable())))
        .left_join(comments::table.on(statuses::comment_id.eq(comments::id.nullable())))
        .filter(visible())
        .select(statuses::id)
        .into_boxed();
    // A comment whose thread stewards removed is gone with it.
    q = q.filter(
        statuses::comment_id
            .is_null()
            .or(comments::thread_id.nullable().ne_all(removed_threads())),
    );
    q = match timeline {
        Timeline::Home => {
            let me = viewer_id.ok_or(Error::Unauthorized)?;
            q.filter(
                statuses::group_id
                    .eq_any(
                        memberships::table
                            .filter(memberships::person_id.eq(me))
                            .filter(memberships::state.eq(MembershipState::Accepted))
                            .select(memberships::group_id),
                    )
                    .or(statuses::author_id.eq_any(
                        person_follows::table
                            .filter(person_follows::follower_id.eq(me))
                            .filter(person_follows::state.eq(MembershipState::Accepted))
                            .select(person_follows::followed_id),
                    ))
                    .or(statuses::author_id.eq(me)),
            )
        }
        Timeline::Public { local, remote } => match (local, remote) {
            (true, false) | (false, true) => q.filter(
                statuses::group_id.eq_any(
                    groups::table
                        .filter(groups::local.eq(*local))
                        .select(groups::id),
                ),
            ),
            _ => q,
        },
        Timeline::Tag(tag) => q.filter(
            statuses::thread_id.eq_any(
                thread_tags::table
                    .filter(thread_tags::tag.eq(tag.to_lowercase()))
                    .select(thread_tags::thread_id.nullable()),
            ),
        ),
        Timeline::List(list) => {
            let me = viewer_id.ok_or(Error::Unauthorized)?;
            let owned: i64 = lists::table
                .filter(lists::id.eq(list))
                .filter(lists::person_id.eq(me))
                .count()
                .get_result(conn)?;
            if owned == 0 {
                return Err(Error::NotFound("list"));
            }
            q.filter(
                statuses::group_id.eq_any(
                    list_groups::table
                        .filter(list_groups::list_id.eq(list))
                        .select(list_groups::group_id),
                ),
            )
        }
        Timeline::Person { id, threads_only } => {
            let q = q.filter(statuses::author_id.eq(id));
            if *threads_only {
                q.filter(statuses::thread_id.is_not_null())
            } else {
                q
            }
        }
        Timeline::Group { id, pinned } => {
            let q = q
                .filter(statuses::group_id.eq(id))
                .filter(statuses::thread_id.is_not_null());
            if *pinned {
                q.filter(threads::pinned.nullable().eq(Some(true)))
            } else {
                q
            }
        }
    };
    if let Some(max) = w.max_id {
        q = q.filter(statuses::id.lt(max));
    }
    if let Some(since) = w.since_id {
        q = q.filter(statuses::id.gt(since));
    }
    let ids = if let Some(min) = w.min_id {
        let mut ids: Vec<i64> = q
            .filter(statuses::id.gt(min))
            .order(statuses::id.asc())
            .limit(w.limit)
            .load(conn)?;
        ids.reverse();
        ids
    } else {
        q.order(statuses::id.desc()).limit(w.limit).load(conn)?
    };
    Ok(ids)
}

/// A timeline's window.
///
/// # Errors
/// 401 for a timeline of one's own without a viewer; 404 for someone else's list.
pub async fn timeline(
    state: &Context,
    viewer: Option<&Viewer>,
    timeline: Timeline,
    window: Window,
) -> Result<Bundle> {
    let viewer_id = viewer.map(Viewer::id);
    state
        .db
        .read(move |c| {
            let ids = timeline_ids(c, viewer_id, &timeline, window)?;
            load(c, viewer_id, &ids)
        })
        .await
}

/// Statuses by id, in the order given; unknown or hidden ones are left out.
///
/// # Errors
/// Database failures only.
pub async fn by_ids(state: &Context, viewer: Option<&Viewer>, ids: Vec<i64>) -> Result<Bundle> {
    let viewer_id = viewer.map(Viewer::id);
    state.db.read(move |c| load(c, viewer_id, &ids)).await
}

/// One status.
///
/// # Errors
/// 404 for an unknown, deleted or removed one.
pub async fn one(state: &Context, viewer: Option<&Viewer>, id: i64) -> Result<Bundle> {
    let bundle = by_ids(state, viewer, vec![id]).await?;
    if bundle.statuses.is_empty() {
        return Err(Error::NotFound("status"));
    }
    Ok(bundle)
}
