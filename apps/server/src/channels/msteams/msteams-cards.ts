/**
 * What the Teams bot posts: Adaptive Cards (schema 1.4). Everything that came from a request or a
 * person is put in a RichTextBlock's TextRun, which Teams shows as the characters it is: a TextRun
 * reads no markdown, so nothing in a request becomes a link, a mention or formatting. Texts are cut,
 * so a large request still makes a card within Teams' message size.
 *
 * The actions are Action.Execute (Universal Actions): Teams answers a click by a signed `invoke`
 * activity to the bot (`adaptiveCard/action`), never by opening a URL, so a link preview or a crawler
 * that follows links decides nothing. Each action's data is an opaque token (`gl`), bound to one request
 * and one decision (and one person on a card sent to that person); the comment box's text comes with it.
 */
import type { Closed } from '../../core/approval-outcome.ts';
import type { ApprovalRow } from '../../core/approval-record.ts';
import { changeRows, when } from '../email/email-messages.ts';
import { cut, digestWords, outcomeLine, PLAIN, PRIORITY_MARK, receiptWords, reminderLine, waiterGoneWords } from '../chat-words.ts';
import type { DigestItem, Receipt, RequestShown } from '../notification-content.ts';

export type AdaptiveCard = { type: 'AdaptiveCard'; $schema: string; version: '1.4'; body: Element[]; actions?: Element[]; msteams?: { width: 'Full' } };
type Element = Record<string, unknown>;

/** The id of the comment box (its value comes in the action's data under this name). */
export const COMMENT_INPUT = 'comment';
/** The most a comment may hold (as the API's comments). */
export const COMMENT_MAX = 2000;

/** Text shown as it is (a TextRun reads no markdown). */
const inert = (text: string, extra: Element = {}): Element => ({ type: 'RichTextBlock', inlines: [{ type: 'TextRun', text, ...extra }] });
const ours = (text: string, extra: Element = {}): Element => ({ type: 'TextBlock', text, wrap: true, ...extra });

const card = (body: Element[], actions: Element[] = []): AdaptiveCard => ({
  type: 'AdaptiveCard',
  $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
  version: '1.4',
  body,
  ...(actions.length > 0 ? { actions } : {}),
  msteams: { width: 'Full' },
});

export interface CardActions {
  approve: string | null;
  reject: string | null;
  comment: string | null;
}

export interface ApprovalCardInput {
  approval: Pick<RequestShown, 'title' | 'priority' | 'description' | 'requested_by_name' | 'expires_at' | 'changes'>;
  orgName: string;
  openUrl: string;
  /** The tokens of the card's actions (a card that may be decided). */
  actions?: CardActions;
  /** Why the person cannot decide now (no Approve / Reject). */
  refusal?: string | null;
  closed?: Closed | null;
  reminder?: boolean;
}

export function approvalCard(input: ApprovalCardInput): AdaptiveCard {
  const a = input.approval;
  const body: Element[] = [
    ...(input.reminder && !input.closed ? [inert(reminderLine(PLAIN, a.title))] : []),
    inert(cut(a.title.replace(/[\r\n]+/g, ' '), 300), { weight: 'Bolder', size: 'Medium' }),
    inert(`${PRIORITY_MARK[a.priority as ApprovalRow['priority']] ?? ''} Priority: ${a.priority}`),
    inert(`Requested by: ${cut(a.requested_by_name ?? 'An automation', 200)} in ${cut(input.orgName, 200)}`),
    inert(`Expires: ${a.expires_at ? when(a.expires_at) : 'no expiry'}`),
  ];
  if (a.description) body.push(inert(cut(a.description, 8000), { fontType: 'Default' }));
  const rows = changeRows(a.changes);
  if (rows.length > 0) {
    body.push(ours('**Changes (before → after)**'));
    body.push(inert(cut(rows.map((r) => `${r.changed ? '•' : ' '} ${r.field}: ${r.before} → ${r.after}`).join('\n'), 4000), { fontType: 'Monospace' }));
  }
  const open = { type: 'Action.OpenUrl', title: 'Open in Greenlight', url: input.openUrl };
  if (input.closed) {
    body.push(inert(outcomeLine(PLAIN, input.closed), { weight: 'Bolder' }));
    return card(body, [open]);
  }
  if (input.refusal) body.push(inert(`⏳ ${cut(input.refusal, 500)}`));
  const t = input.actions;
  if (!t) return card(body, [open]);
  if (t.approve || t.reject || t.comment) {
    body.push({ type: 'Input.Text', id: COMMENT_INPUT, placeholder: 'Comment (optional)', isMultiline: true, maxLength: COMMENT_MAX });
  }
  const execute = (title: string, verb: string, token: string | null, style?: string): Element[] =>
    token ? [{ type: 'Action.Execute', title, verb, data: { gl: token }, ...(style ? { style } : {}) }] : [];
  return card(body, [...execute('Approve', 'approve', t.approve, 'positive'), ...execute('Reject', 'reject', t.reject, 'destructive'), ...execute('Comment', 'comment', t.comment), open]);
}

/** Said to an account that is not linked. */
export const LINK_HELP =
  'This Teams account is not linked to Greenlight, so nothing was decided. In Greenlight, open Settings → Microsoft Teams, create a link code and send it to this bot in a personal chat as: link <code>';

const textCard = (lines: string[], openTitle: string, url: string): AdaptiveCard => card(lines.map((l) => inert(cut(l, 4000))), [{ type: 'Action.OpenUrl', title: openTitle, url }]);

export function receiptCard(input: { title: string; orgName: string; receipt: Receipt; openUrl: string }): AdaptiveCard {
  return textCard(receiptWords(PLAIN, input).lines, 'Open in Greenlight', input.openUrl);
}

export function waiterGoneCard(input: { title: string; orgName: string; reason: string; since: Date; openUrl: string }): AdaptiveCard {
  return textCard(waiterGoneWords(PLAIN, input).lines, 'Open and cancel in Greenlight', input.openUrl);
}

export function digestCard(input: { orgName: string; items: (DigestItem & { url: string })[]; total: number; inboxUrl: string }): AdaptiveCard {
  const { head, lines } = digestWords(PLAIN, input, (i, title) => `${title} ${i.url}`);
  return textCard([head, ...lines], 'Open your inbox', input.inboxUrl);
}

/** A message activity carrying one card (the Bot Framework's attachment of an Adaptive Card). */
export function cardActivity(c: AdaptiveCard, summary: string): Record<string, unknown> {
  return { type: 'message', summary: cut(summary, 200), attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: c }] };
}
