import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { notFound } from '../../errors.ts';
import { getRule } from './routing-rules.ts';

export const getRoutingRule: Handler<Routes['getRoutingRule']> = async ({ auth, params, deps }) => {
  const rule = await getRule(deps.db, auth.org.id, params.id);
  if (!rule) throw notFound('routing rule');
  return { status: 200, body: rule };
};
