import type { Database } from '../../storage/database.ts';

/**
 * Retention (jobs/retention.ts): at most `limit` requests closed before `before`, with what refers to
 * them, removed, and each org's share recorded in its audit log, by one statement in its own
 * transaction (storage/functions/greenlight_purge_closed.sql). Returns how many requests it removed.
 */
export async function purgeClosed(db: Database, options: { before: Date; limit: number; olderThanDays: number }): Promise<number> {
  const { rows } = await db.query<{ requests: number }>('SELECT requests FROM greenlight_purge_closed($1, $2, $3)', [
    options.before,
    options.limit,
    options.olderThanDays,
  ]);
  return rows.reduce((n, r) => n + r.requests, 0);
}
