-- Requests filtered by the entity they change (`entity_type`, `entity_id`: the type and id of
-- `resource`) are found through this index, newest first, rather than by testing every request.
CREATE INDEX approvals_entity_idx ON approvals (org_id, (resource->>'type'), (resource->>'id'), created_at DESC) WHERE resource IS NOT NULL;
