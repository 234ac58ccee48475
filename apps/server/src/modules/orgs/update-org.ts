import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { assertSignedInAdmin } from '../users/roles.ts';
import { setEmergencyStop } from './create-org.ts';

/**
 * `PATCH /api/v1/org`: the emergency stop switch, for admins signed in to the dashboard. The route
 * is not `mutating` in the route table, so the router's stop check lets it through: this is how the
 * stop is turned off.
 */
export const updateOrg: Handler<Routes['updateOrg']> = async ({ auth, body, deps, log }) => {
  const admin = assertSignedInAdmin(auth);
  const updated = await setEmergencyStop(deps.db, auth.org.id, body.emergency_stop);
  // Audit events belong to approval requests; an org-level switch is recorded in the log.
  log.info({ org_id: auth.org.id, user_id: admin.id, emergency_stop: body.emergency_stop }, 'emergency stop changed');
  return { status: 200, body: { ...auth.org, emergency_stop: updated?.emergency_stop ?? body.emergency_stop } };
};
