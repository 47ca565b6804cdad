//! A status's conversation, bookmarks, favourites and status search.

use super::*;

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

/// Statuses found by full-text search (threads and comments, best first), optionally only
/// those by one person or those posted in one group (an account id of either).
///
/// # Errors
/// 422 naming `q` for a query that cannot be searched; see [`crate::domain::search`].
pub async fn search(
    state: &Context,
    viewer: Option<&Viewer>,
    q: &str,
    by: Option<crate::domain::directory::Who>,
    limit: i64,
    offset: i64,
) -> Result<Bundle> {
    use crate::domain::directory::Who;
    use crate::domain::search::{self, Filters, Kind, Request};
    if q.trim().is_empty() {
        return Ok(Bundle::default());
    }
    let (author_id, group_id) = match by {
        Some(Who::Person(p)) => (Some(p), None),
        Some(Who::Group(g)) => (None, Some(g)),
        None => (None, None),
    };
    let request = Request {
        q: q.to_string(),
        filters: Filters {
            kinds: vec![Kind::Threads, Kind::Comments],
            author_id,
            group_id,
            ..Filters::default()
        },
        offset,
        limit,
    };
    // Mastodon answers what it cannot search with nothing found, not an error, and the
    // accounts and hashtags of the same search still come back.
    let found = match search::search(state, viewer, request).await {
        Err(crate::error::Error::Invalid { .. }) => return Ok(Bundle::default()),
        other => other?,
    };
    let viewer_id = viewer.map(Viewer::id);
    state
        .db
        .read(move |c| {
            let mut ids = Vec::with_capacity(found.hits.len());
            for hit in &found.hits {
                let id = match hit.kind {
                    Kind::Threads => super::of_thread(c, hit.id),
                    Kind::Comments => super::of_comment(c, hit.id),
                    Kind::Groups | Kind::People => continue,
                };
                // A row without a status (not indexed yet) is left out, not an error.
                if let Ok(id) = id {
                    ids.push(id);
                }
            }
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
