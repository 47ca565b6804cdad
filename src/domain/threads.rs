//! Threads: posting, reading (with the comment tree), listing, editing, and steward actions.

mod listing;
mod moderation;
pub use listing::*;
pub use moderation::*;

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

/// The groups whose threads a listing shows.
enum Scope {
    Group(i64),
    MemberOf(i64),
    /// What one person started.
    Author(i64),
    /// A group's pinned threads.
    Pinned(i64),
    /// A group's threads for its feed: less those of suspended or banned authors.
    Feed(i64),
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
            crate::domain::receipts::record(conn, &activity)?;
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
