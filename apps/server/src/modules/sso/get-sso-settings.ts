import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { readSsoSettings } from './sso-settings.ts';

/** `GET /api/v1/org/sso`: admins, signed in. */
export const getSsoSettings: Handler<Routes['getSsoSettings']> = async ({ auth, deps }) => ({
  status: 200,
  body: await readSsoSettings(deps.db, auth.org, deps.config.publicUrl),
});
