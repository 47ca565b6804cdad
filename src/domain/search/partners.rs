//! Which instances search together. By default, in allowlist mode every allowed instance is
//! a partner both ways; in open mode none is, unless the operator lists partners
//! (`network_search.partners`), which then replace the default. Blocked instances never are.

use std::collections::HashSet;

use diesel::prelude::*;

use super::{Hit, Kind, Results, Skipped};
use crate::db::schema::{comments, group_bans, groups, persons, threads};
use crate::db::AnyConnection;
use crate::domain::policy::{self, Policy};
use crate::domain::text::sanitize_marks;
use crate::domain::Context;
use crate::error::Result;

/// The partners' domains, as this instance sees them now.
///
/// # Errors
/// Database failures only.
pub async fn partners(ctx: &Context) -> Result<Vec<String>> {
    let policy = policy::current(ctx).await?;
    let listed = &ctx.config.network_search.partners;
    let candidates: Vec<String> = if listed.is_empty() {
        match policy.mode {
            policy::FederationMode::Allowlist => policy.allowed.clone(),
            policy::FederationMode::Open => Vec::new(),
        }
    } else {
        listed.iter().map(|d| d.trim().to_lowercase()).collect()
    };
    let own = ctx.config.domain.to_lowercase();
    Ok(candidates
        .into_iter()
        .filter(|d| *d != own && policy.permits(d))
        .collect())
}

/// Whether `domain` is a partner.
///
/// # Errors
/// Database failures only.
pub async fn is_partner(ctx: &Context, domain: &str) -> Result<bool> {
    let domain = domain.to_lowercase();
    Ok(partners(ctx).await?.contains(&domain))
}

/// Longest title and snippet kept from a partner's answer, in characters.
const TITLE_MAX: usize = 300;
const SNIPPET_MAX: usize = 2_000;
/// Longest name, handle, agency or id kept from a partner's answer, in characters.
const FIELD_MAX: usize = 300;
/// The highest rank a result can have (relevance 1, lifted by a quarter twice).
const RANK_MAX: f64 = 1.5;

fn bounded(s: &str) -> String {
    s.chars().take(FIELD_MAX).collect()
}

/// The domain of an http(s) URL that the policy lets us deal with.
fn permitted(policy: &Policy, raw: &str) -> Option<String> {
    let url = url::Url::parse(raw).ok()?;
    if !matches!(url.scheme(), "http" | "https") || raw.len() > FIELD_MAX {
        return None;
    }
    let domain = crate::domain::names::authority(&url);
    policy.permits(&domain).then_some(domain)
}

/// A partner's answer made safe to show and merge: at most `limit` results, each with an
/// ActivityPub id (and author's and group's) on an instance our policy permits, its instance
/// named by that id, bounded text, a snippet holding nothing but text and `<mark>`, a rank
/// within 0..1.5, and no id of ours (it names a row on the partner).
pub fn tidy(policy: &Policy, answer: Results, limit: usize) -> Vec<Hit> {
    answer
        .hits
        .into_iter()
        .take(limit)
        .filter_map(|mut h| {
            h.instance = permitted(policy, &h.ap_id)?;
            if let Some(a) = &mut h.author {
                permitted(policy, &a.ap_id)?;
                a.handle = bounded(&a.handle);
                a.display_name = a.display_name.as_deref().map(bounded);
                a.agency = a.agency.as_deref().map(bounded);
            }
            if let Some(g) = &mut h.group {
                permitted(policy, &g.ap_id)?;
                g.handle = bounded(&g.handle);
                g.title = bounded(&g.title);
            }
            h.id = 0;
            h.thread_id = None;
            h.local = false;
            h.title = h.title.chars().take(TITLE_MAX).collect();
            let snippet: String = h.snippet_html.chars().take(SNIPPET_MAX).collect();
            h.snippet_html = sanitize_marks(&snippet);
            h.rank = if h.rank.is_finite() {
                h.rank.clamp(0.0, RANK_MAX)
            } else {
                0.0
            };
            Some(h)
        })
        .collect()
}

/// The ActivityPub ids among `hits` that this instance hides: a copy it holds that was removed
/// or deleted (a comment also when its thread was removed), anything by someone suspended
/// here, anything in a group by someone banned from it here.
///
/// # Errors
/// Database failures only.
pub fn hidden_here(conn: &mut AnyConnection, hits: &[Hit]) -> Result<HashSet<String>> {
    let ids: Vec<&str> = hits.iter().map(|h| h.ap_id.as_str()).collect();
    let mut hidden: HashSet<String> = HashSet::new();
    hidden.extend(
        threads::table
            .filter(threads::ap_id.eq_any(&ids))
            .filter(threads::removed.eq(true).or(threads::deleted.eq(true)))
            .select(threads::ap_id)
            .load::<String>(conn)?,
    );
    hidden.extend(
        comments::table
            .inner_join(threads::table)
            .filter(comments::ap_id.eq_any(&ids))
            .filter(
                comments::removed
                    .eq(true)
                    .or(comments::deleted.eq(true))
                    .or(threads::removed.eq(true)),
            )
            .select(comments::ap_id)
            .load::<String>(conn)?,
    );
    let authors: Vec<&str> = hits
        .iter()
        .filter_map(|h| h.author.as_ref().map(|a| a.ap_id.as_str()))
        .collect();
    let suspended: HashSet<String> = persons::table
        .filter(persons::ap_id.eq_any(&authors))
        .filter(persons::suspended.eq(true))
        .select(persons::ap_id)
        .load::<String>(conn)?
        .into_iter()
        .collect();
    let banned: HashSet<(String, String)> = group_bans::table
        .inner_join(persons::table.on(persons::id.eq(group_bans::person_id)))
        .inner_join(groups::table.on(groups::id.eq(group_bans::group_id)))
        .filter(persons::ap_id.eq_any(&authors))
        .select((persons::ap_id, groups::ap_id))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    for h in hits {
        let Some(author) = &h.author else { continue };
        let in_banned_group = h
            .group
            .as_ref()
            .is_some_and(|g| banned.contains(&(author.ap_id.clone(), g.ap_id.clone())));
        // A person found as a person is hidden when suspended; what anyone wrote, when its
        // author is.
        if suspended.contains(&author.ap_id) || (h.kind != Kind::People && in_banned_group) {
            hidden.insert(h.ap_id.clone());
        }
    }
    Ok(hidden)
}

/// Results from here and from partners on one scale: best first, one per ActivityPub id (the
/// copy we hold wins, as it opens here without a fetch), then the page at `offset`.
pub fn merge(
    local: Vec<Hit>,
    remote: Vec<Hit>,
    skipped: Vec<Skipped>,
    offset: usize,
    limit: usize,
    more: bool,
) -> Results {
    let mut all = local;
    for hit in remote {
        if !all.iter().any(|h| h.ap_id == hit.ap_id) {
            all.push(hit);
        }
    }
    all.sort_by(|a, b| {
        b.rank
            .total_cmp(&a.rank)
            .then(b.created_at.cmp(&a.created_at))
            .then(a.ap_id.cmp(&b.ap_id))
    });
    let total = all.len();
    let hits: Vec<Hit> = all.into_iter().skip(offset).take(limit).collect();
    let next = (more || total > offset + limit).then_some((offset + limit) as i64);
    Results {
        hits,
        next_offset: next,
        skipped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::policy::FederationMode;
    use crate::domain::search::AuthorRef;

    fn hit(ap_id: &str, rank: f64) -> Hit {
        Hit {
            kind: Kind::Threads,
            id: 7,
            ap_id: ap_id.into(),
            title: "t".repeat(1_000),
            snippet_html: "<script>x</script><mark>ok</mark><a href=\"j\">link</a>".into(),
            group: None,
            author: Some(AuthorRef {
                handle: "h".into(),
                display_name: Some("n".repeat(1_000)),
                agency: None,
                ap_id: ap_id.replace("/t/", "/u/"),
            }),
            instance: "claimed.example".into(),
            local: true,
            score: 0,
            replies: 0,
            created_at: chrono::NaiveDateTime::default(),
            rank,
            thread_id: Some(3),
        }
    }

    #[test]
    fn partners_answers_are_bounded_cleaned_and_kept_to_permitted_instances() {
        let policy = Policy {
            mode: FederationMode::Open,
            blocked: vec!["blocked.example".into()],
            allowed: Vec::new(),
        };
        let answer = Results {
            hits: vec![
                hit("https://ok.example/t/1", 99.0),
                hit("https://blocked.example/t/2", 1.0),
                hit("javascript:alert(1)", 1.0),
                hit("https://ok.example/t/3", f64::NAN),
            ],
            ..Results::default()
        };
        let tidied = tidy(&policy, answer, 10);
        assert_eq!(tidied.len(), 2);
        let first = &tidied[0];
        assert_eq!(first.instance, "ok.example");
        assert_eq!((first.id, first.local, first.thread_id), (0, false, None));
        assert_eq!(first.rank, RANK_MAX);
        assert_eq!(tidied[1].rank, 0.0);
        assert_eq!(first.title.chars().count(), TITLE_MAX);
        assert!(
            first
                .author
                .as_ref()
                .unwrap()
                .display_name
                .as_ref()
                .unwrap()
                .len()
                <= FIELD_MAX
        );
        assert_eq!(first.snippet_html, "<mark>ok</mark>link");
    }

    #[test]
    fn merged_results_keep_one_copy_per_id_best_first() {
        let mut ours = hit("https://ok.example/t/1", 0.5);
        ours.local = true;
        let theirs = vec![
            hit("https://ok.example/t/1", 0.9),
            hit("https://ok.example/t/2", 0.7),
        ];
        let merged = merge(vec![ours], theirs, Vec::new(), 0, 10, false);
        let ids: Vec<&str> = merged.hits.iter().map(|h| h.ap_id.as_str()).collect();
        assert_eq!(ids, ["https://ok.example/t/2", "https://ok.example/t/1"]);
        assert!(merged.hits[1].local, "our copy wins");
        let paged = merge(
            Vec::new(),
            vec![hit("https://a/t/1", 1.0), hit("https://a/t/2", 0.5)],
            Vec::new(),
            1,
            1,
            false,
        );
        assert_eq!(paged.hits[0].ap_id, "https://a/t/2");
        assert_eq!(paged.next_offset, None);
    }
}
