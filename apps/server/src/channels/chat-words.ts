/**
 * What a chat channel says of a request's outcome and of the notes that are not a request (a receipt,
 * a gone waiter, the digest, a reminder's line): the words once, for every chat (Slack, Telegram, the
 * next ones). Each chat passes its style: how it escapes text that came from a request or a person,
 * and how it marks a phrase strong (Slack's mrkdwn `*…*`; Telegram's plain text shows it as it is).
 */
import type { Closed } from '../core/approval-outcome.ts';
import type { ApprovalRow } from '../core/approval-record.ts';
import { when } from './email/email-messages.ts';
import type { DigestItem, Receipt } from './notification-content.ts';

export interface ChatStyle {
  /** Text from a request or a person, made inert (no markup, no mention, no link). */
  text(s: string): string;
  /** A phrase of ours shown strong. */
  strong(s: string): string;
}

/** A chat that shows text as it is (no markup at all): nothing to escape, nothing strong. */
export const PLAIN: ChatStyle = { text: (s) => s, strong: (s) => s };

export const cut = (s: string, max: number): string => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

/** A title (or any one-line value) on one line, escaped, cut to `max`. */
export const oneLine = (style: ChatStyle, s: string, max: number): string => cut(style.text(s.replace(/[\r\n]+/g, ' ')), max);

export const PRIORITY_MARK: Record<ApprovalRow['priority'], string> = { low: '⚪', medium: '🔵', high: '🟠', critical: '🔴' };

/** How a request ended, in one line. */
export function outcomeLine(style: ChatStyle, c: Closed): string {
  const at = c.at ? when(c.at) : 'an unknown time';
  const by = c.by ? ` by ${style.text(c.by)}` : c.status === 'expired' ? '' : ' automatically';
  switch (c.status) {
    case 'approved':
      return `✅ ${style.strong('Approved')}${by} at ${at}`;
    case 'rejected':
      return `❌ ${style.strong('Rejected')}${by} at ${at}`;
    case 'cancelled':
      return `🚫 ${style.strong('Cancelled')}${c.by ? ` by ${style.text(c.by)}` : ''} at ${at}`;
    case 'expired':
      return `⌛ ${style.strong('Expired')} at ${at}`;
  }
}

/** Why the person asked cannot decide the request now: the rules' reason (viewer_can), or this when they gave none. */
export const cannotDecide = (decide: { reason?: string | undefined }): string => decide.reason ?? 'You cannot decide this request now';

/** A reminder of a request that still waits, in one line. */
export const reminderLine = (style: ChatStyle, title: string): string => `⏰ Reminder: "${oneLine(style, title, 200)}" still waits for a decision.`;

const RECEIPT_MARK = { started: '▶️', succeeded: '✅', failed: '❌' } as const;

/** An execution receipt, to someone who approved the request: its lines, and a one-line summary. The receipt's link is shown as its full address. */
export function receiptWords(style: ChatStyle, input: { title: string; orgName: string; receipt: Receipt }): { summary: string; lines: string[] } {
  const r = input.receipt;
  const by = r.reportedBy ?? 'The automation';
  return {
    summary: cut(`[${r.status}] Execution of: ${style.text(input.title.replace(/[\r\n]+/g, ' '))}`, 300),
    lines: [
      `${RECEIPT_MARK[r.status]} ${style.strong(`Execution ${r.status}`)}: ${oneLine(style, input.title, 200)}`,
      `${cut(style.text(by), 200)} reported what it did with a request you approved in ${cut(style.text(input.orgName), 200)} (${when(r.reportedAt)}).`,
      ...(r.message ? [cut(style.text(r.message), 2000)] : []),
      ...(r.url ? [`Link: ${cut(style.text(r.url), 500)}`] : []),
    ],
  };
}

/** To the person behind a request: the automation that asked no longer waits for the answer. */
export function waiterGoneWords(style: ChatStyle, input: { title: string; orgName: string; reason: string; since: Date }): { summary: string; lines: string[] } {
  return {
    summary: cut(`Nobody is waiting for this answer: ${style.text(input.title.replace(/[\r\n]+/g, ' '))}`, 300),
    lines: [
      `⚠️ ${style.strong('Nobody is waiting for this answer:')} ${oneLine(style, input.title, 200)}`,
      `The automation behind your request in ${cut(style.text(input.orgName), 200)} no longer waits for its answer (since ${when(input.since)}): ${cut(style.text(input.reason), 500)}.`,
      'A decision would reach nobody. Cancel the request if it is no longer needed, or restart the automation that should wait for it.',
    ],
  };
}

/** The daily digest's head, each item's line (`title` as the chat shows it: a link where it has them) and the "more" line. */
export function digestWords<T extends DigestItem>(
  style: ChatStyle,
  input: { orgName: string; items: T[]; total: number },
  titleOf: (item: T, title: string) => string,
): { head: string; lines: string[] } {
  const n = input.total;
  const head = `${n} ${n === 1 ? 'request waits' : 'requests wait'} for you in ${cut(style.text(input.orgName), 200)}`;
  const lines = input.items.map(
    (i) =>
      `• ${PRIORITY_MARK[i.priority as ApprovalRow['priority']] ?? ''} ${titleOf(i, cut(i.title.replace(/[\r\n]+/g, ' '), 150))} — ${cut(style.text(i.requested_by_name ?? 'an automation'), 100)}, since ${when(i.created_at)}`,
  );
  return { head, lines: n > input.items.length ? [...lines, `…and ${n - input.items.length} more.`] : lines };
}
