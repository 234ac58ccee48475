/**
 * Discord: an org's Discord application (modules/discord/) posts each request to the org's configured
 * channel, and sends each person asked who linked their Discord account and chose a channel set that
 * includes it the request by direct message, with Approve / Reject buttons; when the request ends,
 * every such message is edited to show the outcome, without buttons. Reminders come as the request
 * again (with its buttons); receipts, a gone waiter and the digest as plain messages (their words
 * shared with the other chats: ../chat-words.ts). People are told through it by notify/, by their preferences.
 *
 * - Each button's custom_id is an opaque random token; only its SHA-256 is stored (discord_buttons),
 *   bound to one request and one decision, and in a direct message to one person (spent by its first
 *   click). The channel's post is seen by many: its buttons are bound to no person, and each linked
 *   member the rules let decide votes once with them (the decision path's one vote per approver). The
 *   channel's post shows what a subscription shows (sensitive fields masked). Tokens are stored before
 *   the message is sent (modules/discord/interactions.ts reads them). A person's message also has a
 *   Comment button (its own token, bound to the request and the person, never spent) that opens a form.
 * - A message with buttons is recorded once sent (sent_messages: channel and message id), so it is
 *   edited with the outcome by a `decision_update` row. Found at a later attempt, the record means the
 *   message is already sent: it is not sent again.
 * - Discord's refusals a retry cannot fix (400, 401, 403 such as "cannot send messages to this user",
 *   404) fail the row for good; a 429 is retried after the retry_after Discord gave; the rest on the
 *   outbox's schedule.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Queryable } from '../../storage/database.ts';
import { apiVerdict, type Channel, type ChannelSpec, type Message } from '../../delivery/outbox/channel.ts';
import { recordSentMessage } from '../../delivery/outbox/sent-messages.ts';
import { chatDescribed, noteMessage, prepareChat, storeButtons, type ChatLayouts } from '../chat-sending.ts';
import { linkedChatKinds, linkedChatPeople } from '../linked-chat-people.ts';
import { cannotDecide } from '../chat-words.ts';
import { answerNeededLine, needsAnswer } from '../chat-answers.ts';
import { askedCan, personNoteFor, requestOf, shownTo, type PersonNoteKind } from '../notification-content.ts';
import { callDiscord, discordAppOf, type DiscordApp, type DiscordCallResult, type DiscordConnection } from './discord-client.ts';
import { approvalMessage, digestMessage, receiptMessage, waiterGoneMessage, type DiscordMessage } from './discord-messages.ts';

export const DISCORD_CHANNEL = {
  name: 'discord',
  // A channel is its snowflake id.
  kinds: linkedChatKinds(z.string().regex(/^[0-9]{15,21}$/)),
} as const satisfies ChannelSpec;

type Kinds = typeof DISCORD_CHANNEL.kinds;
type DiscordRow = Message<Kinds>;
type TopRow = Extract<DiscordRow, { kind: 'approval_request' }>;

/** custom_id of a button: a prefix and 24 random bytes, well inside Discord's 100 characters. */
export const CUSTOM_ID_PREFIX = 'gl1:';
const newToken = (): string => `${CUSTOM_ID_PREFIX}${randomBytes(24).toString('base64url')}`;

type Button = { decision: 'approve' | 'reject' | 'comment'; token: string };
type Call =
  | { method: 'send'; to: { channel: string } | { discordUser: string }; message: DiscordMessage; buttons: Button[]; buttonsFor: string | null; record: boolean }
  | { method: 'edit'; channel: string; messageId: string; message: DiscordMessage };

type Prepared = { app: DiscordApp; call: Call };
type Answer = DiscordCallResult<unknown>;

const LAYOUTS: ChatLayouts<DiscordMessage> = { ended: approvalMessage, receipt: receiptMessage, waiterGone: waiterGoneMessage, digest: digestMessage };

/** A person's linked Discord account in the org. */
async function discordUserOf(db: Queryable, orgId: string, userId: string | null): Promise<string | null> {
  const { rows } = await db.query<{ discord_user_id: string }>('SELECT discord_user_id FROM discord_links WHERE org_id = $1 AND user_id = $2', [orgId, userId]);
  return rows[0]?.discord_user_id ?? null;
}

/** A message's buttons: Approve (when allowed), Reject, and Comment on a person's own message. */
function buttonsOf(approve: boolean, comment: boolean): { buttons: Button[]; ids: { approve: string | null; reject: string; comment: string | null } } {
  const ids = { approve: approve ? newToken() : null, reject: newToken(), comment: comment ? newToken() : null };
  const buttons: Button[] = [
    ...(ids.approve ? [{ decision: 'approve' as const, token: ids.approve }] : []),
    { decision: 'reject', token: ids.reject },
    ...(ids.comment ? [{ decision: 'comment' as const, token: ids.comment }] : []),
  ];
  return { buttons, ids };
}

/** The request's post in the org's channel: what anyone may see (sensitive fields masked, as for a subscription). */
async function channelCall(db: Queryable, publicUrl: string, row: TopRow, channel: string): Promise<Call | { skip: string }> {
  const a = await requestOf(db, row.approval_id);
  if (!a) return { skip: 'request removed' };
  if (a.status !== 'pending') return { skip: `request already ${a.status}` };
  // A request that needs an answer is approved on its page: no one-tap Approve, the link instead.
  const answerNeeded = needsAnswer(a) ? answerNeededLine(a) : null;
  const { buttons, ids } = buttonsOf(answerNeeded === null, false);
  const message = approvalMessage({ approval: shownTo(null, a), orgName: a.org_name, openUrl: `${publicUrl}/requests/${a.id}`, buttons: ids, answerNeeded });
  return { method: 'send', to: { channel }, message, buttons, buttonsFor: null, record: true };
}

/** What a row to one person sends: the request to decide with the buttons the rules allow them, or a note; or why nothing is. */
async function personCall(db: Queryable, publicUrl: string, row: Extract<DiscordRow, { kind: PersonNoteKind }>): Promise<Call | { skip: string }> {
  const note = await personNoteFor(db, publicUrl, row);
  if ('skip' in note) return note;
  const userId = row.recipient_user_id!;
  const discordUser = await discordUserOf(db, row.org_id, userId);
  if (discordUser === null) return { skip: 'the person has no linked Discord account' };
  const to = { discordUser };
  if (note.kind !== 'ask') return { method: 'send', to, message: noteMessage(LAYOUTS, note), buttons: [], buttonsFor: userId, record: false };
  const a = note.request;
  const can = await askedCan(db, note);
  if ('skip' in can) return can;
  const shown = { approval: a, orgName: a.org_name, openUrl: note.openUrl, reminder: note.reminder };
  if (!can.decide.allowed) {
    return { method: 'send', to, message: approvalMessage({ ...shown, refusal: cannotDecide(can.decide) }), buttons: [], buttonsFor: userId, record: true };
  }
  const approveAllowed = can.decide.approve?.allowed !== false;
  const answerNeeded = approveAllowed && needsAnswer(a) ? answerNeededLine(a) : null;
  const { buttons, ids } = buttonsOf(approveAllowed && answerNeeded === null, true);
  const refusal = approveAllowed ? null : (can.decide.approve?.reason ?? null);
  return { method: 'send', to, message: approvalMessage({ ...shown, buttons: ids, refusal, answerNeeded }), buttons, buttonsFor: userId, record: true };
}

export interface DiscordChannelDeps {
  publicUrl: string;
  discord: DiscordConnection;
}

export function discordChannel(deps: DiscordChannelDeps): Channel<Kinds, Prepared, Answer> {
  return {
    spec: DISCORD_CHANNEL,

    prepare: (ctx, row) =>
      prepareChat(ctx.db, deps.publicUrl, row, {
        name: 'Discord',
        appOf: discordAppOf,
        layouts: LAYOUTS,
        update: (at: { channel_id: string; message_id: string }, message): Call => ({ method: 'edit', channel: at.channel_id, messageId: at.message_id, message }),
        call: (_app, row) =>
          row.kind === 'approval_request' && row.payload.to === 'channel' ? channelCall(ctx.db, deps.publicUrl, row, row.payload.channel) : personCall(ctx.db, deps.publicUrl, row),
      }),

    async send(ctx, row, { app, call }) {
      const token = app.botToken;
      if (call.method === 'edit') {
        const { content, components, allowed_mentions, flags } = call.message;
        return callDiscord(deps.discord, token, 'PATCH', `/channels/${call.channel}/messages/${call.messageId}`, { content, components, allowed_mentions, flags });
      }
      let channelId: string;
      if ('channel' in call.to) channelId = call.to.channel;
      else {
        // The direct-message channel with the person (Discord gives the same one each time).
        const dm = await callDiscord<{ id: string }>(deps.discord, token, 'POST', '/users/@me/channels', { recipient_id: call.to.discordUser });
        if (dm.error !== null || !dm.value?.id) return dm;
        channelId = dm.value.id;
      }
      await storeButtons(ctx.db, 'discord', row, call.buttonsFor, call.buttons);
      const result = await callDiscord<{ id: string; channel_id: string }>(deps.discord, token, 'POST', `/channels/${channelId}/messages`, call.message);
      // A message about a request is recorded, to be edited with its outcome (and not sent twice);
      // a receipt, a gone waiter and a digest are not edited later.
      if (result.error === null && result.value?.id && call.record) {
        await recordSentMessage(ctx.db, row, { channel_id: result.value.channel_id ?? channelId, message_id: result.value.id });
      }
      return result;
    },

    meaning: apiVerdict,

    describe: (row) => chatDescribed('discord', row),

    people: linkedChatPeople(DISCORD_CHANNEL),
  };
}
