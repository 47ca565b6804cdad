//! Lists of threads: a group's (by activity, new, top), pinned, its Atom feed's, by author,
//! removed, and the member's feed.

use super::*;

/// Threads with their group, author and the viewer's vote (`viewer_id` -1: nobody's).
#[diesel::dsl::auto_type(no_type_alias)]
pub(super) fn with_context(viewer_id: i64) -> _ {
    let vote_of_viewer: diesel::dsl::And<
        diesel::dsl::Eq<thread_votes::thread_id, threads::id>,
        diesel::dsl::Eq<thread_votes::person_id, i64>,
    > = thread_votes::thread_id
        .eq(threads::id)
        .and(thread_votes::person_id.eq(viewer_id));
    let thread: AsSelect<Thread, MultiBackend> = Thread::as_select();
    let group: AsSelect<GroupBrief, MultiBackend> = GroupBrief::as_select();
    let author: AsSelect<PersonBrief, MultiBackend> = PersonBrief::as_select();
    threads::table
        .inner_join(groups::table)
        .inner_join(persons::table)
        .left_join(thread_votes::table.on(vote_of_viewer))
        .select((thread, group, author, thread_votes::score.nullable()))
}

pub(super) fn list_rows(
    conn: &mut AnyConnection,
    scope: Scope,
    viewer_id: i64,
    sort: Sort,
    page: PageRequest,
) -> Result<Vec<ThreadRow>> {
    let mut q = with_context(viewer_id)
        .filter(threads::deleted.eq(false))
        .filter(threads::removed.eq(false))
        .into_boxed();
    q = match scope {
        Scope::Group(g) => q.filter(threads::group_id.eq(g)),
        Scope::Author(p) => q.filter(threads::author_id.eq(p)),
        Scope::Feed(g) => q
            .filter(threads::group_id.eq(g))
            .filter(persons::suspended.eq(false))
            .filter(threads::author_id.ne_all(visibility::banned_from(g))),
        Scope::Pinned(g) => q
            .filter(threads::group_id.eq(g))
            .filter(threads::pinned.eq(true)),
        // Threads of the member's groups, and threads started by people they follow.
        Scope::MemberOf(p) => q.filter(
            threads::group_id
                .eq_any(
                    memberships::table
                        .filter(memberships::person_id.eq(p))
                        .filter(memberships::state.eq(MembershipState::Accepted))
                        .select(memberships::group_id),
                )
                .or(threads::author_id.eq_any(
                    person_follows::table
                        .filter(person_follows::follower_id.eq(p))
                        .filter(person_follows::state.eq(MembershipState::Accepted))
                        .select(person_follows::followed_id),
                )),
        ),
    };
    q = match sort {
        Sort::New => {
            if let Some(c) = page.after {
                let t = c.key_as_time()?;
                q = q.filter(
                    threads::created_at
                        .lt(t)
                        .or(threads::created_at.eq(t).and(threads::id.lt(c.id))),
                );
            }
            q.order((threads::created_at.desc(), threads::id.desc()))
        }
        Sort::Active => {
            if let Some(c) = page.after {
                let t = c.key_as_time()?;
                q = q.filter(
                    threads::last_activity_at
                        .lt(t)
                        .or(threads::last_activity_at.eq(t).and(threads::id.lt(c.id))),
                );
            }
            q.order((threads::last_activity_at.desc(), threads::id.desc()))
        }
        Sort::Top => {
            if let Some(c) = page.after {
                q = q.filter(
                    threads::score
                        .lt(c.key)
                        .or(threads::score.eq(c.key).and(threads::id.lt(c.id))),
                );
            }
            q.order((threads::score.desc(), threads::id.desc()))
        }
    };
    Ok(q.limit(page.limit + 1).load::<ThreadRow>(conn)?)
}

pub(super) fn cursor_of(sort: Sort) -> impl Fn(&ThreadView) -> Cursor {
    move |t| Cursor {
        key: match sort {
            Sort::New => Cursor::time_key(t.created_at),
            Sort::Active => Cursor::time_key(t.last_activity_at),
            Sort::Top => t.score,
        },
        id: t.id,
    }
}

pub(super) fn to_views(rows: Vec<ThreadRow>) -> Vec<ThreadView> {
    rows.into_iter()
        .map(|(t, g, a, v)| ThreadView::new(t, g, a, v, false))
        .collect()
}

/// Threads of one group.
///
/// # Errors
/// 404 for an unknown group, 422 for a bad cursor.
pub async fn list(
    state: &Context,
    viewer: Option<&Viewer>,
    group: &str,
    sort: Sort,
    page: PageRequest,
) -> Result<Page<ThreadView>> {
    let (id, name, viewer_id) = (
        state.instance_id,
        group.to_string(),
        viewer.map_or(-1, Viewer::id),
    );
    let rows = state
        .db
        .read(move |conn| {
            let group = find_group(conn, id, &name)?;
            list_rows(conn, Scope::Group(group.id), viewer_id, sort, page)
        })
        .await?;
    Ok(Page::from_rows(to_views(rows), page.limit, cursor_of(sort)))
}

/// A group's pinned threads, newest first (at most `limit`).
///
/// # Errors
/// 404 for an unknown group.
pub async fn pinned(
    state: &Context,
    viewer: Option<&Viewer>,
    group: &str,
    limit: i64,
) -> Result<Vec<ThreadView>> {
    let (id, name, viewer_id) = (
        state.instance_id,
        group.to_string(),
        viewer.map_or(-1, Viewer::id),
    );
    let page = PageRequest { after: None, limit };
    let rows = state
        .db
        .read(move |conn| {
            let group = find_group(conn, id, &name)?;
            list_rows(conn, Scope::Pinned(group.id), viewer_id, Sort::New, page)
        })
        .await?;
    Ok(Page::from_rows(to_views(rows), limit, cursor_of(Sort::New)).items)
}

/// A group's latest threads for its feed, newest first (at most `limit`): what its page lists,
/// less the threads of authors suspended here or banned from the group (see `visibility`).
///
/// # Errors
/// 404 for an unknown group.
pub async fn for_feed(state: &Context, group: &str, limit: i64) -> Result<Vec<ThreadView>> {
    let (id, name) = (state.instance_id, group.to_string());
    let page = PageRequest { after: None, limit };
    let rows = state
        .db
        .read(move |conn| {
            let group = find_group(conn, id, &name)?;
            list_rows(conn, Scope::Feed(group.id), -1, Sort::New, page)
        })
        .await?;
    Ok(Page::from_rows(to_views(rows), limit, cursor_of(Sort::New)).items)
}

/// Threads one person started, newest first.
///
/// # Errors
/// 422 for a bad cursor.
pub async fn by_author(
    state: &Context,
    viewer: Option<&Viewer>,
    author_id: i64,
    page: PageRequest,
) -> Result<Page<ThreadView>> {
    let viewer_id = viewer.map_or(-1, Viewer::id);
    let rows = state
        .db
        .read(move |conn| list_rows(conn, Scope::Author(author_id), viewer_id, Sort::New, page))
        .await?;
    Ok(Page::from_rows(
        to_views(rows),
        page.limit,
        cursor_of(Sort::New),
    ))
}

/// Threads stewards removed from a group, latest first, for its stewards to review or restore.
///
/// # Errors
/// 403 for anyone but the group's stewards and administrators, 404 for an unknown group.
pub async fn removed_in(
    state: &Context,
    viewer: &Viewer,
    group: &str,
    limit: i64,
) -> Result<Vec<ThreadView>> {
    let (id, name, person) = (state.instance_id, group.to_string(), viewer.person.clone());
    state
        .db
        .read(move |conn| {
            let group = find_group(conn, id, &name)?;
            if !person.is_admin && !is_steward(conn, group.id, person.id)? {
                return Err(Error::forbidden(
                    "only the group's stewards see removed threads",
                ));
            }
            let rows: Vec<ThreadRow> = with_context(person.id)
                .filter(threads::group_id.eq(group.id))
                .filter(threads::removed.eq(true))
                .filter(threads::deleted.eq(false))
                .order((threads::created_at.desc(), threads::id.desc()))
                .limit(limit)
                .load(conn)?;
            Ok(rows
                .into_iter()
                .map(|(t, g, a, v)| ThreadView::new(t, g, a, v, true))
                .collect())
        })
        .await
}

/// Threads from the groups the viewer belongs to, newest first.
///
/// # Errors
/// 422 for a bad cursor.
pub async fn feed(
    state: &Context,
    viewer: &Viewer,
    sort: Sort,
    page: PageRequest,
) -> Result<Page<ThreadView>> {
    let viewer_id = viewer.id();
    let rows = state
        .db
        .read(move |conn| list_rows(conn, Scope::MemberOf(viewer_id), viewer_id, sort, page))
        .await?;
    Ok(Page::from_rows(to_views(rows), page.limit, cursor_of(sort)))
}
