import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { actorOf } from '../../core/audit.ts';
import { removeGithub } from './github-settings.ts';

/** `DELETE /api/v1/org/github`: admins, signed in; audit logged. */
export const deleteGithubSettings: Handler<Routes['deleteGithubSettings']> = async ({ auth, deps, log }) => {
  const settings = await removeGithub(deps.db, auth.org.id, actorOf(auth), deps.config.publicUrl);
  log.info({ org_id: auth.org.id, user_id: auth.principal.id }, 'GitHub App removed');
  return { status: 200, body: settings };
};
