-- The Mastodon-compatible client API (SQLite). Keep in step with ../../postgres.

-- OAuth 2 clients registered by apps.
CREATE TABLE oauth_apps (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id TEXT NOT NULL UNIQUE,
    client_secret TEXT NOT NULL,
    name TEXT NOT NULL,
    website TEXT,
    -- One per line.
    redirect_uris TEXT NOT NULL,
    scopes TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- Authorization codes, kept hashed, used once.
CREATE TABLE oauth_codes (
    code_hash TEXT PRIMARY KEY,
    app_id BIGINT NOT NULL REFERENCES oauth_apps(id),
    person_id BIGINT NOT NULL REFERENCES persons(id),
    redirect_uri TEXT NOT NULL,
    scopes TEXT NOT NULL,
    code_challenge TEXT,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);

-- Tokens of an app alone (client_credentials) belong to no person.
CREATE TABLE tokens_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash TEXT NOT NULL UNIQUE,
    person_id BIGINT REFERENCES persons(id),
    client_id BIGINT REFERENCES oauth_apps(id),
    scopes TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP
);
-- client_id is kept, as PostgreSQL keeps it (no release wrote one before this migration).
INSERT INTO tokens_new (id, token_hash, person_id, client_id, scopes, created_at, last_used_at, expires_at)
    SELECT id, token_hash, person_id, client_id, scopes, created_at, last_used_at, expires_at FROM tokens;
DROP TABLE tokens;
ALTER TABLE tokens_new RENAME TO tokens;
CREATE INDEX tokens_person ON tokens (person_id);

-- One id for every thread and comment, in the order they were stored: Mastodon clients page
-- through statuses by id.
CREATE TABLE statuses (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    thread_id BIGINT UNIQUE REFERENCES threads(id),
    comment_id BIGINT UNIQUE REFERENCES comments(id),
    group_id BIGINT NOT NULL REFERENCES groups(id),
    author_id BIGINT NOT NULL REFERENCES persons(id),
    created_at TIMESTAMP NOT NULL
);
INSERT INTO statuses (thread_id, comment_id, group_id, author_id, created_at)
    SELECT thread_id, comment_id, group_id, author_id, created_at FROM (
        SELECT t.id AS thread_id, NULL AS comment_id, t.group_id, t.author_id, t.created_at
            FROM threads t
        UNION ALL
        SELECT NULL, c.id, t.group_id, c.author_id, c.created_at
            FROM comments c JOIN threads t ON t.id = c.thread_id
    ) ORDER BY created_at;
CREATE INDEX statuses_group ON statuses (group_id, id);
CREATE INDEX statuses_author ON statuses (author_id, id);

CREATE TABLE bookmarks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id BIGINT NOT NULL REFERENCES persons(id),
    status_id BIGINT NOT NULL REFERENCES statuses(id),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (person_id, status_id)
);

-- A member's lists of groups: multi-group timelines.
CREATE TABLE lists (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id BIGINT NOT NULL REFERENCES persons(id),
    title TEXT NOT NULL,
    replies_policy TEXT NOT NULL DEFAULT 'list',
    exclusive BOOLEAN NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX lists_person ON lists (person_id);
CREATE TABLE list_groups (
    list_id BIGINT NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
    group_id BIGINT NOT NULL REFERENCES groups(id),
    PRIMARY KEY (list_id, group_id)
);

-- Where a member stopped reading, per timeline.
CREATE TABLE markers (
    person_id BIGINT NOT NULL REFERENCES persons(id),
    timeline TEXT NOT NULL,
    last_read_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (person_id, timeline)
);

CREATE TABLE notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id BIGINT NOT NULL REFERENCES persons(id),
    kind TEXT NOT NULL,
    from_person_id BIGINT NOT NULL REFERENCES persons(id),
    status_id BIGINT REFERENCES statuses(id),
    group_id BIGINT REFERENCES groups(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX notifications_person ON notifications (person_id, id);

-- Hashtags of threads, from their title and body.
CREATE TABLE thread_tags (
    thread_id BIGINT NOT NULL REFERENCES threads(id),
    tag TEXT NOT NULL,
    PRIMARY KEY (thread_id, tag)
);
CREATE INDEX thread_tags_tag ON thread_tags (tag, thread_id);
