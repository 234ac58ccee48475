import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { ApiError, notFound } from '../../errors.ts';
import { requeue } from '../../delivery/outbox/outbox.ts';
import { DELIVERY_SELECT, IN_DELIVERY_LOG, toDelivery, type DeliveryRow } from './serialize-delivery.ts';

/**
 * Queues a finished delivery again, now, under the same `webhook-id` (the receiver's dedupe sees it as
 * the same event), with a fresh retry schedule. Refused while it is still queued or under way, and for
 * a subscription that was deleted or disabled (deliver to a new subscription instead).
 */
export const redeliverDelivery: Handler<Routes['redeliverDelivery']> = async ({ params, auth, deps }) => {
  const updated = await deps.db.transaction(async (tx) => {
    const { rows } = await tx.query<{ status: string; subscription_status: string | null }>(
      `SELECT d.status, s.status AS subscription_status
         FROM deliveries d LEFT JOIN webhook_subscriptions s ON d.channel = 'webhook' AND d.kind = 'subscription' AND s.id = (d.payload ->> 'subscription_id')::uuid
        WHERE d.id = $1 AND d.org_id = $2 AND ${IN_DELIVERY_LOG}
          FOR UPDATE OF d`,
      [params.id, auth.org.id],
    );
    const d = rows[0];
    if (!d) throw notFound('delivery');
    if (d.status === 'pending' || d.status === 'delivering') {
      throw new ApiError('INVALID_STATUS', `delivery is already ${d.status}`, { status: d.status });
    }
    if (d.subscription_status !== null && d.subscription_status !== 'active') {
      throw new ApiError('INVALID_STATUS', `its webhook subscription is ${d.subscription_status}`, { subscription_status: d.subscription_status });
    }
    await requeue(tx, params.id);
    const { rows: out } = await tx.query<DeliveryRow>(`${DELIVERY_SELECT} WHERE d.id = $1`, [params.id]);
    return out[0]!;
  });
  return { status: 202, body: toDelivery(deps.channels, updated, auth) };
};
