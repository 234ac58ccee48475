import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { actorOf } from '../../core/audit.ts';
import { getOrgDefaults, myPreferences, updateMyPreferences, updateOrgDefaults } from './notification-preferences.ts';

/** The routes are for sessions only (the contract, enforced by the router): a person is always there. */
const personOf = (auth: { user: { id: string } | null }): string => auth.user!.id;

export const getMyNotificationPreferences: Handler<Routes['getMyNotificationPreferences']> = async ({ auth, deps }) => ({
  status: 200,
  body: await myPreferences(deps.db, auth.org.id, personOf(auth)),
});

export const updateMyNotificationPreferences: Handler<Routes['updateMyNotificationPreferences']> = async ({ auth, body, deps }) => ({
  status: 200,
  body: await updateMyPreferences(deps.db, auth.org.id, personOf(auth), body, actorOf(auth)),
});

export const getOrgNotificationDefaults: Handler<Routes['getOrgNotificationDefaults']> = async ({ auth, deps }) => ({
  status: 200,
  body: await getOrgDefaults(deps.db, auth.org.id),
});

export const updateOrgNotificationDefaults: Handler<Routes['updateOrgNotificationDefaults']> = async ({ auth, body, deps }) => ({
  status: 200,
  body: await updateOrgDefaults(deps.db, auth.org.id, body, actorOf(auth)),
});
