import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { actorOf } from '../../core/audit.ts';
import { notFound } from '../../errors.ts';
import { createFlow as create, deleteFlow as remove, getFlow as find, listFlows as list, updateFlow as update } from './flows.ts';

export const listFlows: Handler<Routes['listFlows']> = async ({ auth, deps }) => ({ status: 200, body: { data: await list(deps.db, auth.org.id) } });

export const getFlow: Handler<Routes['getFlow']> = async ({ auth, params, deps }) => {
  const flow = await find(deps.db, auth.org.id, params.id);
  if (!flow) throw notFound('flow');
  return { status: 200, body: flow };
};

export const createFlow: Handler<Routes['createFlow']> = async ({ auth, body, deps }) => ({
  status: 201,
  body: await create(deps.db, auth.org.id, body, actorOf(auth)),
});

export const updateFlow: Handler<Routes['updateFlow']> = async ({ auth, params, body, deps }) => ({
  status: 200,
  body: await update(deps.db, auth.org.id, params.id, body, actorOf(auth)),
});

export const deleteFlow: Handler<Routes['deleteFlow']> = async ({ auth, params, deps }) => ({
  status: 200,
  body: await remove(deps.db, auth.org.id, params.id, actorOf(auth)),
});
