/**
 * A member's account in a chat (Telegram, Discord, Microsoft Teams), linked to Greenlight by a
 * one-time code: the member creates the code signed in, then sends it from the chat account, which
 * proves both ends. One account per member and one member per account in an org (`<chat>_links`);
 * codes live ten minutes and only their SHA-256 is kept (`<chat>_link_codes`). Linking and unlinking
 * are in the audit log, as the person themselves. Forgetting the org's app of such a chat is here
 * too. Table and column names come from the chat's own name, never from input.
 */
import { randomBytes } from 'node:crypto';
import type { Database, Queryable } from '../storage/database.ts';
import { recordAudit, type AuditActor } from '../core/audit.ts';
import { sha256Hex } from '../security/tokens.ts';
import { ApiError } from '../errors.ts';
import type { LinkingChat } from './chat-vote.ts';

/** How long a link code may be used. */
export const LINK_CODE_TTL_MS = 10 * 60_000;

/** A chat's linked accounts: whose tables, and the column that keeps the account's name as the chat shows it. */
export interface LinkingChatSpec {
  chat: LinkingChat;
  nameColumn: 'telegram_username' | 'discord_username' | 'msteams_name';
  /** The 409 when the org has not connected the chat. */
  notConnected: string;
}

/** The member's linked account: its name in the chat and since when; null when none. */
export async function readChatLink(db: Queryable, spec: LinkingChatSpec, orgId: string, userId: string): Promise<{ name: string | null; linkedAt: string } | null> {
  const { rows } = await db.query<{ name: string | null; created_at: Date }>(`SELECT ${spec.nameColumn} AS name, created_at FROM ${spec.chat}_links WHERE org_id = $1 AND user_id = $2`, [orgId, userId]);
  const r = rows[0];
  return r ? { name: r.name, linkedAt: r.created_at.toISOString() } : null;
}

/** A new one-time code for the member, as the API answers it; 409 when the org has not connected the chat. */
export async function createChatLinkCode(db: Queryable, spec: LinkingChatSpec, orgId: string, userId: string): Promise<{ code: string; expires_at: string }> {
  const { rows } = await db.query(`SELECT 1 FROM ${spec.chat}_settings WHERE org_id = $1`, [orgId]);
  if (!rows[0]) throw new ApiError('INVALID_STATUS', spec.notConnected);
  const code = randomBytes(16).toString('base64url');
  const expiresAt = new Date(Date.now() + LINK_CODE_TTL_MS);
  await db.query(`INSERT INTO ${spec.chat}_link_codes (code_hash, org_id, user_id, expires_at) VALUES ($1, $2, $3, $4)`, [sha256Hex(code), orgId, userId, expiresAt]);
  return { code, expires_at: expiresAt.toISOString() };
}

/** Forgets the org's app or bot of a chat, Slack too (`<chat>_settings`), with its audit entry (none when there was none). */
export async function removeChatApp(db: Database, chat: LinkingChat | 'slack', orgId: string, actor: AuditActor): Promise<void> {
  await db.transaction(async (tx) => {
    const { rowCount } = await tx.query(`DELETE FROM ${chat}_settings WHERE org_id = $1`, [orgId]);
    if (rowCount > 0) await recordAudit(tx, { orgId, actor, type: `${chat}.removed`, target: { type: 'org', id: orgId } });
  });
}

/** Removes the member's linked account, with its audit entry (none when there was none). */
export async function unlinkChat(db: Database, spec: LinkingChatSpec, orgId: string, userId: string): Promise<void> {
  await db.transaction(async (tx) => {
    const { rows } = await tx.query<{ name: string | null }>(`DELETE FROM ${spec.chat}_links WHERE org_id = $1 AND user_id = $2 RETURNING ${spec.nameColumn} AS name`, [orgId, userId]);
    if (rows[0]) {
      await recordAudit(tx, { orgId, actor: { type: 'user', id: userId }, type: `${spec.chat}.unlinked`, target: { type: 'user', id: userId }, details: { [spec.nameColumn]: rows[0].name } });
    }
  });
}

/**
 * Spends a code sent from a chat account and links that account to the code's member (replacing
 * their earlier account, and taking this account from anyone it was linked to). `more`: the chat's
 * own columns of the link (where to write to the person), named by its code. Null: no such code,
 * used, expired, or its person is no longer a member.
 */
export async function redeemChatLinkCode(
  db: Database,
  spec: LinkingChatSpec,
  orgId: string,
  code: string,
  account: { chatUserId: string | number; name: string | null; more?: Record<string, string | number | null> },
): Promise<{ userId: string } | null> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ user_id: string }>(
      `UPDATE ${spec.chat}_link_codes SET used_at = now() WHERE code_hash = $1 AND org_id = $2 AND used_at IS NULL AND expires_at > now() RETURNING user_id`,
      [sha256Hex(code), orgId],
    );
    const userId = rows[0]?.user_id;
    if (!userId) return null;
    const { rows: member } = await tx.query('SELECT 1 FROM memberships WHERE org_id = $1 AND user_id = $2', [orgId, userId]);
    if (member.length === 0) return null;
    await tx.query(`DELETE FROM ${spec.chat}_links WHERE org_id = $1 AND (user_id = $2 OR ${spec.chat}_user_id = $3)`, [orgId, userId, account.chatUserId]);
    const more = Object.entries(account.more ?? {});
    const columns = ['org_id', 'user_id', `${spec.chat}_user_id`, spec.nameColumn, ...more.map(([column]) => column)];
    await tx.query(`INSERT INTO ${spec.chat}_links (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`, [
      orgId,
      userId,
      account.chatUserId,
      account.name,
      ...more.map(([, value]) => value),
    ]);
    // By the person themselves: the code they created while signed in, sent from the account.
    await recordAudit(tx, { orgId, actor: { type: 'user', id: userId }, type: `${spec.chat}.linked`, target: { type: 'user', id: userId }, details: { [spec.nameColumn]: account.name } });
    return { userId };
  });
}
