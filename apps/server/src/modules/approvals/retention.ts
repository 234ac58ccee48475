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
 * How long one batch's statements should hold the database. A request that arrives meanwhile waits
 * for the batch (the embedded database has a single connection, and on Postgres the batch's row locks
 * are held to its commit), and none should wait 50 ms behind retention: a batch sized for 20 ms leaves
 * room for the machine to stall in the middle of one.
 */
export const BATCH_TARGET_MS = 20;

/**
 * The size of the next batch, from the last one's: scaled so that it would have taken BATCH_TARGET_MS,
 * grown back at most twofold at a time (one fast batch on a machine that is slow now and then proves
 * little), at least one request and at most `max`.
 */
export function nextBatchSize(size: number, heldMs: number, max: number): number {
  const scaled = heldMs > 0 ? Math.floor((size * BATCH_TARGET_MS) / heldMs) : max;
  return Math.max(1, Math.min(max, 2 * size, scaled));
}

/**
 * The first batch of a process, of one request, before the server takes requests. A process's first
 * batch held the embedded database 60–120 ms whatever its size (bench R1: its statements and their
 * triggers planned for the session), where later ones take 5–15 ms; here no request waits for it. With
 * nothing due it plans only the selection, and the first batch that finds something pays the rest once.
 */
export async function warmUpRetention(db: Database, options: { days: number; record: RecordPurge }): Promise<void> {
  await purgeClosedBatch(db, { before: cutoff(options.days), limit: 1, olderThanDays: options.days, record: options.record });
}

const cutoff = (days: number) => new Date(Date.now() - days * 86_400_000);

/**
 * Every `intervalMs`, removes the requests closed (decided, cancelled, expired) more than `days` ago,
 * batch after batch until none is left. Off the request path, and each batch a short transaction of its
 * own, sized by nextBatchSize: a sweep starts with one request and grows towards `batchSize` while
 * batches stay under BATCH_TARGET_MS (the first large batch of a sweep reads pages nothing else has
 * touched for a month), with a pause after each (twice the batch's time, at least `pauseMs`), so
 * requests waiting for the database get it between two batches (bench/retention.ts measures how long
 * they wait).
 */
export function startRetention(
  db: Database,
  logger: Logger,
  options: { days: number; batchSize: number; intervalMs: number; pauseMs: number; record: RecordPurge },
): Job {
  let stopping = false;
  const job = every(options.intervalMs, logger, 'retention', async () => {
    const before = cutoff(options.days);
    let total = 0;
    let size = 1;
    // A shutdown waits for the batch under way, not for the whole backlog.
    while (!stopping) {
      const started = performance.now();
      const limit = size;
      const { removed: n, heldMs } = await purgeClosedBatch(db, { before, limit, olderThanDays: options.days, record: options.record });
      // `ms`: from asking for the transaction to its commit, waiting for the connection included;
      // `held_ms`: its statements alone (bench/retention.ts reads both).
      logger.debug({ requests: n, limit, ms: Number((performance.now() - started).toFixed(2)), held_ms: Number(heldMs.toFixed(2)) }, 'retention batch');
      total += n;
      if (n < limit) break;
      size = nextBatchSize(limit, heldMs, options.batchSize);
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
