import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { actorOf } from '../../core/audit.ts';
import { connectGithub } from './github-settings.ts';

/** `PUT /api/v1/org/github`: admins, signed in; audit logged. */
export const updateGithubSettings: Handler<Routes['updateGithubSettings']> = async ({ auth, body, deps, log }) => {
  const conn = { apiUrl: deps.config.GREENLIGHT_GITHUB_API_URL, timeoutMs: deps.config.GREENLIGHT_DELIVERY_TIMEOUT_MS };
  const settings = await connectGithub(deps.db, auth.org.id, body, actorOf(auth), deps.config.publicUrl, conn);
  log.info({ org_id: auth.org.id, user_id: auth.principal.id, app_id: settings.app_id, app_slug: settings.app_slug }, 'GitHub App connected');
  return { status: 200, body: settings };
};
