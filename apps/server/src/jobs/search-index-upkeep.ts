import type { Logger } from 'pino';
import type { Database } from '../storage/database.ts';
import { foldApprovalCounts } from '../core/approvals/index.ts';
import { every, type Job } from './every.ts';

/** The approvals table's GIN indexes (migration 001): full-text search and tags. */
const GIN_INDEXES = ['approvals_search_idx', 'approvals_tags_idx'] as const;

/**
 * Merges the pending lists of the approvals table's GIN indexes into the indexes; returns the number
 * of pending-list pages merged.
 *
 * A GIN index with `fastupdate` (Postgres's default) puts new entries on a pending list and merges
 * the list into the index once it outgrows `gin_pending_list_limit` (4 MB). The insert that finds it
 * over the limit does the merge inside its own statement. Under create load that was a create
 * statement of 280–370 ms every few seconds, and every create of its organization waited behind it
 * (bench/README.md, P2). The list itself is worth keeping: with `fastupdate` off a create costs more,
 * and P1's maximum fell by a quarter. So the merge runs here, as its own statement, every second.
 * An insert that finds the list over the limit while this merge runs does not wait for it (Postgres
 * leaves the list to a merge already under way), and with a merge every second the list rarely
 * gets there.
 */
export async function mergePendingLists(db: Database): Promise<number> {
  const { rows } = await db.query<{ pages: number }>(
    'SELECT coalesce(sum(gin_clean_pending_list(i::regclass)), 0)::int AS pages FROM unnest($1::text[]) AS i',
    [GIN_INDEXES],
  );
  return rows[0]?.pages ?? 0;
}

const FOLDED_ROWS_PER_VACUUM = 2000;

/**
 * Runs `mergePendingLists` and `foldApprovalCounts` every `intervalMs`, and vacuums approval_counts
 * after every FOLDED_ROWS_PER_VACUUM folded rows. A role that may not merge (it does not own the indexes:
 * SQLSTATE 42501) is told once and the merge is not tried again; other failures are logged and retried.
 */
export function startSearchIndexUpkeep(db: Database, logger: Logger, intervalMs: number): Job {
  let allowed = true;
  let foldedSinceVacuum = 0;
  return every(intervalMs, logger, 'search-index-upkeep', async () => {
    foldedSinceVacuum += await foldApprovalCounts(db);
    // Every fold leaves the rows it folded dead in a table of a few live ones, and the sum reads their
    // index entries until a vacuum: 100,000 of them made a count of one row take 15 ms. Autovacuum
    // comes by at most once a minute; this table takes a millisecond to vacuum.
    if (allowed && foldedSinceVacuum >= FOLDED_ROWS_PER_VACUUM) {
      foldedSinceVacuum = 0;
      await db.query('VACUUM approval_counts');
    }
    if (!allowed) return;
    try {
      await mergePendingLists(db);
    } catch (err) {
      if ((err as { code?: string }).code !== '42501') throw err;
      allowed = false;
      logger.warn({ err, job: 'search-index-upkeep' }, "this database role may not merge the search indexes' pending lists; inserts will merge them");
    }
  });
}
