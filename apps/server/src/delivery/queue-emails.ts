import type { Queryable } from '../storage/database.ts';
import type { Asked } from '../core/who-is-asked.ts';
import { channelsFor, preferencesOf } from '../core/notification-channels.ts';

/**
 * Queues one email per person about one request, in the caller's transaction, as each person's
 * preferences say (core/notification-channels.ts): nothing for someone who gets no email now
 * (`digest_only`, Slack only), and sent when their quiet hours end for someone in them. A request's
 * first message (`approval_request`) goes to a person once (a unique index); reminders each time.
 * Returns how many were queued.
 */
export async function queueEmails(
  tx: Queryable,
  input: { orgId: string; approvalId: string; eventId: string | null; eventType: string; message: 'approval_request' | 'reminder'; people: Asked[] },
): Promise<number> {
  if (input.people.length === 0) return 0;
  const now = new Date();
  const prefs = await preferencesOf(tx, input.orgId, input.people.map((p) => p.userId));
  const to = input.people.flatMap((p) => {
    const at = channelsFor(prefs.get(p.userId)!, now).email;
    return at ? [{ ...p, at }] : [];
  });
  if (to.length === 0) return 0;
  const { rowCount } = await tx.query(
    `INSERT INTO deliveries (event_id, org_id, approval_id, event_type, target, url, recipient_user_id, message, next_attempt_at)
     SELECT $1, $2, $3, $4, 'email', 'mailto:' || u.email, u.id, $5, u.at
       FROM unnest($6::uuid[], $7::text[], $8::timestamptz[]) AS u (id, email, at)
     ON CONFLICT (approval_id, recipient_user_id) WHERE message = 'approval_request' DO NOTHING`,
    [input.eventId, input.orgId, input.approvalId, input.eventType, input.message, to.map((p) => p.userId), to.map((p) => p.email), to.map((p) => p.at.toISOString())],
  );
  return rowCount;
}
