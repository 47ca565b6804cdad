-- Reports (Flag) on threads and comments, for the group's stewards.
CREATE TABLE reports (
    id BIGSERIAL PRIMARY KEY,
    ap_id TEXT NOT NULL UNIQUE,
    reporter_id BIGINT NOT NULL REFERENCES persons(id),
    group_id BIGINT NOT NULL REFERENCES groups(id),
    thread_id BIGINT REFERENCES threads(id),
    comment_id BIGINT REFERENCES comments(id),
    reason TEXT NOT NULL,
    resolved BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX reports_group ON reports (group_id, resolved, id);
