-- Languages: a member's interface language, and the language content is written in
-- (a BCP 47 tag such as `en` or `fr-CA`; unknown when absent). Keep in step with the other backend.
ALTER TABLE persons ADD COLUMN language TEXT;
ALTER TABLE threads ADD COLUMN language TEXT;
ALTER TABLE comments ADD COLUMN language TEXT;
