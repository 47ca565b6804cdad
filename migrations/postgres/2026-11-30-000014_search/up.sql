-- Full-text search (issue 11) and the expertise directory.
--
-- Each searchable table has a generated `search` column (a tsvector: title-like words weighted
-- A, the rest B) under a GIN index, so the index is in step with the row by construction. The
-- configuration `commonplace` folds case and accents and does not stem: the same words match
-- as on SQLite (FTS5 unicode61 remove_diacritics 2); `word*` searches by prefix on both.
-- `unaccent` is a trusted extension: the database owner may create it.

CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE TEXT SEARCH CONFIGURATION commonplace (COPY = simple);
ALTER TEXT SEARCH CONFIGURATION commonplace
    ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple;

ALTER TABLE persons ADD COLUMN ask_me_about TEXT NOT NULL DEFAULT '';
-- Languages a person works in, as language tags separated by commas ("en,fr").
ALTER TABLE persons ADD COLUMN languages TEXT NOT NULL DEFAULT '';

-- Expertise tags in their canonical form (case, accents and spacing folded), one row per
-- person and tag, for the directory's filters and counts; `label` is the tag as typed.
CREATE TABLE person_expertise (
    person_id BIGINT NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    label TEXT NOT NULL,
    PRIMARY KEY (person_id, tag)
);
CREATE INDEX person_expertise_tag ON person_expertise (tag);

ALTER TABLE threads ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('commonplace', title), 'A')
    || setweight(to_tsvector('commonplace', body_source), 'B')
) STORED;
CREATE INDEX threads_search ON threads USING gin (search);

ALTER TABLE comments ADD COLUMN search tsvector GENERATED ALWAYS AS (
    to_tsvector('commonplace', body_source)
) STORED;
CREATE INDEX comments_search ON comments USING gin (search);

ALTER TABLE groups ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('commonplace', name || ' ' || title), 'A')
    || setweight(to_tsvector('commonplace', description_source || ' ' || rules_source), 'B')
) STORED;
CREATE INDEX groups_search ON groups USING gin (search);

ALTER TABLE persons ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('commonplace',
        username || ' ' || coalesce(display_name, '') || ' ' || coalesce(agency, '') || ' '
        || coalesce(job_role, '') || ' ' || replace(expertise, ',', ' ')), 'A')
    || setweight(to_tsvector('commonplace', ask_me_about || ' ' || bio_source), 'B')
) STORED;
CREATE INDEX persons_search ON persons USING gin (search);
