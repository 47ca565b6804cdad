//! Ranked ids turned into results: titles, groups, authors, instances and snippets, read in
//! one query per kind.

use std::collections::HashMap;

use diesel::prelude::*;

use super::sql::Ranked;
use super::{highlight, AuthorRef, GroupRef, Hit, Kind, Query, Term};
use crate::db::models::{Comment, Group, Person, Thread};
use crate::db::schema::{comments, groups, instances, persons, threads};
use crate::db::AnyConnection;
use crate::domain::names::local_handle;
use crate::domain::text::{html_to_text, split_tags};
use crate::error::Result;

fn ids_of(ranked: &[Ranked], kind: Kind) -> Vec<i64> {
    ranked
        .iter()
        .filter(|r| r.kind() == kind)
        .map(|r| r.id)
        .collect()
}

fn author_ref(p: &Person) -> AuthorRef {
    AuthorRef {
        handle: local_handle(p.local, &p.username, &p.ap_id),
        display_name: p.display_name.clone(),
        agency: p.agency.clone(),
        ap_id: p.ap_id.clone(),
    }
}

fn group_ref(g: &Group) -> GroupRef {
    GroupRef {
        handle: local_handle(g.local, &g.name, &g.ap_id),
        title: g.title.clone(),
        ap_id: g.ap_id.clone(),
    }
}

/// Groups and people by id, with their instance's domain.
fn groups_by_id(conn: &mut AnyConnection, ids: &[i64]) -> Result<HashMap<i64, (Group, String)>> {
    Ok(groups::table
        .inner_join(instances::table)
        .filter(groups::id.eq_any(ids))
        .select((Group::as_select(), instances::domain))
        .load::<(Group, String)>(conn)?
        .into_iter()
        .map(|(g, d)| (g.id, (g, d)))
        .collect())
}

fn people_by_id(conn: &mut AnyConnection, ids: &[i64]) -> Result<HashMap<i64, (Person, String)>> {
    Ok(persons::table
        .inner_join(instances::table)
        .filter(persons::id.eq_any(ids))
        .select((Person::as_select(), instances::domain))
        .load::<(Person, String)>(conn)?
        .into_iter()
        .map(|(p, d)| (p.id, (p, d)))
        .collect())
}

/// The results for `ranked`, in its order.
///
/// # Errors
/// Database failures only.
pub fn load(conn: &mut AnyConnection, query: &Query, ranked: &[Ranked]) -> Result<Vec<Hit>> {
    let thread_rows: HashMap<i64, Thread> = threads::table
        .filter(threads::id.eq_any(ids_of(ranked, Kind::Threads)))
        .select(Thread::as_select())
        .load::<Thread>(conn)?
        .into_iter()
        .map(|t| (t.id, t))
        .collect();
    let comment_rows: HashMap<i64, (Comment, Thread)> = comments::table
        .inner_join(threads::table)
        .filter(comments::id.eq_any(ids_of(ranked, Kind::Comments)))
        .select((Comment::as_select(), Thread::as_select()))
        .load::<(Comment, Thread)>(conn)?
        .into_iter()
        .map(|(c, t)| (c.id, (c, t)))
        .collect();
    let mut group_ids = ids_of(ranked, Kind::Groups);
    group_ids.extend(thread_rows.values().map(|t| t.group_id));
    group_ids.extend(comment_rows.values().map(|(_, t)| t.group_id));
    let mut person_ids = ids_of(ranked, Kind::People);
    person_ids.extend(thread_rows.values().map(|t| t.author_id));
    person_ids.extend(comment_rows.values().map(|(c, _)| c.author_id));
    let group_rows = groups_by_id(conn, &group_ids)?;
    let people = people_by_id(conn, &person_ids)?;

    let terms: Vec<Term> = query.wanted().cloned().collect();
    let mut hits = Vec::with_capacity(ranked.len());
    for r in ranked {
        let hit = match r.kind() {
            Kind::Threads => {
                let Some(t) = thread_rows.get(&r.id) else {
                    continue;
                };
                let group = group_rows.get(&t.group_id);
                let author = people.get(&t.author_id);
                let body = html_to_text(&t.body_html);
                // The title is shown as the result's heading; the snippet is the body, or the
                // title when the body is empty.
                let text = if body.trim().is_empty() {
                    &t.title
                } else {
                    &body
                };
                Hit {
                    kind: Kind::Threads,
                    id: t.id,
                    ap_id: t.ap_id.clone(),
                    title: t.title.clone(),
                    snippet_html: highlight(text, &terms),
                    group: group.map(|(g, _)| group_ref(g)),
                    author: author.map(|(p, _)| author_ref(p)),
                    instance: author.map(|(_, d)| d.clone()).unwrap_or_default(),
                    local: t.local,
                    score: t.score,
                    replies: t.comment_count,
                    created_at: t.created_at,
                    rank: r.rank,
                    thread_id: Some(t.id),
                }
            }
            Kind::Comments => {
                let Some((c, t)) = comment_rows.get(&r.id) else {
                    continue;
                };
                let group = group_rows.get(&t.group_id);
                let author = people.get(&c.author_id);
                Hit {
                    kind: Kind::Comments,
                    id: c.id,
                    ap_id: c.ap_id.clone(),
                    title: t.title.clone(),
                    snippet_html: highlight(&html_to_text(&c.body_html), &terms),
                    group: group.map(|(g, _)| group_ref(g)),
                    author: author.map(|(p, _)| author_ref(p)),
                    instance: author.map(|(_, d)| d.clone()).unwrap_or_default(),
                    local: c.local,
                    score: c.score,
                    replies: 0,
                    created_at: c.created_at,
                    rank: r.rank,
                    thread_id: Some(t.id),
                }
            }
            Kind::Groups => {
                let Some((g, domain)) = group_rows.get(&r.id) else {
                    continue;
                };
                let about = html_to_text(&g.description_html);
                let text = if about.trim().is_empty() {
                    html_to_text(&g.rules_html)
                } else {
                    about
                };
                Hit {
                    kind: Kind::Groups,
                    id: g.id,
                    ap_id: g.ap_id.clone(),
                    title: g.title.clone(),
                    snippet_html: highlight(&text, &terms),
                    group: Some(group_ref(g)),
                    author: None,
                    instance: domain.clone(),
                    local: g.local,
                    score: g.member_count,
                    replies: g.thread_count,
                    created_at: g.created_at,
                    rank: r.rank,
                    thread_id: None,
                }
            }
            Kind::People => {
                let Some((p, domain)) = people.get(&r.id) else {
                    continue;
                };
                // What a person is found by: role, expertise, "ask me about", then the bio.
                let mut about: Vec<String> = Vec::new();
                about.extend(p.job_role.clone());
                let tags = split_tags(&p.expertise);
                if !tags.is_empty() {
                    about.push(tags.join(", "));
                }
                if !p.ask_me_about.is_empty() {
                    about.push(p.ask_me_about.clone());
                }
                about.push(html_to_text(&p.bio_html));
                Hit {
                    kind: Kind::People,
                    id: p.id,
                    ap_id: p.ap_id.clone(),
                    title: p.display_name.clone().unwrap_or_else(|| p.username.clone()),
                    snippet_html: highlight(&about.join(" · "), &terms),
                    group: None,
                    author: Some(author_ref(p)),
                    instance: domain.clone(),
                    local: p.local,
                    score: 0,
                    replies: 0,
                    created_at: p.created_at,
                    rank: r.rank,
                    thread_id: None,
                }
            }
        };
        hits.push(hit);
    }
    Ok(hits)
}
