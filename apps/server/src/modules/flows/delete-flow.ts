import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { actorOf } from '../../core/audit.ts';
import { deleteFlow as remove } from './flows.ts';

export const deleteFlow: Handler<Routes['deleteFlow']> = async ({ auth, params, deps }) => ({
  status: 200,
  body: await remove(deps, auth.org.id, params.id, actorOf(auth)),
});
