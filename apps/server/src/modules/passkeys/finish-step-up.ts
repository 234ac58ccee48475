import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import * as passkeys from './passkeys.ts';

export const finishStepUp: Handler<Routes['finishStepUp']> = async ({ auth, deps, body }) => ({
  status: 200,
  body: await passkeys.finishStepUp(deps.db, deps.config, auth.user!.id, auth.sessionTokenHash!, body.response),
});
