-- approval_counts takes a row from every statement that creates requests and two from every change
-- of status; the upkeep job (jobs/search-index-upkeep.ts) folds them every second and vacuums the
-- table after every few thousand, and autovacuum comes by too. A vacuum that finds empty pages at the
-- table's end gives them back to the file system, which takes the table's exclusive lock: with
-- creates inserting all the time it tried again and again for up to five seconds (the upkeep job's
-- VACUUM took 1.3–5 s under inserts, against 6–12 ms without trying), and whenever it got the lock
-- every create's insert here waited behind it. The next second's rows fill those pages again anyway.
ALTER TABLE approval_counts SET (vacuum_truncate = false);
