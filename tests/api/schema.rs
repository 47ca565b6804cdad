//! The two sets of migrations, `migrations/sqlite` and `migrations/postgres`, build the same
//! schema: the same tables and columns (types compared as classes), nullability, primary keys,
//! indexes and foreign keys. And every down migration undoes its up migration, one at a time,
//! on the backend this run of the suite uses.

use std::collections::BTreeSet;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Nullable, Text};
use diesel::{PgConnection, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::helpers::fresh_postgres_database;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// What is compared: `strict` adds what only makes sense within one backend (column order and
/// default values, partial index predicates as written).
#[derive(Clone, Copy)]
struct Detail {
    strict: bool,
}

/// A schema as a set of facts, one line each: two schemas are equal when their sets are, and
/// the lines in one set but not the other are the readable difference.
type Facts = BTreeSet<String>;

/// The class of a declared type: what the two backends' types have in common.
fn type_class(declared: &str) -> String {
    let t = declared.trim().to_ascii_lowercase();
    let base = t.split('(').next().unwrap_or_default().trim();
    match base {
        "integer" | "int" | "bigint" | "smallint" | "int2" | "int4" | "int8" | "bigserial"
        | "serial" => "integer".into(),
        "text" | "varchar" | "character varying" | "char" | "character" => "text".into(),
        "boolean" | "bool" => "boolean".into(),
        "timestamp" | "timestamp without time zone" | "datetime" => "timestamp".into(),
        "timestamptz" | "timestamp with time zone" => "timestamp with time zone".into(),
        "real" | "double" | "double precision" | "float" | "float4" | "float8" | "numeric" => {
            "real".into()
        }
        "blob" | "bytea" => "blob".into(),
        other => format!("other type {other:?}"),
    }
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct SqliteColumn {
    #[diesel(sql_type = BigInt)]
    cid: i64,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    declared: String,
    #[diesel(sql_type = Bool)]
    notnull: bool,
    #[diesel(sql_type = Nullable<Text>)]
    dflt_value: Option<String>,
    #[diesel(sql_type = BigInt)]
    pk: i64,
}

#[derive(QueryableByName)]
struct SqliteIndex {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Bool)]
    unique: bool,
    #[diesel(sql_type = Text)]
    origin: String,
    #[diesel(sql_type = Bool)]
    partial: bool,
}

#[derive(QueryableByName)]
struct SqliteForeignKey {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    table: String,
    #[diesel(sql_type = Text)]
    from: String,
    #[diesel(sql_type = Nullable<Text>)]
    to: Option<String>,
    #[diesel(sql_type = Text)]
    on_delete: String,
}

fn index_fact(table: &str, name: &str, columns: &[String], unique: bool, partial: bool) -> String {
    format!(
        "index {table}.{name} on ({}){}{}",
        columns.join(", "),
        if unique { " unique" } else { "" },
        if partial { " partial" } else { "" }
    )
}

fn foreign_key_fact(
    table: &str,
    columns: &[String],
    parent: &str,
    parent_columns: &[String],
    on_delete: &str,
) -> String {
    format!(
        "foreign key {table} ({}) references {parent} ({}) on delete {}",
        columns.join(", "),
        parent_columns.join(", "),
        on_delete.to_ascii_lowercase()
    )
}

fn sqlite_primary_key(c: &mut SqliteConnection, table: &str) -> Vec<String> {
    let mut cols: Vec<SqliteColumn> = diesel::sql_query(format!(
        "SELECT cid, name, type AS declared, \"notnull\", dflt_value, pk FROM pragma_table_info('{table}')"
    ))
    .load(c)
    .unwrap();
    cols.retain(|col| col.pk > 0);
    cols.sort_by_key(|col| col.pk);
    cols.into_iter().map(|col| col.name).collect()
}

/// Read through `PRAGMA table_info`, `index_list`, `index_info` and `foreign_key_list`.
fn sqlite_facts(c: &mut SqliteConnection, detail: Detail) -> Facts {
    let mut facts = Facts::new();
    let tables: Vec<Name> = diesel::sql_query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         AND name <> '__diesel_schema_migrations' AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' \
         AND name NOT GLOB '*_fts_*' ORDER BY name",
    )
    .load(c)
    .unwrap();
    // A search index is an FTS5 table over its content table (with shadow tables named after
    // it) here, a generated tsvector column with a GIN index on PostgreSQL: one fact for both.
    let search: Vec<Name> = diesel::sql_query(
        "SELECT substr(name, 1, length(name) - 4) AS name FROM sqlite_master \
         WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%fts5%' AND name GLOB '*_fts'",
    )
    .load(c)
    .unwrap();
    for Name { name } in search {
        facts.insert(format!("search index on {name}"));
    }
    for Name { name: table } in tables {
        facts.insert(format!("table {table}"));
        let columns: Vec<SqliteColumn> = diesel::sql_query(format!(
            "SELECT cid, name, type AS declared, \"notnull\", dflt_value, pk FROM pragma_table_info('{table}')"
        ))
        .load(c)
        .unwrap();
        let mut primary: Vec<(i64, String)> = Vec::new();
        for col in &columns {
            // Columns of a primary key are never NULL on PostgreSQL; on SQLite `INTEGER PRIMARY
            // KEY` is the row id (never NULL either) and other key columns are declared NOT NULL
            // where it matters, so key columns count as NOT NULL on both sides.
            let nullable = !col.notnull && col.pk == 0;
            facts.insert(format!(
                "column {table}.{}: {}{}",
                col.name,
                type_class(&col.declared),
                if nullable { "" } else { " not null" }
            ));
            if detail.strict {
                facts.insert(format!(
                    "column {table}.{} at {} default {:?}",
                    col.name, col.cid, col.dflt_value
                ));
            }
            if col.pk > 0 {
                primary.push((col.pk, col.name.clone()));
            }
        }
        primary.sort();
        if !primary.is_empty() {
            let cols: Vec<String> = primary.into_iter().map(|(_, n)| n).collect();
            facts.insert(format!("primary key {table} ({})", cols.join(", ")));
        }
        let indexes: Vec<SqliteIndex> = diesel::sql_query(format!(
            "SELECT name, \"unique\", origin, partial FROM pragma_index_list('{table}')"
        ))
        .load(c)
        .unwrap();
        for index in indexes {
            if index.origin == "pk" {
                continue; // the primary key, above
            }
            let columns: Vec<Name> = diesel::sql_query(format!(
                "SELECT name FROM pragma_index_info('{}') ORDER BY seqno",
                index.name
            ))
            .load(c)
            .unwrap();
            let columns: Vec<String> = columns.into_iter().map(|n| n.name).collect();
            // A UNIQUE constraint's index is named by SQLite, not by the migration.
            let name = if index.origin == "u" {
                format!("unique({})", columns.join(", "))
            } else {
                index.name.clone()
            };
            facts.insert(index_fact(
                &table,
                &name,
                &columns,
                index.unique,
                index.partial,
            ));
            if detail.strict && index.partial {
                let sql: Vec<Name> = diesel::sql_query(format!(
                    "SELECT sql AS name FROM sqlite_master WHERE type = 'index' AND name = '{}'",
                    index.name
                ))
                .load(c)
                .unwrap();
                for s in sql {
                    facts.insert(format!("index {table}.{name} is {}", s.name));
                }
            }
        }
        let mut keys: Vec<SqliteForeignKey> = diesel::sql_query(format!(
            "SELECT id, \"table\", \"from\", \"to\", on_delete \
             FROM pragma_foreign_key_list('{table}') ORDER BY id, seq"
        ))
        .load(c)
        .unwrap();
        keys.sort_by_key(|k| k.id);
        for group in keys.chunk_by(|a, b| a.id == b.id) {
            let parent = group[0].table.clone();
            let columns: Vec<String> = group.iter().map(|k| k.from.clone()).collect();
            // `REFERENCES parent` without columns means the parent's primary key.
            let parent_columns: Vec<String> = if group.iter().all(|k| k.to.is_some()) {
                group.iter().map(|k| k.to.clone().unwrap()).collect()
            } else {
                sqlite_primary_key(c, &parent)
            };
            facts.insert(foreign_key_fact(
                &table,
                &columns,
                &parent,
                &parent_columns,
                &group[0].on_delete,
            ));
        }
    }
    facts
}

#[derive(QueryableByName)]
struct PgColumn {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
    #[diesel(sql_type = Bool)]
    nullable: bool,
    #[diesel(sql_type = BigInt)]
    position: i64,
    #[diesel(sql_type = Nullable<Text>)]
    column_default: Option<String>,
}

#[derive(QueryableByName)]
struct PgIndex {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    index_name: String,
    #[diesel(sql_type = Bool)]
    is_unique: bool,
    #[diesel(sql_type = Bool)]
    is_primary: bool,
    #[diesel(sql_type = Bool)]
    is_constraint: bool,
    #[diesel(sql_type = Nullable<Text>)]
    predicate: Option<String>,
    #[diesel(sql_type = Text)]
    columns: String,
}

#[derive(QueryableByName)]
struct PgForeignKey {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    columns: String,
    #[diesel(sql_type = Text)]
    parent: String,
    #[diesel(sql_type = Text)]
    parent_columns: String,
    #[diesel(sql_type = Text)]
    on_delete: String,
}

fn split(list: &str) -> Vec<String> {
    list.split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Read through `information_schema` and `pg_catalog`, schema `public`.
fn postgres_facts(c: &mut PgConnection, detail: Detail) -> Facts {
    let mut facts = Facts::new();
    let tables: Vec<Name> = diesel::sql_query(
        "SELECT table_name::text AS name FROM information_schema.tables \
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE' \
         AND table_name <> '__diesel_schema_migrations'",
    )
    .load(c)
    .unwrap();
    for t in &tables {
        facts.insert(format!("table {}", t.name));
    }
    let columns: Vec<PgColumn> = diesel::sql_query(
        "SELECT table_name::text, column_name::text, data_type::text, \
                is_nullable = 'YES' AS nullable, ordinal_position::bigint AS position, \
                column_default::text \
         FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name <> '__diesel_schema_migrations'",
    )
    .load(c)
    .unwrap();
    for col in columns {
        if col.data_type == "tsvector" && col.column_name == "search" {
            facts.insert(format!("search index on {}", col.table_name));
            continue;
        }
        facts.insert(format!(
            "column {}.{}: {}{}",
            col.table_name,
            col.column_name,
            type_class(&col.data_type),
            if col.nullable { "" } else { " not null" }
        ));
        if detail.strict {
            facts.insert(format!(
                "column {}.{} at {} default {:?}",
                col.table_name, col.column_name, col.position, col.column_default
            ));
        }
    }
    let indexes: Vec<PgIndex> = diesel::sql_query(
        "SELECT t.relname::text AS table_name, i.relname::text AS index_name, \
                ix.indisunique AS is_unique, ix.indisprimary AS is_primary, \
                EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = ix.indexrelid \
                        AND k.conrelid = t.oid AND k.contype = 'u') AS is_constraint, \
                pg_get_expr(ix.indpred, ix.indrelid) AS predicate, \
                COALESCE((SELECT string_agg(a.attname::text, ',' ORDER BY k.n) \
                 FROM unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, n) \
                 JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum), '') AS columns \
         FROM pg_index ix \
         JOIN pg_class i ON i.oid = ix.indexrelid \
         JOIN pg_class t ON t.oid = ix.indrelid \
         JOIN pg_namespace ns ON ns.oid = t.relnamespace \
         WHERE ns.nspname = 'public' AND t.relname <> '__diesel_schema_migrations'",
    )
    .load(c)
    .unwrap();
    for index in indexes {
        let columns = split(&index.columns);
        if columns == ["search"] {
            continue; // part of the search index, above
        }
        if index.is_primary {
            facts.insert(format!(
                "primary key {} ({})",
                index.table_name,
                columns.join(", ")
            ));
            continue;
        }
        let name = if index.is_constraint {
            format!("unique({})", columns.join(", "))
        } else {
            index.index_name.clone()
        };
        facts.insert(index_fact(
            &index.table_name,
            &name,
            &columns,
            index.is_unique,
            index.predicate.is_some(),
        ));
        if detail.strict {
            if let Some(p) = &index.predicate {
                facts.insert(format!("index {}.{name} is where {p}", index.table_name));
            }
        }
    }
    let keys: Vec<PgForeignKey> = diesel::sql_query(
        "SELECT k.conrelid::regclass::text AS table_name, \
                k.confrelid::regclass::text AS parent, \
                (SELECT string_agg(a.attname::text, ',' ORDER BY u.n) \
                 FROM unnest(k.conkey) WITH ORDINALITY AS u(attnum, n) \
                 JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum) AS columns, \
                (SELECT string_agg(a.attname::text, ',' ORDER BY u.n) \
                 FROM unnest(k.confkey) WITH ORDINALITY AS u(attnum, n) \
                 JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.attnum) AS parent_columns, \
                CASE k.confdeltype WHEN 'a' THEN 'no action' WHEN 'r' THEN 'restrict' \
                     WHEN 'c' THEN 'cascade' WHEN 'n' THEN 'set null' WHEN 'd' THEN 'set default' \
                     END AS on_delete \
         FROM pg_constraint k JOIN pg_namespace ns ON ns.oid = k.connamespace \
         WHERE k.contype = 'f' AND ns.nspname = 'public'",
    )
    .load(c)
    .unwrap();
    for k in keys {
        facts.insert(foreign_key_fact(
            &k.table_name,
            &split(&k.columns),
            &k.parent,
            &split(&k.parent_columns),
            &k.on_delete,
        ));
    }
    facts
}

/// Panics with the lines each side has and the other lacks.
fn assert_same(left_name: &str, left: &Facts, right_name: &str, right: &Facts, what: &str) {
    if left == right {
        return;
    }
    let mut report = format!("{what}: the schemas differ\n");
    for line in left.difference(right) {
        report.push_str(&format!("  only in {left_name}: {line}\n"));
    }
    for line in right.difference(left) {
        report.push_str(&format!("  only in {right_name}: {line}\n"));
    }
    panic!("{report}");
}

fn open_sqlite(path: &std::path::Path) -> SqliteConnection {
    let mut c = SqliteConnection::establish(&path.display().to_string()).unwrap();
    // As the server opens it: foreign keys enforced, so migrations run under the same rules.
    c.batch_execute("PRAGMA foreign_keys = ON").unwrap();
    c
}

/// The PostgreSQL server to compare against, when this machine has one.
fn postgres_admin_url() -> Option<String> {
    [
        "COMMONPLACE_TEST_DATABASE_URL",
        "COMMONPLACE_TEST_POSTGRES_URL",
    ]
    .into_iter()
    .filter_map(|v| std::env::var(v).ok())
    .find(|u| !u.is_empty())
}

/// A fresh PostgreSQL database, `cp_test_…` as the suite's others (CI drops them all at the end).
fn fresh_postgres(admin_url: &str) -> PgConnection {
    PgConnection::establish(&fresh_postgres_database(admin_url)).unwrap()
}

#[test]
fn sqlite_and_postgres_migrations_build_the_same_schema() {
    let Some(admin_url) = postgres_admin_url() else {
        println!(
            "skipped the SQLite/PostgreSQL schema comparison: neither \
             COMMONPLACE_TEST_DATABASE_URL nor COMMONPLACE_TEST_POSTGRES_URL names a server"
        );
        return;
    };
    let loose = Detail { strict: false };
    let dir = tempfile::tempdir().unwrap();
    let mut lite = open_sqlite(&dir.path().join("parity.db"));
    lite.run_pending_migrations(SQLITE_MIGRATIONS).unwrap();
    let sqlite = sqlite_facts(&mut lite, loose);

    let mut conn = fresh_postgres(&admin_url);
    conn.run_pending_migrations(POSTGRES_MIGRATIONS).unwrap();
    let postgres = postgres_facts(&mut conn, loose);

    assert!(
        sqlite.iter().filter(|f| f.starts_with("table ")).count() > 10,
        "{sqlite:#?}"
    );
    assert_same(
        "SQLite",
        &sqlite,
        "PostgreSQL",
        &postgres,
        "migrations/sqlite and migrations/postgres",
    );
}

/// Migrates up one migration at a time, noting the schema after each; then reverts one at a
/// time, checking that each down migration gives back the schema of before its up migration,
/// down to nothing; then migrates up again to the same latest schema.
fn round_trip<C>(c: &mut C, migrations: fn() -> EmbeddedMigrations, facts: impl Fn(&mut C) -> Facts)
where
    C: MigrationHarness<C::Backend> + Connection,
{
    let mut states = vec![("nothing".to_string(), facts(c))];
    assert!(
        states[0].1.is_empty(),
        "a fresh database: {:#?}",
        states[0].1
    );
    while c.has_pending_migration(migrations()).unwrap() {
        let version = c.run_next_migration(migrations()).unwrap();
        states.push((version.to_string(), facts(c)));
    }
    assert!(states.len() > 10, "{} migrations", states.len() - 1);
    for i in (1..states.len()).rev() {
        let reverted = c.revert_last_migration(migrations()).unwrap();
        assert_eq!(reverted.to_string(), states[i].0);
        assert_same(
            &format!("the schema before {reverted}"),
            &states[i - 1].1,
            &format!("the schema after reverting {reverted}"),
            &facts(c),
            &format!("down migration {reverted}"),
        );
    }
    c.run_pending_migrations(migrations()).unwrap();
    let latest = &states.last().unwrap().1;
    assert_same(
        "the first migration",
        latest,
        "migrating again",
        &facts(c),
        "all down migrations, then up again",
    );
}

#[test]
fn every_down_migration_undoes_its_up_migration() {
    let strict = Detail { strict: true };
    match std::env::var("COMMONPLACE_TEST_DATABASE_URL") {
        Ok(admin_url) if !admin_url.is_empty() => {
            let mut c = fresh_postgres(&admin_url);
            round_trip(
                &mut c,
                || POSTGRES_MIGRATIONS,
                |c| postgres_facts(c, strict),
            );
        }
        _ => {
            let dir = tempfile::tempdir().unwrap();
            let mut c = open_sqlite(&dir.path().join("round-trip.db"));
            round_trip(&mut c, || SQLITE_MIGRATIONS, |c| sqlite_facts(c, strict));
        }
    }
}
