import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import * as passkeys from './passkeys.ts';

export const beginStepUp: Handler<Routes['beginStepUp']> = async ({ auth, deps }) => ({
  status: 200,
  body: { options: await passkeys.beginStepUp(deps.db, deps.config, auth.user!.id, auth.sessionTokenHash!) },
});
