import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { actorOf, recordAudit } from '../../core/audit.ts';

/**
 * `DELETE /api/v1/me/sessions`: "sign out everywhere" — every session of the person but the current
 * one, in every org they belong to (a session is opened in one org; the person behind it is the
 * same), in one transaction with its audit entry in this org. An event stream opened with one of
 * them ends before it sends anything more (modules/stream/stream-events.ts).
 */
export const endOtherSessions: Handler<Routes['endOtherSessions']> = async ({ auth, deps }) => {
  const ended = await deps.db.transaction(async (tx) => {
    const { rowCount } = await tx.query('DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2', [auth.user!.id, auth.sessionTokenHash ?? '']);
    await recordAudit(tx, { orgId: auth.org.id, actor: actorOf(auth), type: 'session.signed_out_everywhere', target: { type: 'user', id: auth.user!.id }, details: { ended: rowCount } });
    return rowCount;
  });
  return { status: 200, body: { ended } };
};
