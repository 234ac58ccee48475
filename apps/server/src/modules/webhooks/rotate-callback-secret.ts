import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { callbackSecrets } from '../../channels/webhook/webhook-channel.ts';
import { secretKeys } from '../../security/sealed.ts';
import { generateSecret, ROTATION_OVERLAP_MS } from '../../channels/webhook/signer.ts';
import { actorOf, recordAudit } from '../../core/audit.ts';

/** Like a subscription's rotation: the old callback secret keeps signing for 24 h next to the new one. */
export const rotateCallbackSecret: Handler<Routes['rotateCallbackSecret']> = async ({ auth, deps }) => {
  await callbackSecrets(deps.db, auth.org.id);
  const secret = generateSecret();
  const { rows } = await deps.db.transaction(async (tx) => {
    const rotated = await tx.query<{ previous_secret_expires_at: Date; rotated_at: Date }>(
    `UPDATE callback_secrets
        SET previous_secret = secret, secret = $2, rotated_at = now(),
            previous_secret_expires_at = now() + $3::float8 * interval '1 millisecond'
      WHERE org_id = $1
      RETURNING previous_secret_expires_at, rotated_at`,
    [auth.org.id, secretKeys().seal(secret), ROTATION_OVERLAP_MS],
    );
    await recordAudit(tx, { orgId: auth.org.id, actor: actorOf(auth), type: 'callback_secret.rotated', target: { type: 'org', id: auth.org.id } });
    return rotated;
  });
  const r = rows[0]!;
  return {
    status: 200,
    body: { secret, previous_secret_expires_at: r.previous_secret_expires_at.toISOString(), rotated_at: r.rotated_at.toISOString() },
  };
};
