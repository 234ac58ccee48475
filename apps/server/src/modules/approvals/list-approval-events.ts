import type { ApprovalEvent, Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { notFound } from '../../errors.ts';

export interface EventRow {
  id: string | null;
  type: ApprovalEvent['type'];
  approval_id: string;
  actor_type: ApprovalEvent['actor']['type'];
  actor_id: string | null;
  actor_name: string | null;
  from_status: ApprovalEvent['from_status'];
  to_status: ApprovalEvent['to_status'];
  data: Record<string, unknown>;
  created_at: Date;
}

/** The columns of an `EventRow`, from `events e`. */
export const EVENT_COLUMNS = `e.id::text AS id, e.type, e.approval_id, e.actor_type, e.actor_id, e.actor_name,
            e.from_status, e.to_status, e.data, e.created_at`;

export const toApprovalEvent = (r: EventRow & { id: string }): ApprovalEvent => ({
  id: r.id,
  type: r.type,
  approval_id: r.approval_id,
  actor: { type: r.actor_type, id: r.actor_id, name: r.actor_name },
  from_status: r.from_status,
  to_status: r.to_status,
  data: r.data,
  created_at: r.created_at.toISOString(),
});

/**
 * The audit trail, oldest first. Starting from the approval (org-scoped) tells "no such request"
 * (404) apart from "no events" in the same query.
 */
export const listApprovalEvents: Handler<Routes['listApprovalEvents']> = async ({ params, auth, deps }) => {
  const { rows } = await deps.db.query<EventRow>(
    `SELECT e.id::text AS id, e.type, a.id AS approval_id, e.actor_type, e.actor_id, e.actor_name,
            e.from_status, e.to_status, e.data, e.created_at
       FROM approvals a
       LEFT JOIN events e ON e.approval_id = a.id AND e.org_id = a.org_id
      WHERE a.id = $1 AND a.org_id = $2
      ORDER BY e.id`,
    [params.id, auth.org.id],
  );
  if (rows.length === 0) throw notFound();
  const data = rows.filter((r): r is EventRow & { id: string } => r.id !== null).map(toApprovalEvent);
  return { status: 200, body: { data } };
};
