import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { notFound } from '../../errors.ts';
import { getFlow as find } from './flows.ts';

export const getFlow: Handler<Routes['getFlow']> = async ({ auth, params, deps }) => {
  const flow = await find(deps.db, auth.org.id, params.id);
  if (!flow) throw notFound('flow');
  return { status: 200, body: flow };
};
