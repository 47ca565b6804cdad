//! Expertise tags: the `person_expertise` rows kept beside `persons.expertise` (labels as
//! typed), their canonical forms (`text::canonical_tag`), and the counts behind suggestions.

mod listing;
pub use listing::*;

use diesel::prelude::*;
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;

use crate::db::{schema::*, AnyConnection};
use crate::domain::text::{canonical_tag, split_tags};
use crate::domain::Context;
use crate::error::{Error, Result};

/// Suggestions given when no limit is asked for, and the most ever given.
const COUNTS_DEFAULT: i64 = 20;
const COUNTS_MAX: i64 = 80;
const PREFIX_MAX: usize = 40;

/// Replaces a person's `person_expertise` rows with those of `stored` (`persons.expertise`):
/// called in the transaction that writes that column, so the two never disagree.
pub(crate) fn store(conn: &mut AnyConnection, person_id: i64, stored: &str) -> Result<()> {
    diesel::delete(person_expertise::table.filter(person_expertise::person_id.eq(person_id)))
        .execute(conn)?;
    let mut seen: Vec<String> = Vec::new();
    for label in split_tags(stored) {
        let tag = canonical_tag(&label);
        // Rows written before labels kept their case may hold two spellings of one tag.
        if tag.is_empty() || seen.contains(&tag) {
            continue;
        }
        diesel::insert_into(person_expertise::table)
            .values((
                person_expertise::person_id.eq(person_id),
                person_expertise::tag.eq(&tag),
                person_expertise::label.eq(&label),
            ))
            .execute(conn)?;
        seen.push(tag);
    }
    Ok(())
}

/// Rebuilds the whole `person_expertise` table from `persons.expertise`; the number of rows
/// written. For `admin reindex`, and at start after the migration that made the table, which
/// cannot fold accents in SQL.
///
/// # Errors
/// Database errors.
pub fn rebuild_expertise(conn: &mut AnyConnection) -> Result<usize> {
    diesel::delete(person_expertise::table).execute(conn)?;
    let people: Vec<(i64, String)> = persons::table
        .filter(persons::expertise.ne(""))
        .select((persons::id, persons::expertise))
        .load(conn)?;
    for (id, stored) in &people {
        store(conn, *id, stored)?;
    }
    Ok(person_expertise::table.count().get_result::<i64>(conn)? as usize)
}

/// Fills `person_expertise` when it is empty although someone has expertise: the state the
/// migration leaves. Run once at start; a table already filled is left alone.
///
/// # Errors
/// Database errors.
pub async fn rebuild_if_empty(state: &Context) -> Result<Option<usize>> {
    state
        .db
        .write(|conn| {
            let rows: i64 = person_expertise::table.count().get_result(conn)?;
            let with_expertise: i64 = persons::table
                .filter(persons::expertise.ne(""))
                .count()
                .get_result(conn)?;
            if rows > 0 || with_expertise == 0 {
                return Ok(None);
            }
            rebuild_expertise(conn).map(Some)
        })
        .await
}

/// An expertise tag and how many people give it.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct TagCount {
    /// Canonical form: what the directory's `expertise` filter takes.
    pub tag: String,
    /// The spelling most people typed.
    pub label: String,
    pub count: i64,
}

/// Expertise tags of the people the directory shows, most given first; with `prefix`, only the
/// tags whose canonical form starts with the prefix's.
///
/// # Errors
/// 422 (`limit`, `prefix`) for a limit outside 1 to 80 or a prefix over 40 characters.
pub async fn counts(
    state: &Context,
    prefix: Option<&str>,
    limit: Option<i64>,
) -> Result<Vec<TagCount>> {
    let limit = limit.unwrap_or(COUNTS_DEFAULT);
    if !(1..=COUNTS_MAX).contains(&limit) {
        return Err(Error::invalid(
            "limit",
            format!("must be between 1 and {COUNTS_MAX}"),
        ));
    }
    let prefix = prefix.unwrap_or_default();
    if prefix.chars().count() > PREFIX_MAX {
        return Err(Error::invalid(
            "prefix",
            format!("must be at most {PREFIX_MAX} characters"),
        ));
    }
    // Only what a canonical tag can hold, so the prefix cannot carry LIKE's wildcards.
    let prefix: String = canonical_tag(prefix)
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == '-')
        .collect();
    state
        .db
        .read(move |conn| {
            let rows: Vec<(String, String, i64)> = person_expertise::table
                .inner_join(persons::table)
                .filter(persons::suspended.eq(false))
                .filter(persons::approved.eq(true))
                .filter(person_expertise::tag.like(format!("{prefix}%")))
                .group_by((person_expertise::tag, person_expertise::label))
                .select((
                    person_expertise::tag,
                    person_expertise::label,
                    diesel::dsl::count_star(),
                ))
                .load(conn)?;
            Ok(tally(rows, limit))
        })
        .await
}

/// Per tag: the total and the label given most (the first in order on a tie).
fn tally(rows: Vec<(String, String, i64)>, limit: i64) -> Vec<TagCount> {
    let mut by_tag: HashMap<String, TagCount> = HashMap::new();
    let mut best: HashMap<String, i64> = HashMap::new();
    for (tag, label, n) in rows {
        let entry = by_tag.entry(tag.clone()).or_insert_with(|| TagCount {
            tag: tag.clone(),
            label: label.clone(),
            count: 0,
        });
        entry.count += n;
        let top = best.entry(tag).or_insert(0);
        if n > *top || (n == *top && label < entry.label) {
            *top = n;
            entry.label = label;
        }
    }
    let mut out: Vec<TagCount> = by_tag.into_values().collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.tag.cmp(&b.tag)));
    out.truncate(usize::try_from(limit).unwrap_or(0));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_add_up_spellings_and_show_the_most_common() {
        let rows = vec![
            ("open-data".into(), "Open data".into(), 2),
            ("open-data".into(), "open-data".into(), 3),
            ("sdmx".into(), "SDMX".into(), 1),
            ("ux".into(), "UX".into(), 5),
        ];
        let out = tally(rows, 2);
        assert_eq!(
            out,
            vec![
                TagCount {
                    tag: "open-data".into(),
                    label: "open-data".into(),
                    count: 5
                },
                TagCount {
                    tag: "ux".into(),
                    label: "UX".into(),
                    count: 5
                },
            ]
        );
    }
}
