import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { actorOf } from '../../core/audit.ts';
import { notFound } from '../../errors.ts';
import { dryRun } from './dry-run.ts';
import { deleteRule, getRule, getRuleSet, replaceRuleSet } from './routing-rules.ts';

export const getRoutingRules: Handler<Routes['getRoutingRules']> = async ({ auth, deps }) => ({ status: 200, body: await getRuleSet(deps.db, auth.org.id) });

export const putRoutingRules: Handler<Routes['putRoutingRules']> = async ({ auth, body, deps }) => ({
  status: 200,
  body: await replaceRuleSet(deps, auth.org.id, body.rules, actorOf(auth), body.expected_version),
});

export const dryRunRoutingRules: Handler<Routes['dryRunRoutingRules']> = async ({ auth, body, deps }) => ({
  status: 200,
  body: await dryRun(deps, auth.org.id, body),
});

export const getRoutingRule: Handler<Routes['getRoutingRule']> = async ({ auth, params, deps }) => {
  const rule = await getRule(deps.db, auth.org.id, params.id);
  if (!rule) throw notFound('routing rule');
  return { status: 200, body: rule };
};

export const deleteRoutingRule: Handler<Routes['deleteRoutingRule']> = async ({ auth, params, deps }) => ({
  status: 200,
  body: await deleteRule(deps, auth.org.id, params.id, actorOf(auth)),
});
