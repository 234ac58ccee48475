import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { actorOf } from '../../core/audit.ts';
import { updateOrgDefaults } from './notification-preferences.ts';

export const updateOrgNotificationDefaults: Handler<Routes['updateOrgNotificationDefaults']> = async ({ auth, body, deps }) => ({
  status: 200,
  body: await updateOrgDefaults(deps.db, auth.org.id, body, actorOf(auth)),
});
