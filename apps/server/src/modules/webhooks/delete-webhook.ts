import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { notFound } from '../../errors.ts';
import { actorOf, recordAudit } from '../../core/audit.ts';
import { closeQueued } from '../../delivery/outbox/outbox.ts';
import { WEBHOOK } from '../../channels/webhook/webhook-channel.ts';

/**
 * REST-hook unsubscribe. The row is kept (marked deleted) so the delivery log still names it;
 * deliveries still queued for it are closed as `gone`. A second DELETE answers 404, which Zapier,
 * n8n and Make treat as "already unsubscribed".
 */
export const deleteWebhook: Handler<Routes['deleteWebhook']> = async ({ params, auth, deps }) => {
  const { rows } = await deps.db.transaction(async (tx) => {
    const deleted = await tx.query<{ id: string }>(
      `UPDATE webhook_subscriptions SET status = 'deleted', deleted_at = now(), updated_at = now()
        WHERE id = $1 AND org_id = $2 AND status <> 'deleted'
       RETURNING id`,
      [params.id, auth.org.id],
    );
    if (deleted.rows[0]) {
      await closeQueued(tx, WEBHOOK, 'subscription', { subscription_id: params.id }, 'gone', 'subscription deleted');
      await recordAudit(tx, { orgId: auth.org.id, actor: actorOf(auth), type: 'webhook.deleted', target: { type: 'subscription', id: params.id } });
    }
    return deleted;
  });
  if (!rows[0]) throw notFound('webhook subscription');
  return { status: 200, body: { id: rows[0].id, deleted: true } };
};
