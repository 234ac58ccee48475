import { SLACK_INTERACTIVITY_PATH, type SlackSettings, type UpdateSlackSettingsBody } from '@greenlight/contract';
import type { Database, Queryable } from '../../storage/database.ts';
import { recordAudit, type AuditActor } from '../../core/audit.ts';
import { secretKeys } from '../../security/sealed.ts';
import { fieldError } from '../../errors.ts';
import { removeChatApp } from '../../channels/chat-links.ts';

interface SettingsRow {
  default_channel: string | null;
  dm_approvers: boolean;
  updated_at: Date;
}

/** The settings as admins see them: whether each secret is set, never the secret. */
function view(row: SettingsRow | undefined, publicUrl: string): SlackSettings {
  return {
    configured: row !== undefined,
    bot_token: { configured: row !== undefined },
    signing_secret: { configured: row !== undefined },
    default_channel: row?.default_channel ?? null,
    dm_approvers: row?.dm_approvers ?? false,
    interactivity_url: `${publicUrl}${SLACK_INTERACTIVITY_PATH}`,
    updated_at: row ? row.updated_at.toISOString() : null,
  };
}

const SELECT = 'SELECT default_channel, dm_approvers, updated_at FROM slack_settings WHERE org_id = $1';

export async function readSlackSettings(db: Queryable, orgId: string, publicUrl: string): Promise<SlackSettings> {
  const { rows } = await db.query<SettingsRow>(SELECT, [orgId]);
  return view(rows[0], publicUrl);
}

/**
 * Sets the org's Slack app, in one transaction with its audit entry. Secrets are sealed
 * (security/sealed.ts) and never read back; the audit entry names which were replaced, not their value.
 */
export async function updateSlackSettings(
  db: Database,
  orgId: string,
  change: UpdateSlackSettingsBody,
  actor: AuditActor,
  publicUrl: string,
): Promise<SlackSettings> {
  return db.transaction(async (tx) => {
    // Locked: two changes at once apply one after the other, each to what the other left.
    const { rows } = await tx.query<SettingsRow>(`${SELECT} FOR UPDATE`, [orgId]);
    const before = rows[0];
    if (!before && (change.bot_token === undefined || change.signing_secret === undefined)) {
      throw fieldError(change.bot_token === undefined ? 'bot_token' : 'signing_secret', 'required', 'Slack is not configured yet: give both bot_token and signing_secret', 'required to configure Slack');
    }
    const keys = secretKeys();
    const token = change.bot_token === undefined ? null : keys.seal(change.bot_token);
    const secret = change.signing_secret === undefined ? null : keys.seal(change.signing_secret);
    const channel = change.default_channel === undefined ? (before?.default_channel ?? null) : change.default_channel;
    const dm = change.dm_approvers ?? before?.dm_approvers ?? false;
    if (before) {
      await tx.query(
        `UPDATE slack_settings SET bot_token = COALESCE($2, bot_token), signing_secret = COALESCE($3, signing_secret),
                default_channel = $4, dm_approvers = $5, updated_at = now()
          WHERE org_id = $1`,
        [orgId, token, secret, channel, dm],
      );
    } else {
      // Two first configurations at once: the second one's insert waits for the first and then replaces it.
      await tx.query(
        `INSERT INTO slack_settings (org_id, bot_token, signing_secret, default_channel, dm_approvers) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (org_id) DO UPDATE SET bot_token = EXCLUDED.bot_token, signing_secret = EXCLUDED.signing_secret,
                default_channel = EXCLUDED.default_channel, dm_approvers = EXCLUDED.dm_approvers, updated_at = now()`,
        [orgId, token, secret, channel, dm],
      );
    }
    await recordAudit(tx, {
      orgId,
      actor,
      type: 'slack.configured',
      target: { type: 'org', id: orgId },
      details: {
        replaced_secrets: [...(token ? ['bot_token'] : []), ...(secret ? ['signing_secret'] : [])],
        from: before ? { default_channel: before.default_channel, dm_approvers: before.dm_approvers } : null,
        to: { default_channel: channel, dm_approvers: dm },
      },
    });
    return view((await tx.query<SettingsRow>(SELECT, [orgId])).rows[0], publicUrl);
  });
}

/** Forgets the org's Slack app (nothing more is posted; its buttons are refused), with its audit entry. */
export async function removeSlackSettings(db: Database, orgId: string, actor: AuditActor, publicUrl: string): Promise<SlackSettings> {
  await removeChatApp(db, 'slack', orgId, actor);
  return view(undefined, publicUrl);
}
