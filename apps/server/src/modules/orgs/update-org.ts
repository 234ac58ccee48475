import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { updateOrgSettings } from './create-org.ts';
import { actorOf } from '../../core/audit.ts';
import { notFound } from '../../errors.ts';

/**
 * `PATCH /api/v1/org`: the emergency stop switch and who may decide, for admins signed in to the
 * dashboard. The route table lets it through during the stop: this is how the stop is turned off.
 */
export const updateOrg: Handler<Routes['updateOrg']> = async ({ auth, body, deps, log }) => {
  const updated = await updateOrgSettings(deps.db, auth.org.id, body, actorOf(auth));
  if (!updated) throw notFound('organization');
  log.info({ org_id: auth.org.id, user_id: auth.principal.id, ...body }, 'organization settings changed');
  return { status: 200, body: { id: auth.org.id, slug: auth.org.slug, name: auth.org.name, ...updated } };
};
