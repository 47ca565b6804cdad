//! Which instances search together. By default, in allowlist mode every allowed instance is
//! a partner both ways; in open mode none is, unless the operator lists partners
//! (`network_search.partners`), which then replace the default. Blocked instances never are.

use super::{Hit, Results, Skipped};
use crate::domain::policy;
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

/// A partner's answer made safe to show and merge: at most `limit` results, each with an
/// ActivityPub id that is an http(s) URL, bounded text, a snippet holding nothing but text and
/// `<mark>`, a rank within 0..2, and no id of ours (it names a row on the partner).
pub fn tidy(partner: &str, answer: Results, limit: usize) -> Vec<Hit> {
    answer
        .hits
        .into_iter()
        .take(limit)
        .filter(|h| url::Url::parse(&h.ap_id).is_ok_and(|u| matches!(u.scheme(), "http" | "https")))
        .map(|mut h| {
            h.id = 0;
            h.thread_id = None;
            h.local = false;
            h.title = h.title.chars().take(TITLE_MAX).collect();
            let snippet: String = h.snippet_html.chars().take(SNIPPET_MAX).collect();
            h.snippet_html = sanitize_marks(&snippet);
            h.rank = if h.rank.is_finite() {
                h.rank.clamp(0.0, 2.0)
            } else {
                0.0
            };
            if h.instance.is_empty() {
                h.instance = partner.to_string();
            }
            h
        })
        .collect()
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
