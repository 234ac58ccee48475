/**
 * Microsoft Teams: an org's bot (modules/msteams/) posts each request as an Adaptive Card with Approve /
 * Reject / Comment to the org's Teams channel (when one is set) and, to each person asked who linked a
 * Teams account and chose a channel set that includes it, in their personal chat with the bot. When the
 * request ends, every such card is updated in place (PUT activity) to show the outcome, without actions.
 * Reminders come as the request again (with its actions); receipts, a gone waiter and the digest as
 * cards of text (their words shared with the other chats: ../chat-words.ts). People are told through it
 * by notify/, by their preferences.
 *
 * - Each action's data is an opaque random token; only its SHA-256 is stored (msteams_buttons), bound
 *   to one request and one decision, and on a person's card to that person; a channel's card is for any
 *   linked member asked. A token is spent per person by their first click (modules/msteams/messages.ts).
 *   The tokens of a card are stored before it is sent.
 * - A card with actions is recorded once sent (sent_messages: service URL, conversation and activity
 *   id), so a `decision_update` row updates it with the outcome, as Slack's and Telegram's messages
 *   are. Found at a later attempt, the record means the card is already sent: it is not sent again.
 * - The Connector API's refusals a retry cannot fix (400, 403: the bot is not in the conversation or
 *   was blocked; 404) fail the row for good; a 429 is retried after its Retry-After; the rest on the
 *   outbox's schedule.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Queryable } from '../../storage/database.ts';
import { apiVerdict, type ApiAnswer, type Channel, type ChannelSpec, type Message } from '../../delivery/outbox/channel.ts';
import { recordSentMessage } from '../../delivery/outbox/sent-messages.ts';
import { chatDescribed, noteMessage, prepareChat, storeButtons, type ChatLayouts } from '../chat-sending.ts';
import { linkedChatKinds, linkedChatPeople } from '../linked-chat-people.ts';
import { cannotDecide } from '../chat-words.ts';
import { askedCan, personNoteFor, requestOf, shownTo, type PersonNoteKind, type RequestShown } from '../notification-content.ts';
import { asksAnswer, editableFields } from '../chat-answers.ts';
import { activitiesPath, callConnector, DEFAULT_SERVICE_URL, msteamsBotOf, type MsTeamsBot, type MsTeamsConnection } from './msteams-client.ts';
import { approvalCard, cardActivity, digestCard, receiptCard, waiterGoneCard, type AdaptiveCard, type CardActions } from './msteams-cards.ts';

export const MSTEAMS = {
  name: 'msteams',
  // A channel is the Teams conversation id of the org's channel.
  kinds: linkedChatKinds(z.string().min(1).max(300)),
} as const satisfies ChannelSpec;

type Kinds = typeof MSTEAMS.kinds;
type MsTeamsRow = Message<Kinds>;

/** Where a card is, as the Connector API names it. */
export interface CardAddress {
  service_url: string;
  conversation_id: string;
  activity_id: string;
}

export const TOKEN_PREFIX = 'gl1.';
const newToken = (): string => `${TOKEN_PREFIX}${randomBytes(24).toString('base64url')}`;

type Button = { decision: 'approve' | 'reject' | 'comment'; token: string };
/** A card and the one line a notification shows of it. */
type CardMessage = { card: AdaptiveCard; summary: string };
type Call =
  | ({ method: 'send'; serviceUrl: string; conversationId: string; buttons: Button[]; forUser: string | null; record: boolean } & CardMessage)
  | ({ method: 'update'; address: CardAddress } & CardMessage);

type Prepared = { app: MsTeamsBot; call: Call };
type Answer = ApiAnswer<{ id?: string }>;

const LAYOUTS: ChatLayouts<CardMessage> = {
  ended: (input) => ({ card: approvalCard(input), summary: input.approval.title }),
  receipt: (input) => ({ card: receiptCard(input), summary: `Execution ${input.receipt.status}: ${input.title}` }),
  waiterGone: (input) => ({ card: waiterGoneCard(input), summary: `Nobody is waiting for this answer: ${input.title}` }),
  digest: (input) => ({ card: digestCard(input), summary: `${input.total} requests wait for you` }),
};

/** The personal chat of a person's linked Teams account in the org. */
async function chatOf(db: Queryable, orgId: string, userId: string | null): Promise<{ conversation_id: string; service_url: string } | null> {
  const { rows } = await db.query<{ conversation_id: string; service_url: string }>('SELECT conversation_id, service_url FROM msteams_links WHERE org_id = $1 AND user_id = $2', [
    orgId,
    userId,
  ]);
  return rows[0] ?? null;
}

const actionsOf = (buttons: Button[]): CardActions => ({
  approve: buttons.find((b) => b.decision === 'approve')?.token ?? null,
  reject: buttons.find((b) => b.decision === 'reject')?.token ?? null,
  comment: buttons.find((b) => b.decision === 'comment')?.token ?? null,
});

/** The form a request's card shows with Approve, when it asks for an answer (chat-answers.ts). */
const formOf = (a: RequestShown) => (asksAnswer(a) ? { schema: a.response_schema, editable: editableFields(a) } : null);

/** What a row of a request posts in the org's Teams channel; or why nothing is. */
async function channelCall(db: Queryable, publicUrl: string, bot: MsTeamsBot, conn: MsTeamsConnection, row: MsTeamsRow, channel: string): Promise<Call | { skip: string }> {
  const a = await requestOf(db, row.approval_id);
  if (!a) return { skip: 'request removed' };
  if (a.status !== 'pending') return { skip: `request already ${a.status}` };
  // Anyone in the channel sees it: sensitive fields masked; its actions are for any linked member asked.
  const buttons: Button[] = [{ decision: 'approve', token: newToken() }, { decision: 'reject', token: newToken() }, { decision: 'comment', token: newToken() }];
  const card = approvalCard({ approval: shownTo(null, a), orgName: a.org_name, openUrl: `${publicUrl}/requests/${a.id}`, actions: actionsOf(buttons), form: formOf(a) });
  const serviceUrl = bot.serviceUrl ?? conn.apiUrl ?? DEFAULT_SERVICE_URL;
  return { method: 'send', serviceUrl, conversationId: channel, card, summary: a.title, buttons, forUser: null, record: true };
}

/** What a row to one person sends: the request to decide with the actions the rules allow them, or a note; or why nothing is. */
async function personCall(db: Queryable, publicUrl: string, row: Extract<MsTeamsRow, { kind: PersonNoteKind }>): Promise<Call | { skip: string }> {
  const note = await personNoteFor(db, publicUrl, row);
  if ('skip' in note) return note;
  const userId = row.recipient_user_id!;
  const chat = await chatOf(db, row.org_id, userId);
  if (!chat) return { skip: 'the person has no linked Teams account' };
  const base = { serviceUrl: chat.service_url, conversationId: chat.conversation_id, forUser: userId };
  if (note.kind !== 'ask') return { method: 'send', ...base, ...noteMessage(LAYOUTS, note), buttons: [], record: false };
  const a = note.request;
  const can = await askedCan(db, note);
  if ('skip' in can) return can;
  const shown = { approval: a, orgName: a.org_name, openUrl: note.openUrl, reminder: note.reminder };
  if (!can.decide.allowed) {
    return { method: 'send', ...base, summary: a.title, record: true, card: approvalCard({ ...shown, refusal: cannotDecide(can.decide) }), buttons: [] };
  }
  const buttons: Button[] = [
    ...(can.decide.approve?.allowed === false ? [] : [{ decision: 'approve' as const, token: newToken() }]),
    { decision: 'reject', token: newToken() },
    { decision: 'comment', token: newToken() },
  ];
  const refusal = can.decide.approve?.allowed === false ? (can.decide.approve.reason ?? null) : null;
  return { method: 'send', ...base, summary: a.title, record: true, card: approvalCard({ ...shown, actions: actionsOf(buttons), refusal, form: formOf(a) }), buttons };
}

export interface MsTeamsChannelDeps {
  publicUrl: string;
  msteams: MsTeamsConnection;
}

export function msteamsChannel(deps: MsTeamsChannelDeps): Channel<Kinds, Prepared, Answer> {
  return {
    spec: MSTEAMS,

    prepare: (ctx, row) =>
      prepareChat(ctx.db, deps.publicUrl, row, {
        name: 'Microsoft Teams',
        appOf: msteamsBotOf,
        layouts: LAYOUTS,
        update: (address: CardAddress, message): Call => ({ method: 'update', address, ...message }),
        call: (bot, row) => {
          const inChannel = (row.kind === 'approval_request' || row.kind === 'reminder') && row.payload.to === 'channel' ? row.payload.channel : null;
          return inChannel !== null ? channelCall(ctx.db, deps.publicUrl, bot, deps.msteams, row, inChannel) : personCall(ctx.db, deps.publicUrl, row);
        },
      }),

    async send(ctx, row, { app: bot, call }) {
      if (call.method === 'update') {
        const { service_url, conversation_id, activity_id } = call.address;
        return callConnector(bot, deps.msteams, 'PUT', service_url, activitiesPath(conversation_id, activity_id), { ...cardActivity(call.card, call.summary), id: activity_id });
      }
      await storeButtons(ctx.db, 'msteams', row, call.forUser, call.buttons);
      const result = await callConnector(bot, deps.msteams, 'POST', call.serviceUrl, activitiesPath(call.conversationId), cardActivity(call.card, call.summary));
      // A card about a request is recorded, to be updated with its outcome (and not sent twice).
      if (result.error === null && call.record && typeof result.value?.id === 'string') {
        await recordSentMessage(ctx.db, row, { service_url: call.serviceUrl, conversation_id: call.conversationId, activity_id: result.value.id } satisfies CardAddress);
      }
      return result;
    },

    meaning: apiVerdict,

    describe: (row) => chatDescribed('msteams', row),

    people: linkedChatPeople(MSTEAMS),
  };
}
