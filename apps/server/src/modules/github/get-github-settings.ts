import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { readGithubSettings } from './github-settings.ts';

/** `GET /api/v1/org/github`: admins, signed in. */
export const getGithubSettings: Handler<Routes['getGithubSettings']> = async ({ auth, deps }) => ({
  status: 200,
  body: await readGithubSettings(deps.db, auth.org.id, deps.config.publicUrl),
});
