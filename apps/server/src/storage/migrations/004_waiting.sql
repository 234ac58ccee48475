-- The expiry policy, and event ids from a sequence of their own.

-- What the sweeper does with a request still pending at expires_at.
ALTER TABLE approvals
  ADD COLUMN on_expiry text NOT NULL DEFAULT 'expire' CHECK (on_expiry IN ('expire', 'approve', 'reject'));

-- Event ids come from a sequence the column defaults to (005), not from an identity column.
ALTER TABLE events ALTER COLUMN id DROP IDENTITY;
CREATE SEQUENCE events_id_seq OWNED BY events.id;
SELECT setval('events_id_seq', coalesce(max(id), 0) + 1, false) FROM events;
