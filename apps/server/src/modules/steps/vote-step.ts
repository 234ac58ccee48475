import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { decideStep } from '../../core/approvals/index.ts';
import { countDecisions } from '../../metrics/count-decisions.ts';

export const voteStep: Handler<Routes['voteStep']> = async ({ params, body, auth, deps }) => {
  const { step, events } = await decideStep(deps.db, auth, params.id, params.stepId, body, { notify: deps.config.mail !== null });
  countDecisions(deps.metrics, events);
  return { status: 200, body: step };
};
