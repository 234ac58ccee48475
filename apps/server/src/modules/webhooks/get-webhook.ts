import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { notFound } from '../../errors.ts';
import { toWebhook, WEBHOOK_COLUMNS, type WebhookRow } from './serialize-webhook.ts';

/** Another org's subscription is "not found", exactly like one that never existed: ids of other tenants leak nothing. */
export const getWebhook: Handler<Routes['getWebhook']> = async ({ params, auth, deps }) => {
  const { rows } = await deps.db.query<WebhookRow>(
    `SELECT ${WEBHOOK_COLUMNS} FROM webhook_subscriptions s WHERE s.id = $1 AND s.org_id = $2 AND s.status <> 'deleted'`,
    [params.id, auth.org.id],
  );
  if (!rows[0]) throw notFound('webhook subscription');
  return { status: 200, body: toWebhook(rows[0]) };
};
