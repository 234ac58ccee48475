import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { actorOf } from '../../core/audit.ts';
import { removeSsoSettings } from './sso-settings.ts';

/** `DELETE /api/v1/org/sso`: admins, signed in; audit logged. */
export const deleteSsoSettings: Handler<Routes['deleteSsoSettings']> = async ({ auth, deps, log }) => {
  const settings = await removeSsoSettings(deps.db, auth.org, actorOf(auth), deps.config.publicUrl);
  log.info({ org_id: auth.org.id, user_id: auth.principal.id }, 'SSO turned off');
  return { status: 200, body: settings };
};
