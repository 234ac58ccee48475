import type { Routes } from '@greenlight/contract';
import { personOf, type Handler } from '../../context.ts';
import { myPreferences } from './notification-preferences.ts';

export const getMyNotificationPreferences: Handler<Routes['getMyNotificationPreferences']> = async ({ auth, deps }) => ({
  status: 200,
  body: await myPreferences(deps.db, auth.org.id, personOf(auth)),
});
