-- A sign-in link issued to recover an account (`greenlight user sign-in-link`): using it clears the
-- forgotten password and ends the account's sessions, and the person chooses a new one.
ALTER TABLE sign_in_tokens ADD COLUMN resets_password boolean NOT NULL DEFAULT false;
