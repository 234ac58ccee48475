import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { getRuleSet } from './routing-rules.ts';

export const getRoutingRules: Handler<Routes['getRoutingRules']> = async ({ auth, deps }) => ({ status: 200, body: await getRuleSet(deps.db, auth.org.id) });
