import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { actorOf } from '../../core/audit.ts';
import { updateSsoSettings as update } from './sso-settings.ts';

/** `PATCH /api/v1/org/sso`: admins, signed in; audit logged. */
export const updateSsoSettings: Handler<Routes['updateSsoSettings']> = async ({ auth, body, deps, log }) => {
  const settings = await update(deps.db, auth.org, body, actorOf(auth), deps.config);
  log.info({ org_id: auth.org.id, user_id: auth.principal.id, issuer: settings.issuer, require_sso: settings.require_sso }, 'SSO settings changed');
  return { status: 200, body: settings };
};
