import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { readEngineSettings } from './engine-settings.ts';

/** `GET /api/v1/org/engines`: admins, signed in. */
export const getEngineSettings: Handler<Routes['getEngineSettings']> = async ({ auth, deps }) => ({
  status: 200,
  body: await readEngineSettings(deps.db, auth.org.id),
});
