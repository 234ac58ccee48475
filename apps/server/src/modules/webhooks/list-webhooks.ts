import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { toWebhook, WEBHOOK_COLUMNS, type WebhookRow } from './serialize-webhook.ts';

/** Every live subscription of the org, oldest first (at most 50, so no pages). */
export const listWebhooks: Handler<Routes['listWebhooks']> = async ({ auth, deps }) => {
  const { rows } = await deps.db.query<WebhookRow>(
    `SELECT ${WEBHOOK_COLUMNS} FROM webhook_subscriptions s
      WHERE s.org_id = $1 AND s.status <> 'deleted'
      ORDER BY s.created_at, s.id`,
    [auth.org.id],
  );
  return { status: 200, body: { data: rows.map(toWebhook) } };
};
