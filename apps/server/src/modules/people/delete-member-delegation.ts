import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { actorOf } from '../../core/audit.ts';
import { removeDelegation } from './delegations.ts';

export const deleteMemberDelegation: Handler<Routes['deleteMemberDelegation']> = async ({ auth, params, deps }) => {
  await removeDelegation(deps.db, auth.org.id, params.userId, actorOf(auth));
  return { status: 200, body: { delegation: null } };
};
