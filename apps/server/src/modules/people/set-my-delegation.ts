import type { Routes } from '@greenlight/contract';
import { personOf, type Handler } from '../../context.ts';
import { actorOf } from '../../core/audit.ts';
import { setDelegation } from './delegations.ts';

export const setMyDelegation: Handler<Routes['setMyDelegation']> = async ({ auth, body, deps }) => ({
  status: 200,
  body: { delegation: await setDelegation(deps.db, auth.org.id, personOf(auth), body, actorOf(auth)) },
});
