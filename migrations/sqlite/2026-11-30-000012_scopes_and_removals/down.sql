DROP INDEX threads_removed;
UPDATE tokens SET scopes = 'read write follow'
WHERE client_id IS NULL AND person_id IS NOT NULL AND scopes = 'read write follow admin:read admin:write';
