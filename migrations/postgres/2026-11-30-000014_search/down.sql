DROP INDEX persons_search;
ALTER TABLE persons DROP COLUMN search;
DROP INDEX groups_search;
ALTER TABLE groups DROP COLUMN search;
DROP INDEX comments_search;
ALTER TABLE comments DROP COLUMN search;
DROP INDEX threads_search;
ALTER TABLE threads DROP COLUMN search;
DROP INDEX person_expertise_tag;
DROP TABLE person_expertise;
ALTER TABLE persons DROP COLUMN languages;
ALTER TABLE persons DROP COLUMN ask_me_about;
DROP TEXT SEARCH CONFIGURATION commonplace;
-- The extension may serve others; it is left in place.
