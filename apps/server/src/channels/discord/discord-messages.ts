/**
 * What the Discord application says. Discord renders markdown in a message's content, so text from a
 * request or a person is escaped character by character (markdown, masked links, headings, mentions,
 * custom emoji and timestamps, which all need one of the escaped characters, shown as typed); every message goes with `allowed_mentions: {parse: []}`
 * (nobody is pinged, whatever the text holds) and SUPPRESS_EMBEDS (links are shown, never previewed).
 */
import { ButtonStyleTypes, MessageComponentTypes } from 'discord-interactions';
import type { Closed } from '../../core/approval-outcome.ts';
import { when } from '../email/email-messages.ts';
import { cut, digestWords, oneLine, outcomeLine, reminderLine, receiptWords, waiterGoneWords, type ChatStyle } from '../chat-words.ts';
import type { DigestItem, Receipt, RequestShown } from '../notification-content.ts';

/** Discord's limit on a message's content. */
const CONTENT_MAX = 2000;
/** A message's flag: no embeds (link previews) for the links it holds. */
export const SUPPRESS_EMBEDS = 1 << 2;

/** Discord's markdown: each character that could start markup is escaped with a backslash. */
export const DISCORD: ChatStyle = {
  text: (s) => s.replace(/[\\`*_~|>#\-[\]()<@]/g, (c) => `\\${c}`),
  strong: (s) => `**${s}**`,
};

interface Button {
  type: MessageComponentTypes.BUTTON;
  style: ButtonStyleTypes;
  label: string;
  custom_id?: string;
  url?: string;
}

export interface DiscordMessage {
  content: string;
  components: { type: MessageComponentTypes.ACTION_ROW; components: Button[] }[];
  allowed_mentions: { parse: [] };
  flags: number;
}

const message = (content: string, buttons: Button[] = []): DiscordMessage => ({
  content: cut(content, CONTENT_MAX),
  components: buttons.length > 0 ? [{ type: MessageComponentTypes.ACTION_ROW, components: buttons }] : [],
  allowed_mentions: { parse: [] },
  flags: SUPPRESS_EMBEDS,
});

const openButton = (url: string): Button => ({ type: MessageComponentTypes.BUTTON, style: ButtonStyleTypes.LINK, label: 'Open in Greenlight', url });

export interface DiscordApprovalInput {
  approval: Pick<RequestShown, 'title' | 'priority' | 'description' | 'requested_by_name' | 'expires_at'>;
  orgName: string;
  openUrl: string;
  /** The opaque custom_id of each button (a message that may be decided; Comment: a person's message). */
  buttons?: { approve: string | null; reject: string | null; comment?: string | null };
  /** Why this person cannot decide now (no buttons). */
  refusal?: string | null;
  /** The request needs an answer (chat-answers.ts): said in place of the Approve button, whose place the link takes. */
  answerNeeded?: string | null;
  closed?: Closed | null;
  /** A reminder of a request that still waits: said first. */
  reminder?: boolean;
}

export function approvalMessage(input: DiscordApprovalInput): DiscordMessage {
  const a = input.approval;
  const lines = [
    ...(input.reminder && !input.closed ? [reminderLine(DISCORD, a.title), ''] : []),
    `**${oneLine(DISCORD, a.title, 300)}**`,
    '',
    `Priority: ${a.priority}`,
    `Requested by: ${cut(DISCORD.text(a.requested_by_name ?? 'An automation'), 300)} in ${cut(DISCORD.text(input.orgName), 300)}`,
    `Expires: ${a.expires_at ? when(a.expires_at) : 'no expiry'}`,
  ];
  const answerNeeded = !input.closed && input.answerNeeded ? input.answerNeeded : null;
  const tail = [
    input.closed ? outcomeLine(DISCORD, input.closed) : input.refusal ? `⏳ ${cut(DISCORD.text(input.refusal), 500)}` : null,
    answerNeeded ? `✍️ ${DISCORD.text(answerNeeded)}` : null,
  ].filter((l): l is string => l !== null);
  const fixed = lines.join('\n').length + tail.join('\n').length + 4;
  const body = a.description ? ['', cut(DISCORD.text(a.description), Math.max(0, CONTENT_MAX - fixed - 2))] : [];
  const content = [...lines, ...body, ...(tail.length ? ['', ...tail] : [])].join('\n');
  const decide: Button[] =
    input.closed || !input.buttons
      ? []
      : [
          ...(input.buttons.approve ? [{ type: MessageComponentTypes.BUTTON as const, style: ButtonStyleTypes.SUCCESS, label: 'Approve', custom_id: input.buttons.approve }] : []),
          ...(input.buttons.reject ? [{ type: MessageComponentTypes.BUTTON as const, style: ButtonStyleTypes.DANGER, label: 'Reject', custom_id: input.buttons.reject }] : []),
          ...(input.buttons.comment ? [{ type: MessageComponentTypes.BUTTON as const, style: ButtonStyleTypes.SECONDARY, label: 'Comment', custom_id: input.buttons.comment }] : []),
        ];
  const open = openButton(input.openUrl);
  return message(content, answerNeeded ? [{ ...open, label: 'Open to approve' }, ...decide] : [...decide, open]);
}

/** The form a Comment button opens (a modal with one paragraph field); its custom_id is the button's. */
export function commentModal(customId: string, maxLength: number) {
  return {
    custom_id: customId,
    title: 'Comment on the request',
    components: [
      {
        type: MessageComponentTypes.ACTION_ROW,
        components: [{ type: MessageComponentTypes.INPUT_TEXT, custom_id: COMMENT_FIELD, style: 2, label: 'Your comment', min_length: 1, max_length: maxLength, required: true }],
      },
    ],
  };
}
export const COMMENT_FIELD = 'comment';

/** Said to an account that is not linked. */
export const LINK_HELP =
  'This Discord account is not linked to Greenlight, so nothing was decided. In Greenlight (Organization page), create a Discord link code and run `/link` with it here.';

export function receiptMessage(input: { title: string; orgName: string; receipt: Receipt; openUrl: string }): DiscordMessage {
  return message(receiptWords(DISCORD, input).lines.join('\n'), [openButton(input.openUrl)]);
}

export function waiterGoneMessage(input: { title: string; orgName: string; reason: string; since: Date; openUrl: string }): DiscordMessage {
  return message(waiterGoneWords(DISCORD, input).lines.join('\n'), [openButton(input.openUrl)]);
}

/** The daily digest: what waits for one person, oldest first, each with its address. */
export function digestMessage(input: { orgName: string; items: (DigestItem & { url: string })[]; total: number; inboxUrl: string }): DiscordMessage {
  const { head, lines } = digestWords(DISCORD, input, (i, title) => `${DISCORD.text(title)} ${i.url}`);
  return message([head, '', ...lines].join('\n'), [{ ...openButton(input.inboxUrl), label: 'Open your inbox' }]);
}
