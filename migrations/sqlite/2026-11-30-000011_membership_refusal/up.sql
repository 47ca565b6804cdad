-- Why a join was refused (a Reject from the group, or its server refusing the Follow), shown to
-- the member beside the state 'refused'. Keep in step with the other backend.
ALTER TABLE memberships ADD COLUMN refusal TEXT;
