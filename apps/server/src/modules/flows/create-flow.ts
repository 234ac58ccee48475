import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { actorOf } from '../../core/audit.ts';
import { createFlow as create } from './flows.ts';

export const createFlow: Handler<Routes['createFlow']> = async ({ auth, body, deps }) => ({
  status: 201,
  body: await create(deps.db, auth.org.id, body, actorOf(auth)),
});
