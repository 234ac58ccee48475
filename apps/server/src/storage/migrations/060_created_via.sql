-- Which API created a request (the contract's CREATED_VIA): 'v1', Greenlight's own, or a peer API it
-- also serves (apps/server/src/dialects). Every request from before was created through v1.
ALTER TABLE approvals ADD COLUMN created_via text NOT NULL DEFAULT 'v1';
