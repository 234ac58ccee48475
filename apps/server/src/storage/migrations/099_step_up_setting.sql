-- Which requests only a passkey-confirmed dashboard session may decide (docs/passkeys.md): their
-- priorities, and globs over their action type as routing rules and policies match it. Empty: none.
ALTER TABLE orgs ADD COLUMN step_up_priorities text[] NOT NULL DEFAULT '{}';
ALTER TABLE orgs ADD COLUMN step_up_action_types text[] NOT NULL DEFAULT '{}';
