import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import * as passkeys from './passkeys.ts';

export const beginPasskeyRegistration: Handler<Routes['beginPasskeyRegistration']> = async ({ auth, deps }) => ({
  status: 200,
  body: { options: await passkeys.beginRegistration(deps.db, deps.config, auth.user!, auth.sessionTokenHash!) },
});
