/**
 * Telegram: an org's bot (modules/telegram/) sends each person asked to decide a request, who linked
 * their Telegram account and chose a channel set that includes it, the request with Approve / Reject
 * buttons; when the request ends, every such message is edited to show the outcome, without buttons.
 * Reminders come as the request again (with its buttons); receipts, a gone waiter and the digest as
 * plain messages (their words shared with Slack: ../chat-words.ts). People are told through it by
 * notify/, by their preferences.
 *
 * - Each button's callback_data is an opaque random token; only its SHA-256 is stored
 *   (telegram_buttons), bound to one request, one person and one decision, spent by its first click
 *   (modules/telegram/webhook.ts). The tokens of a message are stored before it is sent.
 * - A message with buttons is recorded once sent (sent_messages: chat and message id), so it is
 *   edited with the outcome by a `decision_update` row, as Slack's messages are rewritten. Found at a
 *   later attempt, the record means the message is already sent: it is not sent again.
 * - Telegram's refusals a retry cannot fix (400, 403: the person blocked the bot) fail the row for
 *   good; a 429 is retried after the retry_after Telegram gave; the rest on the outbox's schedule.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Queryable } from '../../storage/database.ts';
import { apiVerdict, type Channel, type ChannelSpec, type Message } from '../../delivery/outbox/channel.ts';
import { recordSentMessage } from '../../delivery/outbox/sent-messages.ts';
import { chatDescribed, noteMessage, prepareChat, storeButtons, type ChatLayouts } from '../chat-sending.ts';
import { linkedPeople } from '../linked-chat-people.ts';
import { cannotDecide } from '../chat-words.ts';
import { askedCan, noteKinds, personNoteFor, type PersonNoteKind } from '../notification-content.ts';
import { callTelegram, telegramApi, telegramBotOf, type TelegramBot, type TelegramCallResult, type TelegramConnection } from './telegram-client.ts';
import { answerNeededLine, needsAnswer } from '../chat-answers.ts';
import { approvalMessage, digestMessage, receiptMessage, waiterGoneMessage, type TelegramMessage } from './telegram-messages.ts';

export const TELEGRAM = {
  name: 'telegram',
  // Every row is to one person (recipient_user_id): its payload names nothing more.
  kinds: noteKinds(z.object({})),
} as const satisfies ChannelSpec;

type Kinds = typeof TELEGRAM.kinds;
type TelegramRow = Message<Kinds>;

/** callback_data of a button: a prefix and 24 random bytes, well inside Telegram's 64 bytes. */
export const CALLBACK_PREFIX = 'gl1:';
const newToken = (): string => `${CALLBACK_PREFIX}${randomBytes(24).toString('base64url')}`;

type Call =
  | { method: 'send'; chatId: number; message: TelegramMessage; buttons: { decision: 'approve' | 'reject'; token: string }[]; record?: false }
  | { method: 'edit'; chatId: number; messageId: number; message: TelegramMessage };

type Prepared = { app: TelegramBot; call: Call };
type Answer = TelegramCallResult<unknown>;

const LAYOUTS: ChatLayouts<TelegramMessage> = { ended: approvalMessage, receipt: receiptMessage, waiterGone: waiterGoneMessage, digest: digestMessage };

/** The private chat of a person's linked Telegram account in the org. */
async function chatOf(db: Queryable, orgId: string, userId: string | null): Promise<number | null> {
  const { rows } = await db.query<{ chat_id: string }>('SELECT chat_id FROM telegram_links WHERE org_id = $1 AND user_id = $2', [orgId, userId]);
  return rows[0] ? Number(rows[0].chat_id) : null;
}

/** What a row to one person sends: the request to decide with the buttons the rules allow them, or a note; or why nothing is. */
async function personCall(db: Queryable, publicUrl: string, row: Extract<TelegramRow, { kind: PersonNoteKind }>): Promise<Call | { skip: string }> {
  const note = await personNoteFor(db, publicUrl, row);
  if ('skip' in note) return note;
  const chatId = await chatOf(db, row.org_id, row.recipient_user_id);
  if (chatId === null) return { skip: 'the person has no linked Telegram account' };
  if (note.kind !== 'ask') return { method: 'send', chatId, message: noteMessage(LAYOUTS, note), buttons: [], record: false };
  const a = note.request;
  const can = await askedCan(db, note);
  if ('skip' in can) return can;
  const shown = { approval: a, orgName: a.org_name, openUrl: note.openUrl, reminder: note.reminder };
  if (!can.decide.allowed) {
    return { method: 'send', chatId, message: approvalMessage({ ...shown, refusal: cannotDecide(can.decide) }), buttons: [] };
  }
  // A request that needs an answer is approved on its page: no one-tap Approve, the link instead.
  const answerNeeded = needsAnswer(a) ? answerNeededLine(a) : null;
  const approve = can.decide.approve?.allowed === false || answerNeeded ? null : newToken();
  const reject = newToken();
  const buttons = [...(approve ? [{ decision: 'approve' as const, token: approve }] : []), { decision: 'reject' as const, token: reject }];
  const refusal = can.decide.approve?.allowed === false ? (can.decide.approve.reason ?? null) : null;
  return { method: 'send', chatId, message: approvalMessage({ ...shown, buttons: { approve, reject }, refusal, answerNeeded: refusal ? null : answerNeeded }), buttons };
}

export interface TelegramChannelDeps {
  publicUrl: string;
  telegram: TelegramConnection;
}

export function telegramChannel(deps: TelegramChannelDeps): Channel<Kinds, Prepared, Answer> {
  return {
    spec: TELEGRAM,

    prepare: (ctx, row) =>
      prepareChat(ctx.db, deps.publicUrl, row, {
        name: 'Telegram',
        appOf: telegramBotOf,
        layouts: LAYOUTS,
        update: (at: { chat_id: number; message_id: number }, message): Call => ({ method: 'edit', chatId: at.chat_id, messageId: at.message_id, message }),
        call: (_bot, row) => personCall(ctx.db, deps.publicUrl, row),
      }),

    async send(ctx, row, { app, call }) {
      const api = telegramApi(app.botToken, deps.telegram);
      if (call.method === 'edit') {
        const result = await callTelegram(() => api.editMessageText(call.chatId, call.messageId, call.message.text, { link_preview_options: { is_disabled: true } }));
        // Editing to the text it already shows (a second update of one message): nothing left to do.
        if (result.statusCode === 400 && /message is not modified/i.test(result.error ?? '')) return { ...result, error: null, permanent: false };
        return result;
      }
      await storeButtons(ctx.db, 'telegram', row, row.recipient_user_id, call.buttons);
      const result = await callTelegram(() =>
        api.sendMessage(call.chatId, call.message.text, {
          link_preview_options: { is_disabled: true },
          ...(call.message.reply_markup ? { reply_markup: call.message.reply_markup } : {}),
        }),
      );
      // A message about a request is recorded, to be edited with its outcome (and not sent twice);
      // a receipt, a gone waiter and a digest are not edited later.
      if (result.error === null && result.value && call.record !== false) {
        await recordSentMessage(ctx.db, row, { chat_id: result.value.chat.id, message_id: result.value.message_id });
      }
      return result;
    },

    meaning: apiVerdict,

    describe: (row) => chatDescribed('telegram', row),

    people: linkedPeople(TELEGRAM, {}),
  };
}
