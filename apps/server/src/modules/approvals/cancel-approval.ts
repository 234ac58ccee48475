import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { cancel } from '../../core/approvals/index.ts';
import { toApproval } from '../../core/approval-record.ts';
import { forViewer } from '../../core/approval-view.ts';
import { oneWithViewerCan } from '../../core/approvals/index.ts';

/** `DELETE /approvals/:id`: the cancel transition (core/approvals/state-machine.ts). */
export const cancelApproval: Handler<Routes['cancelApproval']> = async ({ params, auth, deps }) => {
  const cancelled = await cancel(deps.db, auth, params.id);
  deps.metrics?.approvalDecided('cancelled', 'person');
  return { status: 200, body: await oneWithViewerCan(deps.db, auth, forViewer(auth, toApproval(cancelled))) };
};
