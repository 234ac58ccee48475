/**
 * The Slack messages Greenlight posts (Block Kit). Every value that came from a request or a person is
 * escaped for Slack's mrkdwn (`&`, `<`, `>`), so nothing in a request becomes a link, a mention or a
 * broadcast (`<!channel>`); a request's description is shown as text, not rendered. Texts are cut to
 * Block Kit's limits, so a large request still makes a valid message.
 */
import type { ApprovalRow } from '../core/approval-record.ts';
import type { Closed } from '../core/approval-outcome.ts';
import { changeRows, when } from './email-messages.ts';

/** action_id of each button; the interactivity endpoint (modules/slack/interactivity.ts) reads them. */
export const SLACK_ACTIONS = {
  approve: 'greenlight_approve',
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

/** Slack's mrkdwn control characters (its "escaping text" rules). */
export const escapeMrkdwn = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const cut = (s: string, max: number): string => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

type Block = Record<string, unknown>;

export type SlackApproval = Pick<ApprovalRow, 'id' | 'title' | 'description' | 'priority' | 'requested_by_name' | 'expires_at' | 'changes' | 'action_type'>;

export interface SlackMessageInput {
  approval: SlackApproval;
  orgName: string;
  openUrl: string;
  /** Set once the request has ended: the message shows it, and no button to decide. */
  closed?: Closed | null;
}

export interface SlackMessage {
  /** The notification's plain text (and what clients without blocks show). */
  text: string;
  blocks: Block[];
}

const PRIORITY_MARK: Record<ApprovalRow['priority'], string> = { low: '⚪', medium: '🔵', high: '🟠', critical: '🔴' };

/** How a request ended, in one line. */
export function outcomeLine(c: Closed): string {
  const at = c.at ? when(c.at) : 'an unknown time';
  const by = c.by ? ` by ${escapeMrkdwn(c.by)}` : c.status === 'expired' ? '' : ' automatically';
  switch (c.status) {
    case 'approved':
      return `✅ *Approved*${by} at ${at}`;
    case 'rejected':
      return `❌ *Rejected*${by} at ${at}`;
    case 'cancelled':
      return `🚫 *Cancelled*${c.by ? ` by ${escapeMrkdwn(c.by)}` : ''} at ${at}`;
    case 'expired':
      return `⌛ *Expired* at ${at}`;
  }
}

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
  } else {
    blocks.push({
      type: 'actions',
      block_id: 'greenlight_decision',
      elements: [
        { type: 'button', action_id: SLACK_ACTIONS.approve, style: 'primary', text: { type: 'plain_text', text: 'Approve' }, value: a.id },
        { type: 'button', action_id: SLACK_ACTIONS.reject, style: 'danger', text: { type: 'plain_text', text: 'Reject' }, value: a.id },
        { type: 'button', action_id: SLACK_ACTIONS.comment, text: { type: 'plain_text', text: 'Decide with a comment…' }, value: a.id },
        open,
      ],
    });
  }
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `Greenlight · ${cut(escapeMrkdwn(input.orgName), 200)}` }] });
  const state = input.closed ? `[${input.closed.status}] ` : `[${a.priority}] Approval needed: `;
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
