-- Full-text search (issue 11) and the expertise directory.
--
-- Each searchable table has an FTS5 index over its words, kept in step by triggers in the same
-- transaction as the row. The tokenizer folds case and accents ("equipe" finds "équipe"), as
-- the PostgreSQL configuration `commonplace` does. Updates that touch no indexed column (votes,
-- counts, flags) do not touch the index.

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

CREATE VIRTUAL TABLE threads_fts USING fts5(
    title, body_source,
    content = 'threads', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER threads_fts_insert AFTER INSERT ON threads BEGIN
    INSERT INTO threads_fts (rowid, title, body_source) VALUES (new.id, new.title, new.body_source);
END;
CREATE TRIGGER threads_fts_delete AFTER DELETE ON threads BEGIN
    INSERT INTO threads_fts (threads_fts, rowid, title, body_source)
    VALUES ('delete', old.id, old.title, old.body_source);
END;
CREATE TRIGGER threads_fts_update AFTER UPDATE OF title, body_source ON threads BEGIN
    INSERT INTO threads_fts (threads_fts, rowid, title, body_source)
    VALUES ('delete', old.id, old.title, old.body_source);
    INSERT INTO threads_fts (rowid, title, body_source) VALUES (new.id, new.title, new.body_source);
END;
INSERT INTO threads_fts (threads_fts) VALUES ('rebuild');

CREATE VIRTUAL TABLE comments_fts USING fts5(
    body_source,
    content = 'comments', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER comments_fts_insert AFTER INSERT ON comments BEGIN
    INSERT INTO comments_fts (rowid, body_source) VALUES (new.id, new.body_source);
END;
CREATE TRIGGER comments_fts_delete AFTER DELETE ON comments BEGIN
    INSERT INTO comments_fts (comments_fts, rowid, body_source)
    VALUES ('delete', old.id, old.body_source);
END;
CREATE TRIGGER comments_fts_update AFTER UPDATE OF body_source ON comments BEGIN
    INSERT INTO comments_fts (comments_fts, rowid, body_source)
    VALUES ('delete', old.id, old.body_source);
    INSERT INTO comments_fts (rowid, body_source) VALUES (new.id, new.body_source);
END;
INSERT INTO comments_fts (comments_fts) VALUES ('rebuild');

CREATE VIRTUAL TABLE groups_fts USING fts5(
    name, title, description_source, rules_source,
    content = 'groups', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER groups_fts_insert AFTER INSERT ON groups BEGIN
    INSERT INTO groups_fts (rowid, name, title, description_source, rules_source)
    VALUES (new.id, new.name, new.title, new.description_source, new.rules_source);
END;
CREATE TRIGGER groups_fts_delete AFTER DELETE ON groups BEGIN
    INSERT INTO groups_fts (groups_fts, rowid, name, title, description_source, rules_source)
    VALUES ('delete', old.id, old.name, old.title, old.description_source, old.rules_source);
END;
CREATE TRIGGER groups_fts_update
AFTER UPDATE OF name, title, description_source, rules_source ON groups BEGIN
    INSERT INTO groups_fts (groups_fts, rowid, name, title, description_source, rules_source)
    VALUES ('delete', old.id, old.name, old.title, old.description_source, old.rules_source);
    INSERT INTO groups_fts (rowid, name, title, description_source, rules_source)
    VALUES (new.id, new.name, new.title, new.description_source, new.rules_source);
END;
INSERT INTO groups_fts (groups_fts) VALUES ('rebuild');

CREATE VIRTUAL TABLE persons_fts USING fts5(
    username, display_name, agency, job_role, expertise, ask_me_about, bio_source,
    content = 'persons', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER persons_fts_insert AFTER INSERT ON persons BEGIN
    INSERT INTO persons_fts (rowid, username, display_name, agency, job_role, expertise,
                             ask_me_about, bio_source)
    VALUES (new.id, new.username, new.display_name, new.agency, new.job_role, new.expertise,
            new.ask_me_about, new.bio_source);
END;
CREATE TRIGGER persons_fts_delete AFTER DELETE ON persons BEGIN
    INSERT INTO persons_fts (persons_fts, rowid, username, display_name, agency, job_role,
                             expertise, ask_me_about, bio_source)
    VALUES ('delete', old.id, old.username, old.display_name, old.agency, old.job_role,
            old.expertise, old.ask_me_about, old.bio_source);
END;
CREATE TRIGGER persons_fts_update
AFTER UPDATE OF username, display_name, agency, job_role, expertise, ask_me_about, bio_source
ON persons BEGIN
    INSERT INTO persons_fts (persons_fts, rowid, username, display_name, agency, job_role,
                             expertise, ask_me_about, bio_source)
    VALUES ('delete', old.id, old.username, old.display_name, old.agency, old.job_role,
            old.expertise, old.ask_me_about, old.bio_source);
    INSERT INTO persons_fts (rowid, username, display_name, agency, job_role, expertise,
                             ask_me_about, bio_source)
    VALUES (new.id, new.username, new.display_name, new.agency, new.job_role, new.expertise,
            new.ask_me_about, new.bio_source);
END;
INSERT INTO persons_fts (persons_fts) VALUES ('rebuild');
