import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import * as passkeys from './passkeys.ts';

export const listPasskeys: Handler<Routes['listPasskeys']> = async ({ auth, deps }) => ({
  status: 200,
  body: { data: await passkeys.listPasskeysOf(deps.db, auth.user!.id) },
});
