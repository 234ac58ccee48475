-- A sign-in link can be an invitation: an account that already belongs to another org joins this one
-- only when its holder, signed in, accepts; the role is kept with the link until then.
ALTER TABLE sign_in_tokens ADD COLUMN invite_role text CHECK (invite_role IN ('admin', 'approver', 'viewer'));
