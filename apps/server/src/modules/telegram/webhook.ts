/**
 * The updates Telegram posts to an org's webhook (setWebhook, modules/telegram/telegram-settings.ts).
 *
 * Guard clauses, in order:
 * 1. The org in the path selects the secret token to check; `X-Telegram-Bot-Api-Secret-Token` must
 *    equal it (compared in constant time). An unknown org, an org without a bot, a missing or wrong
 *    header: 401, nothing read further.
 * 2. The body is read raw, capped, and parsed: not JSON or not an update → 400.
 * 3. `/start <code>` in a private chat links the sender's account (a one-time code a signed-in member
 *    made). Anything else said to the bot is answered with how to link.
 * 4. A button (callback_query): the sender must be a linked member; the button's token must exist, be
 *    this org's, be the sender's own (bound to one request, one person, one decision) and unspent; the
 *    member may not be a viewer. The token is spent (given back if the vote is refused), then the vote goes through the one decision path
 *    (channels/chat-vote.ts) with `telegram` as its source. Every outcome is told to the clicking
 *    person alone (answerCallbackQuery). The message is edited with the outcome by the outbox.
 *
 * A verified update is answered 200 even when it decides nothing: any other answer makes Telegram post it again.
 */
import { timingSafeEqual } from 'node:crypto';
import express, { type Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../../context.ts';
import { ApiError } from '../../errors.ts';
import { platformBody } from '../../http/platform-body.ts';
import { sha256Hex } from '../../security/tokens.ts';
import { chatButton, chatVote, linkedMember, memberCaller, refusedClick, VIEWER_REFUSAL, type ClickOutcome } from '../../channels/chat-vote.ts';
import { callTelegram, telegramApi, telegramBotOf } from '../../channels/telegram/telegram-client.ts';
import { LINK_HELP } from '../../channels/telegram/telegram-messages.ts';
import { redeemLinkCode } from './telegram-settings.ts';

const BODY_LIMIT = '256kb';

const From = z.object({ id: z.number().int(), is_bot: z.boolean(), username: z.string().max(64).optional() });

const Update = z.object({
  update_id: z.number().int(),
  message: z
    .object({
      from: From.optional(),
      chat: z.object({ id: z.number().int(), type: z.string() }),
      text: z.string().max(4096).optional(),
    })
    .optional(),
  callback_query: z
    .object({
      id: z.string().min(1).max(128),
      from: From,
      data: z.string().max(64).optional(),
    })
    .optional(),
});

const Uuid = z.uuid();

const sameSecret = (given: string | undefined, expected: string): boolean =>
  typeof given === 'string' && timingSafeEqual(Buffer.from(sha256Hex(given), 'hex'), Buffer.from(sha256Hex(expected), 'hex'));

export function telegramWebhookRouter(deps: AppDeps): Router {
  const router = express.Router();
  const conn = () => ({ apiUrl: deps.config.GREENLIGHT_TELEGRAM_API_URL, timeoutMs: deps.config.GREENLIGHT_DELIVERY_TIMEOUT_MS });

  router.post('/channels/telegram/:org/webhook', express.raw({ type: () => true, limit: BODY_LIMIT }), async (req, res, next) => {
    try {
      const orgId = String(req.params.org);
      const bot = Uuid.safeParse(orgId).success ? await telegramBotOf(deps.db, orgId) : null;
      if (!bot || !sameSecret(req.header('x-telegram-bot-api-secret-token'), bot.webhookSecret)) {
        req.log.warn({ org_id: orgId }, 'Telegram update refused: secret token not verified');
        return next(new ApiError('UNAUTHORIZED', 'the update does not carry the secret token of the organization\'s Telegram bot'));
      }
      const update = platformBody(req.body, Update, { notJson: 'expected a JSON Telegram update', notShape: 'expected a Telegram update (update_id, message or callback_query)' });
      const api = telegramApi(bot.botToken, conn());
      const ack = () => res.status(200).json({});

      if (update.message) {
        const m = update.message;
        if (m.chat.type !== 'private' || !m.from || m.from.is_bot) return ack();
        const start = /^\/start(?:@\w+)?\s+([A-Za-z0-9_-]{1,64})\s*$/.exec(m.text ?? '');
        let reply = LINK_HELP;
        if (start) {
          const linked = await redeemLinkCode(deps.db, orgId, start[1]!, { telegramUserId: m.from.id, chatId: m.chat.id, username: m.from.username ?? null });
          reply = linked
            ? 'Linked: this Telegram account now receives the requests you are asked to decide in Greenlight, with Approve and Reject buttons.'
            : 'That code is not valid: it may be used or expired (codes last 10 minutes). Create a new one in Greenlight.';
          req.log.info({ org_id: orgId, user_id: linked?.userId ?? null }, linked ? 'Telegram account linked' : 'Telegram link code refused');
        }
        const sent = await callTelegram(() => api.sendMessage(m.chat.id, reply));
        if (sent.error) req.log.warn({ error: sent.error }, 'Telegram reply not sent');
        return ack();
      }

      if (update.callback_query) {
        const q = update.callback_query;
        const tell = async (text: string, alert = false) => {
          const sent = await callTelegram(() => api.answerCallbackQuery(q.id, { text: text.slice(0, 200), show_alert: alert }));
          if (sent.error) req.log.warn({ error: sent.error }, 'Telegram callback answer not sent');
        };
        const outcome = await clickOutcome(deps, orgId, q.from.id, q.data ?? '');
        req.log.info({ org_id: orgId, approval_id: outcome.approvalId, decided: outcome.decided }, 'Telegram button');
        await tell(outcome.text, !outcome.decided);
        return ack();
      }
      return ack();
    } catch (err) {
      next(err);
    }
  });
  return router;
}

/** What a click does: the refusal, or the vote's result, for the clicking person alone. */
async function clickOutcome(deps: AppDeps, orgId: string, telegramUserId: number, data: string): Promise<ClickOutcome> {
  const refuse = refusedClick;
  const member = await linkedMember(deps.db, 'telegram', orgId, telegramUserId);
  if (!member) return refuse(LINK_HELP);
  const button = await chatButton(deps.db, 'telegram', orgId, sha256Hex(data));
  if (!button || button.decision === 'comment') return refuse('This button is not one Greenlight sent you. Nothing was decided.');
  if (button.user_id !== member.id) return refuse('This button was sent to someone else. Nothing was decided.', button.approval_id);
  if (member.role === 'viewer') return refuse(VIEWER_REFUSAL, button.approval_id);
  // Spent before the vote: of two clicks at once, one reaches the decision path.
  const { rows: spent } = await deps.db.query('UPDATE telegram_buttons SET used_at = now() WHERE token_hash = $1 AND used_at IS NULL RETURNING 1', [sha256Hex(data)]);
  if (spent.length === 0) return refuse('This button was already used. Nothing more was decided.', button.approval_id);
  const result = await chatVote(deps, 'telegram', memberCaller(orgId, member), button.approval_id, button.decision, null);
  if (!result.ok) {
    // Refused (the stop, not yet their step…): nothing was decided, so the button is theirs to press again later.
    await deps.db.query('UPDATE telegram_buttons SET used_at = NULL WHERE token_hash = $1', [sha256Hex(data)]);
    return refuse(result.message, button.approval_id);
  }
  return { decided: true, text: result.message ?? (button.decision === 'approve' ? 'Approved.' : 'Rejected.'), approvalId: button.approval_id };
}
