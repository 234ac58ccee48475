import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { revoke } from '../../core/approvals/index.ts';
import { toApproval } from '../../core/approval-record.ts';
import { forViewer } from '../../core/approval-view.ts';
import { oneWithViewerCan } from '../../core/approvals/index.ts';

/** `POST /approvals/:id/revoke`: an approval rescinded within its window (core/approvals/state-machine.ts). */
export const revokeApproval: Handler<Routes['revokeApproval']> = async ({ params, body, auth, deps }) => {
  const approval = await revoke(deps.db, auth, params.id, body);
  return { status: 200, body: await oneWithViewerCan(deps.db, auth, forViewer(auth, toApproval(approval))) };
};
