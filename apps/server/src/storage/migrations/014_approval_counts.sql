-- How many requests each org has in each status: the total of a list filtered by status alone (the
-- pending list that dashboards and polling triggers read), read in constant time however many match.
-- Counting the matches instead cost in proportion to the rows scanned before them, and on a table
-- being written to that grew with every request until lists took seconds.
--
-- Writers only insert rows here (deltas; storage/functions/approval_counts.sql), so no create waits
-- on a counter another create holds until its commit; the sum of an org's rows for a status is its
-- count, and a job folds the rows into one per (org, status).
CREATE TABLE approval_counts (
  org_id uuid NOT NULL,
  status text NOT NULL,
  n bigint NOT NULL
);
CREATE INDEX approval_counts_org_status_idx ON approval_counts (org_id, status);

-- Writers of other processes wait until the triggers that keep the counts exist (they are created
-- in this transaction, after the migrations), so no row is missed between this count and them.
LOCK TABLE approvals IN SHARE ROW EXCLUSIVE MODE;
INSERT INTO approval_counts (org_id, status, n) SELECT org_id, status, count(*) FROM approvals GROUP BY org_id, status;
