-- Most requests carry no external_id, no idempotency key and no tags. Their entries in those three
-- indexes were written on every create (a NULL key's B-tree entry, the empty tags' GIN pending-list
-- update), about 330 bytes of WAL a create. Only requests that have the value are indexed now:
-- uniqueness holds the same (NULLs never collided), a lookup by a value implies it is not NULL, and
-- the tag filter names the predicate (modules/approvals/query-approvals.ts).
ALTER TABLE approvals DROP CONSTRAINT approvals_external_id_key;
CREATE UNIQUE INDEX approvals_external_id_key ON approvals (org_id, external_id) WHERE external_id IS NOT NULL;

ALTER TABLE approvals DROP CONSTRAINT approvals_idempotency_key;
CREATE UNIQUE INDEX approvals_idempotency_key ON approvals (org_id, idempotency_key) WHERE idempotency_key IS NOT NULL;

DROP INDEX approvals_tags_idx;
CREATE INDEX approvals_tags_idx ON approvals USING gin (tags jsonb_path_ops) WHERE tags <> '{}'::jsonb;
