import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { actorOf } from '../../core/audit.ts';
import { revokeScimToken as revoke } from './tokens.ts';

/** `DELETE /api/v1/org/scim/token`: admins, signed in; audit logged. */
export const revokeScimToken: Handler<Routes['revokeScimToken']> = async ({ auth, deps, log }) => {
  const settings = await revoke(deps.db, auth.org.id, actorOf(auth), deps.config.publicUrl);
  log.info({ org_id: auth.org.id, user_id: auth.principal.id }, 'SCIM token revoked');
  return { status: 200, body: settings };
};
