-- API keys are cached in each server process (http/api-key-cache.ts). Whatever changes a connection
-- or an org row (the server revoking a key, an operator lowering a rate limit in psql, the emergency
-- stop) announces it on `greenlight_auth`, so every process drops what it cached when the change
-- commits. The server also drops its own entries at once when it makes the change itself; this
-- trigger covers every other writer. These rows change rarely, so the NOTIFY's commit-time lock
-- costs nothing measurable here (unlike on events: see events_fan_out.sql).
CREATE OR REPLACE FUNCTION announce_auth_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('greenlight_auth', TG_ARGV[0] || ':' || OLD.id::text);
  RETURN NULL;
END
$$;
CREATE OR REPLACE TRIGGER connections_auth_change AFTER UPDATE OR DELETE ON connections
  FOR EACH ROW EXECUTE FUNCTION announce_auth_change('connection');
CREATE OR REPLACE TRIGGER orgs_auth_change AFTER UPDATE OR DELETE ON orgs
  FOR EACH ROW EXECUTE FUNCTION announce_auth_change('org');
