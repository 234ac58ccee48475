import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { readScimSettings } from './tokens.ts';

/** `GET /api/v1/org/scim`: admins, signed in. */
export const getScimSettings: Handler<Routes['getScimSettings']> = async ({ auth, deps }) => ({
  status: 200,
  body: await readScimSettings(deps.db, auth.org.id, deps.config.publicUrl),
});
