import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { listFlows as list } from './flows.ts';

export const listFlows: Handler<Routes['listFlows']> = async ({ auth, deps }) => ({ status: 200, body: { data: await list(deps.db, auth.org.id) } });
