import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { getOrgDefaults } from './notification-preferences.ts';

export const getOrgNotificationDefaults: Handler<Routes['getOrgNotificationDefaults']> = async ({ auth, deps }) => ({
  status: 200,
  body: await getOrgDefaults(deps.db, auth.org.id),
});
