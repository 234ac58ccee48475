import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { subscribe } from './webpush-subscriptions.ts';

/** `POST /api/v1/me/webpush/subscriptions`: the signed-in member's device. */
export const createMyWebPushSubscription: Handler<Routes['createMyWebPushSubscription']> = async ({ auth, body, deps, log }) => {
  const device = await subscribe(deps.db, deps.config, auth.org.id, auth.user!.id, body);
  log.info({ org_id: auth.org.id, user_id: auth.user!.id, subscription_id: device.id, push_service: device.push_service }, 'Web Push device subscribed');
  return { status: 201, body: device };
};
