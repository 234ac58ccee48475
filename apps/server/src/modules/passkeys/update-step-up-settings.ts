import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { actorOf } from '../../core/audit.ts';
import { putStepUpSettings } from './step-up-settings.ts';

/** `PUT /api/v1/org/step-up`: admins signed in to the dashboard replace the step-up setting. */
export const updateStepUpSettings: Handler<Routes['updateStepUpSettings']> = async ({ auth, body, deps, log }) => {
  const saved = await putStepUpSettings(deps.db, auth.org.id, body, actorOf(auth));
  log.info({ org_id: auth.org.id, user_id: auth.principal.id, step_up: saved }, 'step-up setting changed');
  return { status: 200, body: saved };
};
