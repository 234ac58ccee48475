import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import * as passkeys from './passkeys.ts';

export const deletePasskey: Handler<Routes['deletePasskey']> = async ({ auth, deps, params }) => ({
  status: 200,
  body: { data: await passkeys.deletePasskeyOf(deps.db, auth.user!.id, params.id) },
});
