-- Members follow people too, here and elsewhere: a follow of someone on another server waits
-- for their Accept.
ALTER TABLE person_follows ADD COLUMN state TEXT NOT NULL DEFAULT 'accepted';
CREATE INDEX person_follows_followed ON person_follows (followed_id, created_at);
CREATE INDEX person_follows_follower ON person_follows (follower_id, created_at);
