/**
 * Email: one row is one message to one person (`recipient_user_id`), whose address is read when it is
 * sent. People are told through it (notify/) when they chose email and the server has SMTP configured;
 * account emails (a sign-in link, an invitation) are queued directly (account-email.ts).
 *
 * - A message about a request is not sent once the request has left `pending` (nothing to ask any
 *   more), nor to someone no longer an approver of the org; what it shows follows the recipient's
 *   right to see sensitive fields (channels/notification-content.ts).
 * - A request's decision links are made at its first attempt and kept (sealed), so a retry sends the
 *   same links (the first attempt this process makes right after an expansion queued the message has
 *   them made, and what it asks about read, by that expansion's transaction: readyAsks); a message
 *   sent twice (an attempt cut off after the server accepted it) carries the same Message-ID and the
 *   same links, so the copy is harmless.
 * - An accepted message is delivered; a 5xx reply is final (an unknown mailbox…); anything else is
 *   retried on the outbox's schedule.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { sideBySide, type Queryable } from '../../storage/database.ts';
import { issueDecisionLinks, makeDecisionLinks, type DecisionLinks } from '../decision-link-tokens.ts';
import { peopleChannel, personNoteKey, type Channel, type ChannelSpec, type Message, type Notification, type Recipient } from '../../delivery/outbox/channel.ts';
import { claimRoom, enqueue, readyFirstAttempt } from '../../delivery/outbox/outbox.ts';
import { asksToDecide, isPersonNote, personNoteFor, type PersonNote, type PersonNoteKind } from '../notification-content.ts';
import type { EmailResult, Mailer } from './email-sender.ts';
import { accountEmail, keyExpiringEmail, approvalRequestEmail, digestEmail, executionReceiptEmail, waiterGoneEmail, type RenderedEmail } from './email-messages.ts';

/** What an account email carries, sealed until it is sent: the sign-in token and when it expires. */
const AccountLink = z.object({ token: z.string().min(1), expires_at: z.iso.datetime() });
const Nothing = z.object({});

export const EMAIL = {
  name: 'email',
  kinds: {
    approval_request: { payload: Nothing },
    reminder: { payload: Nothing },
    digest: { payload: Nothing },
    execution_receipt: { payload: Nothing },
    waiter_gone: { payload: Nothing },
    sign_in_link: { payload: Nothing, sealed: AccountLink },
    invitation: { payload: Nothing, sealed: AccountLink },
    key_expiring: { payload: z.object({ connection_id: z.uuid() }) },
    oauth_client_expiring: { payload: z.object({ client_id: z.uuid(), secret: z.literal('previous').optional() }) },
  },
} as const satisfies ChannelSpec;

type Kinds = typeof EMAIL.kinds;
type EmailMessage = Message<Kinds>;

/**
 * Appended to a sign-in link sent by email (modules/sessions/pages.ts): its GET only asks to continue,
 * so a mail scanner fetching it does not spend it. An invitation's own page is already safe to fetch.
 */
export const EMAILED_SIGN_IN_SUFFIX = '/continue';

/** The path of a decision link's page (modules/decision-links/); the token follows it. */
export const DECISION_LINK_PATH = '/decide';

type Built = { message: RenderedEmail; to: string } | { skip: string };

/** The recipient's address (null: removed). A message about a request reads it with the request (personNoteFor). */
async function recipientEmail(db: Queryable, userId: string | null): Promise<string | null> {
  const { rows } = await db.query<{ email: string }>('SELECT email FROM users WHERE id = $1', [userId], { prepare: 'user_email' });
  return rows[0]?.email ?? null;
}

/**
 * What the transaction that queued a message asking someone to decide read for its first attempt
 * (readyAsks): the note as it was then, and the decision links it made for the row.
 */
interface ReadiedAsk {
  readiedAsk: true;
  note: PersonNote | { skip: string };
  links: DecisionLinks;
}

const isReadiedAsk = (hint: unknown): hint is ReadiedAsk => typeof hint === 'object' && hint !== null && (hint as ReadiedAsk).readiedAsk === true;

/** The message of a row, as it is now (or as its queueing transaction read it: `readied`), and whom it goes to; or why there is none to send. */
async function build(db: Queryable, publicUrl: string, msg: EmailMessage, readied?: ReadiedAsk): Promise<Built> {
  if (isPersonNote(msg)) {
    // A message that asks carries decision links: made beside the read of what it asks about (each on
    // its own connection, one wait for both). Made for nothing when the read finds nothing to ask:
    // links that are never sent decide nothing, and go with their request.
    const approvalId = asksToDecide(msg.kind) ? msg.approval_id : null;
    const [note, links] = readied
      ? [readied.note, readied.links]
      : await Promise.all([personNoteFor(db, publicUrl, msg), approvalId ? issueDecisionLinks(db, msg, approvalId, 'email') : null]);
    if ('skip' in note) return note;
    const built = noteEmail(publicUrl, note, links);
    return 'skip' in built ? built : { message: built.message, to: note.email };
  }
  const to = await recipientEmail(db, msg.recipient_user_id);
  if (to === null) return { skip: 'recipient removed' };
  const built = await accountMessage(db, publicUrl, msg);
  return 'skip' in built ? built : { message: built.message, to };
}

type QueuedEmail = { id: string; recipientUserId: string; notBefore: Date };

/**
 * Readies, in the transaction that queues them, the first attempts of the messages asking people to
 * decide that this process sends right after the commit (the first `room` of `rows` due now: those
 * the queueing statement claims, outbox.ts claimRoom): what each asks about, read as its attempt
 * would read it, and its decision links, made behind the rows' insert. Issued together with that
 * insert, they cost the expansion no wait of its own, and the attempt sends without one
 * (ClaimedRow.readied). A row the insert did not claim after all keeps nothing readied; links made
 * for it are the ones its later attempt finds and sends.
 */
async function readyAsks(tx: Queryable, publicUrl: string, note: Notification, rows: QueuedEmail[], room: number): Promise<void> {
  const now = Date.now();
  const approvalId = note.approvalId;
  const ready = approvalId === null || !asksToDecide(note.kind) ? [] : rows.slice(0, room).filter((r) => r.notBefore.getTime() <= now);
  if (ready.length === 0) return;
  const msgs = ready.map((r) => ({ id: r.id, kind: note.kind, org_id: note.orgId, approval_id: approvalId, event_id: note.eventId, recipient_user_id: r.recipientUserId }));
  const [links, notes] = await sideBySide([makeDecisionLinks(tx, note.orgId, approvalId!, 'email', msgs), sideBySide(msgs.map((m) => personNoteFor(tx, publicUrl, m)))]);
  ready.forEach((r, i) => {
    const made = links.get(r.id);
    if (made) readyFirstAttempt(tx, r.id, { readiedAsk: true, note: notes[i]!, links: made } satisfies ReadiedAsk);
  });
}

/**
 * What a note to one person says by email; a note that asks, with its decision links (made at the
 * first attempt; none: the request is gone); or why there is none.
 */
function noteEmail(publicUrl: string, note: PersonNote, links: DecisionLinks | null): { message: RenderedEmail } | { skip: string } {
  switch (note.kind) {
    case 'ask': {
      if (links === null) return { skip: 'request removed' };
      const a = note.request;
      return {
        message: approvalRequestEmail({
          approval: a,
          orgName: a.org_name,
          links: { approve: `${publicUrl}${DECISION_LINK_PATH}/${links.approve}`, reject: `${publicUrl}${DECISION_LINK_PATH}/${links.reject}`, open: note.openUrl },
          linksExpireAt: links.expiresAt,
          reminder: note.reminder,
        }),
      };
    }
    case 'receipt':
      return { message: executionReceiptEmail({ approval: note.request, orgName: note.request.org_name, receipt: note.receipt, open: note.openUrl }) };
    case 'waiter_gone':
      return { message: waiterGoneEmail({ approval: note.request, orgName: note.request.org_name, reason: note.reason, since: note.since, open: note.openUrl }) };
    case 'digest':
      return { message: digestEmail({ orgName: note.orgName, items: note.items, total: note.total, inboxUrl: note.inboxUrl }) };
  }
}

/** The message of a row that is not about a request (a key's or client's expiry, a sign-in link, an invitation); or why there is none. */
async function accountMessage(db: Queryable, publicUrl: string, msg: Exclude<EmailMessage, { kind: PersonNoteKind }>): Promise<{ message: RenderedEmail } | { skip: string }> {
  switch (msg.kind) {
    case 'key_expiring': {
      const { rows } = await db.query<{ name: string; key_prefix: string | null; expires_at: Date | null; revoked_at: Date | null; org_name: string; rotated: boolean }>(
        `SELECT c.name, c.key_prefix, c.expires_at, c.revoked_at, o.name AS org_name,
                EXISTS (SELECT 1 FROM connections n WHERE n.rotated_from = c.id) AS rotated
           FROM connections c JOIN orgs o ON o.id = c.org_id WHERE c.id = $1`,
        [msg.payload.connection_id],
      );
      const k = rows[0];
      if (!k || k.revoked_at || !k.expires_at) return { skip: 'the key was revoked or no longer expires' };
      if (k.expires_at.getTime() <= Date.now()) return { skip: 'the key expired before the warning could be sent' };
      return {
        message: keyExpiringEmail({
          what: k.rotated ? 'rotated API key' : 'API key',
          orgName: k.org_name, keyName: k.name, keyPrefix: k.key_prefix, expiresAt: k.expires_at, open: `${publicUrl}/connections`,
        }),
      };
    }
    case 'oauth_client_expiring': {
      const previous = msg.payload.secret === 'previous';
      const { rows } = await db.query<{ name: string; client_id: string; expires_at: Date | null; revoked_at: Date | null; org_name: string }>(
        `SELECT c.name, c.client_id, ${previous ? 'c.previous_secret_expires_at' : 'c.expires_at'} AS expires_at, c.revoked_at, o.name AS org_name
           FROM oauth_clients c JOIN orgs o ON o.id = c.org_id WHERE c.id = $1`,
        [msg.payload.client_id],
      );
      const c = rows[0];
      if (previous) {
        if (!c || c.revoked_at || !c.expires_at || c.expires_at.getTime() <= Date.now()) return { skip: 'the previous secret no longer works' };
        return {
          message: keyExpiringEmail({ what: 'previous secret of the OAuth client', orgName: c.org_name, keyName: c.name, keyPrefix: c.client_id, expiresAt: c.expires_at, open: `${publicUrl}/connections` }),
        };
      }
      if (!c || c.revoked_at || !c.expires_at) return { skip: 'the client was revoked or no longer expires' };
      if (c.expires_at.getTime() <= Date.now()) return { skip: 'the client expired before the warning could be sent' };
      return {
        message: keyExpiringEmail({ what: 'OAuth client', orgName: c.org_name, keyName: c.name, keyPrefix: c.client_id, expiresAt: c.expires_at, open: `${publicUrl}/connections` }),
      };
    }
    case 'sign_in_link':
    case 'invitation': {
      const link = msg.sealed!;
      const expiresAt = new Date(link.expires_at);
      if (expiresAt.getTime() <= Date.now()) return { skip: 'the link expired before it could be sent' };
      const { rows } = await db.query<{ name: string }>('SELECT name FROM orgs WHERE id = $1', [msg.org_id]);
      return {
        message: accountEmail({
          kind: msg.kind,
          orgName: rows[0]?.name ?? 'Greenlight',
          link: `${publicUrl}/sign-in/${link.token}${msg.kind === 'invitation' ? '' : EMAILED_SIGN_IN_SUFFIX}`,
          expiresAt,
        }),
      };
    }
  }
}

export interface EmailChannelDeps {
  /** Sends the messages (absent: this process sends no email; its rows wait for a process that does). */
  mailer?: Mailer;
  /** The server has SMTP configured: people who chose email are told by it. */
  enabled: boolean;
  /** Where links point (GREENLIGHT_PUBLIC_URL). */
  publicUrl: string;
}

export function emailChannel(deps: EmailChannelDeps): Channel<Kinds, { message: RenderedEmail; to: string }, EmailResult> {
  return {
    spec: EMAIL,
    // Its prepare writes only decision links, which decide nothing until sent: the stop is read beside it.
    keepsNothing: true,

    async prepare(ctx, msg, hint) {
      if (!deps.mailer) {
        if ((await recipientEmail(ctx.db, msg.recipient_user_id)) === null) return { skip: { status: 'gone', reason: 'recipient removed' } };
        // Queued by a process with email configured; this one has none (replicas should share settings).
        return { answered: { startedAt: new Date(), durationMs: 0, statusCode: null, error: 'email is not configured on this server', permanent: false } };
      }
      const built = await build(ctx.db, deps.publicUrl, msg, isReadiedAsk(hint) ? hint : undefined);
      if ('skip' in built) return { skip: { status: 'gone', reason: built.skip } };
      return { send: { message: built.message, to: built.to } };
    },

    send(_ctx, msg, { message, to }) {
      return deps.mailer!.send({ ...message, to, messageId: `<${msg.id}@greenlight>` });
    },

    meaning(answer) {
      if (answer.error === null) return { kind: 'delivered' };
      return answer.permanent ? { kind: 'failed' } : { kind: 'retry' };
    },

    describe(msg) {
      return { target: 'email', url: `mailto:${msg.recipient_email ?? ''}` };
    },

    people: peopleChannel<never>({
      preference: 'email',
      // Nothing to read of the org: SMTP is the server's.
      reaches: () => deps.enabled,
      async tell(tx, note, people: Recipient[]) {
        const rows = people.map((p) => ({ id: randomUUID(), recipientUserId: p.userId, notBefore: p.at }));
        // Read in the same synchronous stretch as the enqueue below, which takes this room.
        const room = deps.mailer ? claimRoom(tx) : 0;
        const [queued] = await sideBySide([
          enqueue(
            tx,
            EMAIL,
            note.kind,
            rows.map((r) => ({
              id: r.id,
              orgId: note.orgId,
              approvalId: note.approvalId,
              eventId: note.eventId,
              eventType: note.eventType,
              recipientUserId: r.recipientUserId,
              // A request's first message to a person goes once (personNoteKey).
              dedupeKey: personNoteKey(note, r.recipientUserId),
              notBefore: r.notBefore,
              payload: {},
            })),
          ),
          readyAsks(tx, deps.publicUrl, note, rows, room),
        ]);
        return queued;
      },
    }),
  };
}
