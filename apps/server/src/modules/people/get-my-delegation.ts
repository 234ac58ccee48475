import type { Routes } from '@greenlight/contract';
import { personOf, type Handler } from '../../context.ts';
import { getDelegation } from './delegations.ts';

export const getMyDelegation: Handler<Routes['getMyDelegation']> = async ({ auth, deps }) => ({
  status: 200,
  body: { delegation: await getDelegation(deps.db, auth.org.id, personOf(auth)) },
});
