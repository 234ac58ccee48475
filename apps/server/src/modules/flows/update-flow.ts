import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { actorOf } from '../../core/audit.ts';
import { updateFlow as update } from './flows.ts';

export const updateFlow: Handler<Routes['updateFlow']> = async ({ auth, params, body, deps }) => ({
  status: 200,
  body: await update(deps, auth.org.id, params.id, body, actorOf(auth)),
});
