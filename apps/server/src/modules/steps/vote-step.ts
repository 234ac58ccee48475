import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { decideStep } from '../../core/state-machine.ts';

export const voteStep: Handler<Routes['voteStep']> = async ({ params, body, auth, deps }) => {
  const step = await decideStep(deps.db, auth, params.id, params.stepId, body);
  return { status: 200, body: step };
};
