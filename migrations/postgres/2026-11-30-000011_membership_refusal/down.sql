ALTER TABLE memberships DROP COLUMN refusal;
