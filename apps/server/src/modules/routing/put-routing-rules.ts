import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { actorOf } from '../../core/audit.ts';
import { replaceRuleSet } from './routing-rules.ts';

export const putRoutingRules: Handler<Routes['putRoutingRules']> = async ({ auth, body, deps }) => ({
  status: 200,
  body: await replaceRuleSet(deps, auth.org.id, body.rules, actorOf(auth), body.expected_version),
});
