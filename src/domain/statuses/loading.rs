//! Statuses loaded for rendering: their content, authors, counts and the viewer's marks.

use super::*;

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
