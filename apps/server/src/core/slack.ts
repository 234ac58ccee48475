import type { Queryable } from '../storage/database.ts';
import { secretKeys } from '../security/sealed.ts';

/** An org's Slack app with its secrets opened: only for calling Slack and checking its signatures. */
export interface SlackApp {
  orgId: string;
  botToken: string;
  signingSecret: string;
  defaultChannel: string | null;
  dmApprovers: boolean;
}

/** The org's Slack app, or null when Slack is not configured for it. */
export async function slackAppOf(db: Queryable, orgId: string): Promise<SlackApp | null> {
  const { rows } = await db.query<{ bot_token: string; signing_secret: string; default_channel: string | null; dm_approvers: boolean }>(
    'SELECT bot_token, signing_secret, default_channel, dm_approvers FROM slack_settings WHERE org_id = $1',
    [orgId],
  );
  const r = rows[0];
  if (!r) return null;
  const keys = secretKeys();
  return { orgId, botToken: keys.open(r.bot_token), signingSecret: keys.open(r.signing_secret), defaultChannel: r.default_channel, dmApprovers: r.dm_approvers };
}

/**
 * The one place that picks the Slack channel a request is posted to: the channel of the routing rule
 * that routed it, else the org's default channel. Null: post to no channel.
 */
export async function slackChannelFor(db: Queryable, approvalId: string): Promise<string | null> {
  const { rows } = await db.query<{ channel: string | null }>(
    `SELECT coalesce(a.routing ->> 'slack_channel', s.default_channel) AS channel
       FROM approvals a JOIN slack_settings s ON s.org_id = a.org_id WHERE a.id = $1`,
    [approvalId],
  );
  return rows[0]?.channel ?? null;
}
