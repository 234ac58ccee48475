/**
 * What the chats (Slack, Telegram, Discord, Microsoft Teams) do alike when they send: keep a message's
 * button tokens before it goes out, and name their rows in the delivery log.
 */
import type { Described } from '../delivery/outbox/channel.ts';
import type { Queryable } from '../storage/database.ts';
import { sha256Hex } from '../security/tokens.ts';

/** The chats whose buttons are opaque tokens kept in `<chat>_buttons` (Slack's carry a signed payload instead). */
type ButtonChat = 'telegram' | 'discord' | 'msteams';

/**
 * Stores a message's button tokens (only their SHA-256), each bound to the request, one decision and
 * (in a message to one person) that person, before the message is sent: a click that comes at once
 * finds its token. The table's name comes from the channel's own name, never from input.
 */
export async function storeButtons(
  db: Queryable,
  chat: ButtonChat,
  row: { org_id: string; approval_id: string | null },
  userId: string | null,
  buttons: readonly { token: string; decision: string }[],
): Promise<void> {
  if (buttons.length === 0) return;
  await db.query(
    `INSERT INTO ${chat}_buttons (token_hash, org_id, approval_id, user_id, decision)
     SELECT t.hash, $1, $2, $3, t.decision FROM unnest($4::text[], $5::text[]) AS t (hash, decision)`,
    [row.org_id, row.approval_id, userId, buttons.map((b) => sha256Hex(b.token)), buttons.map((b) => b.decision)],
  );
}

/**
 * How the delivery log names a chat's row (the contract's Delivery `target` and `url`): the rewrite of
 * a sent message by its record, a post to a channel by the channel, the rest by the person's address.
 */
export function chatDescribed(
  chat: 'slack' | 'telegram' | 'discord' | 'msteams',
  row: { kind: string; payload: { message_id?: string; to?: string; channel?: string }; recipient_email: string | null },
): Described {
  const p = row.payload;
  if (row.kind === 'decision_update') return { target: `${chat}_update`, url: `${chat}-message:${p.message_id ?? ''}` };
  if (p.to === 'channel') return { target: chat, url: `${chat}:channel:${p.channel ?? ''}` };
  return { target: chat, url: `${chat}:dm:${row.recipient_email ?? ''}` };
}
