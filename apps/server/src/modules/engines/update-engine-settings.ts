import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { actorOf } from '../../core/audit.ts';
import { updateEngines } from './engine-settings.ts';

/** `PUT /api/v1/org/engines`: admins, signed in; audit logged. */
export const updateEngineSettings: Handler<Routes['updateEngineSettings']> = async ({ auth, body, deps, log }) => {
  const settings = await updateEngines(deps.db, auth.org.id, body, actorOf(auth));
  log.info({ org_id: auth.org.id, user_id: auth.principal.id, engines: Object.keys(body) }, 'engine credentials changed');
  return { status: 200, body: settings };
};
