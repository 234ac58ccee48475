import { once } from 'node:events';
import type { Response } from 'express';
import { EVENT_STREAM_HEARTBEAT_SECONDS, WebhookPayload, type Routes } from '@greenlight/contract';
import type { Logger } from 'pino';
import type { Handler } from '../../context.ts';
import type { AppDeps } from '../../context.ts';
import type { BusEvent, Wakeup } from '../../events/event-bus.ts';
import { currentPosition, positionOf, readWoken, toPayloads, type EventPosition } from './read-events.ts';
import type { Viewer } from '../../core/approval-view.ts';
import type { Asker } from '../../core/approvals/index.ts';

export const STREAM_BATCH = 200;
const HEARTBEAT_MS = EVENT_STREAM_HEARTBEAT_SECONDS * 1000;
/** Without any notification, the log is read again this often (a lost notification costs at most this). */
export const STREAM_RECHECK_MS = 5_000;
/**
 * While committed events wait for an older transaction to end (read-events.ts), the log is read again
 * after this, doubling up to the recheck: that transaction's end may notify nobody in this org. Most
 * such transactions are a few milliseconds long (another request's write, a long poll's note); under
 * a hundred decisions a second one in twenty woken reads met one, and a first retry after 20 ms was
 * most of the stream's p99 (bench/README.md, W1). Doubling from 2 ms costs a held-back episode a few
 * more reads of the log's index, and meets the usual one within a retry or two.
 */
const HELD_BACK_RETRY_MS = 2;

interface StreamContext {
  deps: AppDeps;
  orgId: string;
  /** The stream's holder: who each request is shown to, and whose `viewer_can` it carries. */
  viewer: Viewer & Asker;
  cursor: EventPosition;
  wakeup: Wakeup;
  stop: AbortSignal;
  log: Logger;
  /** The request's credential, resolved again: a stream ends rather than outlive a sign-out or a revocation. */
  stillAuthenticated: (() => Promise<boolean>) | undefined;
}

/** One SSE frame. JSON.stringify escapes CR and LF, so the data is a single `data:` line. */
const frame = (p: WebhookPayload) => `id: ${p.data.event_id}\nevent: ${p.type}\ndata: ${JSON.stringify(p)}\n\n`;

async function write(res: Response, chunk: string, stop: AbortSignal): Promise<void> {
  // A slow reader holds the loop here instead of growing the process's memory.
  if (!res.write(chunk)) await once(res, 'drain', { signal: stop });
}

async function pump(res: Response, ctx: StreamContext): Promise<void> {
  const { deps, orgId, viewer, wakeup, stop } = ctx;
  let cursor = ctx.cursor;
  let nextHeartbeat = Date.now() + HEARTBEAT_MS;
  let heldBackRetry = HELD_BACK_RETRY_MS;
  await write(res, ': connected\n\n', stop);
  // What the last wake-up announced: none before the first read.
  let heard: BusEvent[] | null = [];
  while (!stop.aborted) {
    // Both settle before the loop goes on: never a statement of this stream left in flight.
    const [{ events, heldBack }, beside] = await readWoken(deps.db, orgId, cursor, STREAM_BATCH, heard, viewer);
    heard = null;
    // Before anything more is sent (events, or a heartbeat that keeps the stream open): the session
    // may have ended, the key or grant been revoked, since the stream began.
    if ((events.length > 0 || Date.now() >= nextHeartbeat) && ctx.stillAuthenticated && !(await ctx.stillAuthenticated())) return;
    if (events.length > 0) {
      const payloads = await toPayloads(deps.db, orgId, events, viewer, beside);
      let chunk = '';
      for (const p of payloads) chunk += frame(deps.config.validateResponses ? WebhookPayload.parse(p) : p);
      await write(res, chunk, stop);
      const last = events[events.length - 1]!;
      cursor = { xid: last.xid, id: last.id };
      if (events.length === STREAM_BATCH) continue;
    }
    if (Date.now() >= nextHeartbeat) {
      await write(res, ': keep-alive\n\n', stop);
      nextHeartbeat = Date.now() + HEARTBEAT_MS;
    }
    const recheck = heldBack ? heldBackRetry : STREAM_RECHECK_MS;
    heldBackRetry = heldBack ? Math.min(heldBackRetry * 2, STREAM_RECHECK_MS) : HELD_BACK_RETRY_MS;
    await wakeup.next(Math.min(recheck, Math.max(0, nextHeartbeat - Date.now())), stop);
    heard = wakeup.announced();
  }
}

/**
 * `GET /api/v1/events`: the org's events as Server-Sent Events, from the cursor on (see read-events.ts
 * for why no event is ever skipped). The bus subscription is taken before the starting position is
 * read, so an event committed in between still wakes the loop. The stream ends when the client
 * leaves or the server shuts down, and before it would send anything once its credential no longer
 * holds (a session signed out, a key or grant revoked); a database error ends it too, and the client
 * resumes with Last-Event-ID.
 */
export const streamEvents: Handler<Routes['streamEvents']> = async ({ query, headers, auth, deps, signal, log, stillAuthenticated }) => {
  const orgId = auth.org.id;
  const wakeup = deps.bus.watchOrg(orgId);
  let cursor: EventPosition;
  try {
    const resumeAfter = headers['last-event-id'] ?? query.last_event_id;
    cursor = resumeAfter === undefined ? await currentPosition(deps.db, orgId) : await positionOf(deps.db, orgId, resumeAfter);
  } catch (err) {
    wakeup.close();
    throw err;
  }
  const stop = signal ? AbortSignal.any([signal, deps.bus.signal]) : deps.bus.signal;
  return {
    status: 200,
    stream: async (res) => {
      res.status(200).set({
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-cache, no-transform',
        // nginx and similar proxies buffer responses unless told not to.
        'X-Accel-Buffering': 'no',
      });
      res.flushHeaders();
      try {
        await pump(res, { deps, orgId, viewer: auth, cursor, wakeup, stop, log, stillAuthenticated });
      } catch (err) {
        if (!stop.aborted) log.error({ err }, 'event stream failed; the client resumes with Last-Event-ID');
      } finally {
        wakeup.close();
        res.end();
      }
    },
  };
};
