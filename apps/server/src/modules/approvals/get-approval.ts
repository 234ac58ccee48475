import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { notFound } from '../../errors.ts';
import { toApproval } from '../../core/approval-record.ts';
import { forViewer } from '../../core/approval-view.ts';
import { viewerCanOfRow, withCan } from '../../core/approvals/index.ts';
import { approvalWithRun, runOf } from '../../core/run.ts';

/** Another org's id answers exactly like an unknown one (OWASP API1: no existence oracle). */
export const getApproval: Handler<Routes['getApproval']> = async ({ params, auth, deps }) => {
  const row = await approvalWithRun(deps.db, auth.org.id, params.id, auth);
  if (!row) throw notFound();
  return { status: 200, body: withCan({ ...forViewer(auth, toApproval(row)), ...runOf(row) }, viewerCanOfRow(auth, row)) };
};
