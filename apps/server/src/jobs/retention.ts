import type { Logger } from 'pino';
import type { Database } from '../storage/database.ts';
import { purgeClosed } from '../core/approvals/index.ts';
import { every, type Job } from './every.ts';

/**
 * One batch of retention: at most `limit` requests closed before `before`, with what refers to them,
 * removed, and each org's share recorded in its audit log, by one statement in its own transaction
 * (core/approvals/purge.ts). Returns how many requests it removed, and how long
 * it took from asking for the database to its commit: at least as long as it held the database, which
 * a request arriving meanwhile waits for (on the embedded database, the time it waited for the
 * connection is counted too, so the figure errs on the long side).
 */
export async function purgeClosedBatch(
  db: Database,
  options: { before: Date; limit: number; olderThanDays: number },
): Promise<{ removed: number; heldMs: number }> {
  const started = performance.now();
  const removed = await purgeClosed(db, options);
  return { removed, heldMs: performance.now() - started };
}

/**
 * How long one batch should hold the database. A request that arrives meanwhile waits for the batch
 * (the embedded database has a single connection, and on Postgres the batch's row locks are held to
 * its commit), and none should wait 50 ms behind retention. A batch's time varies with the machine
 * more than with its size: on two cores shared with a hypervisor, a batch's longest time was three to
 * five times its median (bench R1; batches sized for 20 ms reached 57 ms), so the target leaves room for
 * a batch five times slower than planned. A batch of one request takes a few milliseconds there, so a
 * batch still removes several.
 */
export const BATCH_TARGET_MS = 10;

/**
 * The size of the next batch, from the last one's. A batch that took BATCH_TARGET_MS or longer is
 * scaled down in proportion (at least one request). A faster one grows by at least one request, at most
 * twofold (one fast batch on a machine that is slow now and then proves little), and never above
 * `max`: a batch's time is a part every batch pays (the function's dozen statements, the round trip;
 * several milliseconds on the embedded database) plus a part per request, so scaling a fast batch in proportion alone would keep it
 * at one request for good once that fixed part nears the target.
 */
export function nextBatchSize(size: number, heldMs: number, max: number): number {
  if (heldMs >= BATCH_TARGET_MS) return Math.max(1, Math.floor((size * BATCH_TARGET_MS) / heldMs));
  const scaled = heldMs > 0 ? Math.floor((size * BATCH_TARGET_MS) / heldMs) : max;
  return Math.min(max, 2 * size, Math.max(size + 1, scaled));
}

/**
 * The first batch of a process, of one request, before the server takes requests. A process's first
 * batch held the embedded database 60–120 ms whatever its size (bench R1: its statements and their
 * triggers planned for the session), where later ones take 5–15 ms; here no request waits for it. With
 * nothing due it plans only the selection, and the first batch that finds something pays the rest once.
 */
export async function warmUpRetention(db: Database, options: { days: number }): Promise<void> {
  await purgeClosedBatch(db, { before: cutoff(options.days), limit: 1, olderThanDays: options.days });
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
  options: { days: number; batchSize: number; intervalMs: number; pauseMs: number },
): Job {
  let stopping = false;
  const job = every(options.intervalMs, logger, 'retention', async () => {
    const before = cutoff(options.days);
    let total = 0;
    let size = 1;
    // A shutdown waits for the batch under way, not for the whole backlog.
    while (!stopping) {
      const limit = size;
      const { removed: n, heldMs } = await purgeClosedBatch(db, { before, limit, olderThanDays: options.days });
      // bench/retention.ts reads these.
      logger.debug({ requests: n, limit, ms: Number(heldMs.toFixed(2)) }, 'retention batch');
      total += n;
      if (n < limit) break;
      size = nextBatchSize(limit, heldMs, options.batchSize);
      // At least twice the batch's own time: purging takes at most a third of the database's time,
      // however slow the machine is at the moment.
      await new Promise((r) => setTimeout(r, Math.max(options.pauseMs, 2 * heldMs)));
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
