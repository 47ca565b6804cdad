//! Threads: posting, reading (with the comment tree), listing, editing, and steward actions.

use std::collections::HashMap;

use diesel::prelude::*;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::db::{models::*, schema::*, AnyConnection, MultiBackend};
use crate::domain::groups::{
    find_group, is_steward, membership_of, require_steward, MembershipState,
};
use crate::domain::paging::{Cursor, Page, PageRequest};
use crate::domain::people::Viewer;
use crate::domain::publish;
use crate::domain::statuses;
use crate::domain::text::{self, now};
use crate::domain::views::{CommentView, GroupBrief, PersonBrief, ThreadDetail, ThreadView};
use crate::domain::visibility;
use crate::domain::Context;
use crate::error::{Error, Result};
use crate::per_backend;
use diesel::dsl::AsSelect;

/// Order of a thread listing.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Sort {
    /// Newest first.
    #[default]
    New,
    /// Most recent comment (or creation) first.
    Active,
    /// Highest score first.
    Top,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewThreadInput {
    pub title: String,
    /// Markdown.
    #[serde(default)]
    pub body: String,
    /// An http(s) link the thread is about.
    pub url: Option<String>,
    /// The language it is written in (`en`, `fr-CA`…); the author's interface language if
    /// absent.
    #[serde(default)]
    pub language: Option<String>,
}

/// Absent fields stay; an empty `url` removes the link.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ThreadEdit {
    pub title: Option<String>,
    pub body: Option<String>,
    pub url: Option<String>,
}

/// Steward actions on a thread.
#[derive(Debug, Clone, Copy)]
pub enum ThreadFlag {
    Pinned,
    Locked,
    Removed,
}

/// Query of a listing (`sort`, `cursor`, `limit`).
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct ListQuery {
    /// `new` (default), `active` or `top`.
    pub sort: Option<Sort>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Items per page (default 20, at most 100 unless configured otherwise).
    pub limit: Option<i64>,
}

type ThreadRow = (Thread, GroupBrief, PersonBrief, Option<i32>);

/// Threads with their group, author and the viewer's vote (`viewer_id` -1: nobody's).
#[diesel::dsl::auto_type(no_type_alias)]
fn with_context(viewer_id: i64) -> _ {
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

/// The groups whose threads a listing shows.
enum Scope {
    Group(i64),
    MemberOf(i64),
    /// What one person started.
    Author(i64),
    /// A group's pinned threads.
    Pinned(i64),
}

fn list_rows(
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

fn cursor_of(sort: Sort) -> impl Fn(&ThreadView) -> Cursor {
    move |t| Cursor {
        key: match sort {
            Sort::New => Cursor::time_key(t.created_at),
            Sort::Active => Cursor::time_key(t.last_activity_at),
            Sort::Top => t.score,
        },
        id: t.id,
    }
}

fn to_views(rows: Vec<ThreadRow>) -> Vec<ThreadView> {
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

/// In groups that approve members, only accepted members write.
/// The most replies a remote group may claim for one of its threads.
const REMOTE_COMMENT_COUNT_MAX: i64 = 1_000_000;

/// A remote thread's number of replies as its group tells it, for a thread read from the group's
/// outbox whose older replies we do not hold: raised to it, never lowered below what we count.
///
/// # Errors
/// Database failures only.
pub async fn set_remote_comment_count(
    state: &Context,
    thread_id: i64,
    group_id: i64,
    count: i64,
) -> Result<()> {
    // A group speaks for its own threads only, and within reason.
    let count = count.clamp(0, REMOTE_COMMENT_COUNT_MAX);
    state
        .db
        .write(move |conn| {
            let thread = find_thread(conn, thread_id)?;
            let group_local: bool = groups::table
                .find(thread.group_id)
                .select(groups::local)
                .first(conn)?;
            if !thread.local
                && !group_local
                && thread.group_id == group_id
                && count > thread.comment_count
            {
                diesel::update(threads::table.find(thread_id))
                    .set(threads::comment_count.eq(count))
                    .execute(conn)?;
            }
            Ok(())
        })
        .await
}

/// In groups that approve members, only accepted members write.
pub(crate) fn require_can_post(
    conn: &mut AnyConnection,
    group: &Group,
    person: &Person,
) -> Result<()> {
    if crate::domain::groups::is_banned(conn, group.id, person.id)? {
        return Err(Error::forbidden("you are banned from this group"));
    }
    if group.approval_required
        && membership_of(conn, group.id, person.id)? != Some(MembershipState::Accepted)
        && !is_steward(conn, group.id, person.id)?
    {
        return Err(Error::forbidden(
            "this group approves its members: join it and wait for a steward's approval before posting",
        ));
    }
    Ok(())
}

pub(crate) fn load_view(
    conn: &mut AnyConnection,
    id: i64,
    viewer_id: i64,
    show_removed: bool,
) -> Result<ThreadView> {
    let (t, g, a, v): ThreadRow = with_context(viewer_id)
        .filter(threads::id.eq(id))
        .first(conn)
        .optional()?
        .ok_or(Error::NotFound("thread"))?;
    Ok(ThreadView::new(t, g, a, v, show_removed))
}

pub(crate) fn find_thread(conn: &mut AnyConnection, id: i64) -> Result<Thread> {
    threads::table
        .find(id)
        .select(Thread::as_select())
        .first(conn)
        .optional()?
        .ok_or(Error::NotFound("thread"))
}

/// Posts a thread in a group.
///
/// # Errors
/// 404 for an unknown group, 403 where membership is required, 422/413 for bad values.
#[tracing::instrument(skip_all, fields(group = %group, author = %viewer.person.username))]
pub async fn create(
    state: &Context,
    viewer: &Viewer,
    group: &str,
    input: NewThreadInput,
) -> Result<ThreadView> {
    let limits = &state.config.limits;
    let title = text::parse_line("title", &input.title, limits.title_chars)?;
    state.post_limiter.check(viewer.id())?;
    let (body_source, body_html) = text::parse_markdown("body", &input.body, limits.body_bytes)?;
    let url = text::parse_link("url", input.url.as_deref())?;
    let language = text::parse_language("language", input.language.as_deref())?
        .or_else(|| viewer.person.language.clone());
    let (id, name, person, origin) = (
        state.instance_id,
        group.to_string(),
        viewer.person.clone(),
        state.origin(),
    );
    let view = state
        .db
        .write(move |conn| {
            let group = find_group(conn, id, &name)?;
            require_can_post(conn, &group, &person)?;
            let t = now();
            // The id is known only after the insert; a unique placeholder holds the place.
            let new = NewThread {
                ap_id: format!(
                    "{}/t/pending-{}-{}",
                    origin.base,
                    person.id,
                    t.and_utc().timestamp_micros()
                ),
                local: true,
                group_id: group.id,
                author_id: person.id,
                title,
                body_source,
                body_html,
                url,
                created_at: t,
                last_activity_at: t,
                language,
            };
            let thread_id = insert_thread(conn, &new)?;
            diesel::update(threads::table.find(thread_id))
                .set(threads::ap_id.eq(format!("{}/t/{thread_id}", origin.base)))
                .execute(conn)?;
            publish::thread_changed(conn, &origin, thread_id, publish::Change::Create, None)?;
            load_view(conn, thread_id, person.id, false)
        })
        .await?;
    state.wake_outbox();
    Ok(view)
}

fn insert_thread(conn: &mut AnyConnection, new: &NewThread) -> Result<i64> {
    let thread_id: i64 = per_backend!(conn, |c| diesel::insert_into(threads::table)
        .values(new)
        .returning(threads::id)
        .get_result(c))?;
    let status =
        statuses::record_thread(conn, thread_id, new.group_id, new.author_id, new.created_at)?;
    let words = format!("{}\n{}", new.title, text::html_to_text(&new.body_html));
    if words.contains('@') {
        let author_local: bool = persons::table
            .find(new.author_id)
            .select(persons::local)
            .first(conn)?;
        crate::domain::notifications::notify_mentions(
            conn,
            &words,
            author_local,
            new.author_id,
            status,
            new.group_id,
            &[],
        )?;
    }
    statuses::set_thread_tags(conn, thread_id, &new.title, &new.body_html)?;
    diesel::update(groups::table.find(new.group_id))
        .set(groups::thread_count.eq(groups::thread_count + 1))
        .execute(conn)?;
    Ok(thread_id)
}

/// A thread from another server, as its `Page` describes it.
pub struct RemoteThread {
    pub ap_id: String,
    pub title: String,
    pub body_source: String,
    pub body_html: String,
    pub url: Option<String>,
    pub published: chrono::NaiveDateTime,
    pub updated: Option<chrono::NaiveDateTime>,
    pub language: Option<String>,
}

/// Stores (or updates) a remote thread in `group`, then relays `activity` if the group is ours.
/// Returns the thread's id; receiving it again changes nothing.
///
/// # Errors
/// 403 where the author may not post; a refusal when someone else updates it.
pub async fn store_remote(
    state: &Context,
    author: Person,
    group: Group,
    thread: RemoteThread,
    activity: serde_json::Value,
) -> Result<i64> {
    let origin = state.origin();
    let id = state
        .db
        .write(move |conn| {
            // First, so that a copy arriving at the same moment waits here and stops.
            crate::domain::outbox::record_receipt(conn, &activity)?;
            let existing: Option<Thread> = threads::table
                .filter(threads::ap_id.eq(&thread.ap_id))
                .select(Thread::as_select())
                .first(conn)
                .optional()?;
            let id = match existing {
                Some(t) => {
                    if t.author_id != author.id {
                        return Err(Error::Refused("only the author may update a thread".into()));
                    }
                    // An edit stays in its group, the one the activity came through.
                    if t.group_id != group.id {
                        return Err(Error::Refused("the thread belongs to another group".into()));
                    }
                    // A Create of what we have is a copy (under another id): nothing to do. Only
                    // an Update changes it, so an old Create never undoes a newer edit.
                    if t.deleted || t.removed || activity["type"].as_str() != Some("Update") {
                        return Ok(t.id);
                    }
                    diesel::update(threads::table.find(t.id))
                        .set((
                            threads::title.eq(&thread.title),
                            threads::body_source.eq(&thread.body_source),
                            threads::body_html.eq(&thread.body_html),
                            threads::url.eq(&thread.url),
                            threads::language.eq(&thread.language),
                            threads::updated_at.eq(thread.updated.or(Some(now()))),
                        ))
                        .execute(conn)?;
                    statuses::set_thread_tags(conn, t.id, &thread.title, &thread.body_html)?;
                    t.id
                }
                None => {
                    require_can_post(conn, &group, &author)?;
                    insert_thread(
                        conn,
                        &NewThread {
                            ap_id: thread.ap_id.clone(),
                            local: false,
                            group_id: group.id,
                            author_id: author.id,
                            title: thread.title.clone(),
                            body_source: thread.body_source.clone(),
                            body_html: thread.body_html.clone(),
                            url: thread.url.clone(),
                            created_at: thread.published,
                            last_activity_at: thread.published,
                            language: thread.language.clone(),
                        },
                    )?
                }
            };
            // A received activity is relayed as it came, whatever its kind.
            publish::thread_changed(conn, &origin, id, publish::Change::Update, Some(activity))?;
            Ok(id)
        })
        .await?;
    state.wake_outbox();
    Ok(id)
}

/// A thread and its comments as a tree.
///
/// # Errors
/// 404 for an unknown thread.
pub async fn get(state: &Context, viewer: Option<&Viewer>, id: i64) -> Result<ThreadDetail> {
    let viewer_person = viewer.map(|v| v.person.clone());
    let max = state.config.limits.comments_per_thread;
    state
        .db
        .read(move |conn| {
            let thread = find_thread(conn, id)?;
            let steward = match &viewer_person {
                Some(p) => p.is_admin || is_steward(conn, thread.group_id, p.id)?,
                None => false,
            };
            let viewer_id = viewer_person.as_ref().map_or(-1, |p| p.id);
            let view = load_view(conn, id, viewer_id, steward)?;
            let rows = comments::table
                .inner_join(persons::table)
                .left_join(
                    comment_votes::table.on(comment_votes::comment_id
                        .eq(comments::id)
                        .and(comment_votes::person_id.eq(viewer_id))),
                )
                .filter(comments::thread_id.eq(id))
                .order(comments::id.asc())
                .limit(max + 1)
                .select((
                    Comment::as_select(),
                    PersonBrief::as_select(),
                    comment_votes::score.nullable(),
                ))
                .load::<(Comment, PersonBrief, Option<i32>)>(conn)?;
            let truncated = rows.len() as i64 > max;
            let flat = rows
                .into_iter()
                .take(usize::try_from(max).unwrap_or(usize::MAX))
                .map(|(c, a, v)| CommentView::new(c, a, v, steward))
                .collect::<Vec<_>>();
            if !visibility::thread_readable(&thread, steward, !flat.is_empty()) {
                return Err(Error::NotFound("thread"));
            }
            let membership = match &viewer_person {
                Some(p) => membership_of(conn, thread.group_id, p.id)?,
                None => None,
            };
            Ok(ThreadDetail {
                thread: view,
                comments: build_tree(flat),
                comments_truncated: truncated,
                viewer_is_steward: steward,
                viewer_membership: membership.map(String::from),
            })
        })
        .await
}

/// Nests comments under their parents, keeping each level oldest first. A comment whose parent
/// is missing from the list (beyond the truncation) is shown at the top level.
fn build_tree(flat: Vec<CommentView>) -> Vec<CommentView> {
    let ids: std::collections::HashSet<i64> = flat.iter().map(|c| c.id).collect();
    let mut children: HashMap<Option<i64>, Vec<CommentView>> = HashMap::new();
    for c in flat {
        let parent = c.parent_id.filter(|p| ids.contains(p));
        children.entry(parent).or_default().push(c);
    }
    fn attach(node: &mut CommentView, children: &mut HashMap<Option<i64>, Vec<CommentView>>) {
        if let Some(mut kids) = children.remove(&Some(node.id)) {
            for kid in &mut kids {
                attach(kid, children);
            }
            node.replies = kids;
        }
    }
    let mut roots = children.remove(&None).unwrap_or_default();
    for root in &mut roots {
        attach(root, &mut children);
    }
    roots
}

/// # Errors
/// 403 for anyone but the author, 404 for an unknown thread, 409 for deleted or removed ones.
#[tracing::instrument(skip_all, fields(thread = id))]
pub async fn edit(
    state: &Context,
    viewer: &Viewer,
    id: i64,
    input: ThreadEdit,
) -> Result<ThreadView> {
    let limits = &state.config.limits;
    let title = input
        .title
        .as_deref()
        .map(|t| text::parse_line("title", t, limits.title_chars))
        .transpose()?;
    let body = input
        .body
        .as_deref()
        .map(|b| text::parse_markdown("body", b, limits.body_bytes))
        .transpose()?;
    let url = input
        .url
        .as_deref()
        .map(|u| text::parse_link("url", Some(u)))
        .transpose()?;
    let (person_id, origin) = (viewer.id(), state.origin());
    let view = state
        .db
        .write(move |conn| {
            let thread = find_thread(conn, id)?;
            if thread.author_id != person_id {
                return Err(Error::forbidden("only the author can edit a thread"));
            }
            if thread.deleted || thread.removed {
                return Err(Error::Conflict {
                    field: None,
                    message: "this thread was deleted or removed".into(),
                });
            }
            let target = threads::table.find(id);
            if let Some(t) = title {
                diesel::update(target)
                    .set(threads::title.eq(t))
                    .execute(conn)?;
            }
            if let Some((s, h)) = body {
                diesel::update(target)
                    .set((threads::body_source.eq(s), threads::body_html.eq(h)))
                    .execute(conn)?;
            }
            if let Some(u) = url {
                diesel::update(target)
                    .set(threads::url.eq(u))
                    .execute(conn)?;
            }
            diesel::update(target)
                .set(threads::updated_at.eq(Some(now())))
                .execute(conn)?;
            let edited = find_thread(conn, id)?;
            statuses::set_thread_tags(conn, id, &edited.title, &edited.body_html)?;
            publish::thread_changed(conn, &origin, id, publish::Change::Update, None)?;
            load_view(conn, id, person_id, false)
        })
        .await?;
    state.wake_outbox();
    Ok(view)
}

/// Deletes a thread, leaving a tombstone so its comments stay readable.
///
/// # Errors
/// 403 for anyone but the author, 404 for an unknown thread.
#[tracing::instrument(skip_all, fields(thread = id))]
pub async fn delete(state: &Context, viewer: &Viewer, id: i64) -> Result<()> {
    delete_as(state, viewer.person.clone(), id, None).await
}

/// Deletes a thread on behalf of its author, local or remote (`received`: the `Delete` that
/// asked for it, relayed if the group is ours).
///
/// # Errors
/// 403 for anyone but the author, 404 for an unknown thread.
pub async fn delete_as(
    state: &Context,
    author: Person,
    id: i64,
    received: Option<serde_json::Value>,
) -> Result<()> {
    set_deleted(state, author, id, true, received).await
}

/// Restores a thread its remote author deleted, on the `Undo` of that `Delete` (`received`,
/// relayed if the group is ours), as Lemmy lets authors do.
///
/// # Errors
/// 403 for anyone but the author, 404 for an unknown thread.
pub async fn restore_as(
    state: &Context,
    author: Person,
    id: i64,
    received: serde_json::Value,
) -> Result<()> {
    set_deleted(state, author, id, false, Some(received)).await
}

async fn set_deleted(
    state: &Context,
    author: Person,
    id: i64,
    deleted: bool,
    received: Option<serde_json::Value>,
) -> Result<()> {
    let origin = state.origin();
    state
        .db
        .write(move |conn| {
            let thread = find_thread(conn, id)?;
            if thread.author_id != author.id {
                return Err(Error::forbidden("only the author can delete a thread"));
            }
            if thread.deleted == deleted {
                return Ok(());
            }
            diesel::update(threads::table.find(id))
                .set((
                    threads::deleted.eq(deleted),
                    threads::updated_at.eq(Some(now())),
                ))
                .execute(conn)?;
            if !thread.removed {
                let delta: i64 = if deleted { -1 } else { 1 };
                diesel::update(groups::table.find(thread.group_id))
                    .set(groups::thread_count.eq(groups::thread_count + delta))
                    .execute(conn)?;
            }
            let group = groups::table
                .find(thread.group_id)
                .select(Group::as_select())
                .first(conn)?;
            publish::deleted(conn, &origin, &author, &group, &thread.ap_id, received)
        })
        .await?;
    state.wake_outbox();
    Ok(())
}

/// Pins, locks or removes a thread (or undoes it).
///
/// # Errors
/// 403 for non-stewards, 404 for an unknown thread, 409 for a deleted one.
#[tracing::instrument(skip_all, fields(thread = id, ?flag, value))]
pub async fn moderate(
    state: &Context,
    viewer: &Viewer,
    id: i64,
    flag: ThreadFlag,
    value: bool,
) -> Result<ThreadView> {
    moderate_as(state, viewer.person.clone(), id, flag, value, None).await
}

/// A steward action on a thread, local or remote. `relayed` is the activity that carried it
/// when its group, a remote one, announced it: the group vouches for its own stewards. Without
/// it, the actor must be a steward here.
///
/// # Errors
/// 403 for non-stewards, 404 for an unknown thread, 409 for a deleted one.
pub async fn moderate_as(
    state: &Context,
    person: Person,
    id: i64,
    flag: ThreadFlag,
    value: bool,
    relayed: Option<serde_json::Value>,
) -> Result<ThreadView> {
    let origin = state.origin();
    let view = state
        .db
        .write(move |conn| {
            let thread = find_thread(conn, id)?;
            let group = groups::table
                .find(thread.group_id)
                .select(Group::as_select())
                .first(conn)?;
            if relayed.is_none() {
                require_steward(conn, thread.group_id, &person)?;
            }
            if thread.deleted {
                return Err(Error::Conflict {
                    field: None,
                    message: "this thread was deleted by its author".into(),
                });
            }
            let target = threads::table.find(id);
            match flag {
                ThreadFlag::Pinned => diesel::update(target)
                    .set(threads::pinned.eq(value))
                    .execute(conn)?,
                ThreadFlag::Locked => diesel::update(target)
                    .set(threads::locked.eq(value))
                    .execute(conn)?,
                ThreadFlag::Removed => {
                    if thread.removed != value {
                        let delta: i64 = if value { -1 } else { 1 };
                        diesel::update(groups::table.find(thread.group_id))
                            .set(groups::thread_count.eq(groups::thread_count + delta))
                            .execute(conn)?;
                    }
                    diesel::update(target)
                        .set(threads::removed.eq(value))
                        .execute(conn)?
                }
            };
            let action = match flag {
                ThreadFlag::Pinned => publish::ModAction::Feature,
                ThreadFlag::Locked => publish::ModAction::Lock,
                ThreadFlag::Removed => publish::ModAction::Remove,
            };
            publish::moderation(
                conn,
                &origin,
                &person,
                &group,
                action,
                &thread.ap_id,
                value,
                relayed,
            )?;
            tracing::info!(steward = %person.username, "thread moderated");
            load_view(conn, id, person.id, true)
        })
        .await?;
    state.wake_outbox();
    Ok(view)
}
