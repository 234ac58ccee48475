-- What a vote without input approves, recorded when the request is written: the SHA-256 of its content
-- (core/approval-record.ts, contentSha256), for a request that asks for no input (no response_schema,
-- nothing editable), whose content no vote can change. A decision by a button, a link or an API call
-- that carries no answer then needs no read of the request before its statement (greenlight_decide,
-- `fast`). Null for a request that asks for input, and for one written before this column.
ALTER TABLE approvals ADD COLUMN content_sha256 text;
