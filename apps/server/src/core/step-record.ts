import type { Step } from '@greenlight/contract';
import { iso } from './approval-record.ts';

/** The columns every step query selects (alias `s`); `toStep` turns one such row into the API shape. */
export const STEP_COLUMNS = 's.id, s.approval_id, s.org_id, s.step_order, s.approver_id, s.status, s.decided_at, s.decided_by, s.comment';

export interface StepRow {
  id: string;
  approval_id: string;
  org_id: string;
  step_order: number;
  approver_id: string;
  status: Step['status'];
  decided_at: Date | null;
  decided_by: string | null;
  comment: string | null;
}

export function toStep(r: StepRow): Step {
  return {
    id: r.id,
    // The spec names the parent `approval_request_id`; the table keeps the shorter name used everywhere else.
    approval_request_id: r.approval_id,
    step_order: r.step_order,
    approver_id: r.approver_id,
    status: r.status,
    decided_at: iso(r.decided_at),
    decided_by: r.decided_by,
    comment: r.comment,
  };
}
