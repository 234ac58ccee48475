import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { notFound } from '../../errors.ts';
import { approvalInOrg, toApproval } from '../../core/approval-record.ts';
import { forViewer } from '../../core/approval-view.ts';
import { oneWithViewerCan } from '../../core/approvals/index.ts';
import { beginPollWait, endPollWait } from '../../jobs/waiter-probes.ts';
import { shownWithCan } from '../../core/run.ts';

/**
 * How long a waiter trusts notifications alone before it reads the row again anyway. Notifications
 * are best-effort (one sent while the LISTEN connection reconnects is lost); this bounds the delay
 * such a loss can cause, at one cheap indexed read per waiter per interval.
 */
export const WAIT_RECHECK_MS = 5_000;

/**
 * `GET /approvals/:id/wait`. The waiter is registered on the event bus BEFORE the row is read: a
 * decision that commits between the read and the wait has already marked the subscription, so the
 * wait returns at once and the row is read again (no lost wake-up). Every event of the request
 * (a vote that leaves it pending, a comment) wakes the waiter; it reads again and goes on waiting
 * while the request is still pending. Another org's id is a 404, as for every read.
 */
export const waitForApproval: Handler<Routes['waitForApproval']> = async ({ params, query, auth, deps, signal }) => {
  const deadline = Date.now() + query.timeout * 1000;
  const wakeup = deps.bus.watchApproval(params.id);
  // A pending request without a callback is watched through its waits (dead-waiter detection).
  const goneAfterMs = deps.config.GREENLIGHT_WAITER_GONE_AFTER_MS;
  // Whether this wait was noted when it began (a pending request without a callback): its end is noted too.
  let noted = false;
  let decided = false;
  let woken = false;
  let first = true;
  try {
    for (;;) {
      // Woken by an event of the request, which is most often its decision: read with what the caller
      // may do, in one statement. The first read, and one after a recheck, is mostly of a pending
      // request: read alone, the rules asked only for the answer; the first with the wait's note
      // (beginPollWait), in the same statement.
      const read = woken ? await shownWithCan(deps.db, auth.org.id, params.id, auth) : undefined;
      let row = read?.row;
      if (first && deps.config.GREENLIGHT_WAITER_PROBES) {
        const begun = await beginPollWait(deps.db, { approvalId: params.id, orgId: auth.org.id, timeoutMs: query.timeout * 1000, goneAfterMs });
        row = begun?.row;
        noted = begun?.noted ?? false;
      } else if (!woken) {
        row = await approvalInOrg(deps.db, auth.org.id, params.id);
      }
      first = false;
      if (!row) throw notFound();
      const remaining = deadline - Date.now();
      // Still pending when the client left or the server is shutting down: answer what there is.
      const stop = remaining <= 0 || signal?.aborted === true || deps.bus.signal.aborted;
      decided = row.status !== 'pending';
      if (decided || stop) {
        const shown = read?.shown ?? (await oneWithViewerCan(deps.db, auth, forViewer(auth, toApproval(row))));
        return { status: 200, body: { ...shown, timed_out: row.status === 'pending' } };
      }
      woken = await wakeup.next(Math.min(remaining, WAIT_RECHECK_MS), signal);
    }
  } finally {
    wakeup.close();
    // The waiter leaves a request still pending: the silence is counted from now. A waiter that timed
    // out may poll again at once, so the answer waits for this write (its next start must not be
    // overtaken by it). Not worth failing the answer for. A decided request's poll row needs no end:
    // nothing waits on it any more, and the prober closes it when it comes due (it is not pending).
    if (noted && !decided) {
      await endPollWait(deps.db, { approvalId: params.id, goneAfterMs }).catch((err: unknown) => deps.logger.warn({ err }, 'recording the end of a long poll failed'));
    }
  }
};
