//! The ranked search as SQL, written once with a few words that differ per backend: the
//! match (FTS5 `MATCH` or `@@ to_tsquery`), the relevance (bm25 or ts_rank) and the age.
//! Filters and visibility are the same text on both. Every value is a bound parameter.

use chrono::{NaiveDateTime, NaiveTime};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Text, Timestamp};

use super::{Filters, Kind, Query};
use crate::db::AnyConnection;
use crate::domain::groups::{find_group, MembershipState};
use crate::domain::people::find_person_by_handle;
use crate::error::Result;

/// Filters resolved to ids: an unknown group or author is a 404, not an empty page.
pub struct Scope {
    group: Option<i64>,
    author: Option<i64>,
}

impl Scope {
    /// # Errors
    /// 404 for an unknown group or author.
    pub fn resolve(conn: &mut AnyConnection, instance_id: i64, f: &Filters) -> Result<Scope> {
        let group = match &f.group {
            Some(g) => Some(find_group(conn, instance_id, g.trim().trim_start_matches('!'))?.id),
            None => f.group_id,
        };
        let author = match &f.author {
            Some(a) => {
                Some(find_person_by_handle(conn, instance_id, a.trim().trim_start_matches('@'))?.id)
            }
            None => f.author_id,
        };
        Ok(Scope { group, author })
    }
}

/// Matches of each kind ranked beyond the index when no filter narrows the search: one set
/// for every page, deep enough for the deepest.
pub const CANDIDATES: i64 = super::OFFSET_MAX + super::LIMIT_MAX + 1;

/// One ranked row: what it is, its id, its rank.
#[derive(Debug, Clone, QueryableByName)]
pub struct Ranked {
    #[diesel(sql_type = BigInt)]
    pub kind: i64,
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Double)]
    pub rank: f64,
}

impl Ranked {
    pub fn kind(&self) -> Kind {
        Kind::ALL[usize::try_from(self.kind).unwrap_or(0).min(3)]
    }
}

enum Bind {
    Text(String),
    Int(i64),
    Time(NaiveDateTime),
}

/// SQL text and its parameters, numbered as each backend wants them.
struct Sql {
    pg: bool,
    text: String,
    binds: Vec<Bind>,
}

impl Sql {
    fn bind(&mut self, value: Bind) -> String {
        self.binds.push(value);
        if self.pg {
            format!("${}", self.binds.len())
        } else {
            "?".into()
        }
    }

    fn push(&mut self, s: &str) {
        self.text.push_str(s);
    }

    /// The age in days of a timestamp column, from `now`.
    fn age(&mut self, column: &str, now: NaiveDateTime) -> String {
        let now = self.bind(Bind::Time(now));
        if self.pg {
            format!("(EXTRACT(EPOCH FROM ({now} - {column})) / 86400.0)")
        } else {
            format!("(julianday({now}) - julianday({column}))")
        }
    }

    fn max0(&self, column: &str) -> String {
        if self.pg {
            format!("GREATEST({column}, 0)")
        } else {
            format!("max({column}, 0)")
        }
    }

    /// One kind's index joined to its rows: the FROM clause, the relevance (0..1) and the
    /// match condition. With `cap`, only `cap` matches are taken from the index before the rows
    /// are joined and filtered — on PostgreSQL the most relevant, on SQLite the newest (FTS5
    /// stops early in id order, where ranking would first score every match): a common word
    /// matches a great many rows, and joining each of them costs far more than the page.
    fn source(
        &mut self,
        kind: Kind,
        alias: &str,
        query: &Query,
        cap: Option<i64>,
    ) -> (String, String, String) {
        let (table, fts, weights) = match kind {
            // Title-like columns weigh more on SQLite, as weight A does on PostgreSQL.
            Kind::Threads => ("threads", "threads_fts", "4.0, 1.0"),
            Kind::Comments => ("comments", "comments_fts", "1.0"),
            Kind::Groups => ("groups", "groups_fts", "4.0, 4.0, 1.0, 1.0"),
            Kind::People => (
                "persons",
                "persons_fts",
                "4.0, 4.0, 4.0, 4.0, 4.0, 1.0, 1.0",
            ),
        };
        if self.pg {
            let q = self.bind(Bind::Text(query.tsquery()));
            let ts = format!("to_tsquery('commonplace', {q})");
            // Normalisation 32: rank / (rank + 1), so 0..1.
            match cap {
                None => (
                    format!("{table} {alias}"),
                    format!("ts_rank({alias}.search, {ts}, 32)"),
                    format!("{alias}.search @@ {ts}"),
                ),
                Some(cap) => (
                    format!(
                        "(SELECT id AS rid, ts_rank(search, {ts}, 32) AS rel FROM {table} \
                         WHERE search @@ {ts} ORDER BY rel DESC, id DESC LIMIT {cap}) f \
                         JOIN {table} {alias} ON {alias}.id = f.rid"
                    ),
                    "f.rel".into(),
                    "1 = 1".into(),
                ),
            }
        } else {
            let q = self.bind(Bind::Text(query.fts5()));
            // bm25 is negative, better when lower: -bm25 / (1 - bm25) is 0..1.
            match cap {
                None => (
                    format!("{fts} JOIN {table} {alias} ON {alias}.id = {fts}.rowid"),
                    format!("(-bm25({fts}, {weights}) / (1.0 - bm25({fts}, {weights})))"),
                    format!("{fts} MATCH {q}"),
                ),
                // FTS5 walks a word's rows newest first and stops at the cap, computing bm25
                // for those rows only; ordering by bm25 here would compute it for every
                // match of a common word first (tens of thousands).
                Some(cap) => (
                    format!(
                        "(SELECT rowid AS rid, bm25({fts}, {weights}) AS b FROM {fts} \
                         WHERE {fts} MATCH {q} ORDER BY rowid DESC LIMIT {cap}) f \
                         JOIN {table} {alias} ON {alias}.id = f.rid"
                    ),
                    "(-f.b / (1.0 - f.b))".into(),
                    "1 = 1".into(),
                ),
            }
        }
    }
}

/// Filters shared by what people write (threads and comments): `a` is its alias, `t` its
/// thread's.
fn written_filters(
    sql: &mut Sql,
    a: &str,
    t: &str,
    f: &Filters,
    scope: &Scope,
    dates: (Option<NaiveDateTime>, Option<NaiveDateTime>),
) {
    sql.push(&format!(
        " AND NOT {a}.removed AND NOT {a}.deleted AND NOT {t}.removed AND NOT p.suspended \
         AND NOT EXISTS (SELECT 1 FROM group_bans b \
         WHERE b.group_id = {t}.group_id AND b.person_id = {a}.author_id)"
    ));
    if let Some(g) = scope.group {
        let g = sql.bind(Bind::Int(g));
        sql.push(&format!(" AND {t}.group_id = {g}"));
    }
    if let Some(p) = scope.author {
        let p = sql.bind(Bind::Int(p));
        sql.push(&format!(" AND {a}.author_id = {p}"));
    }
    if let Some(agency) = &f.agency {
        let v = sql.bind(Bind::Text(agency.trim().to_lowercase()));
        sql.push(&format!(" AND lower(p.agency) = {v}"));
    }
    common_filters(sql, a, f, dates);
}

/// Instance and dates: `a` is the alias whose `created_at` counts; `i` is the instance.
fn common_filters(
    sql: &mut Sql,
    a: &str,
    f: &Filters,
    (since, until): (Option<NaiveDateTime>, Option<NaiveDateTime>),
) {
    if let Some(domain) = &f.instance {
        let v = sql.bind(Bind::Text(domain.trim().to_lowercase()));
        sql.push(&format!(" AND i.domain = {v}"));
    }
    if let Some(since) = since {
        let v = sql.bind(Bind::Time(since));
        sql.push(&format!(" AND {a}.created_at >= {v}"));
    }
    if let Some(until) = until {
        let v = sql.bind(Bind::Time(until));
        sql.push(&format!(" AND {a}.created_at < {v}"));
    }
}

/// One kind's candidates: `kind, id, relevance, age, reception`.
fn select(
    sql: &mut Sql,
    kind: Kind,
    query: &Query,
    f: &Filters,
    scope: &Scope,
    now: NaiveDateTime,
    cap: Option<i64>,
) {
    let dates = (
        f.since.map(|d| d.and_time(NaiveTime::MIN)),
        f.until
            .and_then(|d| d.succ_opt())
            .map(|d| d.and_time(NaiveTime::MIN)),
    );
    let code = Kind::ALL.iter().position(|k| *k == kind).unwrap_or(0);
    let alias = match kind {
        Kind::Threads => "t",
        Kind::Comments => "c",
        Kind::Groups => "g",
        Kind::People => "p",
    };
    // A date in the future (a remote server's clock, or its choice) counts as now.
    let age = sql.age(&format!("{alias}.created_at"), now);
    let age = sql.max0(&age);
    let reception = match kind {
        Kind::Threads => format!("({} + t.comment_count)", sql.max0("t.score")),
        Kind::Comments => sql.max0("c.score"),
        Kind::Groups => "(g.member_count + g.thread_count)".into(),
        Kind::People => "0".into(),
    };
    let (from, relevance, matches) = sql.source(kind, alias, query, cap);
    sql.push(&format!(
        "SELECT CAST({code} AS BIGINT) AS kind, {alias}.id AS id, \
         CAST({relevance} AS DOUBLE PRECISION) AS relevance, \
         CAST({age} AS DOUBLE PRECISION) AS age, \
         CAST({reception} AS DOUBLE PRECISION) AS reception, {alias}.created_at AS created_at \
         FROM {from} "
    ));
    match kind {
        Kind::Threads => {
            sql.push(
                "JOIN persons p ON p.id = t.author_id JOIN instances i ON i.id = p.instance_id",
            );
            sql.push(&format!(" WHERE {matches}"));
            written_filters(sql, "t", "t", f, scope, dates);
        }
        Kind::Comments => {
            sql.push(
                "JOIN threads t ON t.id = c.thread_id JOIN persons p ON p.id = c.author_id \
                 JOIN instances i ON i.id = p.instance_id",
            );
            sql.push(&format!(" WHERE {matches}"));
            written_filters(sql, "c", "t", f, scope, dates);
        }
        Kind::Groups => {
            sql.push("JOIN instances i ON i.id = g.instance_id");
            sql.push(&format!(" WHERE {matches}"));
            if let Some(g) = scope.group {
                let g = sql.bind(Bind::Int(g));
                sql.push(&format!(" AND g.id = {g}"));
            }
            common_filters(sql, "g", f, dates);
        }
        Kind::People => {
            sql.push("JOIN instances i ON i.id = p.instance_id");
            sql.push(&format!(
                " WHERE {matches} AND NOT p.suspended AND p.approved"
            ));
            if let Some(g) = scope.group {
                let g = sql.bind(Bind::Int(g));
                let accepted = sql.bind(Bind::Text(MembershipState::Accepted.as_str().into()));
                sql.push(&format!(
                    " AND EXISTS (SELECT 1 FROM memberships m WHERE m.group_id = {g} \
                     AND m.person_id = p.id AND m.state = {accepted})"
                ));
            }
            if let Some(agency) = &f.agency {
                let v = sql.bind(Bind::Text(agency.trim().to_lowercase()));
                sql.push(&format!(" AND lower(p.agency) = {v}"));
            }
            common_filters(sql, "p", f, dates);
        }
    }
}

/// The page of ranked rows: best first, then newest, then by kind and id, so that pages are
/// stable.
///
/// # Errors
/// Database failures only: the query is ours, the typed words are parameters.
pub fn ranked(
    conn: &mut AnyConnection,
    query: &Query,
    f: &Filters,
    scope: &Scope,
    offset: i64,
    limit: i64,
    now: NaiveDateTime,
) -> Result<Vec<Ranked>> {
    let mut sql = Sql {
        pg: matches!(conn, AnyConnection::Postgresql(_)),
        text: String::new(),
        binds: Vec::new(),
    };
    let kinds: Vec<Kind> = Kind::ALL.into_iter().filter(|k| f.wants(*k)).collect();
    // Without a filter that narrows the rows, only the most relevant matches of each kind are
    // ranked further (enough for the deepest page); with one, every match is, so that the
    // filter never empties a page the index could fill.
    let narrowed = scope.group.is_some()
        || scope.author.is_some()
        || f.agency.is_some()
        || f.instance.is_some()
        || f.since.is_some()
        || f.until.is_some();
    let cap = (!narrowed).then_some(CANDIDATES);
    if kinds.is_empty() {
        return Ok(Vec::new());
    }
    sql.push("SELECT kind, id, rank FROM (SELECT kind, id, created_at, relevance * (1.0 + 0.25 / (1.0 + age / 30.0) + 0.25 * reception / (reception + 10.0)) AS rank FROM (");
    for (i, kind) in kinds.iter().enumerate() {
        if i > 0 {
            sql.push(" UNION ALL ");
        }
        select(&mut sql, *kind, query, f, scope, now, cap);
    }
    sql.push(") found) ranked ORDER BY rank DESC, created_at DESC, kind, id");
    let l = sql.bind(Bind::Int(limit));
    let o = sql.bind(Bind::Int(offset));
    sql.push(&format!(" LIMIT {l} OFFSET {o}"));
    // The same statement on either backend; only the connection's type differs.
    Ok(crate::per_backend!(conn, |c| {
        let mut q = diesel::sql_query(sql.text).into_boxed();
        for b in sql.binds {
            q = match b {
                Bind::Text(v) => q.bind::<Text, _>(v),
                Bind::Int(v) => q.bind::<BigInt, _>(v),
                Bind::Time(v) => q.bind::<Timestamp, _>(v),
            };
        }
        q.load(c)?
    }))
}
