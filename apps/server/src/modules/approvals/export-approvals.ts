import type { Approval, ApprovalEvent } from '@greenlight/contract';
import { APPROVAL_COLUMNS, toApproval, type ApprovalRow } from '../../core/approval-record.ts';
import type { Queryable } from '../../storage/database.ts';
import { EVENT_COLUMNS, toApprovalEvent, type EventRow } from './list-approval-events.ts';

/** One line of an export: a request as the API shows it, and its audit trail oldest first. */
export interface ExportedApproval {
  approval: Approval;
  events: ApprovalEvent[];
}

const PAGE = 500;

/**
 * Every request of an org created at or after `since`, in the order they were created, each with its events, a page of
 * requests per pair of queries (so an export of any size holds one page in memory). Each page is read
 * on its own: requests created or decided while the export runs may or may not be in it, as they are
 * at the moment their page is read.
 */
export async function exportApprovals(db: Queryable, orgId: string, since: Date, write: (item: ExportedApproval) => Promise<void>): Promise<number> {
  // The cursor is `seq` (creation order) alone: created_at has microseconds, a JS Date only milliseconds.
  let after = '0';
  let n = 0;
  for (;;) {
    const { rows }: { rows: ApprovalRow[] } = await db.query<ApprovalRow>(
      `SELECT ${APPROVAL_COLUMNS} FROM approvals a
        WHERE a.org_id = $1 AND a.created_at >= $2
          AND a.seq > $3::bigint
        ORDER BY a.seq LIMIT ${PAGE}`,
      [orgId, since, after],
    );
    if (rows.length === 0) return n;
    const events = await db.query<EventRow & { id: string }>(
      `SELECT ${EVENT_COLUMNS} FROM events e WHERE e.org_id = $1 AND e.approval_id = ANY ($2::uuid[]) ORDER BY e.id`,
      [orgId, rows.map((r) => r.id)],
    );
    const byApproval = new Map<string, ApprovalEvent[]>();
    for (const e of events.rows) byApproval.set(e.approval_id, [...(byApproval.get(e.approval_id) ?? []), toApprovalEvent(e)]);
    for (const r of rows) {
      // The operator's archive (the admin CLI, on the database itself): in full, sensitive fields and callbacks included.
      await write({ approval: toApproval(r), events: byApproval.get(r.id) ?? [] });
      n++;
    }
    after = rows.at(-1)!.seq;
    if (rows.length < PAGE) return n;
  }
}
