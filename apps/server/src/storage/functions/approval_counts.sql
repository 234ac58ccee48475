-- Keeps approval_counts (migration 014): rows with the change per (org, status) of each statement
-- that adds or removes requests (statement triggers: a batch of creates adds one row, not one per
-- request), and two for each request that changes status. greenlight_fold_approval_counts folds them, off the request path.
CREATE OR REPLACE FUNCTION approval_counts_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO approval_counts (org_id, status, n) SELECT r.org_id, r.status, count(*) FROM new_rows r GROUP BY 1, 2;
  RETURN NULL;
END
$$;
CREATE OR REPLACE TRIGGER approval_counts_insert AFTER INSERT ON approvals
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION approval_counts_insert();

-- A row trigger, only where the status changes: transition tables cannot name columns, and every
-- other update of a request (a vote, a comment) would have built them for nothing.
CREATE OR REPLACE FUNCTION approval_counts_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO approval_counts (org_id, status, n) VALUES (OLD.org_id, OLD.status, -1), (NEW.org_id, NEW.status, 1);
  RETURN NULL;
END
$$;
CREATE OR REPLACE TRIGGER approval_counts_update AFTER UPDATE OF status ON approvals
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION approval_counts_update();

CREATE OR REPLACE FUNCTION approval_counts_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO approval_counts (org_id, status, n) SELECT r.org_id, r.status, -count(*) FROM old_rows r GROUP BY 1, 2;
  RETURN NULL;
END
$$;
CREATE OR REPLACE TRIGGER approval_counts_delete AFTER DELETE ON approvals
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION approval_counts_delete();

CREATE OR REPLACE FUNCTION approval_counts_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM approval_counts;
  RETURN NULL;
END
$$;
CREATE OR REPLACE TRIGGER approval_counts_truncate AFTER TRUNCATE ON approvals
  FOR EACH STATEMENT EXECUTE FUNCTION approval_counts_truncate();

-- Folds the rows of each (org, status) that has more than one into their sum, in one statement: a
-- reader sees the rows before or after, with the same sum. Two folds at once are safe: the second
-- waits for the rows the first deletes, finds them gone and adds only what it deleted itself.
-- Returns how many rows it folded. It changes no count, so any role may run it (as the table's owner):
-- a server whose role may write requests but not own the schema still keeps the table small.
-- The groups to fold are worked out once (MATERIALIZED), then joined: the table is vacuumed right
-- after folds (jobs/search-index-upkeep.ts), so its statistics say it holds a few rows, and for
-- `IN (SELECT … GROUP BY …)` the planner then ran the grouping again for every row deleted: the
-- rows of one second of creates (about 360) took 20–40 ms, and twice as many four times that.
CREATE OR REPLACE FUNCTION greenlight_fold_approval_counts() RETURNS integer LANGUAGE sql
SECURITY DEFINER SET search_path FROM CURRENT AS $$
  WITH folded AS MATERIALIZED (
    SELECT org_id, status FROM approval_counts GROUP BY 1, 2 HAVING count(*) > 1
  ), gone AS (
    DELETE FROM approval_counts c USING folded f
     WHERE c.org_id = f.org_id AND c.status = f.status
    RETURNING c.org_id, c.status, c.n
  ), kept AS (
    INSERT INTO approval_counts (org_id, status, n)
    SELECT g.org_id, g.status, sum(g.n) FROM gone g GROUP BY 1, 2 HAVING sum(g.n) <> 0
    RETURNING 1
  )
  SELECT count(*)::int FROM gone
$$;
