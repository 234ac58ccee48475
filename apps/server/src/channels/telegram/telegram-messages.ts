/**
 * What the Telegram bot says. Plain text only (no parse_mode): whatever a request's title or
 * description holds is shown as the characters it is, never read as markup or a link preview.
 */
import type { InlineKeyboardMarkup } from 'grammy/types';
import type { Closed } from '../../core/approval-outcome.ts';
import { when } from '../email/email-messages.ts';
import { cut, digestWords, outcomeLine, PLAIN, reminderLine, receiptWords, waiterGoneWords } from '../chat-words.ts';
import type { DigestItem, Receipt, RequestShown } from '../notification-content.ts';

/** Telegram's limit on a message's text. */
const TEXT_MAX = 4096;


export interface TelegramMessage {
  text: string;
  reply_markup?: InlineKeyboardMarkup;
}

export interface TelegramApprovalInput {
  approval: Pick<RequestShown, 'title' | 'priority' | 'description' | 'requested_by_name' | 'expires_at'>;
  orgName: string;
  openUrl: string;
  /** The opaque callback_data of each button (a message that may be decided). */
  buttons?: { approve: string | null; reject: string | null };
  /** Why this person cannot decide now (no buttons). */
  refusal?: string | null;
  /** The request needs an answer (chat-answers.ts): said in place of the Approve button, before the link. */
  answerNeeded?: string | null;
  closed?: Closed | null;
  /** A reminder of a request that still waits: said first. */
  reminder?: boolean;
}

export function approvalMessage(input: TelegramApprovalInput): TelegramMessage {
  const a = input.approval;
  const lines = [
    ...(input.reminder && !input.closed ? [reminderLine(PLAIN, a.title), ''] : []),
    cut(a.title.replace(/[\r\n]+/g, ' '), 300),
    '',
    `Priority: ${a.priority}`,
    `Requested by: ${cut(a.requested_by_name ?? 'An automation', 200)} in ${cut(input.orgName, 200)}`,
    `Expires: ${a.expires_at ? when(a.expires_at) : 'no expiry'}`,
  ];
  const tail = [
    input.closed ? outcomeLine(PLAIN, input.closed) : input.refusal ? `⏳ ${cut(input.refusal, 500)}` : null,
    !input.closed && input.answerNeeded ? `✍️ ${input.answerNeeded}` : null,
    `Open in Greenlight: ${input.openUrl}`,
  ].filter((l): l is string => l !== null);
  const fixed = lines.join('\n').length + tail.join('\n').length + 4;
  const body = a.description ? ['', cut(a.description, Math.max(0, TEXT_MAX - fixed - 2))] : [];
  const text = [...lines, ...body, '', ...tail].join('\n');
  if (input.closed || !input.buttons) return { text };
  const row = [
    ...(input.buttons.approve ? [{ text: '✅ Approve', callback_data: input.buttons.approve }] : []),
    ...(input.buttons.reject ? [{ text: '❌ Reject', callback_data: input.buttons.reject }] : []),
  ];
  return row.length > 0 ? { text, reply_markup: { inline_keyboard: [row] } } : { text };
}

/** Said to an account that is not linked (at most 200 characters: a callback answer's limit). */
export const LINK_HELP = 'This Telegram account is not linked to Greenlight, so nothing was decided. In Greenlight, create a Telegram link code and send it here as /start <code>.';

/** Text of a message that is not a request (plain text; Telegram's limit kept). */
const textOf = (lines: string[], openLine: string): TelegramMessage => ({ text: cut([...lines, '', openLine].join('\n'), TEXT_MAX) });

export function receiptMessage(input: { title: string; orgName: string; receipt: Receipt; openUrl: string }): TelegramMessage {
  return textOf(receiptWords(PLAIN, input).lines, `Open in Greenlight: ${input.openUrl}`);
}

export function waiterGoneMessage(input: { title: string; orgName: string; reason: string; since: Date; openUrl: string }): TelegramMessage {
  return textOf(waiterGoneWords(PLAIN, input).lines, `Open and cancel in Greenlight: ${input.openUrl}`);
}

/** The daily digest: what waits for one person, oldest first, each with its address (no previews: links are shown, not unfurled). */
export function digestMessage(input: { orgName: string; items: (DigestItem & { url: string })[]; total: number; inboxUrl: string }): TelegramMessage {
  const { head, lines } = digestWords(PLAIN, input, (i, title) => `${title} ${i.url}`);
  return textOf([head, '', ...lines], `Open your inbox: ${input.inboxUrl}`);
}
