import type { Approval, WebhookPayload } from '@greenlight/contract';
import { sideBySide, type Queryable } from '../../storage/database.ts';
import { APPROVAL_COLUMNS, toApproval, type ApprovalRow } from '../../core/approval-record.ts';
import { EVENT_COLUMNS, type EventRow } from '../../core/events.ts';
import { toWebhookPayload } from '../../channels/webhook/payload.ts';
import { forViewer, type Viewer } from '../../core/approval-view.ts';
import { withViewerCan, type Asker } from '../../core/approvals/index.ts';
import { shownWithCan } from '../../core/run.ts';
import type { BusEvent } from '../../events/event-bus.ts';

export type { EventRow };

/**
 * A place in an org's event log: the (transaction id, event id) of the last event read. Clients only
 * ever see the event id (the SSE `id:`); the transaction id is looked up when they resume.
 */
export interface EventPosition {
  xid: string;
  id: string;
}

export const START: EventPosition = { xid: '0', id: '0' };

/**
 * Reading an org's events without ever skipping one, while writers commit in any order (storage/migrations/005_parallel_commits.sql).
 *
 * Event ids are taken when a row is inserted, not when its transaction commits, so `id > cursor` is
 * not safe: transaction A takes id 10, B takes 11 and commits first; a reader that passed 11 would
 * never see 10. Instead the log is read in (xid, id) order, where xid is the writing transaction's id,
 * and only below a horizon: the oldest transaction of this database still running when the
 * statement's snapshot was taken (or, with none, the snapshot's xmax, the first transaction not yet
 * started then):
 *   - every transaction of this database below the horizon has ended, and the snapshot sees all that
 *     committed, so the events below it are final: none can appear there later;
 *   - any event not yet visible belongs to a transaction at or above the horizon (running, or not yet
 *     started), so it sorts after every position already read.
 * Hence a cursor (the position of the last event read) is exact. The price: an event is held back
 * until every transaction of the database older than its own has ended (a long-running writer delays
 * the stream, never reorders or drops it), and the order is (xid, id), not plain id order.
 *
 * Transaction ids are shared by every database of a Postgres cluster, so the snapshot's running list
 * also holds other databases' transactions, which never write our events: those that pg_stat_activity
 * shows connected to another database are left out, so a bulk load next door does not stall the
 * stream. Anything not known to be elsewhere (ended since the snapshot, not visible to our role,
 * a background process) counts, which errs on the side of waiting.
 */
const HORIZON = `(
  SELECT coalesce(min(x), pg_snapshot_xmax(pg_current_snapshot()))
    FROM pg_snapshot_xip(pg_current_snapshot()) AS x
   WHERE NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.backend_xid = xid(x) AND a.datname <> current_database())
)`;

// Events at or above the horizon are read too, marked not final: they sort after every final one,
// so the final ones are a prefix of the answer, and the rest says that committed events are waiting.
// Prepared on each connection, as the statements below: every woken stream reads it, and parsing and
// planning it took 0.7 ms where running it takes 0.03 ms (Postgres's statement log under W1). Its
// kept plan is the (org_id, xid, id) index's range scan whatever the org or the cursor.
const READ_SQL = `
SELECT ${EVENT_COLUMNS}, e.xid::text AS xid, e.xid < ${HORIZON} AS final
  FROM events e
 WHERE e.org_id = $1 AND (e.xid, e.id) > ($2::xid8, $3::bigint)
 ORDER BY e.xid, e.id
 LIMIT $4`;

/**
 * The org's final events after `after` (at most `limit`), and whether committed events after them are
 * held back by an older transaction still running. That transaction may write nothing for this org,
 * so its end notifies nobody here: a reader that saw `heldBack` reads again soon rather than wait for
 * the next notification.
 */
export async function readEvents(
  db: Queryable,
  orgId: string,
  after: EventPosition,
  limit: number,
  behind?: (on: Queryable) => Promise<unknown>,
): Promise<{ events: Array<EventRow & { xid: string }>; heldBack: boolean }> {
  const { rows } = await db.query<EventRow & { xid: string; final: boolean }>(READ_SQL, [orgId, after.xid, after.id, limit], { prepare: 'stream_events_after', gather: true, ...(behind && { behind }) });
  const firstHeld = rows.findIndex((r) => !r.final);
  const final = firstHeld === -1 ? rows : rows.slice(0, firstHeld);
  return { events: final.map(({ final: _, ...event }) => event), heldBack: firstHeld !== -1 };
}

/** Where a stream without a cursor starts: after the org's last event below the horizon (START when none). */
export async function currentPosition(db: Queryable, orgId: string): Promise<EventPosition> {
  const { rows } = await db.query<EventPosition>(
    `SELECT e.xid::text AS xid, e.id::text AS id FROM events e
      WHERE e.org_id = $1 AND e.xid < ${HORIZON}
      ORDER BY e.xid DESC, e.id DESC LIMIT 1`,
    [orgId],
    { prepare: 'stream_position_now' },
  );
  return rows[0] ?? START;
}

/**
 * The position of a client's cursor (an event id it received). `0` is the start. An id that is not
 * one of the org's events (made up, another org's, from a restored older database) resumes after the
 * org's last event with a lower id, as near as the log allows to "every event after it".
 */
export async function positionOf(db: Queryable, orgId: string, eventId: string): Promise<EventPosition> {
  if (eventId === '0') return START;
  const exact = await db.query<EventPosition>(
    'SELECT e.xid::text AS xid, e.id::text AS id FROM events e WHERE e.id = $2::bigint AND e.org_id = $1',
    [orgId, eventId],
    { prepare: 'stream_position_of' },
  );
  if (exact.rows[0]) return exact.rows[0];
  const below = await db.query<EventPosition>(
    `SELECT e.xid::text AS xid, e.id::text AS id FROM events e
      WHERE e.org_id = $1 AND e.id < $2::bigint ORDER BY e.id DESC LIMIT 1`,
    [orgId, eventId],
    { prepare: 'stream_position_below' },
  );
  return below.rows[0] ?? START;
}

/**
 * The same JSON a subscription receives for the event (contract `WebhookPayload`), its `approval`
 * being the request as it is now, as `viewer` may see it, with what `viewer` may do with it
 * (`viewer_can`). Two queries serve a whole batch, however many events and requests it holds: one
 * loads the requests, one asks the rules about all of them; a batch about one request, one query.
 */
export async function toPayloads(db: Queryable, orgId: string, events: EventRow[], viewer: Viewer & Asker, beside?: ReadBeside | null): Promise<WebhookPayload[]> {
  // A request read beside the log is the request as it is now for these events only when each of them
  // was announced before that read began (each committed by then), and they are all of that request.
  if (beside && events.every((e) => e.approval_id === beside.approvalId && beside.announced.has(e.id))) {
    return events.map((e) => toWebhookPayload(e, beside.shown));
  }
  const ids = [...new Set(events.map((e) => e.approval_id).filter((id): id is string => id !== null))];
  const approvals = new Map<string, Approval>();
  if (ids.length === 1) {
    // One request (a woken stream's usual batch: its decision's events): one statement for both.
    const one = await shownWithCan(db, orgId, ids[0]!, viewer);
    if (one) approvals.set(one.shown.id, one.shown);
  } else if (ids.length > 1) {
    const { rows } = await db.query<ApprovalRow>(
      `SELECT ${APPROVAL_COLUMNS} FROM approvals a WHERE a.org_id = $1 AND a.id = ANY ($2::uuid[])`,
      [orgId, ids],
    );
    const shown = await withViewerCan(db, viewer, rows.map((r) => forViewer(viewer, toApproval(r))));
    for (const a of shown) approvals.set(a.id, a);
  }
  return events.map((e) => toWebhookPayload(e, e.approval_id ? (approvals.get(e.approval_id) ?? null) : null));
}

/** A request read beside the log's read (readBeside): the events announced before it was read, and the request as `viewer` sees it (null: gone). */
export interface ReadBeside {
  approvalId: string;
  announced: ReadonlySet<string>;
  shown: Approval | null;
}

/**
 * A woken stream's read of the request its announcements name, issued with its read of the log rather
 * than after it: one wait for both, as the long poll's one read. Only when every announcement heard
 * names the same request (a decision's events); otherwise null, and toPayloads reads after.
 */
export function readBeside(db: Queryable, orgId: string, heard: readonly BusEvent[] | null, viewer: Viewer & Asker): Promise<ReadBeside> | null {
  const approvalId = heard?.[0]?.approvalId;
  if (!heard || !approvalId || heard.some((e) => e.approvalId !== approvalId)) return null;
  const announced = new Set(heard.map((e) => e.eventId));
  return shownWithCan(db, orgId, approvalId, viewer).then((r) => ({ approvalId, announced, shown: r?.shown ?? null }));
}

/**
 * A woken stream's reads: the log (readEvents) and, when its announcements name one request, that
 * request (readBeside), sent right behind the log's read on its connection (QueryOptions.behind): one
 * connection and one write to Postgres for both instead of two, the two reads run one after the other
 * by one backend. Both have settled when this returns (never a read left in flight); the first failure
 * is thrown.
 */
export async function readWoken(
  db: Queryable,
  orgId: string,
  after: EventPosition,
  limit: number,
  heard: readonly BusEvent[] | null,
  viewer: Viewer & Asker,
): Promise<[{ events: Array<EventRow & { xid: string }>; heldBack: boolean }, ReadBeside | null]> {
  let beside: Promise<ReadBeside> | null = null;
  // The request's read is issued when the log's is (on Postgres, once it has its connection): it is
  // null until then, and never issued if the log's read failed before.
  const log = readEvents(db, orgId, after, limit, (on) => (beside = readBeside(on, orgId, heard, viewer)) ?? Promise.resolve(null));
  // Once the log's read has settled, the request's read is issued or never will be.
  await log.catch(() => {});
  return sideBySide([log, beside]);
}
