import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { getPolicySet } from './policies.ts';

export const getPolicies: Handler<Routes['getPolicies']> = async ({ auth, deps }) => ({ status: 200, body: await getPolicySet(deps.db, auth.org.id) });
