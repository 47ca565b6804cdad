-- Replies to given comments are counted for every page of statuses (Mastodon's replies_count):
-- without an index each count read every comment.
CREATE INDEX comments_parent ON comments (parent_id);
