import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';

/**
 * The caller. A dashboard session also gets the org's decision settings (`admin_override`,
 * `resolve_policy`), which its Organization page shows; integrations testing a connection do not need
 * them, and their calls stay a read of the cached auth context and one indexed lookup.
 */
export const getMe: Handler<Routes['getMe']> = async ({ auth, deps }) => {
  let settings = {};
  if (auth.sessionTokenHash) {
    const { rows } = await deps.db.query<{ admin_override: boolean; resolve_policy: 'approvers' | 'admin_only' }>(
      'SELECT admin_override, resolve_policy FROM orgs WHERE id = $1',
      [auth.org.id],
    );
    settings = rows[0] ?? {};
  }
  const { rows: chats } = await deps.db.query<{ slack: boolean; telegram: boolean; discord: boolean; msteams: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM slack_settings WHERE org_id = $1) AS slack, EXISTS (SELECT 1 FROM telegram_settings WHERE org_id = $1) AS telegram,
            EXISTS (SELECT 1 FROM discord_settings WHERE org_id = $1) AS discord,
            EXISTS (SELECT 1 FROM msteams_settings WHERE org_id = $1) AS msteams`,
    [auth.org.id],
  );
  return {
    status: 200,
    body: {
      org: { ...auth.org, ...settings },
      connection: auth.connection && {
        ...auth.connection,
        created_at: auth.connection.created_at.toISOString(),
        expires_at: auth.connection.expires_at?.toISOString() ?? null,
      },
      user: auth.user,
      scopes: auth.scopes,
      notifications: { email: deps.config.mail !== null, slack: chats[0]!.slack, telegram: chats[0]!.telegram, discord: chats[0]!.discord, msteams: chats[0]!.msteams },
    },
  };
};
