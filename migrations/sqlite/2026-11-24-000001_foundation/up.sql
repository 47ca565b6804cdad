-- Foundation schema (SQLite). Keep in step with ../../postgres: same tables, same columns.
CREATE TABLE instances (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    domain TEXT NOT NULL UNIQUE,
    local BOOLEAN NOT NULL DEFAULT 0,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    rules TEXT NOT NULL DEFAULT '',
    registration_mode TEXT NOT NULL DEFAULT 'open',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE persons (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ap_id TEXT NOT NULL UNIQUE,
    local BOOLEAN NOT NULL,
    instance_id BIGINT NOT NULL REFERENCES instances(id),
    username TEXT NOT NULL,
    display_name TEXT,
    bio_source TEXT NOT NULL DEFAULT '',
    bio_html TEXT NOT NULL DEFAULT '',
    agency TEXT,
    job_role TEXT,
    expertise TEXT NOT NULL DEFAULT '',
    password_hash TEXT,
    is_admin BOOLEAN NOT NULL DEFAULT 0,
    approved BOOLEAN NOT NULL DEFAULT 1,
    suspended BOOLEAN NOT NULL DEFAULT 0,
    public_key TEXT NOT NULL,
    private_key TEXT,
    inbox_url TEXT NOT NULL,
    shared_inbox_url TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (instance_id, username)
);

CREATE TABLE groups (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ap_id TEXT NOT NULL UNIQUE,
    local BOOLEAN NOT NULL,
    instance_id BIGINT NOT NULL REFERENCES instances(id),
    name TEXT NOT NULL,
    title TEXT NOT NULL,
    description_source TEXT NOT NULL DEFAULT '',
    description_html TEXT NOT NULL DEFAULT '',
    rules_source TEXT NOT NULL DEFAULT '',
    rules_html TEXT NOT NULL DEFAULT '',
    creator_id BIGINT REFERENCES persons(id),
    approval_required BOOLEAN NOT NULL DEFAULT 0,
    member_count BIGINT NOT NULL DEFAULT 0,
    thread_count BIGINT NOT NULL DEFAULT 0,
    public_key TEXT NOT NULL,
    private_key TEXT,
    inbox_url TEXT NOT NULL,
    shared_inbox_url TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (instance_id, name)
);

CREATE TABLE stewards (
    group_id BIGINT NOT NULL REFERENCES groups(id),
    person_id BIGINT NOT NULL REFERENCES persons(id),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (group_id, person_id)
);

CREATE TABLE memberships (
    group_id BIGINT NOT NULL REFERENCES groups(id),
    person_id BIGINT NOT NULL REFERENCES persons(id),
    state TEXT NOT NULL,
    ap_id TEXT,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (group_id, person_id)
);
CREATE INDEX memberships_person ON memberships (person_id, state);

CREATE TABLE threads (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ap_id TEXT NOT NULL UNIQUE,
    local BOOLEAN NOT NULL,
    group_id BIGINT NOT NULL REFERENCES groups(id),
    author_id BIGINT NOT NULL REFERENCES persons(id),
    title TEXT NOT NULL,
    body_source TEXT NOT NULL DEFAULT '',
    body_html TEXT NOT NULL DEFAULT '',
    url TEXT,
    pinned BOOLEAN NOT NULL DEFAULT 0,
    locked BOOLEAN NOT NULL DEFAULT 0,
    removed BOOLEAN NOT NULL DEFAULT 0,
    deleted BOOLEAN NOT NULL DEFAULT 0,
    score BIGINT NOT NULL DEFAULT 0,
    upvotes BIGINT NOT NULL DEFAULT 0,
    downvotes BIGINT NOT NULL DEFAULT 0,
    comment_count BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP,
    last_activity_at TIMESTAMP NOT NULL
);
CREATE INDEX threads_group_new ON threads (group_id, created_at, id);
CREATE INDEX threads_group_active ON threads (group_id, last_activity_at, id);
CREATE INDEX threads_group_top ON threads (group_id, score, id);
CREATE INDEX threads_new ON threads (created_at, id);
CREATE INDEX threads_author ON threads (author_id);

CREATE TABLE comments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ap_id TEXT NOT NULL UNIQUE,
    local BOOLEAN NOT NULL,
    thread_id BIGINT NOT NULL REFERENCES threads(id),
    parent_id BIGINT REFERENCES comments(id),
    author_id BIGINT NOT NULL REFERENCES persons(id),
    body_source TEXT NOT NULL,
    body_html TEXT NOT NULL,
    depth INTEGER NOT NULL DEFAULT 0,
    removed BOOLEAN NOT NULL DEFAULT 0,
    deleted BOOLEAN NOT NULL DEFAULT 0,
    score BIGINT NOT NULL DEFAULT 0,
    upvotes BIGINT NOT NULL DEFAULT 0,
    downvotes BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP
);
CREATE INDEX comments_thread ON comments (thread_id, id);
CREATE INDEX comments_author ON comments (author_id);

CREATE TABLE thread_votes (
    person_id BIGINT NOT NULL REFERENCES persons(id),
    thread_id BIGINT NOT NULL REFERENCES threads(id),
    score INTEGER NOT NULL,
    ap_id TEXT,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (person_id, thread_id)
);
CREATE INDEX thread_votes_thread ON thread_votes (thread_id);

CREATE TABLE comment_votes (
    person_id BIGINT NOT NULL REFERENCES persons(id),
    comment_id BIGINT NOT NULL REFERENCES comments(id),
    score INTEGER NOT NULL,
    ap_id TEXT,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (person_id, comment_id)
);
CREATE INDEX comment_votes_comment ON comment_votes (comment_id);

-- Bearer tokens of the JSON API; later also OAuth tokens of the Mastodon API (client_id, scopes).
CREATE TABLE tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash TEXT NOT NULL UNIQUE,
    person_id BIGINT NOT NULL REFERENCES persons(id),
    client_id BIGINT,
    scopes TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP
);
CREATE INDEX tokens_person ON tokens (person_id);
