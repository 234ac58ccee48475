import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../http/router.ts';
import { decideApprovalRequest } from './decision.ts';

export const decideApproval: Handler<Routes['decideApproval']> = async ({ params, body, auth, deps }) => {
  const approval = await decideApprovalRequest(deps.db, auth, params.id, body);
  // Callbacks are not delivered yet (outbox delivery arrives with a later issue): no delivery has been
  // attempted before this response, so the truthful answer is false.
  return { status: 200, body: { ...approval, callback_delivered: false } };
};
