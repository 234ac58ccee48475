import type { Routes } from '@greenlight/contract';
import { personOf, type Handler } from '../../context.ts';
import { actorOf } from '../../core/audit.ts';
import { updateMyPreferences } from './notification-preferences.ts';

export const updateMyNotificationPreferences: Handler<Routes['updateMyNotificationPreferences']> = async ({ auth, body, deps }) => ({
  status: 200,
  body: await updateMyPreferences(deps.db, auth.org.id, personOf(auth), body, actorOf(auth)),
});
