import { WEBHOOK_LIMITS, type Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { ApiError } from '../../errors.ts';
import { generateSecret } from '../../channels/webhook/signer.ts';
import { secretKeys } from '../../security/sealed.ts';
import { assertDeliverableUrl } from './assert-target.ts';
import { actorOf, recordAudit } from '../../core/audit.ts';
import { toWebhook, WEBHOOK_COLUMNS, type WebhookRow } from './serialize-webhook.ts';

/**
 * REST-hook subscribe (Zapier, n8n, Make): answers the stable id to unsubscribe with, and the signing
 * secret — the only time it is shown. No verification handshake with the target (Zapier's REST hooks
 * have none); the SSRF guard checks the URL instead.
 *
 * At most WEBHOOK_LIMITS.subscriptionsPerOrg live subscriptions per org: a transaction-scoped advisory
 * lock per org serialises concurrent creates, so the count and the insert cannot interleave.
 */
export const createWebhook: Handler<Routes['createWebhook']> = async ({ body, auth, deps }) => {
  await assertDeliverableUrl(body.url, 'url', deps.config);
  const secret = generateSecret();
  const row = await deps.db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended('webhook_subscriptions:' || $1::text, 0))`, [auth.org.id]);
    const { rows: count } = await tx.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM webhook_subscriptions WHERE org_id = $1 AND status <> 'deleted'`,
      [auth.org.id],
    );
    if (count[0]!.n >= WEBHOOK_LIMITS.subscriptionsPerOrg) {
      throw new ApiError('LIMIT_REACHED', `an organization can have at most ${WEBHOOK_LIMITS.subscriptionsPerOrg} webhook subscriptions; delete one first`, {
        limit: WEBHOOK_LIMITS.subscriptionsPerOrg,
      });
    }
    const { rows } = await tx.query<WebhookRow>(
      `INSERT INTO webhook_subscriptions AS s (org_id, url, events, description, secret, created_by_type, created_by_id, created_by_connection_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       RETURNING ${WEBHOOK_COLUMNS}`,
      [auth.org.id, body.url, body.events, body.description || null, secretKeys().seal(secret), auth.principal.type, auth.principal.id, auth.connection?.id ?? null],
    );
    const created = rows[0]!;
    await recordAudit(tx, {
      orgId: auth.org.id,
      actor: actorOf(auth),
      type: 'webhook.created',
      target: { type: 'subscription', id: created.id },
      details: { url: body.url, events: body.events },
    });
    return created;
  });
  return { status: 201, body: { ...toWebhook(row), secret } };
};
