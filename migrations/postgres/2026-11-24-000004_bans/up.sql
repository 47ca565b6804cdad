-- People banned from a group by its stewards: they cannot join, post or reply there.
CREATE TABLE group_bans (
    group_id BIGINT NOT NULL REFERENCES groups(id),
    person_id BIGINT NOT NULL REFERENCES persons(id),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (group_id, person_id)
);
