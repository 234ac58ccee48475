import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { notFound } from '../../errors.ts';
import { STEP_COLUMNS, toStep, type StepRow } from '../../core/step-record.ts';

/**
 * One statement: the request row (filtered by the caller's org) left-joined to its steps, so an
 * unknown request or one of another org is told apart from a request without steps.
 */
export const listSteps: Handler<Routes['listSteps']> = async ({ params, auth, deps }) => {
  const { rows } = await deps.db.query<{ [K in keyof StepRow]: StepRow[K] | null }>(
    `SELECT ${STEP_COLUMNS}
       FROM approvals a LEFT JOIN approval_steps s ON s.approval_id = a.id
      WHERE a.id = $1 AND a.org_id = $2
      ORDER BY s.step_order`,
    [params.id, auth.org.id],
  );
  if (rows.length === 0) throw notFound();
  const steps = rows.filter((r): r is StepRow => r.id !== null);
  return { status: 200, body: { data: steps.map(toStep) } };
};
