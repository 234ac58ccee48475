import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { reportExecution as report } from '../../core/approvals/index.ts';
import { toApproval } from '../../core/approval-record.ts';
import { forViewer } from '../../core/approval-view.ts';

/** `POST /approvals/:id/execution`: the execution receipt (core/approvals/state-machine.ts), emailed to the approvers when email is on. */
export const reportExecution: Handler<Routes['reportExecution']> = async ({ params, body, auth, deps }) => {
  const approval = await report(deps.db, auth, params.id, body, { notify: deps.config.mail !== null });
  return { status: 200, body: forViewer(auth, toApproval(approval)) };
};
