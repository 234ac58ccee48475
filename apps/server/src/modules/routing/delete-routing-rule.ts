import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { actorOf } from '../../core/audit.ts';
import { deleteRule } from './routing-rules.ts';

export const deleteRoutingRule: Handler<Routes['deleteRoutingRule']> = async ({ auth, params, deps }) => ({
  status: 200,
  body: await deleteRule(deps, auth.org.id, params.id, actorOf(auth)),
});
