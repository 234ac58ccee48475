import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { listOAuthClients as listClients, toClientJson } from './clients.ts';

export const listOAuthClients: Handler<Routes['listOAuthClients']> = async ({ auth, deps }) => {
  return { status: 200, body: { data: (await listClients(deps.db, auth.org.id)).map(toClientJson) } };
};
