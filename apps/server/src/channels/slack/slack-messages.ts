/**
 * The Slack messages Greenlight posts (Block Kit). Every value that came from a request or a person is
 * escaped for Slack's mrkdwn (`&`, `<`, `>`), so nothing in a request becomes a link, a mention or a
 * broadcast (`<!channel>`); a request's description is shown as text, not rendered. Texts are cut to
 * Block Kit's limits, so a large request still makes a valid message.
 */
import { GRANT_DURATION_LABELS, type ViewerCan } from '@greenlight/contract';
import type { ApprovalRow } from '../../core/approval-record.ts';
import type { Closed } from '../../core/approval-outcome.ts';
import type { DigestItem, Receipt } from '../notification-content.ts';
import { changeRows, when } from '../email/email-messages.ts';
import { answerFields, type ResponseField } from '@greenlight/contract';
import { answerNeededLine, asksAnswer, choiceValue, editableFields, editableText, FORM_IDS, type EditableField } from '../chat-answers.ts';
import { cannotDecide, cut, digestWords, outcomeLine as chatOutcomeLine, PRIORITY_MARK, receiptWords, reminderLine, waiterGoneWords, type ChatStyle } from '../chat-words.ts';

/** action_id of each button; the interactivity endpoint (modules/slack/interactivity.ts) reads them. */
export const SLACK_ACTIONS = {
  approve: 'greenlight_approve',
  /** Approve, and give a standing grant for the next hour (GRANT_DURATIONS['1h']). */
  approveGrant: 'greenlight_approve_grant',
  reject: 'greenlight_reject',
  comment: 'greenlight_comment',
  open: 'greenlight_open',
} as const;

/** callback_id of the comment modal, and the ids of its inputs. */
export const SLACK_MODAL = {
  callbackId: 'greenlight_decide',
  decisionBlock: 'decision',
  decisionAction: 'decision',
  commentBlock: 'comment',
  commentAction: 'comment',
} as const;

/** callback_id of the answer modal (Approve on a request that asks for an answer), and the ids of its inputs. */
export const SLACK_ANSWER = {
  callbackId: 'greenlight_answer',
  /** The input of an answer's field, by the field's name; of an editable field, by its index in the request's `editable`. */
  fieldBlock: FORM_IDS.field,
  editBlock: FORM_IDS.edit,
  commentBlock: 'comment',
  /** Every input's action_id: the block says which field it is. */
  action: 'value',
} as const;

/** Slack's mrkdwn control characters (its "escaping text" rules). */
export const escapeMrkdwn = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');


type Block = Record<string, unknown>;

export type SlackApproval = Pick<ApprovalRow, 'id' | 'title' | 'description' | 'priority' | 'requested_by_name' | 'expires_at' | 'changes' | 'action_type' | 'response_schema' | 'editable'>;

export interface SlackMessageInput {
  approval: SlackApproval;
  orgName: string;
  openUrl: string;
  /** Set once the request has ended: the message shows it, and no button to decide. */
  closed?: Closed | null;
  /** A reminder of a request that still waits. */
  reminder?: boolean;
  /**
   * For a message to one person: what the server's rules let them do (`viewer_can.decide` of that
   * person), which chooses the buttons; without it a refused button would only refuse on click, so
   * they read why instead ("Waiting for team Oncall"). Absent for a channel, whose readers are anyone:
   * its buttons stay (each click is checked as that person's) and it names nobody as asked.
   */
  decide?: ViewerCan['decide'];
  /**
   * For a message to one person: whether they may give a standing grant with their approval
   * (`viewer_can.grant`); when allowed the message offers "Approve and the same for the next hour".
   * A channel's message never offers it: who clicks is not known when it is posted.
   */
  grant?: ViewerCan['grant'];
}

export interface SlackMessage {
  /** The notification's plain text (and what clients without blocks show). */
  text: string;
  blocks: Block[];
}

/** Slack's style of the chat words: mrkdwn escaped, strong as `*…*`. */
const MRKDWN: ChatStyle = { text: escapeMrkdwn, strong: (s) => `*${s}*` };

/** How a request ended, in one line. */
export const outcomeLine = (c: Closed): string => chatOutcomeLine(MRKDWN, c);

/** A request as a Slack message: asking for a decision, or (closed) showing how it ended. */
export function approvalMessage(input: SlackMessageInput): SlackMessage {
  const a = input.approval;
  const requester = a.requested_by_name ?? 'An automation';
  const expiry = a.expires_at ? when(a.expires_at) : 'no expiry';
  const title = cut(a.title.replace(/[\r\n]+/g, ' '), 150);
  const blocks: Block[] = [
    { type: 'header', text: { type: 'plain_text', text: title, emoji: false } },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Priority*\n${PRIORITY_MARK[a.priority]} ${a.priority}` },
        { type: 'mrkdwn', text: `*Requested by*\n${cut(escapeMrkdwn(requester), 500)}` },
        { type: 'mrkdwn', text: `*Expires*\n${expiry}` },
        ...(a.action_type ? [{ type: 'mrkdwn', text: `*Action*\n${cut(escapeMrkdwn(a.action_type), 500)}` }] : []),
      ],
    },
  ];
  if (a.description) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: cut(escapeMrkdwn(a.description), 3000) } });
  }
  const rows = changeRows(a.changes);
  if (rows.length > 0) {
    // A code block shows the values as they are; only the characters mrkdwn reads are escaped.
    const lines = rows.map((r) => `${r.changed ? '•' : ' '} ${r.field}: ${r.before} → ${r.after}`).join('\n');
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*Changes (before → after)*\n\`\`\`${cut(escapeMrkdwn(lines), 2900)}\`\`\`` } });
  }
  // A link button still sends Slack's interactivity request, which must be acknowledged: its value
  // names the request, so the endpoint can verify it like any other.
  const open = { type: 'button', action_id: SLACK_ACTIONS.open, text: { type: 'plain_text', text: 'Open in Greenlight' }, url: input.openUrl, value: a.id };
  if (input.closed) {
    blocks.push({ type: 'section', block_id: 'greenlight_outcome', text: { type: 'mrkdwn', text: outcomeLine(input.closed) } });
    blocks.push({ type: 'actions', block_id: 'greenlight_links', elements: [open] });
  } else if (input.decide && !input.decide.allowed) {
    blocks.push({ type: 'section', block_id: 'greenlight_refusal', text: { type: 'mrkdwn', text: `⏳ ${cut(escapeMrkdwn(cannotDecide(input.decide)), 2900)}` } });
    blocks.push({ type: 'actions', block_id: 'greenlight_links', elements: [open] });
  } else {
    // A person who may reject but not approve (someone standing in for the requester) gets no Approve button, and reads why.
    const approve = input.decide?.approve ?? { allowed: true };
    // Approve on a request that asks for an answer opens the answer modal (modules/slack/interactivity.ts);
    // no standing grant is offered with it: a grant would approve the next ones with no answer.
    const asks = asksAnswer(a);
    if (asks && approve.allowed) {
      blocks.push({ type: 'context', block_id: 'greenlight_answer', elements: [{ type: 'mrkdwn', text: `✍️ ${answerNeededLine(a).replace(': open it to approve.', ': Approve opens its form.')}` }] });
    }
    if (!approve.allowed) {
      blocks.push({ type: 'context', block_id: 'greenlight_refusal', elements: [{ type: 'mrkdwn', text: cut(escapeMrkdwn(approve.reason ?? 'You cannot approve this request'), 2900) }] });
    }
    blocks.push({
      type: 'actions',
      block_id: 'greenlight_decision',
      elements: [
        ...(approve.allowed ? [{ type: 'button', action_id: SLACK_ACTIONS.approve, style: 'primary', text: { type: 'plain_text', text: asks ? 'Approve…' : 'Approve' }, value: a.id }] : []),
        ...(approve.allowed && !asks && input.grant?.allowed
          ? [{ type: 'button', action_id: SLACK_ACTIONS.approveGrant, text: { type: 'plain_text', text: `Approve and the same for ${GRANT_DURATION_LABELS['1h']}` }, value: a.id }]
          : []),
        { type: 'button', action_id: SLACK_ACTIONS.reject, style: 'danger', text: { type: 'plain_text', text: 'Reject' }, value: a.id },
        { type: 'button', action_id: SLACK_ACTIONS.comment, text: { type: 'plain_text', text: 'Decide with a comment…' }, value: a.id },
        open,
      ],
    });
  }
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `Greenlight · ${cut(escapeMrkdwn(input.orgName), 200)}` }] });
  if (input.reminder && !input.closed) {
    // "Your decision" only to a person the rules let decide.
    const yours = input.decide?.allowed === true;
    blocks.splice(1, 0, { type: 'context', elements: [{ type: 'mrkdwn', text: `⏰ *Reminder:* this request still waits for ${yours ? 'your decision' : 'a decision'}.` }] });
  }
  const state = input.closed ? `[${input.closed.status}] ` : `[${a.priority}] ${input.reminder ? 'Reminder: approval still needed' : 'Approval needed'}: `;
  // The top-level text is mrkdwn too (it is what notifications show): escaped like the rest.
  return { text: cut(`${state}${escapeMrkdwn(a.title.replace(/[\r\n]+/g, ' '))}`, 300), blocks };
}

/** The modal of "Decide with a comment…": approve or reject, and a comment. */
export function decisionModal(input: { approval: Pick<ApprovalRow, 'id' | 'title'>; privateMetadata: string }): Record<string, unknown> {
  return {
    type: 'modal',
    callback_id: SLACK_MODAL.callbackId,
    private_metadata: input.privateMetadata,
    title: { type: 'plain_text', text: 'Decide' },
    submit: { type: 'plain_text', text: 'Submit' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${cut(escapeMrkdwn(input.approval.title.replace(/[\r\n]+/g, ' ')), 2900)}*` } },
      {
        type: 'input',
        block_id: SLACK_MODAL.decisionBlock,
        label: { type: 'plain_text', text: 'Decision' },
        element: {
          type: 'radio_buttons',
          action_id: SLACK_MODAL.decisionAction,
          options: [
            { text: { type: 'plain_text', text: 'Approve' }, value: 'approve' },
            { text: { type: 'plain_text', text: 'Reject' }, value: 'reject' },
          ],
        },
      },
      {
        type: 'input',
        block_id: SLACK_MODAL.commentBlock,
        optional: true,
        label: { type: 'plain_text', text: 'Comment' },
        element: { type: 'plain_text_input', action_id: SLACK_MODAL.commentAction, multiline: true, max_length: 2000 },
      },
    ],
  };
}

/** Block Kit's limits of the elements the answer modal uses. */
const SLACK_TEXT_INPUT_MAX = 3000;
const OPTION_TEXT_MAX = 75;
const LABEL_MAX = 2000;

const plain = (text: string, max = LABEL_MAX) => ({ type: 'plain_text', text: cut(text, max), emoji: false });
const option = (text: string, value: string) => ({ text: plain(text, OPTION_TEXT_MAX), value });

/** The input element of one answer field: a choice, several choices, a number, a checkbox or text. */
function fieldElement(f: ResponseField): Block {
  const action_id = SLACK_ANSWER.action;
  switch (f.type) {
    case 'string': {
      if (f.enum) {
        const options = f.enum.map((c, i) => option(c, choiceValue(i)));
        const initial = f.default !== undefined ? options[f.enum.indexOf(f.default)] : undefined;
        return { type: 'static_select', action_id, options, ...(initial && { initial_option: initial }) };
      }
      const max = Math.min(f.maxLength ?? SLACK_TEXT_INPUT_MAX, SLACK_TEXT_INPUT_MAX);
      return {
        type: 'plain_text_input',
        action_id,
        multiline: max > 150,
        max_length: max,
        ...(f.minLength !== undefined && f.minLength > 0 && { min_length: Math.min(f.minLength, max) }),
        ...(f.default !== undefined && f.default !== '' && { initial_value: cut(f.default, max) }),
      };
    }
    case 'number':
    case 'integer':
      return {
        type: 'number_input',
        action_id,
        is_decimal_allowed: f.type === 'number',
        ...(f.minimum !== undefined && { min_value: String(f.minimum) }),
        ...(f.maximum !== undefined && { max_value: String(f.maximum) }),
        ...(f.default !== undefined && { initial_value: String(f.default) }),
      };
    case 'boolean': {
      const yes = option('Yes', 'true');
      return { type: 'checkboxes', action_id, options: [yes], ...(f.default === true && { initial_options: [yes] }) };
    }
    case 'array': {
      const options = f.items.enum.map((c, i) => option(c, choiceValue(i)));
      const initial = (f.default ?? []).map((d) => options[f.items.enum.indexOf(d)]).filter((o) => o !== undefined);
      return { type: 'multi_static_select', action_id, options, ...(initial.length > 0 && { initial_options: initial }), ...(f.maxItems !== undefined && { max_selected_items: f.maxItems }) };
    }
  }
}

/** The input of one editable field, pre-filled with its value as requested; null when Slack cannot hold it (the page can). */
function editElement(e: EditableField): Block | null {
  const action_id = SLACK_ANSWER.action;
  switch (e.kind) {
    case 'number':
      return { type: 'number_input', action_id, is_decimal_allowed: true, initial_value: String(e.current) };
    case 'boolean': {
      const yes = option('Yes', 'true');
      return { type: 'checkboxes', action_id, options: [yes], ...(e.current === true && { initial_options: [yes] }) };
    }
    case 'text':
    case 'json': {
      const text = editableText(e);
      if (text.length > SLACK_TEXT_INPUT_MAX) return null;
      return { type: 'plain_text_input', action_id, multiline: e.kind === 'json' || text.length > 150 || text.includes('\n'), max_length: SLACK_TEXT_INPUT_MAX, ...(text !== '' && { initial_value: text }) };
    }
  }
}

/**
 * The modal Approve opens on a request that asks for an answer: one input per field of its
 * `response_schema` (answerFields: labels, help, optional flags, defaults as initial values) and one
 * per editable field, pre-filled with its value; then an optional comment. `privateMetadata` is sealed
 * by the caller: it binds the modal to one request and one Slack user.
 */
export function answerModal(input: {
  approval: Pick<ApprovalRow, 'id' | 'title' | 'response_schema' | 'editable' | 'metadata' | 'changes'>;
  privateMetadata: string;
  openUrl: string;
}): Record<string, unknown> {
  const a = input.approval;
  const schema = a.response_schema;
  const blocks: Block[] = [{ type: 'section', text: { type: 'mrkdwn', text: `*${cut(escapeMrkdwn(a.title.replace(/[\r\n]+/g, ' ')), 2900)}*` } }];
  if (schema?.description) blocks.push({ type: 'context', elements: [{ type: 'plain_text', text: cut(schema.description, 2000), emoji: false }] });
  for (const { name, label, required, field } of schema ? answerFields(schema) : []) {
    blocks.push({
      type: 'input',
      block_id: SLACK_ANSWER.fieldBlock(name),
      // An unticked box is an answer (false): a checkbox is never required.
      optional: !required || field.type === 'boolean',
      label: plain(label),
      ...(field.description && { hint: plain(field.description) }),
      element: fieldElement(field),
    });
  }
  const fields = editableFields(a);
  if (fields.length > 0) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: '*You may change these before approving*' } });
  fields.forEach((e, i) => {
    const element = editElement(e);
    if (!element) {
      blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `${escapeMrkdwn(cut(e.path, 200))}: too long to edit in Slack. ${link(input.openUrl, 'Edit it in Greenlight')}` } });
      return;
    }
    const hint = e.kind === 'json' ? 'JSON; keep it the same kind of value.' : null;
    blocks.push({ type: 'input', block_id: SLACK_ANSWER.editBlock(i), optional: e.kind !== 'number', label: plain(e.path), ...(hint && { hint: plain(hint) }), element });
  });
  blocks.push({
    type: 'input',
    block_id: SLACK_ANSWER.commentBlock,
    optional: true,
    label: plain('Comment'),
    element: { type: 'plain_text_input', action_id: SLACK_ANSWER.action, multiline: true, max_length: 2000 },
  });
  return {
    type: 'modal',
    callback_id: SLACK_ANSWER.callbackId,
    private_metadata: input.privateMetadata,
    title: plain('Approve', 24),
    submit: plain('Approve', 24),
    close: plain('Cancel', 24),
    blocks,
  };
}

const link = (url: string, label: string): string => `<${url.replace(/[<>|]/g, encodeURIComponent)}|${escapeMrkdwn(label)}>`;

/** A reminder in the thread of a request posted to a channel: it still waits (the buttons are on the request's own message). */
export function reminderReply(input: { approval: Pick<ApprovalRow, 'title' | 'priority'>; openUrl: string }): SlackMessage {
  const text = reminderLine(MRKDWN, input.approval.title);
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `${text} ${link(input.openUrl, 'Open in Greenlight')}` } }] };
}

/** An execution receipt, to someone who approved the request. The receipt's link is shown as its full address. */
export function receiptMessage(input: { title: string; orgName: string; receipt: Receipt; openUrl: string }): SlackMessage {
  const w = receiptWords(MRKDWN, input);
  return { text: w.summary, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: cut([...w.lines, link(input.openUrl, 'Open in Greenlight')].join('\n'), 3000) } }] };
}

/** To the person behind a request: the automation that asked no longer waits for the answer. */
export function waiterGoneMessage(input: { title: string; orgName: string; reason: string; since: Date; openUrl: string }): SlackMessage {
  const w = waiterGoneWords(MRKDWN, input);
  return { text: w.summary, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: [...w.lines, link(input.openUrl, 'Open and cancel in Greenlight')].join('\n') } }] };
}

/** The daily digest: what waits for one person, oldest first, each linked. */
export function digestMessage(input: { orgName: string; items: (DigestItem & { url: string })[]; total: number; inboxUrl: string }): SlackMessage {
  const { head, lines } = digestWords(MRKDWN, input, (i, title) => link(i.url, title));
  return {
    text: head,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${head}*` } },
      { type: 'section', text: { type: 'mrkdwn', text: cut(lines.join('\n'), 3000) } },
      { type: 'section', text: { type: 'mrkdwn', text: link(input.inboxUrl, 'Open your inbox') } },
    ],
  };
}
