DROP INDEX comments_parent;
