import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { configureApprovalSteps } from '../../core/approvals/index.ts';

/** `POST /approvals/:id/steps`: the steps transition (core/approvals/steps.ts). */
export const configureSteps: Handler<Routes['configureSteps']> = async ({ params, body, auth, deps }) => {
  const steps = await configureApprovalSteps(deps.db, auth, params.id, body.steps, { notify: deps.config.mail !== null });
  return { status: 201, body: { data: steps } };
};
