-- Where each vote was cast (greenlight_decide.sql): `slack`, `email` (a decision link), or as the
-- caller said through the API (`dashboard`, `cli`, …), `api` when it said nothing. Votes recorded
-- before this kept no source: null.
ALTER TABLE approval_votes ADD COLUMN source text;
