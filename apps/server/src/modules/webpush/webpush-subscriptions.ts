/**
 * A person's devices subscribed to Web Push in an org (webpush_subscriptions): made, listed and removed
 * by that person only (the contract's `/me/webpush` routes: a dashboard session). An endpoint is a URL
 * the browser's push service gave; it is checked by the webhook guard at subscription (and again at
 * every send), so a subscription cannot aim Greenlight's requests at an inside address.
 */
import type { CreateWebPushSubscriptionBody, MyWebPush, WebPushSubscription } from '@greenlight/contract';
import type { Config } from '../../config.ts';
import type { Database, Queryable } from '../../storage/database.ts';
import { ApiError } from '../../errors.ts';
import { recordAudit } from '../../core/audit.ts';
import { assertDeliverableUrl } from '../webhooks/assert-target.ts';
import { vapidKeys } from '../../channels/webpush/vapid.ts';

/** Devices per person in an org: more is a script, not a person's phones and laptops. */
export const MAX_DEVICES = 20;

interface Row {
  id: string;
  device: string;
  endpoint: string;
  created_at: Date;
  last_sent_at: Date | null;
}

const COLUMNS = 'id, device, endpoint, created_at, last_sent_at';

/** What the audit log says of a device: never its endpoint (a push service's capability URL). */
const auditDetails = (d: WebPushSubscription) => ({ subscription_id: d.id, device: d.device, push_service: d.push_service });

const shown = (r: Row): WebPushSubscription => ({
  id: r.id,
  device: r.device,
  push_service: new URL(r.endpoint).origin,
  created_at: r.created_at.toISOString(),
  last_sent_at: r.last_sent_at?.toISOString() ?? null,
});

export async function myWebPush(db: Queryable, orgId: string, userId: string): Promise<MyWebPush> {
  const keys = await vapidKeys(db);
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM webpush_subscriptions WHERE org_id = $1 AND user_id = $2 ORDER BY created_at DESC, id`, [orgId, userId]);
  return { public_key: keys.publicKey, subscriptions: rows.map(shown) };
}

export async function subscribe(db: Database, config: Pick<Config, 'callbackAllowCidrs'>, orgId: string, userId: string, body: CreateWebPushSubscriptionBody): Promise<WebPushSubscription> {
  await assertDeliverableUrl(body.endpoint, 'endpoint', config);
  return db.transaction(async (tx) => {
    // Serialises one person's subscriptions, so the cap holds against subscriptions made at once.
    await tx.query('SELECT 1 FROM memberships WHERE org_id = $1 AND user_id = $2 FOR UPDATE', [orgId, userId]);
    const { rows: count } = await tx.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM webpush_subscriptions WHERE org_id = $1 AND user_id = $2 AND endpoint <> $3',
      [orgId, userId, body.endpoint],
    );
    if (count[0]!.n >= MAX_DEVICES) throw new ApiError('LIMIT_REACHED', `at most ${MAX_DEVICES} devices per person: remove one first`);
    const { rows } = await tx.query<Row>(
      `INSERT INTO webpush_subscriptions (org_id, user_id, endpoint, p256dh, auth, device) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (org_id, endpoint) DO UPDATE
         SET user_id = EXCLUDED.user_id, p256dh = EXCLUDED.p256dh, auth = EXCLUDED.auth, device = EXCLUDED.device, created_at = now(), last_sent_at = NULL
       RETURNING ${COLUMNS}`,
      [orgId, userId, body.endpoint, body.keys.p256dh, body.keys.auth, body.device ?? 'A browser'],
    );
    const device = shown(rows[0]!);
    await recordAudit(tx, { orgId, actor: { type: 'user', id: userId }, type: 'webpush.subscribed', target: { type: 'user', id: userId }, details: auditDetails(device) });
    return device;
  });
}

/**
 * Removes devices and ends the unused actions already pushed to them: a notification left on a device
 * given away decides nothing. (A subscription the push service reports gone is removed by the channel;
 * its messages never arrived.)
 */
async function removeDevices(tx: Queryable, where: string, params: unknown[]): Promise<Row[]> {
  const { rows } = await tx.query<Row>(`DELETE FROM webpush_subscriptions WHERE ${where} RETURNING ${COLUMNS}`, params);
  if (rows.length > 0) {
    await tx.query(
      `UPDATE decision_links SET expires_at = LEAST(expires_at, now())
        WHERE channel = 'webpush' AND used_at IS NULL
          AND delivery_id IN (SELECT d.id FROM deliveries d WHERE d.channel = 'webpush' AND d.payload->>'subscription_id' = ANY ($1::text[]))`,
      [rows.map((r) => r.id)],
    );
  }
  return rows;
}

/** Removes one of the person's devices; another person's is not found. */
export async function unsubscribe(db: Database, orgId: string, userId: string, id: string): Promise<WebPushSubscription> {
  return db.transaction(async (tx) => {
    const rows = await removeDevices(tx, 'id = $1 AND org_id = $2 AND user_id = $3', [id, orgId, userId]);
    if (!rows[0]) throw new ApiError('NOT_FOUND', 'no such device of yours');
    const device = shown(rows[0]);
    await recordAudit(tx, { orgId, actor: { type: 'user', id: userId }, type: 'webpush.unsubscribed', target: { type: 'user', id: userId }, details: auditDetails(device) });
    return device;
  });
}

/** Every device of a person in an org, when their membership ends (modules/members/membership-end.ts). */
export async function forgetDevicesOf(tx: Queryable, orgId: string, userId: string): Promise<void> {
  await removeDevices(tx, 'org_id = $1 AND user_id = $2', [orgId, userId]);
}
