-- Federation (PostgreSQL). Keep in step with ../../sqlite.
ALTER TABLE instances ADD COLUMN blocked BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE instances ADD COLUMN allowed BOOLEAN NOT NULL DEFAULT FALSE;
-- Only the local row's value counts: 'open' or 'allowlist'.
ALTER TABLE instances ADD COLUMN federation_mode TEXT NOT NULL DEFAULT 'open';
ALTER TABLE instances ADD COLUMN failure_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE instances ADD COLUMN last_success_at TIMESTAMP;
ALTER TABLE instances ADD COLUMN dead_since TIMESTAMP;
ALTER TABLE persons ADD COLUMN last_refreshed_at TIMESTAMP;
ALTER TABLE groups ADD COLUMN last_refreshed_at TIMESTAMP;
ALTER TABLE memberships ADD COLUMN follow_sent_at TIMESTAMP;
ALTER TABLE memberships ADD COLUMN follow_attempts INTEGER NOT NULL DEFAULT 0;

-- Activities sent and received: received ids make processing idempotent.
CREATE TABLE activities (
    id BIGSERIAL PRIMARY KEY,
    ap_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    actor_ap_id TEXT NOT NULL,
    local BOOLEAN NOT NULL,
    data TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- The persistent outbox: one row per activity and remote inbox.
CREATE TABLE deliveries (
    id BIGSERIAL PRIMARY KEY,
    activity_id BIGINT NOT NULL REFERENCES activities(id),
    inbox_url TEXT NOT NULL,
    domain TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    claimed_until TIMESTAMP,
    delivered_at TIMESTAMP,
    failed_at TIMESTAMP,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (activity_id, inbox_url)
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE delivered_at IS NULL AND failed_at IS NULL;
