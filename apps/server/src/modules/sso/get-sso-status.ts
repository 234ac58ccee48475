import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { readSsoStatus } from './sso-settings.ts';

/** `GET /api/v1/org/sso/status`: any member, signed in. */
export const getSsoStatus: Handler<Routes['getSsoStatus']> = async ({ auth, deps }) => ({
  status: 200,
  body: await readSsoStatus(deps.db, auth.org, deps.config.publicUrl),
});
