import { createHash } from 'node:crypto';
import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { actorOf, recordAudit } from '../../core/audit.ts';

/** A session's name in the list: derived from its stored hash, so the list never shows what is stored. */
const sessionId = (tokenHash: string) => createHash('sha256').update(`greenlight-session-id:${tokenHash}`).digest('hex').slice(0, 16);

/** `GET /api/v1/me/sessions`: the caller's live sessions in this org (the router admits sessions only). */
export const listSessions: Handler<Routes['listSessions']> = async ({ auth, deps }) => {
  const { rows } = await deps.db.query<{ token_hash: string; created_at: Date; expires_at: Date }>(
    `SELECT token_hash, created_at, expires_at FROM sessions
      WHERE user_id = $1 AND org_id = $2 AND expires_at > now() ORDER BY created_at DESC, token_hash`,
    [auth.user!.id, auth.org.id],
  );
  return {
    status: 200,
    body: {
      data: rows.map((r) => ({
        id: sessionId(r.token_hash),
        created_at: r.created_at.toISOString(),
        expires_at: r.expires_at.toISOString(),
        current: r.token_hash === auth.sessionTokenHash,
      })),
    },
  };
};

/** `DELETE /api/v1/me/sessions`: every session of the caller in this org but the current one, in one transaction with its audit entry. */
export const endOtherSessions: Handler<Routes['endOtherSessions']> = async ({ auth, deps }) => {
  const ended = await deps.db.transaction(async (tx) => {
    const { rowCount } = await tx.query('DELETE FROM sessions WHERE user_id = $1 AND org_id = $2 AND token_hash <> $3', [
      auth.user!.id,
      auth.org.id,
      auth.sessionTokenHash ?? '',
    ]);
    await recordAudit(tx, { orgId: auth.org.id, actor: actorOf(auth), type: 'session.signed_out_everywhere', target: { type: 'user', id: auth.user!.id }, details: { ended: rowCount } });
    return rowCount;
  });
  return { status: 200, body: { ended } };
};
