/**
 * What the Telegram bot says. Plain text only (no parse_mode): whatever a request's title or
 * description holds is shown as the characters it is, never read as markup or a link preview.
 */
import type { InlineKeyboardMarkup } from 'grammy/types';
import type { Closed } from '../../core/approval-outcome.ts';
import { when } from '../email/email-messages.ts';
import type { RequestShown } from '../notification-content.ts';

/** Telegram's limit on a message's text. */
const TEXT_MAX = 4096;

const cut = (s: string, max: number): string => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);

export interface TelegramMessage {
  text: string;
  reply_markup?: InlineKeyboardMarkup;
}

function outcomeLine(c: Closed): string {
  const at = c.at ? when(c.at) : 'an unknown time';
  const by = c.by ? ` by ${c.by}` : c.status === 'expired' ? '' : ' automatically';
  switch (c.status) {
    case 'approved':
      return `✅ Approved${by} at ${at}`;
    case 'rejected':
      return `❌ Rejected${by} at ${at}`;
    case 'cancelled':
      return `🚫 Cancelled${c.by ? ` by ${c.by}` : ''} at ${at}`;
    case 'expired':
      return `⌛ Expired at ${at}`;
  }
}

export interface TelegramApprovalInput {
  approval: Pick<RequestShown, 'title' | 'priority' | 'description' | 'requested_by_name' | 'expires_at'>;
  orgName: string;
  openUrl: string;
  /** The opaque callback_data of each button (a message that may be decided). */
  buttons?: { approve: string | null; reject: string | null };
  /** Why this person cannot decide now (no buttons). */
  refusal?: string | null;
  closed?: Closed | null;
}

export function approvalMessage(input: TelegramApprovalInput): TelegramMessage {
  const a = input.approval;
  const lines = [
    cut(a.title.replace(/[\r\n]+/g, ' '), 300),
    '',
    `Priority: ${a.priority}`,
    `Requested by: ${cut(a.requested_by_name ?? 'An automation', 200)} in ${cut(input.orgName, 200)}`,
    `Expires: ${a.expires_at ? when(a.expires_at) : 'no expiry'}`,
  ];
  const tail = [input.closed ? outcomeLine(input.closed) : input.refusal ? `⏳ ${cut(input.refusal, 500)}` : null, `Open in Greenlight: ${input.openUrl}`].filter((l): l is string => l !== null);
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
