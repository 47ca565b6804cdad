-- Replies to given comments are counted for every page of statuses (Mastodon's replies_count):
-- without an index each count read every comment.
CREATE INDEX comments_parent ON comments (parent_id);
-- Each author on a page of statuses is shown with their count of statuses and the time of the
-- latest: both read from this index alone, not from every status row of the author.
CREATE INDEX statuses_author_created ON statuses (author_id, created_at);
