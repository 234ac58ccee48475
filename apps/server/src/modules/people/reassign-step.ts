import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { reassignApprovalStep } from '../../core/approvals/index.ts';

/** `POST /approvals/:id/steps/:stepId/reassign`: the reassign transition (core/approvals/steps.ts). */
export const reassignStep: Handler<Routes['reassignStep']> = async ({ params, body, auth, deps }) => ({
  status: 200,
  body: await reassignApprovalStep(deps.db, auth, params.id, params.stepId, body, { notify: deps.config.mail !== null }),
});
