import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import * as passkeys from './passkeys.ts';

export const finishPasskeyRegistration: Handler<Routes['finishPasskeyRegistration']> = async ({ auth, deps, body }) => ({
  status: 201,
  body: await passkeys.finishRegistration(deps.db, deps.config, auth.user!.id, auth.sessionTokenHash!, body.name, body.response),
});
