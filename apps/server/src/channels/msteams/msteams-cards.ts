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
 *
 * A request that asks for an answer (channels/chat-answers.ts) shows its form in the card: one input
 * per field of its response_schema (Input.Text, Input.Number, Input.ChoiceSet, Input.Toggle) and per
 * editable field, pre-filled; Approve sends their values with its token (Action.Execute sends every
 * input of the card), and the server checks them as any answer: a refused one is told to the clicker
 * and decides nothing. Labels and help come from the request, so they are TextRuns too.
 */
import type { Closed } from '../../core/approval-outcome.ts';
import type { ApprovalRow } from '../../core/approval-record.ts';
import { changeRows, when } from '../email/email-messages.ts';
import { cut, digestWords, outcomeLine, PLAIN, PRIORITY_MARK, receiptWords, reminderLine, waiterGoneWords } from '../chat-words.ts';
import type { DigestItem, Receipt, RequestShown } from '../notification-content.ts';
import { answerFields, type ResponseField, type ResponseSchema } from '@greenlight/contract';
import { choiceValue, editableText, FORM_IDS, type EditableField } from '../chat-answers.ts';

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
  /** What the request asks for with Approve: its form is shown above the actions (only with an Approve action). */
  form?: { schema: ResponseSchema | null; editable: EditableField[] } | null;
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
  if (t.approve && input.form) body.push(...formElements(input.form));
  if (t.approve || t.reject || t.comment) {
    body.push({ type: 'Input.Text', id: COMMENT_INPUT, placeholder: 'Comment (optional)', isMultiline: true, maxLength: COMMENT_MAX });
  }
  const execute = (title: string, verb: string, token: string | null, style?: string): Element[] =>
    token ? [{ type: 'Action.Execute', title, verb, data: { gl: token }, ...(style ? { style } : {}) }] : [];
  return card(body, [...execute('Approve', 'approve', t.approve, 'positive'), ...execute('Reject', 'reject', t.reject, 'destructive'), ...execute('Comment', 'comment', t.comment), open]);
}

/** The most a text input holds (a field's maxLength when lower). */
const TEXT_INPUT_MAX = 10_000;

/** One field's input: a choice, several choices, a number, a toggle or text; the default pre-filled. */
function fieldInput(id: string, f: ResponseField): Element {
  switch (f.type) {
    case 'string':
      if (f.enum) {
        return { type: 'Input.ChoiceSet', id, style: 'compact', choices: f.enum.map((c, i) => ({ title: c, value: choiceValue(i) })), ...(f.default !== undefined && { value: choiceValue(f.enum.indexOf(f.default)) }) };
      }
      return { type: 'Input.Text', id, isMultiline: (f.maxLength ?? TEXT_INPUT_MAX) > 150, maxLength: Math.min(f.maxLength ?? TEXT_INPUT_MAX, TEXT_INPUT_MAX), ...(f.default !== undefined && { value: f.default }) };
    case 'number':
    case 'integer':
      return { type: 'Input.Number', id, ...(f.minimum !== undefined && { min: f.minimum }), ...(f.maximum !== undefined && { max: f.maximum }), ...(f.default !== undefined && { value: f.default }) };
    case 'boolean':
      return { type: 'Input.Toggle', id, title: 'Yes', valueOn: 'true', valueOff: 'false', value: f.default === true ? 'true' : 'false' };
    case 'array':
      return {
        type: 'Input.ChoiceSet',
        id,
        isMultiSelect: true,
        style: 'expanded',
        choices: f.items.enum.map((c, i) => ({ title: c, value: choiceValue(i) })),
        ...(f.default && f.default.length > 0 && { value: f.default.map((d) => choiceValue(f.items.enum.indexOf(d))).join(',') }),
      };
  }
}

function editInput(id: string, e: EditableField): Element {
  switch (e.kind) {
    case 'number':
      return { type: 'Input.Number', id, value: e.current };
    case 'boolean':
      return { type: 'Input.Toggle', id, title: 'Yes', valueOn: 'true', valueOff: 'false', value: e.current === true ? 'true' : 'false' };
    case 'text':
    case 'json':
      return { type: 'Input.Text', id, isMultiline: true, value: editableText(e) };
  }
}

/** The form of a request that asks for an answer: each field's label (and help) as text, then its input. */
function formElements(form: { schema: ResponseSchema | null; editable: EditableField[] }): Element[] {
  const out: Element[] = [ours('**Your answer** (sent with Approve)', { separator: true })];
  if (form.schema?.description) out.push(inert(cut(form.schema.description, 1000), { isSubtle: true }));
  for (const { name, label, required, field } of form.schema ? answerFields(form.schema) : []) {
    out.push(inert(`${cut(label, 200)}${required && field.type !== 'boolean' ? ' (required)' : ''}`, { weight: 'Bolder' }));
    if (field.description) out.push(inert(cut(field.description, 1000), { isSubtle: true }));
    out.push(fieldInput(FORM_IDS.field(name), field));
  }
  if (form.editable.length > 0) out.push(ours('**You may change these before approving**'));
  form.editable.forEach((e, i) => {
    out.push(inert(cut(e.path, 200), { weight: 'Bolder' }));
    out.push(editInput(FORM_IDS.edit(i), e));
  });
  return out;
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
