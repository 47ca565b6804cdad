DROP INDEX person_follows_follower;
DROP INDEX person_follows_followed;
ALTER TABLE person_follows DROP COLUMN state;
