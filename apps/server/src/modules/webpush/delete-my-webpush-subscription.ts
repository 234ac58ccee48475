import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { unsubscribe } from './webpush-subscriptions.ts';

/** `DELETE /api/v1/me/webpush/subscriptions/:id`: one of the signed-in member's devices. */
export const deleteMyWebPushSubscription: Handler<Routes['deleteMyWebPushSubscription']> = async ({ auth, params, deps, log }) => {
  const device = await unsubscribe(deps.db, auth.org.id, auth.user!.id, params.id);
  log.info({ org_id: auth.org.id, user_id: auth.user!.id, subscription_id: device.id }, 'Web Push device removed');
  return { status: 200, body: device };
};
