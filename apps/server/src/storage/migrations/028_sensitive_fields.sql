-- Fields of a request's metadata / changes its requester marked sensitive (paths such as
-- `metadata.ssn`, `changes.after.card`): shown masked to reviewers without the see_sensitive
-- permission (core/approval-view.ts). The values themselves stay where they are.
ALTER TABLE approvals ADD COLUMN redact text[] NOT NULL DEFAULT '{}';

-- A member permission admins grant: seeing sensitive fields unmasked. Admins have it by their role.
ALTER TABLE memberships ADD COLUMN see_sensitive boolean NOT NULL DEFAULT false;
