-- Sessions of the native API and the web pages hold every scope; until now they were issued
-- without the administration scopes, which the JSON API's administration routes now require.
UPDATE tokens SET scopes = 'read write follow admin:read admin:write'
WHERE client_id IS NULL AND person_id IS NOT NULL AND scopes = 'read write follow';

-- Comments of threads that stewards removed are hidden wherever comments are listed; the few
-- removed threads are found through this small index.
CREATE INDEX threads_removed ON threads (id) WHERE removed;
