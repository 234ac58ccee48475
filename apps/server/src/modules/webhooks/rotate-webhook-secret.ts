import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { notFound } from '../../errors.ts';
import { secretKeys } from '../../security/sealed.ts';
import { actorOf, recordAudit } from '../../core/audit.ts';
import { generateSecret, ROTATION_OVERLAP_MS } from '../../channels/webhook/signer.ts';

/**
 * A new signing secret; the current one becomes the previous and keeps signing (second signature in
 * `webhook-signature`) for 24 h, so the receiver can switch without dropping a delivery. Rotating
 * again within those 24 h drops the oldest secret.
 */
export const rotateWebhookSecret: Handler<Routes['rotateWebhookSecret']> = async ({ params, auth, deps }) => {
  const secret = generateSecret();
  const { rows } = await deps.db.transaction(async (tx) => {
    const rotated = await tx.query<{ previous_secret_expires_at: Date; secret_rotated_at: Date }>(
    `UPDATE webhook_subscriptions
        SET previous_secret = secret, secret = $3, secret_rotated_at = now(), updated_at = now(),
            previous_secret_expires_at = now() + $4::float8 * interval '1 millisecond'
      WHERE id = $1 AND org_id = $2 AND status <> 'deleted'
      RETURNING previous_secret_expires_at, secret_rotated_at`,
    [params.id, auth.org.id, secretKeys().seal(secret), ROTATION_OVERLAP_MS],
    );
    if (rotated.rows[0]) {
      await recordAudit(tx, { orgId: auth.org.id, actor: actorOf(auth), type: 'webhook.secret_rotated', target: { type: 'subscription', id: params.id } });
    }
    return rotated;
  });
  const r = rows[0];
  if (!r) throw notFound('webhook subscription');
  return {
    status: 200,
    body: { secret, previous_secret_expires_at: r.previous_secret_expires_at.toISOString(), rotated_at: r.secret_rotated_at.toISOString() },
  };
};
