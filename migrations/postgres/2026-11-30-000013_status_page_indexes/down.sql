DROP INDEX statuses_author_created;
DROP INDEX comments_parent;
