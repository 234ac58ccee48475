import type { Approval, WebhookPayload } from '@greenlight/contract';
import type { Queryable } from '../../storage/database.ts';
import { APPROVAL_COLUMNS, toApproval, type ApprovalRow } from '../approvals/serialize.ts';
import { EVENT_COLUMNS, toWebhookPayload, type EventRow } from '../events/webhook-payload.ts';

export type { EventRow };

/**
 * Reading an org's events by id. Within an org, event ids are taken in commit order (migration 004:
 * a writer takes its ids under a per-org lock held until it commits), so once an id is visible every
 * lower id of the org is committed or will never exist. A cursor (the last id read) is exact: no
 * event below it can appear later, none above it has been passed.
 */
const READ_SQL = `
SELECT ${EVENT_COLUMNS}
  FROM events e
 WHERE e.org_id = $1 AND e.id > $2::bigint
 ORDER BY e.id
 LIMIT $3`;

export async function readEvents(db: Queryable, orgId: string, after: string, limit: number): Promise<EventRow[]> {
  const { rows } = await db.query<EventRow>(READ_SQL, [orgId, after, limit]);
  return rows;
}

/** Where a stream without a cursor starts: the org's newest event (0 when none). */
export async function currentPosition(db: Queryable, orgId: string): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT coalesce((SELECT max(e.id) FROM events e WHERE e.org_id = $1), 0)::text AS id`,
    [orgId],
  );
  return rows[0]!.id;
}

/**
 * The same JSON a subscription receives for the event (contract `WebhookPayload`), its `approval`
 * being the request as it is now. One query loads the requests of a whole batch.
 */
export async function toPayloads(db: Queryable, orgId: string, events: EventRow[]): Promise<WebhookPayload[]> {
  const ids = [...new Set(events.map((e) => e.approval_id).filter((id): id is string => id !== null))];
  const approvals = new Map<string, Approval>();
  if (ids.length > 0) {
    const { rows } = await db.query<ApprovalRow>(
      `SELECT ${APPROVAL_COLUMNS} FROM approvals a WHERE a.org_id = $1 AND a.id = ANY ($2::uuid[])`,
      [orgId, ids],
    );
    for (const r of rows) approvals.set(r.id, toApproval(r));
  }
  return events.map((e) => toWebhookPayload(e, e.approval_id ? (approvals.get(e.approval_id) ?? null) : null));
}
