import type { Queryable } from '../../storage/database.ts';

/**
 * Folds the rows that writers added to approval_counts (one per statement, by the trigger of
 * storage/functions/approval_counts.sql) into one per org and status, so a list's total sums a
 * handful of rows, not a row per create since the last fold. Run off the request path by
 * jobs/search-index-upkeep.ts. Returns how many rows it folded.
 */
export async function foldApprovalCounts(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ folded: number }>('SELECT greenlight_fold_approval_counts() AS folded');
  return rows[0]?.folded ?? 0;
}
