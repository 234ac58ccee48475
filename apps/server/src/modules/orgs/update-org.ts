import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { setEmergencyStop } from './create-org.ts';
import { actorOf } from '../../core/audit.ts';

/**
 * `PATCH /api/v1/org`: the emergency stop switch, for admins signed in to the dashboard. The route
 * table lets it through during the stop: this is how the stop is turned off.
 */
export const updateOrg: Handler<Routes['updateOrg']> = async ({ auth, body, deps, log }) => {
  const updated = await setEmergencyStop(deps.db, auth.org.id, body.emergency_stop, actorOf(auth));
  log.info({ org_id: auth.org.id, user_id: auth.principal.id, emergency_stop: body.emergency_stop }, 'emergency stop changed');
  return { status: 200, body: { ...auth.org, emergency_stop: updated?.emergency_stop ?? body.emergency_stop } };
};
