import type { Queryable } from '../../storage/database.ts';
import { enqueue } from '../../delivery/outbox/outbox.ts';
import { EMAIL } from './email-channel.ts';

/**
 * Queues an account email (a sign-in link or an invitation) in the caller's transaction, so that it
 * is sent exactly when the link it carries exists. The token is sealed until the message is sent; the
 * address is the person's when it is sent.
 */
export async function queueAccountEmail(
  tx: Queryable,
  input: { orgId: string; userId: string; kind: 'sign_in_link' | 'invitation'; token: string; expiresAt: Date },
): Promise<void> {
  await enqueue(tx, EMAIL, input.kind, [
    { orgId: input.orgId, recipientUserId: input.userId, payload: {}, sealed: { token: input.token, expires_at: input.expiresAt.toISOString() } },
  ]);
}
