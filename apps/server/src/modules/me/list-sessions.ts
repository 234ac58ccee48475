import { createHash } from 'node:crypto';
import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';

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
