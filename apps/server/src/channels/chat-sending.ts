/**
 * What the chats (Slack, Telegram, Discord, Microsoft Teams) do alike when they send: prepare a row
 * (the org's connection, a message already sent, the rewrite of a sent message with its request's
 * outcome), fill their own layouts with what a note says, keep a message's button tokens before it
 * goes out, and name their rows in the delivery log.
 */
import type { Closed } from '../core/approval-outcome.ts';
import { alreadySent, type Described, type Prepared } from '../delivery/outbox/channel.ts';
import { wasSent } from '../delivery/outbox/sent-messages.ts';
import type { Queryable } from '../storage/database.ts';
import { sha256Hex } from '../security/tokens.ts';
import { endedMessage, type DigestItem, type PersonNote, type Receipt, type RequestShown } from './notification-content.ts';

/**
 * A chat's own builders of a message `M` (the words they share are chat-words.ts'): what goes into
 * each is read from the request or the note here, once for every chat.
 */
export interface ChatLayouts<M> {
  /** The request with its outcome and no button left: what a sent message is rewritten with. */
  ended(input: { approval: RequestShown; orgName: string; openUrl: string; closed: Closed | null }): M;
  receipt(input: { title: string; orgName: string; receipt: Receipt; openUrl: string }): M;
  waiterGone(input: { title: string; orgName: string; reason: string; since: Date; openUrl: string }): M;
  digest(input: { orgName: string; items: (DigestItem & { url: string })[]; total: number; inboxUrl: string }): M;
}

/** A note to a person that is not a request to decide (a receipt, a gone waiter, the digest), in the chat's layout. */
export function noteMessage<M>(layouts: ChatLayouts<M>, note: Exclude<PersonNote, { kind: 'ask' }>): M {
  switch (note.kind) {
    case 'receipt':
      return layouts.receipt({ title: note.request.title, orgName: note.request.org_name, receipt: note.receipt, openUrl: note.openUrl });
    case 'waiter_gone':
      return layouts.waiterGone({ title: note.request.title, orgName: note.request.org_name, reason: note.reason, since: note.since, openUrl: note.openUrl });
    case 'digest':
      return layouts.digest({ orgName: note.orgName, items: note.items, total: note.total, inboxUrl: note.inboxUrl });
  }
}

const skip = (reason: string) => ({ skip: { status: 'gone' as const, reason } });

/** A `decision_update` row: a sent message to rewrite with its request's outcome. */
type UpdateRow = { kind: 'decision_update'; payload: { message_id: string } };
const isUpdate = (row: { kind: string }): row is UpdateRow => row.kind === 'decision_update';

/** What a chat gives `prepareChat`: its own lookups, builders and calls. */
export interface PreparedChat<App, Call, M, A, R> {
  /** How the reasons in the delivery log name the chat. */
  name: string;
  /** The org's app (or bot) of the chat; null while the org has not connected it. */
  appOf: (db: Queryable, orgId: string) => Promise<App | null>;
  layouts: ChatLayouts<M>;
  /** The rewrite of a sent message, where the chat recorded it (`address`), with `message`. */
  update: (address: A, message: M) => Call;
  /** What any other row sends; or why nothing is. */
  call: (app: App, row: Exclude<R, UpdateRow>) => Promise<Call | { skip: string }>;
}

/**
 * A chat's `prepare`: nothing to send while the org has not connected the chat; a sent message is
 * rewritten with its request's outcome, as its recipient may see it (endedMessage: a channel's post
 * masked as for anyone), every time it is asked; any other row whose message an earlier attempt
 * recorded as sent is answered as sent, not sent again; the rest is the chat's own call. What goes to
 * `send`: the org's app and the call.
 */
export async function prepareChat<App, Call extends object, M, A, R extends { id: string; org_id: string; kind: string }>(
  db: Queryable,
  publicUrl: string,
  row: R,
  chat: PreparedChat<App, Call, M, A, R>,
): Promise<Prepared<{ app: App; call: Call }>> {
  const app = await chat.appOf(db, row.org_id);
  if (!app) return skip(`${chat.name} is not configured for the organization`);
  if (isUpdate(row)) {
    const ended = await endedMessage<A>(db, row.payload.message_id);
    if ('skip' in ended) return skip(ended.skip);
    const a = ended.request;
    const message = chat.layouts.ended({ approval: a, orgName: a.org_name, openUrl: `${publicUrl}/requests/${a.id}`, closed: ended.closed });
    return { send: { app, call: chat.update(ended.address, message) } };
  }
  if (await wasSent(db, row.id)) return { answered: alreadySent() };
  // Not a decision_update (isUpdate), which TypeScript cannot subtract from a type parameter.
  const call = await chat.call(app, row as Exclude<R, UpdateRow>);
  if ('skip' in call) return skip(call.skip);
  return { send: { app, call } };
}

/** The chats whose buttons are opaque tokens kept in `<chat>_buttons` (Slack's carry a signed payload instead). */
type ButtonChat = 'telegram' | 'discord' | 'msteams';

/**
 * Stores a message's button tokens (only their SHA-256), each bound to the request, one decision and
 * (in a message to one person) that person, before the message is sent: a click that comes at once
 * finds its token. The table's name comes from the channel's own name, never from input.
 */
export async function storeButtons(
  db: Queryable,
  chat: ButtonChat,
  row: { org_id: string; approval_id: string | null },
  userId: string | null,
  buttons: readonly { token: string; decision: string }[],
): Promise<void> {
  if (buttons.length === 0) return;
  await db.query(
    `INSERT INTO ${chat}_buttons (token_hash, org_id, approval_id, user_id, decision)
     SELECT t.hash, $1, $2, $3, t.decision FROM unnest($4::text[], $5::text[]) AS t (hash, decision)`,
    [row.org_id, row.approval_id, userId, buttons.map((b) => sha256Hex(b.token)), buttons.map((b) => b.decision)],
  );
}

/**
 * How the delivery log names a chat's row (the contract's Delivery `target` and `url`): the rewrite of
 * a sent message by its record, a post to a channel by the channel, the rest by the person's address.
 */
export function chatDescribed(
  chat: 'slack' | 'telegram' | 'discord' | 'msteams',
  row: { kind: string; payload: { message_id?: string; to?: string; channel?: string }; recipient_email: string | null },
): Described {
  const p = row.payload;
  if (row.kind === 'decision_update') return { target: `${chat}_update`, url: `${chat}-message:${p.message_id ?? ''}` };
  if (p.to === 'channel') return { target: chat, url: `${chat}:channel:${p.channel ?? ''}` };
  return { target: chat, url: `${chat}:dm:${row.recipient_email ?? ''}` };
}
