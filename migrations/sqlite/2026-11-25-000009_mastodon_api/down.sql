DROP TABLE thread_tags;
DROP TABLE notifications;
DROP TABLE markers;
DROP TABLE list_groups;
DROP TABLE lists;
DROP TABLE bookmarks;
DROP TABLE statuses;
DELETE FROM tokens WHERE person_id IS NULL;
-- Back to the table of before: person_id required, client_id without its foreign key (SQLite
-- changes neither in place, so the table is rebuilt, as the up migration did).
CREATE TABLE tokens_old (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash TEXT NOT NULL UNIQUE,
    person_id BIGINT NOT NULL REFERENCES persons(id),
    client_id BIGINT,
    scopes TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP
);
INSERT INTO tokens_old (id, token_hash, person_id, client_id, scopes, created_at, last_used_at, expires_at)
    SELECT id, token_hash, person_id, client_id, scopes, created_at, last_used_at, expires_at FROM tokens;
DROP TABLE tokens;
ALTER TABLE tokens_old RENAME TO tokens;
CREATE INDEX tokens_person ON tokens (person_id);
DROP TABLE oauth_codes;
DROP TABLE oauth_apps;
