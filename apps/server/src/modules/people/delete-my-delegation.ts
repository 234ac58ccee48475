import type { Routes } from '@greenlight/contract';
import { personOf, type Handler } from '../../context.ts';
import { actorOf } from '../../core/audit.ts';
import { removeDelegation } from './delegations.ts';

export const deleteMyDelegation: Handler<Routes['deleteMyDelegation']> = async ({ auth, deps }) => {
  await removeDelegation(deps.db, auth.org.id, personOf(auth), actorOf(auth));
  return { status: 200, body: { delegation: null } };
};
