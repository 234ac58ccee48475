import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { replay } from './replay.ts';

export const replayPolicies: Handler<Routes['replayPolicies']> = async ({ auth, body, deps }) => ({ status: 200, body: await replay(deps, auth.org.id, body) });
