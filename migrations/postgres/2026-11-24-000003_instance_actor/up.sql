-- The instance's own actor signs outgoing fetches (servers in secure mode ask for signed GETs).
ALTER TABLE instances ADD COLUMN public_key TEXT;
ALTER TABLE instances ADD COLUMN private_key TEXT;
