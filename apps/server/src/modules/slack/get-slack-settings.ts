import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { readSlackSettings } from './slack-settings.ts';

/** `GET /api/v1/org/slack`: admins, signed in. */
export const getSlackSettings: Handler<Routes['getSlackSettings']> = async ({ auth, deps }) => ({
  status: 200,
  body: await readSlackSettings(deps.db, auth.org.id, deps.config.publicUrl),
});
