-- Functions whose argument list changed. CREATE OR REPLACE cannot change a function's arguments (it
-- would add an overload beside the old one), so a database created with the old ones drops them here,
-- and storage/functions/ then creates the current ones in the same transaction.
DROP FUNCTION IF EXISTS greenlight_create_approval(
  uuid, uuid, text, uuid, text, text, text, text, text, text, jsonb, integer, boolean, text, jsonb, text, text, text,
  jsonb, jsonb, jsonb, timestamptz, jsonb, text);
DROP FUNCTION IF EXISTS greenlight_decide(
  uuid, uuid, uuid, text, uuid, text, uuid, text, text, text, text, text, float8, text);
