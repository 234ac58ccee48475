import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { actorOf } from '../../core/audit.ts';
import { setDelegation } from './delegations.ts';

export const setMemberDelegation: Handler<Routes['setMemberDelegation']> = async ({ auth, params, body, deps }) => ({
  status: 200,
  body: { delegation: await setDelegation(deps.db, auth.org.id, params.userId, body, actorOf(auth)) },
});
