import type { Database, Queryable } from '../../storage/database.ts';
import { DELIVERIES_CHANNEL } from '../../events/event-bus.ts';
import type { ClaimedRow } from './channel.ts';

/**
 * Records a message a channel posted for a request that can be rewritten when the request ends
 * (sent_messages: its channel and the platform's own reference to it, `address`), before the attempt
 * that posted it is recorded: found at a later attempt, the record says it is already posted.
 *
 * The event that ends a request queues an update of every message recorded by then
 * (events_fan_out.sql). One recorded after that commit is given its update here: the share lock on
 * the request orders this against the transition that ends it, so that transition either committed
 * before (its end is seen here) or waits for this record (and its fan-out sees the message).
 */
export async function recordSentMessage(db: Database, row: Pick<ClaimedRow, 'id' | 'org_id' | 'approval_id' | 'recipient_user_id' | 'channel'>, address: Record<string, unknown>): Promise<void> {
  await db.transaction(async (tx) => {
    const { rows } = await tx.query<{ id: string }>(
      `INSERT INTO sent_messages (org_id, approval_id, delivery_id, recipient_user_id, channel, address)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING id`,
      [row.org_id, row.approval_id, row.id, row.recipient_user_id, row.channel, JSON.stringify(address)],
    );
    const message = rows[0];
    if (!message) return;
    const { rows: status } = await tx.query<{ status: string }>('SELECT status FROM approvals WHERE id = $1 FOR SHARE', [row.approval_id]);
    if (status[0]?.status === 'pending') return;
    const { rows: queued } = await tx.query<{ n: number }>('SELECT greenlight_queue_message_updates($1, $2, NULL) AS n', [row.approval_id, message.id]);
    if (queued[0]!.n > 0) tx.notify(DELIVERIES_CHANNEL, `message-update:${message.id}`);
  });
}

/** Whether the row's message was sent by an attempt that was cut off before it was recorded: done, not sent again. */
export async function wasSent(db: Queryable, deliveryId: string): Promise<boolean> {
  const { rows } = await db.query('SELECT 1 FROM sent_messages WHERE delivery_id = $1', [deliveryId]);
  return rows.length > 0;
}
