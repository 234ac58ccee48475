import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../http/router.ts';
import { decideApprovalStep } from '../approvals/decision.ts';

export const voteStep: Handler<Routes['voteStep']> = async ({ params, body, auth, deps }) => {
  const step = await decideApprovalStep(deps.db, auth, params.id, params.stepId, body);
  return { status: 200, body: step };
};
