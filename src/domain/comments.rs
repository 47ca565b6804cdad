//! Comments: replies to a thread or to another comment, as a tree of any depth.

use diesel::prelude::*;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::db::{models::*, schema::*, AnyConnection, MultiBackend};
use crate::domain::groups::{is_steward, require_steward};
use crate::domain::objects::ReplyTarget;
use crate::domain::people::Viewer;
use crate::domain::publish;
use crate::domain::text::{self, now};
use crate::domain::threads::{find_thread, require_can_post};
use crate::domain::views::{CommentView, PersonBrief};
use crate::domain::visibility;
use crate::domain::Context;
use crate::error::{Error, Result};
use crate::per_backend;
use diesel::dsl::AsSelect;

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewCommentInput {
    /// Markdown.
    pub body: String,
    /// The comment this replies to; absent for a reply to the thread itself.
    pub parent_id: Option<i64>,
    /// The language it is written in; the author's interface language if absent.
    #[serde(default)]
    pub language: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CommentEdit {
    /// Markdown.
    pub body: String,
}

pub(crate) fn find_comment(conn: &mut AnyConnection, id: i64) -> Result<Comment> {
    comments::table
        .find(id)
        .select(Comment::as_select())
        .first(conn)
        .optional()?
        .ok_or(Error::NotFound("comment"))
}

fn load_view(
    conn: &mut AnyConnection,
    id: i64,
    viewer_id: i64,
    show_removed: bool,
) -> Result<CommentView> {
    let (c, a, v) = comments::table
        .inner_join(persons::table)
        .left_join(
            comment_votes::table.on(comment_votes::comment_id
                .eq(comments::id)
                .and(comment_votes::person_id.eq(viewer_id))),
        )
        .filter(comments::id.eq(id))
        .select((
            Comment::as_select(),
            PersonBrief::as_select(),
            comment_votes::score.nullable(),
        ))
        .first::<(Comment, PersonBrief, Option<i32>)>(conn)?;
    Ok(CommentView::new(c, a, v, show_removed))
}

/// A comment with the thread it belongs to, for lists outside the thread (a profile, the
/// stewards' removed content, the page to reply to it).
#[derive(Debug, Clone)]
pub struct CommentInThread {
    pub comment: CommentView,
    pub thread_id: i64,
    pub thread_title: String,
}

type InThreadRow = (Comment, PersonBrief, Option<i32>, String);

fn in_thread(rows: Vec<InThreadRow>, show_removed: bool) -> Vec<CommentInThread> {
    rows.into_iter()
        .map(|(c, a, v, title)| CommentInThread {
            thread_id: c.thread_id,
            thread_title: title,
            comment: CommentView::new(c, a, v, show_removed),
        })
        .collect()
}

/// Comments with their author, the viewer's vote and their thread's title.
#[diesel::dsl::auto_type(no_type_alias)]
fn with_thread(viewer_id: i64) -> _ {
    let vote_of_viewer: diesel::dsl::And<
        diesel::dsl::Eq<comment_votes::comment_id, comments::id>,
        diesel::dsl::Eq<comment_votes::person_id, i64>,
    > = comment_votes::comment_id
        .eq(comments::id)
        .and(comment_votes::person_id.eq(viewer_id));
    let comment: AsSelect<Comment, MultiBackend> = Comment::as_select();
    let author: AsSelect<PersonBrief, MultiBackend> = PersonBrief::as_select();
    comments::table
        .inner_join(persons::table)
        .inner_join(threads::table)
        .left_join(comment_votes::table.on(vote_of_viewer))
        .select((
            comment,
            author,
            comment_votes::score.nullable(),
            threads::title,
        ))
}

/// One comment with its thread (removed ones for stewards only).
///
/// # Errors
/// 404 for an unknown comment, or a removed one the viewer may not see.
pub async fn one(state: &Context, viewer: Option<&Viewer>, id: i64) -> Result<CommentInThread> {
    let person = viewer.map(|v| v.person.clone());
    state
        .db
        .read(move |conn| {
            let viewer_id = person.as_ref().map_or(-1, |p| p.id);
            let row: InThreadRow = with_thread(viewer_id)
                .filter(comments::id.eq(id))
                .first(conn)
                .optional()?
                .ok_or(Error::NotFound("comment"))?;
            let thread = find_thread(conn, row.0.thread_id)?;
            let steward = match &person {
                Some(p) => p.is_admin || is_steward(conn, thread.group_id, p.id)?,
                None => false,
            };
            // Inside a thread stewards removed, a comment is theirs alone to see.
            if thread.removed && !steward {
                return Err(Error::NotFound("comment"));
            }
            Ok(in_thread(vec![row], steward).remove(0))
        })
        .await
}

/// What one person wrote lately in threads still shown, newest first.
///
/// # Errors
/// Database failures only.
pub async fn by_author(
    state: &Context,
    viewer: Option<&Viewer>,
    author_id: i64,
    limit: i64,
) -> Result<Vec<CommentInThread>> {
    let viewer_id = viewer.map_or(-1, Viewer::id);
    state
        .db
        .read(move |conn| {
            let rows: Vec<InThreadRow> = with_thread(viewer_id)
                .filter(comments::author_id.eq(author_id))
                .filter(comments::deleted.eq(false))
                .filter(comments::removed.eq(false))
                .filter(threads::deleted.eq(false))
                .filter(threads::removed.eq(false))
                .order((comments::created_at.desc(), comments::id.desc()))
                .limit(limit)
                .load(conn)?;
            Ok(in_thread(rows, false))
        })
        .await
}

/// Comments stewards removed in a group, latest first, for its stewards to review or restore.
///
/// # Errors
/// 403 for anyone but the group's stewards and administrators, 404 for an unknown group.
pub async fn removed_in(
    state: &Context,
    viewer: &Viewer,
    group: &str,
    limit: i64,
) -> Result<Vec<CommentInThread>> {
    let (id, name, person) = (state.instance_id, group.to_string(), viewer.person.clone());
    state
        .db
        .read(move |conn| {
            let group = crate::domain::groups::find_group(conn, id, &name)?;
            if !person.is_admin && !is_steward(conn, group.id, person.id)? {
                return Err(Error::forbidden(
                    "only the group's stewards see removed comments",
                ));
            }
            let rows: Vec<InThreadRow> = with_thread(person.id)
                .filter(threads::group_id.eq(group.id))
                .filter(comments::removed.eq(true))
                .filter(comments::deleted.eq(false))
                .order((comments::created_at.desc(), comments::id.desc()))
                .limit(limit)
                .load(conn)?;
            Ok(in_thread(rows, true))
        })
        .await
}

/// Replies to a thread or to one of its comments.
///
/// # Errors
/// 404 for an unknown thread or parent, 403 for a locked thread or a group that requires
/// membership, 422 for a reply to deleted content or a parent from another thread.
#[tracing::instrument(skip_all, fields(thread = thread_id, author = %viewer.person.username))]
pub async fn create(
    state: &Context,
    viewer: &Viewer,
    thread_id: i64,
    input: NewCommentInput,
) -> Result<CommentView> {
    let (body_source, body_html) =
        text::parse_markdown("body", &input.body, state.config.limits.body_bytes)?;
    if text::is_blank(&body_source) {
        return Err(Error::problem("body", crate::error::Problem::Empty));
    }
    state.post_limiter.check(viewer.id())?;
    let language = text::parse_language("language", input.language.as_deref())?
        .or_else(|| viewer.person.language.clone());
    let (person, origin) = (viewer.person.clone(), state.origin());
    let view = state
        .db
        .write(move |conn| {
            let t = now();
            let placeholder = format!(
                "{}/c/pending-{}-{}",
                origin.base,
                person.id,
                t.and_utc().timestamp_micros()
            );
            let new = NewReply {
                thread_id,
                parent_id: input.parent_id,
                ap_id: placeholder,
                local: true,
                body_source,
                body_html,
                created_at: t,
                language,
            };
            let thread = find_thread(conn, thread_id)?;
            let group = group_of(conn, &thread)?;
            let id = insert_comment(conn, &person, &thread, &group, new)?;
            diesel::update(comments::table.find(id))
                .set(comments::ap_id.eq(format!("{}/c/{id}", origin.base)))
                .execute(conn)?;
            publish::comment_changed(conn, &origin, id, publish::Change::Create, None)?;
            load_view(conn, id, person.id, false)
        })
        .await?;
    state.wake_outbox();
    Ok(view)
}

/// A comment about to be stored, local or remote.
pub struct NewReply {
    pub thread_id: i64,
    pub parent_id: Option<i64>,
    pub ap_id: String,
    pub local: bool,
    pub body_source: String,
    pub body_html: String,
    pub created_at: chrono::NaiveDateTime,
    pub language: Option<String>,
}

fn group_of(conn: &mut AnyConnection, thread: &Thread) -> Result<Group> {
    Ok(groups::table
        .find(thread.group_id)
        .select(Group::as_select())
        .first(conn)?)
}

/// The rules every new comment meets, wherever it comes from, and its insert.
fn insert_comment(
    conn: &mut AnyConnection,
    author: &Person,
    thread: &Thread,
    group: &Group,
    new: NewReply,
) -> Result<i64> {
    if thread.deleted || thread.removed {
        return Err(Error::invalid(
            "thread",
            "this thread was deleted or removed",
        ));
    }
    if thread.locked {
        return Err(Error::forbidden("this thread is locked: no new comments"));
    }
    require_can_post(conn, group, author)?;
    let depth = match new.parent_id {
        None => 0,
        Some(pid) => {
            let parent = find_comment(conn, pid)
                .map_err(|_| Error::invalid("parent_id", "no such comment"))?;
            if parent.thread_id != new.thread_id {
                return Err(Error::invalid(
                    "parent_id",
                    "that comment belongs to another thread",
                ));
            }
            if parent.deleted || parent.removed {
                return Err(Error::invalid(
                    "parent_id",
                    "that comment was deleted or removed",
                ));
            }
            parent.depth + 1
        }
    };
    let row = NewComment {
        ap_id: new.ap_id,
        local: new.local,
        thread_id: new.thread_id,
        parent_id: new.parent_id,
        author_id: author.id,
        body_source: new.body_source,
        body_html: new.body_html,
        depth,
        created_at: new.created_at,
        language: new.language,
    };
    let id: i64 = per_backend!(conn, |c| diesel::insert_into(comments::table)
        .values(&row)
        .returning(comments::id)
        .get_result(c))?;
    let status =
        crate::domain::statuses::record_comment(conn, id, group.id, author.id, row.created_at)?;
    // The author of what this answers hears of it.
    let answered = match new.parent_id {
        Some(pid) => find_comment(conn, pid)?.author_id,
        None => thread.author_id,
    };
    crate::domain::notifications::notify(
        conn,
        answered,
        crate::domain::notifications::Kind::Mention,
        author.id,
        Some(status),
        Some(group.id),
    )?;
    if row.body_html.contains('@') {
        crate::domain::notifications::notify_mentions(
            conn,
            &crate::domain::text::html_to_text(&row.body_html),
            author.local,
            author.id,
            status,
            group.id,
            &[answered],
        )?;
    }
    diesel::update(threads::table.find(new.thread_id))
        .set((
            threads::comment_count.eq(threads::comment_count + 1),
            threads::last_activity_at.eq(now().max(new.created_at)),
        ))
        .execute(conn)?;
    Ok(id)
}

/// A reply from another server, before we know where it goes.
#[derive(Debug, Clone)]
pub struct RemoteReply {
    /// The id of the thread or comment it answers.
    pub in_reply_to: String,
    pub ap_id: String,
    pub body_source: String,
    pub body_html: String,
    pub created_at: chrono::NaiveDateTime,
    pub language: Option<String>,
}

/// Stores (or updates) a comment from another server, then relays `activity` if the group is
/// ours. Finding what it answers, the checks and the insert are one transaction; receiving it
/// again changes nothing. Returns the thread's and the comment's ids.
///
/// # Errors
/// As for local comments (locked thread, membership), a reply to something we do not know or that
/// came the wrong way, or a refusal when someone else updates it.
pub async fn store_remote(
    state: &Context,
    author: Person,
    reply: RemoteReply,
    arrival: crate::domain::remote::Arrival,
    activity: serde_json::Value,
) -> Result<(i64, i64)> {
    let origin = state.origin();
    let ids = state
        .db
        .write(move |conn| {
            // First, so that a copy arriving at the same moment waits here and stops.
            crate::domain::receipts::record(conn, &activity)?;
            let (target, group) =
                crate::domain::objects::remote_target(conn, &reply.in_reply_to, arrival)?;
            let (thread, parent_id) = match target {
                ReplyTarget::Thread(t) => (t, None),
                ReplyTarget::Comment(c) => (find_thread(conn, c.thread_id)?, Some(c.id)),
            };
            let thread_id = thread.id;
            let existing: Option<Comment> = comments::table
                .filter(comments::ap_id.eq(&reply.ap_id))
                .select(Comment::as_select())
                .first(conn)
                .optional()?;
            let id = match existing {
                Some(c) => {
                    if c.author_id != author.id {
                        return Err(Error::Refused(
                            "only the author may update a comment".into(),
                        ));
                    }
                    // An edit stays under its thread, which the arrival check above vouched for.
                    if c.thread_id != thread_id {
                        return Err(Error::Refused(
                            "the comment belongs to another thread".into(),
                        ));
                    }
                    // A Create of what we have is a copy (under another id): nothing to do. Only
                    // an Update changes it, so an old Create never undoes a newer edit.
                    if activity["type"].as_str() != Some("Update") {
                        return Ok((thread_id, c.id));
                    }
                    if !c.deleted && !c.removed {
                        diesel::update(comments::table.find(c.id))
                            .set((
                                comments::body_source.eq(&reply.body_source),
                                comments::body_html.eq(&reply.body_html),
                                comments::language.eq(&reply.language),
                                comments::updated_at.eq(Some(now())),
                            ))
                            .execute(conn)?;
                    }
                    c.id
                }
                None => insert_comment(
                    conn,
                    &author,
                    &thread,
                    &group,
                    NewReply {
                        thread_id,
                        parent_id,
                        ap_id: reply.ap_id,
                        local: false,
                        body_source: reply.body_source,
                        body_html: reply.body_html,
                        created_at: reply.created_at,
                        language: reply.language,
                    },
                )?,
            };
            publish::to_group(conn, &origin, &group, activity, &[])?;
            Ok((thread_id, id))
        })
        .await?;
    state.wake_outbox();
    Ok(ids)
}

/// # Errors
/// 403 for anyone but the author, 404 for an unknown comment, 409 once deleted or removed.
#[tracing::instrument(skip_all, fields(comment = id))]
pub async fn edit(
    state: &Context,
    viewer: &Viewer,
    id: i64,
    input: CommentEdit,
) -> Result<CommentView> {
    let (source, html) = text::parse_markdown("body", &input.body, state.config.limits.body_bytes)?;
    if text::is_blank(&source) {
        return Err(Error::invalid("body", "must not be empty"));
    }
    let (person_id, origin) = (viewer.id(), state.origin());
    let view = state
        .db
        .write(move |conn| {
            let comment = find_comment(conn, id)?;
            if comment.author_id != person_id {
                return Err(Error::forbidden("only the author can edit a comment"));
            }
            let thread = find_thread(conn, comment.thread_id)?;
            if !visibility::comment_shown(&comment, &thread) {
                return Err(Error::Conflict {
                    field: None,
                    message: "this comment or its thread was deleted or removed".into(),
                });
            }
            diesel::update(comments::table.find(id))
                .set((
                    comments::body_source.eq(source),
                    comments::body_html.eq(html),
                    comments::updated_at.eq(Some(now())),
                ))
                .execute(conn)?;
            publish::comment_changed(conn, &origin, id, publish::Change::Update, None)?;
            load_view(conn, id, person_id, false)
        })
        .await?;
    state.wake_outbox();
    Ok(view)
}

fn adjust_count(conn: &mut AnyConnection, thread_id: i64, delta: i64) -> Result<()> {
    diesel::update(threads::table.find(thread_id))
        .set(threads::comment_count.eq(threads::comment_count + delta))
        .execute(conn)?;
    Ok(())
}

/// Deletes a comment; it stays in the tree as a tombstone so replies keep their place.
///
/// # Errors
/// 403 for anyone but the author, 404 for an unknown comment.
#[tracing::instrument(skip_all, fields(comment = id))]
pub async fn delete(state: &Context, viewer: &Viewer, id: i64) -> Result<()> {
    delete_as(state, viewer.person.clone(), id, None).await
}

/// Deletes a comment on behalf of its author, local or remote (`received`: the `Delete` that
/// asked for it, relayed if the group is ours).
///
/// # Errors
/// 403 for anyone but the author, 404 for an unknown comment.
pub async fn delete_as(
    state: &Context,
    author: Person,
    id: i64,
    received: Option<serde_json::Value>,
) -> Result<()> {
    set_deleted(state, author, id, true, received).await
}

/// Restores a comment its remote author deleted, on the `Undo` of that `Delete` (`received`,
/// relayed if the group is ours), as Lemmy lets authors do.
///
/// # Errors
/// 403 for anyone but the author, 404 for an unknown comment.
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
            let comment = find_comment(conn, id)?;
            if comment.author_id != author.id {
                return Err(Error::forbidden("only the author can delete a comment"));
            }
            if comment.deleted == deleted {
                return Ok(());
            }
            diesel::update(comments::table.find(id))
                .set((
                    comments::deleted.eq(deleted),
                    comments::updated_at.eq(Some(now())),
                ))
                .execute(conn)?;
            if !comment.removed {
                adjust_count(conn, comment.thread_id, if deleted { -1 } else { 1 })?;
            }
            let group = groups::table
                .inner_join(threads::table)
                .filter(threads::id.eq(comment.thread_id))
                .select(Group::as_select())
                .first(conn)?;
            publish::deleted(conn, &origin, &author, &group, &comment.ap_id, received)
        })
        .await?;
    state.wake_outbox();
    Ok(())
}

/// Removes a comment as a steward (or restores it).
///
/// # Errors
/// 403 for non-stewards, 404 for an unknown comment.
#[tracing::instrument(skip_all, fields(comment = id, value))]
pub async fn remove(state: &Context, viewer: &Viewer, id: i64, value: bool) -> Result<CommentView> {
    remove_as(state, viewer.person.clone(), id, value, None).await
}

/// Removes or restores a comment as a steward, local or vouched for by its remote group
/// (`relayed`, as for threads).
///
/// # Errors
/// 403 for non-stewards, 404 for an unknown comment.
pub async fn remove_as(
    state: &Context,
    person: Person,
    id: i64,
    value: bool,
    relayed: Option<serde_json::Value>,
) -> Result<CommentView> {
    let origin = state.origin();
    let view = state
        .db
        .write(move |conn| {
            let comment = find_comment(conn, id)?;
            let thread = find_thread(conn, comment.thread_id)?;
            if relayed.is_none() {
                require_steward(conn, thread.group_id, &person)?;
            }
            if comment.removed != value && !comment.deleted {
                adjust_count(conn, comment.thread_id, if value { -1 } else { 1 })?;
            }
            diesel::update(comments::table.find(id))
                .set(comments::removed.eq(value))
                .execute(conn)?;
            let group = groups::table
                .find(thread.group_id)
                .select(Group::as_select())
                .first(conn)?;
            publish::moderation(
                conn,
                &origin,
                &person,
                &group,
                publish::ModAction::Remove,
                &comment.ap_id,
                value,
                relayed,
            )?;
            load_view(conn, id, person.id, true)
        })
        .await?;
    state.wake_outbox();
    Ok(view)
}
