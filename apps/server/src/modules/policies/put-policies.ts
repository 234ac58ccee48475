import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { actorOf } from '../../core/audit.ts';
import { replacePolicySet } from './policies.ts';

export const putPolicies: Handler<Routes['putPolicies']> = async ({ auth, body, deps }) => ({
  status: 200,
  body: await replacePolicySet(deps, auth.org.id, body, actorOf(auth)),
});
