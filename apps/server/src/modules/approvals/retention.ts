import type { Logger } from 'pino';
import type { Database, Queryable } from '../../storage/database.ts';
import { every, type Job } from '../../jobs/every.ts';

/** What one purge batch removed from one org (storage/functions/greenlight_purge_closed.sql). */
export interface PurgedFromOrg {
  org_id: string;
  requests: number;
  comments: number;
  events: number;
  deliveries: number;
  oldest_created_at: Date;
  newest_closed_at: Date;
}

export type RecordPurge = (tx: Queryable, purged: PurgedFromOrg, olderThanDays: number) => Promise<void>;

/**
 * One batch of retention, in its own transaction: at most `limit` requests closed before `before`,
 * with what refers to them, removed, and each org's share recorded by `record` in the same
 * transaction (a batch is removed and recorded, or neither). Returns how many requests it removed, and
 * how long its statements ran inside the transaction (the time it held the database, less the commit).
 */
export async function purgeClosedBatch(
  db: Database,
  options: { before: Date; limit: number; olderThanDays: number; record: RecordPurge },
): Promise<{ removed: number; heldMs: number }> {
  return db.transaction(async (tx) => {
    const started = performance.now();
    const { rows } = await tx.query<PurgedFromOrg>(
      'SELECT org_id, requests, comments, events, deliveries, oldest_created_at, newest_closed_at FROM greenlight_purge_closed($1, $2)',
      [options.before, options.limit],
    );
    for (const purged of rows) await options.record(tx, purged, options.olderThanDays);
    return { removed: rows.reduce((n, r) => n + r.requests, 0), heldMs: performance.now() - started };
  });
}

/**
 * Every `intervalMs`, removes the requests closed (decided, cancelled, expired) more than `days` ago,
 * batch after batch of `batchSize` until none is left. Off the request path, and each batch a short
 * transaction of its own with a pause after it (twice the batch's time, at least `pauseMs`), so requests waiting for the database (the embedded one
 * has a single connection) get it between two batches (bench/retention.ts measures how long they wait).
 */
export function startRetention(
  db: Database,
  logger: Logger,
  options: { days: number; batchSize: number; intervalMs: number; pauseMs: number; record: RecordPurge },
): Job {
  let stopping = false;
  const job = every(options.intervalMs, logger, 'retention', async () => {
    const before = new Date(Date.now() - options.days * 86_400_000);
    let total = 0;
    // A shutdown waits for the batch under way, not for the whole backlog.
    while (!stopping) {
      const started = performance.now();
      const { removed: n, heldMs } = await purgeClosedBatch(db, { before, limit: options.batchSize, olderThanDays: options.days, record: options.record });
      // `ms`: from asking for the transaction to its commit, waiting for the connection included;
      // `held_ms`: its statements alone (bench/retention.ts reads both).
      logger.debug({ requests: n, ms: Number((performance.now() - started).toFixed(2)), held_ms: Number(heldMs.toFixed(2)) }, 'retention batch');
      total += n;
      if (n < options.batchSize) break;
      // At least twice the batch's own time: purging takes at most a third of the database's time,
      // however slow the machine is at the moment.
      await new Promise((r) => setTimeout(r, Math.max(options.pauseMs, 2 * (performance.now() - started))));
    }
    if (total > 0) logger.info({ requests: total, older_than_days: options.days }, 'retention removed closed requests');
  });
  return {
    stop() {
      stopping = true;
      return job.stop();
    },
  };
}
