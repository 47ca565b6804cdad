ALTER TABLE comments DROP COLUMN language;
ALTER TABLE threads DROP COLUMN language;
ALTER TABLE persons DROP COLUMN language;
