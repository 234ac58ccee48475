import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { actorOf } from '../../core/audit.ts';
import { createScimToken as create } from './tokens.ts';

/** `POST /api/v1/org/scim/token`: admins, signed in; replaces the live token; audit logged. */
export const createScimToken: Handler<Routes['createScimToken']> = async ({ auth, body, deps, log }) => {
  const created = await create(deps.db, auth.org.id, { defaultRole: body.default_role, createdBy: auth.user?.id ?? null }, actorOf(auth), deps.config.publicUrl);
  log.info({ org_id: auth.org.id, user_id: auth.principal.id, prefix: created.token?.prefix }, 'SCIM token created');
  return { status: 201, body: created };
};
