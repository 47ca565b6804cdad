//! Statuses: every thread and comment under one id, in the order they were stored, as the
//! Mastodon client API shows them. Timelines, a conversation's context, bookmarks, favourites
//! and the profiles of the people behind them are read here.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{models::*, schema::*, AnyConnection};
use crate::domain::groups::MembershipState;
use crate::domain::people::Viewer;
use crate::domain::text::{self, now};
use crate::domain::views::{CommentView, GroupBrief, PersonBrief, PersonView, ThreadView};
use crate::domain::visibility::removed_threads;
use crate::domain::Context;
use crate::error::{Error, Result};
use crate::per_backend;

/// Gives a new thread its status id, and returns it.
pub(crate) fn record_thread(
    conn: &mut AnyConnection,
    thread_id: i64,
    group_id: i64,
    author_id: i64,
    created_at: NaiveDateTime,
) -> Result<i64> {
    Ok(per_backend!(conn, |c| diesel::insert_into(
        statuses::table
    )
    .values((
        statuses::thread_id.eq(Some(thread_id)),
        statuses::group_id.eq(group_id),
        statuses::author_id.eq(author_id),
        statuses::created_at.eq(created_at),
    ))
    .returning(statuses::id)
    .get_result(c))?)
}

/// Gives a new comment its status id, and returns it.
pub(crate) fn record_comment(
    conn: &mut AnyConnection,
    comment_id: i64,
    group_id: i64,
    author_id: i64,
    created_at: NaiveDateTime,
) -> Result<i64> {
    Ok(per_backend!(conn, |c| diesel::insert_into(
        statuses::table
    )
    .values((
        statuses::comment_id.eq(Some(comment_id)),
        statuses::group_id.eq(group_id),
        statuses::author_id.eq(author_id),
        statuses::created_at.eq(created_at),
    ))
    .returning(statuses::id)
    .get_result(c))?)
}

/// Replaces a thread's hashtags with those in its title and body.
pub(crate) fn set_thread_tags(
    conn: &mut AnyConnection,
    thread_id: i64,
    title: &str,
    body_html: &str,
) -> Result<()> {
    diesel::delete(thread_tags::table.filter(thread_tags::thread_id.eq(thread_id)))
        .execute(conn)?;
    let text = format!("{title}\n{}", text::html_to_text(body_html));
    for tag in text::hashtags(&text) {
        diesel::insert_into(thread_tags::table)
            .values((
                thread_tags::thread_id.eq(thread_id),
                thread_tags::tag.eq(tag),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// What a status id stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusOf {
    Thread(i64),
    Comment(i64),
}

/// The thread or comment behind a status id.
///
/// # Errors
/// 404 for an unknown id.
pub fn resolve(conn: &mut AnyConnection, status_id: i64) -> Result<StatusOf> {
    let (thread, comment): (Option<i64>, Option<i64>) = statuses::table
        .find(status_id)
        .select((statuses::thread_id, statuses::comment_id))
        .first(conn)
        .optional()?
        .ok_or(Error::NotFound("status"))?;
    match (thread, comment) {
        (Some(t), _) => Ok(StatusOf::Thread(t)),
        (None, Some(c)) => Ok(StatusOf::Comment(c)),
        (None, None) => Err(Error::NotFound("status")),
    }
}

/// # Errors
/// 404 for an unknown id.
pub async fn status_of(state: &Context, status_id: i64) -> Result<StatusOf> {
    state.db.read(move |c| resolve(c, status_id)).await
}

/// The status id of a thread.
///
/// # Errors
/// 404 when the thread has none.
pub fn of_thread(conn: &mut AnyConnection, thread_id: i64) -> Result<i64> {
    statuses::table
        .filter(statuses::thread_id.eq(thread_id))
        .select(statuses::id)
        .first(conn)
        .optional()?
        .ok_or(Error::NotFound("status"))
}

/// The status id of a comment.
///
/// # Errors
/// 404 when the comment has none.
pub fn of_comment(conn: &mut AnyConnection, comment_id: i64) -> Result<i64> {
    statuses::table
        .filter(statuses::comment_id.eq(comment_id))
        .select(statuses::id)
        .first(conn)
        .optional()?
        .ok_or(Error::NotFound("status"))
}

/// # Errors
/// 404 when the thread has no status.
pub async fn thread_status(state: &Context, thread_id: i64) -> Result<i64> {
    state.db.read(move |c| of_thread(c, thread_id)).await
}

/// # Errors
/// 404 when the comment has no status.
pub async fn comment_status(state: &Context, comment_id: i64) -> Result<i64> {
    state.db.read(move |c| of_comment(c, comment_id)).await
}

/// The thread a comment belongs to.
///
/// # Errors
/// 404 for an unknown comment.
pub async fn thread_of_comment(state: &Context, comment_id: i64) -> Result<i64> {
    state
        .db
        .read(move |c| Ok(crate::domain::comments::find_comment(c, comment_id)?.thread_id))
        .await
}

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

impl Window {
    /// The window over a list already in memory, keyed (for paging) and in any order: newest
    /// (highest key) first, as the database queries give them.
    pub fn apply<T>(self, mut keyed: Vec<(i64, T)>) -> Vec<(i64, T)> {
        keyed.retain(|(k, _)| self.max_id.is_none_or(|m| *k < m));
        keyed.retain(|(k, _)| self.since_id.is_none_or(|m| *k > m));
        let limit = usize::try_from(self.limit).unwrap_or(20);
        if let Some(min) = self.min_id {
            // The oldest `limit` just above `min_id`, shown newest first.
            keyed.retain(|(k, _)| *k > min);
            keyed.sort_unstable_by_key(|(k, _)| *k);
            keyed.truncate(limit);
            keyed.reverse();
        } else {
            keyed.sort_unstable_by_key(|k| std::cmp::Reverse(k.0));
            keyed.truncate(limit);
        }
        keyed
    }
}

/// A thread or comment ready to be shown as a status.
#[derive(Debug, Clone)]
pub struct StatusData {
    pub id: i64,
    pub content: StatusContent,
    /// The status replied to and its author's person id.
    pub in_reply_to: Option<(i64, i64)>,
    /// Direct replies.
    pub replies: i64,
    pub bookmarked: bool,
    pub tags: Vec<String>,
}

#[derive(Debug, Clone)]
pub enum StatusContent {
    Thread(ThreadView),
    Comment {
        comment: CommentView,
        /// The thread it belongs to (for its group and address).
        thread: Box<ThreadView>,
    },
}

impl StatusData {
    pub fn author_id(&self) -> i64 {
        match &self.content {
            StatusContent::Thread(t) => t.author.id,
            StatusContent::Comment { comment, .. } => comment.author.id,
        }
    }

    pub fn group_id(&self) -> i64 {
        match &self.content {
            StatusContent::Thread(t) => t.group.id,
            StatusContent::Comment { thread, .. } => thread.group.id,
        }
    }
}

/// A person with what a profile shows about them.
#[derive(Debug, Clone)]
pub struct PersonProfile {
    pub person: PersonView,
    pub statuses_count: i64,
    pub last_status_at: Option<NaiveDateTime>,
}

/// Statuses and the people behind them, for one response.
#[derive(Debug, Clone, Default)]
pub struct Bundle {
    pub statuses: Vec<StatusData>,
    pub people: HashMap<i64, PersonProfile>,
}

impl Bundle {
    /// The statuses' ids in order, for pagination.
    pub fn ids(&self) -> Vec<i64> {
        self.statuses.iter().map(|s| s.id).collect()
    }
}

/// Neither deleted nor removed, for a thread's or a comment's columns.
type Shown<Deleted, Removed> = diesel::dsl::And<
    diesel::dsl::Eq<diesel::dsl::Nullable<Deleted>, Option<bool>>,
    diesel::dsl::Eq<diesel::dsl::Nullable<Removed>, Option<bool>>,
>;

/// A status whose thread or comment is neither deleted nor removed.
fn visible() -> diesel::dsl::Or<
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
fn timeline_ids(
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

/// Loads statuses for display, in the order of `ids`.
pub(crate) fn load(
    conn: &mut AnyConnection,
    viewer_id: Option<i64>,
    ids: &[i64],
) -> Result<Bundle> {
    if ids.is_empty() {
        return Ok(Bundle::default());
    }
    let viewer = viewer_id.unwrap_or(-1);
    let rows: Vec<(i64, Option<i64>, Option<i64>)> = statuses::table
        .filter(statuses::id.eq_any(ids))
        .select((statuses::id, statuses::thread_id, statuses::comment_id))
        .load(conn)?;
    let comment_ids: Vec<i64> = rows.iter().filter_map(|r| r.2).collect();
    // Comments with their authors and the viewer's votes.
    let comment_rows: Vec<(Comment, PersonBrief, Option<i32>)> = comments::table
        .inner_join(persons::table)
        .left_join(
            comment_votes::table.on(comment_votes::comment_id
                .eq(comments::id)
                .and(comment_votes::person_id.eq(viewer))),
        )
        .filter(comments::id.eq_any(&comment_ids))
        .filter(comments::deleted.eq(false))
        .filter(comments::removed.eq(false))
        .filter(comments::thread_id.nullable().ne_all(removed_threads()))
        .select((
            Comment::as_select(),
            PersonBrief::as_select(),
            comment_votes::score.nullable(),
        ))
        .load(conn)?;
    let comments_by_id: HashMap<i64, (Comment, PersonBrief, Option<i32>)> =
        comment_rows.into_iter().map(|r| (r.0.id, r)).collect();
    // Threads shown, and those the comments belong to.
    let mut thread_ids: HashSet<i64> = rows.iter().filter_map(|r| r.1).collect();
    thread_ids.extend(comments_by_id.values().map(|(c, _, _)| c.thread_id));
    let thread_ids: Vec<i64> = thread_ids.into_iter().collect();
    let thread_rows: Vec<(Thread, GroupBrief, PersonBrief, Option<i32>)> = threads::table
        .inner_join(groups::table)
        .inner_join(persons::table)
        .left_join(
            thread_votes::table.on(thread_votes::thread_id
                .eq(threads::id)
                .and(thread_votes::person_id.eq(viewer))),
        )
        .filter(threads::id.eq_any(&thread_ids))
        .select((
            Thread::as_select(),
            GroupBrief::as_select(),
            PersonBrief::as_select(),
            thread_votes::score.nullable(),
        ))
        .load(conn)?;
    let threads_by_id: HashMap<i64, ThreadView> = thread_rows
        .into_iter()
        .map(|(t, g, a, v)| (t.id, ThreadView::new(t, g, a, v, false)))
        .collect();
    // Status ids and authors of what the comments answer.
    let parent_comment_ids: Vec<i64> = comments_by_id
        .values()
        .filter_map(|(c, _, _)| c.parent_id)
        .collect();
    let parents: Vec<(i64, Option<i64>, Option<i64>, i64)> = statuses::table
        .filter(
            statuses::comment_id
                .eq_any(
                    parent_comment_ids
                        .iter()
                        .map(|i| Some(*i))
                        .collect::<Vec<_>>(),
                )
                .or(statuses::thread_id
                    .eq_any(thread_ids.iter().map(|i| Some(*i)).collect::<Vec<_>>())),
        )
        .select((
            statuses::id,
            statuses::thread_id,
            statuses::comment_id,
            statuses::author_id,
        ))
        .load(conn)?;
    let status_of_thread: HashMap<i64, (i64, i64)> = parents
        .iter()
        .filter_map(|(s, t, _, a)| t.map(|t| (t, (*s, *a))))
        .collect();
    let status_of_comment: HashMap<i64, (i64, i64)> = parents
        .iter()
        .filter_map(|(s, _, c, a)| c.map(|c| (c, (*s, *a))))
        .collect();
    // Direct replies: to threads (top-level comments) and to comments.
    let shown_threads: Vec<i64> = rows.iter().filter_map(|r| r.1).collect();
    let thread_replies: HashMap<i64, i64> = comments::table
        .filter(comments::thread_id.eq_any(&shown_threads))
        .filter(comments::parent_id.is_null())
        .filter(comments::deleted.eq(false))
        .filter(comments::removed.eq(false))
        .group_by(comments::thread_id)
        .select((comments::thread_id, diesel::dsl::count_star()))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    let comment_replies: HashMap<i64, i64> = comments::table
        .filter(
            comments::parent_id.eq_any(comment_ids.iter().map(|i| Some(*i)).collect::<Vec<_>>()),
        )
        .filter(comments::deleted.eq(false))
        .filter(comments::removed.eq(false))
        .group_by(comments::parent_id)
        .select((comments::parent_id, diesel::dsl::count_star()))
        .load::<(Option<i64>, i64)>(conn)?
        .into_iter()
        .filter_map(|(p, n)| p.map(|p| (p, n)))
        .collect();
    let bookmarked: HashSet<i64> = bookmarks::table
        .filter(bookmarks::person_id.eq(viewer))
        .filter(bookmarks::status_id.eq_any(ids))
        .select(bookmarks::status_id)
        .load::<i64>(conn)?
        .into_iter()
        .collect();
    let mut tags: HashMap<i64, Vec<String>> = HashMap::new();
    for (t, tag) in thread_tags::table
        .filter(thread_tags::thread_id.eq_any(&shown_threads))
        .select((thread_tags::thread_id, thread_tags::tag))
        .load::<(i64, String)>(conn)?
    {
        tags.entry(t).or_default().push(tag);
    }

    let by_status: HashMap<i64, (Option<i64>, Option<i64>)> =
        rows.into_iter().map(|(s, t, c)| (s, (t, c))).collect();
    let mut statuses = Vec::with_capacity(ids.len());
    for id in ids {
        let Some((thread_id, comment_id)) = by_status.get(id) else {
            continue;
        };
        let data = match (thread_id, comment_id) {
            (Some(t), _) => {
                let Some(view) = threads_by_id.get(t) else {
                    continue;
                };
                if view.deleted || view.removed {
                    continue;
                }
                StatusData {
                    id: *id,
                    in_reply_to: None,
                    replies: thread_replies.get(t).copied().unwrap_or(0),
                    bookmarked: bookmarked.contains(id),
                    tags: tags.get(t).cloned().unwrap_or_default(),
                    content: StatusContent::Thread(view.clone()),
                }
            }
            (None, Some(c)) => {
                let Some((comment, author, vote)) = comments_by_id.get(c) else {
                    continue;
                };
                let Some(thread) = threads_by_id.get(&comment.thread_id) else {
                    continue;
                };
                let in_reply_to = match comment.parent_id {
                    Some(p) => status_of_comment.get(&p).copied(),
                    None => status_of_thread.get(&comment.thread_id).copied(),
                };
                StatusData {
                    id: *id,
                    in_reply_to,
                    replies: comment_replies.get(c).copied().unwrap_or(0),
                    bookmarked: bookmarked.contains(id),
                    tags: Vec::new(),
                    content: StatusContent::Comment {
                        comment: CommentView::new(comment.clone(), author.clone(), *vote, false),
                        thread: Box::new(thread.clone()),
                    },
                }
            }
            (None, None) => continue,
        };
        statuses.push(data);
    }
    let mut people: Vec<i64> = statuses.iter().map(StatusData::author_id).collect();
    people.extend(statuses.iter().filter_map(|s| s.in_reply_to.map(|r| r.1)));
    let people = profiles(conn, &people)?;
    Ok(Bundle { statuses, people })
}

/// People with their counts, by id.
///
/// # Errors
/// Database failures only.
pub fn profiles(conn: &mut AnyConnection, ids: &[i64]) -> Result<HashMap<i64, PersonProfile>> {
    let mut ids: Vec<i64> = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let people: Vec<Person> = persons::table
        .filter(persons::id.eq_any(&ids))
        .select(Person::as_select())
        .load(conn)?;
    let counts: HashMap<i64, (i64, Option<NaiveDateTime>)> = statuses::table
        .filter(statuses::author_id.eq_any(&ids))
        .group_by(statuses::author_id)
        .select((
            statuses::author_id,
            diesel::dsl::count_star(),
            diesel::dsl::max(statuses::created_at),
        ))
        .load::<(i64, i64, Option<NaiveDateTime>)>(conn)?
        .into_iter()
        .map(|(a, n, last)| (a, (n, last)))
        .collect();
    let followers: HashMap<i64, i64> = person_follows::table
        .filter(person_follows::followed_id.eq_any(&ids))
        .filter(person_follows::state.eq(MembershipState::Accepted))
        .group_by(person_follows::followed_id)
        .select((person_follows::followed_id, diesel::dsl::count_star()))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    let following: HashMap<i64, i64> = person_follows::table
        .filter(person_follows::follower_id.eq_any(&ids))
        .filter(person_follows::state.eq(MembershipState::Accepted))
        .group_by(person_follows::follower_id)
        .select((person_follows::follower_id, diesel::dsl::count_star()))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    Ok(people
        .into_iter()
        .map(|p| {
            let id = p.id;
            let (statuses_count, last_status_at) = counts.get(&id).copied().unwrap_or((0, None));
            let mut person = PersonView::from(p);
            person.followers_count = Some(followers.get(&id).copied().unwrap_or(0));
            person.following_count = Some(following.get(&id).copied().unwrap_or(0));
            (
                id,
                PersonProfile {
                    person,
                    statuses_count,
                    last_status_at,
                },
            )
        })
        .collect())
}

/// People by id, with their counts.
///
/// # Errors
/// Database failures only.
pub async fn people(state: &Context, ids: Vec<i64>) -> Result<HashMap<i64, PersonProfile>> {
    state.db.read(move |c| profiles(c, &ids)).await
}

/// A conversation around a status: the chain of what it answers (oldest first) and every reply
/// below it, in tree order.
#[derive(Debug, Clone, Default)]
pub struct Conversation {
    pub ancestors: Bundle,
    pub descendants: Bundle,
}

/// # Errors
/// 404 for an unknown status.
pub async fn context(state: &Context, viewer: Option<&Viewer>, id: i64) -> Result<Conversation> {
    let viewer_id = viewer.map(Viewer::id);
    let limit = state.config.limits.comments_per_thread;
    state
        .db
        .read(move |c| {
            let (thread_id, comment) = match resolve(c, id)? {
                StatusOf::Thread(t) => (t, None),
                StatusOf::Comment(cid) => {
                    let comment = crate::domain::comments::find_comment(c, cid)?;
                    (comment.thread_id, Some(comment))
                }
            };
            // Every comment of the thread, to walk the tree.
            let all: Vec<(i64, Option<i64>, NaiveDateTime)> = comments::table
                .filter(comments::thread_id.eq(thread_id))
                .order(comments::id.asc())
                .limit(limit)
                .select((comments::id, comments::parent_id, comments::created_at))
                .load(c)?;
            let parent_of: HashMap<i64, Option<i64>> =
                all.iter().map(|(i, p, _)| (*i, *p)).collect();
            let mut children: HashMap<Option<i64>, Vec<i64>> = HashMap::new();
            for (i, p, _) in &all {
                children.entry(*p).or_default().push(*i);
            }
            // Ancestors: the thread, then each comment up the chain, oldest first.
            let mut ancestor_comments = Vec::new();
            if let Some(cm) = &comment {
                let mut at = cm.parent_id;
                while let Some(p) = at {
                    ancestor_comments.push(p);
                    at = parent_of.get(&p).copied().flatten();
                }
            }
            ancestor_comments.reverse();
            // Descendants: depth first below the status, in the order replies came.
            let mut below = Vec::new();
            let start = comment.as_ref().map(|cm| cm.id);
            let mut stack: Vec<i64> = children
                .get(&start)
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .rev()
                .collect();
            while let Some(next) = stack.pop() {
                below.push(next);
                if let Some(kids) = children.get(&Some(next)) {
                    stack.extend(kids.iter().rev());
                }
            }
            let status_ids = |c: &mut AnyConnection, comment_ids: &[i64]| -> Result<Vec<i64>> {
                let found: HashMap<i64, i64> = statuses::table
                    .filter(
                        statuses::comment_id
                            .eq_any(comment_ids.iter().map(|i| Some(*i)).collect::<Vec<_>>()),
                    )
                    .select((statuses::comment_id, statuses::id))
                    .load::<(Option<i64>, i64)>(c)?
                    .into_iter()
                    .filter_map(|(cm, s)| cm.map(|cm| (cm, s)))
                    .collect();
                Ok(comment_ids
                    .iter()
                    .filter_map(|i| found.get(i).copied())
                    .collect())
            };
            let mut ancestors = Vec::new();
            if comment.is_some() {
                ancestors.push(of_thread(c, thread_id)?);
            }
            ancestors.extend(status_ids(c, &ancestor_comments)?);
            let descendants = status_ids(c, &below)?;
            Ok(Conversation {
                ancestors: load(c, viewer_id, &ancestors)?,
                descendants: load(c, viewer_id, &descendants)?,
            })
        })
        .await
}

/// Bookmarks a status (again: nothing changes).
///
/// # Errors
/// 404 for an unknown status.
pub async fn bookmark(state: &Context, viewer: &Viewer, id: i64, on: bool) -> Result<()> {
    let me = viewer.id();
    state
        .db
        .write(move |c| {
            resolve(c, id)?;
            if on {
                per_backend!(c, |c| diesel::insert_into(bookmarks::table)
                    .values((
                        bookmarks::person_id.eq(me),
                        bookmarks::status_id.eq(id),
                        bookmarks::created_at.eq(now()),
                    ))
                    .on_conflict((bookmarks::person_id, bookmarks::status_id))
                    .do_nothing()
                    .execute(c))?;
            } else {
                diesel::delete(
                    bookmarks::table
                        .filter(bookmarks::person_id.eq(me))
                        .filter(bookmarks::status_id.eq(id)),
                )
                .execute(c)?;
            }
            Ok(())
        })
        .await
}

/// The viewer's bookmarks, newest first, paged by bookmark id. Returns the statuses and the
/// bookmark ids of the first and last (for `Link` headers).
///
/// # Errors
/// Database failures only.
pub async fn bookmarks(
    state: &Context,
    viewer: &Viewer,
    w: Window,
) -> Result<(Bundle, Option<(i64, i64)>)> {
    let me = viewer.id();
    state
        .db
        .read(move |c| {
            let mut q = bookmarks::table
                .filter(bookmarks::person_id.eq(me))
                .select((bookmarks::id, bookmarks::status_id))
                .into_boxed();
            if let Some(max) = w.max_id {
                q = q.filter(bookmarks::id.lt(max));
            }
            if let Some(since) = w.since_id {
                q = q.filter(bookmarks::id.gt(since));
            }
            let rows: Vec<(i64, i64)> = match w.min_id {
                Some(min) => {
                    let mut rows: Vec<(i64, i64)> = q
                        .filter(bookmarks::id.gt(min))
                        .order(bookmarks::id.asc())
                        .limit(w.limit)
                        .load(c)?;
                    rows.reverse();
                    rows
                }
                None => q.order(bookmarks::id.desc()).limit(w.limit).load(c)?,
            };
            let bounds = rows.first().zip(rows.last()).map(|(f, l)| (f.0, l.0));
            let ids: Vec<i64> = rows.into_iter().map(|r| r.1).collect();
            Ok((load(c, Some(me), &ids)?, bounds))
        })
        .await
}

/// Statuses the viewer favourited (voted up), newest vote first, paged by the vote's time in
/// microseconds. Returns the statuses and the first and last keys.
///
/// # Errors
/// Database failures only.
pub async fn favourites(
    state: &Context,
    viewer: &Viewer,
    w: Window,
) -> Result<(Bundle, Option<(i64, i64)>)> {
    let me = viewer.id();
    state
        .db
        .read(move |c| {
            let key = |t: NaiveDateTime| t.and_utc().timestamp_micros();
            let mut votes: Vec<(i64, i64)> = Vec::new();
            let threads_up: Vec<(i64, NaiveDateTime)> = thread_votes::table
                .inner_join(
                    statuses::table.on(statuses::thread_id.eq(thread_votes::thread_id.nullable())),
                )
                .filter(thread_votes::person_id.eq(me))
                .filter(thread_votes::score.eq(1))
                .select((statuses::id, thread_votes::created_at))
                .load(c)?;
            let comments_up: Vec<(i64, NaiveDateTime)> = comment_votes::table
                .inner_join(
                    statuses::table
                        .on(statuses::comment_id.eq(comment_votes::comment_id.nullable())),
                )
                .filter(comment_votes::person_id.eq(me))
                .filter(comment_votes::score.eq(1))
                .select((statuses::id, comment_votes::created_at))
                .load(c)?;
            votes.extend(threads_up.into_iter().map(|(s, t)| (key(t), s)));
            votes.extend(comments_up.into_iter().map(|(s, t)| (key(t), s)));
            let page = w.apply(votes);
            let bounds = page.first().zip(page.last()).map(|(f, l)| (f.0, l.0));
            let ids: Vec<i64> = page.into_iter().map(|p| p.1).collect();
            Ok((load(c, Some(me), &ids)?, bounds))
        })
        .await
}

/// People who favourited (voted up) a status, with the vote's time in microseconds as key,
/// newest first.
///
/// # Errors
/// 404 for an unknown status.
pub async fn favourited_by(
    state: &Context,
    id: i64,
    w: Window,
) -> Result<(Vec<PersonProfile>, Option<(i64, i64)>)> {
    state
        .db
        .read(move |c| {
            // Who liked what is gone is not told either.
            if load(c, None, &[id])?.statuses.is_empty() {
                return Err(Error::NotFound("status"));
            }
            let voters: Vec<(i64, NaiveDateTime)> = match resolve(c, id)? {
                StatusOf::Thread(t) => thread_votes::table
                    .filter(thread_votes::thread_id.eq(t))
                    .filter(thread_votes::score.eq(1))
                    .select((thread_votes::person_id, thread_votes::created_at))
                    .load(c)?,
                StatusOf::Comment(cm) => comment_votes::table
                    .filter(comment_votes::comment_id.eq(cm))
                    .filter(comment_votes::score.eq(1))
                    .select((comment_votes::person_id, comment_votes::created_at))
                    .load(c)?,
            };
            let keyed = w.apply(
                voters
                    .into_iter()
                    .map(|(p, t)| (t.and_utc().timestamp_micros(), p))
                    .collect(),
            );
            let bounds = keyed.first().zip(keyed.last()).map(|(f, l)| (f.0, l.0));
            let ids: Vec<i64> = keyed.iter().map(|k| k.1).collect();
            let found = profiles(c, &ids)?;
            Ok((
                ids.iter().filter_map(|i| found.get(i).cloned()).collect(),
                bounds,
            ))
        })
        .await
}

/// Threads whose title contains `q` (any case), newest first.
///
/// # Errors
/// 422 for a query too long.
pub async fn search(
    state: &Context,
    viewer: Option<&Viewer>,
    q: &str,
    limit: i64,
    offset: i64,
) -> Result<Bundle> {
    use crate::domain::groups::lower;
    let q = q.trim().to_lowercase();
    if q.chars().count() > 200 {
        return Err(Error::invalid("q", "must be at most 200 characters"));
    }
    if q.is_empty() {
        return Ok(Bundle::default());
    }
    let viewer_id = viewer.map(Viewer::id);
    state
        .db
        .read(move |c| {
            let escaped = q
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            let ids: Vec<i64> = statuses::table
                .inner_join(threads::table.on(statuses::thread_id.eq(threads::id.nullable())))
                .filter(threads::deleted.eq(false))
                .filter(threads::removed.eq(false))
                .filter(
                    lower(threads::title)
                        .like(format!("%{escaped}%"))
                        .escape('\\'),
                )
                .order(statuses::id.desc())
                .offset(offset)
                .limit(limit)
                .select(statuses::id)
                .load(c)?;
            load(c, viewer_id, &ids)
        })
        .await
}

/// Hashtags in use that start with `q`, most used first, with how many threads carry each.
///
/// # Errors
/// Database failures only.
pub async fn search_tags(state: &Context, q: &str, limit: i64) -> Result<Vec<(String, i64)>> {
    let q: String = q
        .trim()
        .trim_start_matches('#')
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    if q.is_empty() {
        return Ok(Vec::new());
    }
    state
        .db
        .read(move |c| {
            Ok(thread_tags::table
                .filter(thread_tags::tag.like(format!("{q}%")))
                .group_by(thread_tags::tag)
                .select((thread_tags::tag, diesel::dsl::count_star()))
                .order(diesel::dsl::count_star().desc())
                .limit(limit)
                .load(c)?)
        })
        .await
}
