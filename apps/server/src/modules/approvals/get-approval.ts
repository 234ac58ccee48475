import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { notFound } from '../../errors.ts';
import { APPROVAL_COLUMNS, toApproval, type ApprovalRow } from '../../core/approval-record.ts';
import { forViewer } from '../../core/approval-view.ts';
import { runOf } from '../../core/run.ts';

/** Another org's id answers exactly like an unknown one (OWASP API1: no existence oracle). */
export const getApproval: Handler<Routes['getApproval']> = async ({ params, auth, deps }) => {
  const { rows } = await deps.db.query<ApprovalRow>(
    `SELECT ${APPROVAL_COLUMNS} FROM approvals a WHERE a.id = $1 AND a.org_id = $2`,
    [params.id, auth.org.id],
  );
  const row = rows[0];
  if (!row) throw notFound();
  return { status: 200, body: { ...forViewer(auth, toApproval(row)), ...(await runOf(deps.db, row)) } };
};
