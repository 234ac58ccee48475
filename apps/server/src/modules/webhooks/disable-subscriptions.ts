import type { Queryable } from '../../storage/database.ts';
import { recordAudit, type AuditActor } from '../../core/audit.ts';
import { closeQueued } from '../../delivery/outbox/outbox.ts';
import { WEBHOOK } from '../../channels/webhook/webhook-channel.ts';

/**
 * Disables the active subscriptions a principal made: those of a person (made signed in or through
 * their grants) and those made through the given connections; their queued deliveries are closed as
 * `gone`. Runs in the transaction that removes the person or revokes the connection, so nothing is
 * delivered for them after it commits; each one disabled is in the audit log, by the one who removed
 * or revoked. Answers the ids disabled.
 */
export async function disableSubscriptionsOf(
  tx: Queryable,
  orgId: string,
  of: { userId?: string | null; connectionIds?: string[] },
  reason: string,
  actor: AuditActor,
): Promise<string[]> {
  const { rows } = await tx.query<{ id: string }>(
    `UPDATE webhook_subscriptions s
        SET status = 'disabled', disabled_reason = $4, disabled_at = now(), updated_at = now()
      WHERE s.org_id = $1 AND s.status = 'active'
        AND ((s.created_by_type = 'user' AND s.created_by_id = $2::uuid)
             OR s.created_by_connection_id = ANY ($3::uuid[])
             OR (s.created_by_type = 'connection' AND s.created_by_id = ANY ($3::uuid[])))
     RETURNING s.id`,
    [orgId, of.userId ?? null, of.connectionIds ?? [], reason],
  );
  for (const { id } of rows) {
    await closeQueued(tx, WEBHOOK, 'subscription', { subscription_id: id }, 'gone', reason);
    await recordAudit(tx, { orgId, actor, type: 'webhook.disabled', target: { type: 'subscription', id }, details: { reason } });
  }
  return rows.map((r) => r.id);
}
