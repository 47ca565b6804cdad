-- People on other servers (Mastodon users, say) who follow one of our members.
CREATE TABLE person_follows (
    follower_id BIGINT NOT NULL REFERENCES persons(id),
    followed_id BIGINT NOT NULL REFERENCES persons(id),
    ap_id TEXT,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (follower_id, followed_id)
);
