import type { Database } from '../../storage/database.ts';
import { runAttempt } from '../../delivery/outbox/attempt.ts';
import type { ClaimedRow } from '../../delivery/outbox/channel.ts';
import type { DeliveryWorker } from '../../delivery/outbox/worker.ts';
import type { Preloaded } from './webhook-channel.ts';

const POLL_MS = 50;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/**
 * The first attempt of a decision's callback is made right after the decision commits, so that the
 * response can say whether it arrived (`callback_delivered`). The answer waits at most `waitMs`; an
 * attempt still running then carries on in the background (the worker's shutdown waits for it) and
 * later attempts are the worker's.
 *
 * With a delivery worker in this process, the decision's own statement claimed the row for it
 * (`attemptClaimed`). Without one, another process's worker makes the attempt, and its result is
 * watched here.
 */
export async function watchFirstAttempt(db: Database, approvalId: string, waitMs: number): Promise<boolean> {
  const deadline = Date.now() + waitMs;
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM deliveries WHERE approval_id = $1 AND channel = 'webhook' AND kind = 'callback' ORDER BY seq DESC LIMIT 1`,
    [approvalId],
  );
  const id = rows[0]?.id;
  if (!id) return false;
  for (;;) {
    const { rows: now } = await db.query<{ status: string; attempts: number }>('SELECT status, attempts FROM deliveries WHERE id = $1', [id]);
    const s = now[0];
    if (s?.status === 'delivered') return true;
    // Failed, gone, or waiting for a retry: the first attempt is over and did not deliver.
    if (!s || s.status === 'failed' || s.status === 'gone' || (s.status === 'pending' && s.attempts > 0)) return false;
    if (Date.now() + POLL_MS > deadline) return false;
    await sleep(POLL_MS);
  }
}

/**
 * The first attempt of a row the decision's statement claimed for this process, with what that statement
 * read: the emergency stop among it (greenlight_lock_pending), so the attempt does not read it again.
 */
export async function attemptClaimed(worker: DeliveryWorker, claimed: ClaimedRow, preloaded: Preloaded, waitMs: number): Promise<boolean> {
  const attempt = worker.track(runAttempt(worker.runtime, { ...claimed, stopReadByClaim: true }, worker.signal, preloaded));
  const outcome = await Promise.race([attempt, sleep(waitMs).then(() => null)]);
  return outcome?.kind === 'delivered';
}
