/**
 * What a notification to a person says, read when it is sent: the same facts for every channel that
 * tells people (email, Slack, the next ones), so that two channels never disagree on what a message
 * may show or whether it is still worth sending. Each channel only lays it out.
 */
import { z } from 'zod';
import type { Queryable } from '../storage/database.ts';
import { APPROVAL_COLUMNS, toApproval, type ApprovalRow } from '../core/approval-record.ts';
import { forViewer, type Viewer } from '../core/approval-view.ts';
import { askedNow, personAsker, viewerCan } from '../core/approvals/index.ts';
import type { ViewerCan } from '@greenlight/contract';
import { closedOf, type Closed } from '../core/approval-outcome.ts';

/** A request with its org's name, as messages show it. */
export type RequestShown = ApprovalRow & { org_name: string };

/** The request a message is about, with its org's name; null once it is removed. */
export async function requestOf(db: Queryable, approvalId: string | null): Promise<RequestShown | null> {
  if (approvalId === null) return null;
  const { rows } = await db.query<RequestShown>(`SELECT ${APPROVAL_COLUMNS}, o.name AS org_name FROM approvals a JOIN orgs o ON o.id = a.org_id WHERE a.id = $1`, [approvalId], {
    prepare: 'request_shown',
  });
  return rows[0] ?? null;
}

/** Whether membership `m` may be asked to decide: an approver or an admin (a viewer never is). */
const DECIDER_MEMBER = "m.role IN ('approver', 'admin')";

/**
 * The person a message about a request is for, as a viewer of it (their role and permission to see
 * sensitive fields), or null when they are no longer an approver or admin of the org: nothing to ask them.
 */
export async function approverViewer(db: Queryable, orgId: string, userId: string): Promise<Viewer | null> {
  const { rows } = await db.query<{ role: 'admin' | 'approver'; see_sensitive: boolean }>(
    `SELECT m.role, m.see_sensitive FROM memberships m WHERE m.org_id = $1 AND m.user_id = $2 AND ${DECIDER_MEMBER}`,
    [orgId, userId],
    { prepare: 'approver_viewer' },
  );
  return rows[0] ? { principal: { type: 'user', id: userId }, user: rows[0] } : null;
}

/** The address of a member of the org (any role), or null when they are no longer one. */
async function memberEmail(db: Queryable, orgId: string, userId: string): Promise<string | null> {
  const { rows } = await db.query<{ email: string }>('SELECT u.email FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.org_id = $1 AND m.user_id = $2', [orgId, userId], {
    prepare: 'member_email',
  });
  return rows[0]?.email ?? null;
}

/**
 * The request as `viewer` may see it (null: anyone, as in a chat channel): fields marked sensitive are
 * masked for a reviewer without `see_sensitive`, as on the page and in the API.
 */
export function shownTo(viewer: Viewer | null, a: RequestShown): RequestShown {
  return { ...a, changes: forViewer(viewer, toApproval(a)).changes };
}

export type Ended<A> = { address: A; request: RequestShown; closed: Closed | null } | { skip: string };

/**
 * A sent message to rewrite with its request's outcome (a `decision_update` row): where the platform
 * keeps it (`address`), and the request as its recipient may see it (null recipient: a channel post,
 * masked as for anyone).
 */
export async function endedMessage<A>(db: Queryable, messageId: string): Promise<Ended<A>> {
  const { rows } = await db.query<{ address: A; recipient_user_id: string | null; approval_id: string }>(
    'SELECT address, recipient_user_id, approval_id FROM sent_messages WHERE id = $1',
    [messageId],
  );
  const sent = rows[0];
  const a = sent ? await requestOf(db, sent.approval_id) : null;
  if (!sent || !a) return { skip: 'message or request removed' };
  const viewer = sent.recipient_user_id === null ? null : await approverViewer(db, a.org_id, sent.recipient_user_id);
  return { address: sent.address, request: shownTo(viewer, a), closed: await closedOf(db, a) };
}

export type Asking = { request: RequestShown; viewer: Viewer; email: string } | { skip: string };

/**
 * A request to ask (or remind) a person about: still pending, and they still an approver of the org
 * (approverViewer's rule); read with the person's address in one statement, as a message is about to go.
 */
export async function askingAbout(db: Queryable, approvalId: string | null, userId: string): Promise<Asking> {
  if (approvalId === null) return { skip: 'request removed' };
  const { rows } = await db.query<RequestShown & { recipient_role: 'admin' | 'approver' | null; recipient_see_sensitive: boolean | null; recipient_email: string | null }>(
    `SELECT ${APPROVAL_COLUMNS}, o.name AS org_name, m.role AS recipient_role, m.see_sensitive AS recipient_see_sensitive, u.email AS recipient_email
       FROM approvals a JOIN orgs o ON o.id = a.org_id
       LEFT JOIN (memberships m JOIN users u ON u.id = m.user_id) ON m.org_id = a.org_id AND m.user_id = $2 AND ${DECIDER_MEMBER}
      WHERE a.id = $1`,
    [approvalId, userId],
    { prepare: 'asking_about' },
  );
  const row = rows[0];
  if (!row) return { skip: 'request removed' };
  const { recipient_role: role, recipient_see_sensitive: seeSensitive, recipient_email: email, ...a } = row;
  if (a.status !== 'pending') return { skip: `request already ${a.status}` };
  // Removed from the org, or made a viewer, since they were asked: nothing to ask them any more.
  if (role === null || email === null) return { skip: 'recipient is no longer an approver of the org' };
  const viewer: Viewer = { principal: { type: 'user', id: userId }, user: { role, see_sensitive: seeSensitive ?? false } };
  return { request: shownTo(viewer, a), viewer, email };
}

/** What a receipt's event says (core/approvals/state-machine.ts `reportExecution`), as it recorded it: a later receipt does not change this message. */
export interface Receipt {
  status: 'started' | 'succeeded' | 'failed';
  message: string | null;
  url: string | null;
  reportedBy: string | null;
  reportedAt: Date;
}

export type Receipted = { request: RequestShown; receipt: Receipt; email: string } | { skip: string };

export async function receiptFor(db: Queryable, approvalId: string | null, eventId: string | null, userId: string): Promise<Receipted> {
  const a = await requestOf(db, approvalId);
  if (!a) return { skip: 'request removed' };
  const email = await memberEmail(db, a.org_id, userId);
  if (email === null) return { skip: 'recipient is no longer a member of the org' };
  const { rows } = await db.query<{ data: Omit<Receipt, 'reportedBy' | 'reportedAt'>; actor_name: string | null; created_at: Date }>(
    'SELECT data, actor_name, created_at FROM events WHERE id = $1',
    [eventId],
  );
  const e = rows[0];
  if (!e) return { skip: 'receipt removed' };
  return { request: a, receipt: { status: e.data.status, message: e.data.message, url: e.data.url, reportedBy: e.actor_name, reportedAt: e.created_at }, email };
}

export type WaiterGone = { request: RequestShown; reason: string; since: Date; email: string } | { skip: string };

/**
 * Nobody waits for the answer of the recipient's request (jobs/waiter-probes.ts): why and since when.
 * Not sent once the request has left `pending` or its waiter came back.
 */
export async function waiterGoneFor(db: Queryable, approvalId: string | null, userId: string): Promise<WaiterGone> {
  const a = await requestOf(db, approvalId);
  if (!a) return { skip: 'request removed' };
  if (a.status !== 'pending') return { skip: `request already ${a.status}` };
  if (a.waiter_state !== 'gone') return { skip: 'the waiter answers again' };
  const email = await memberEmail(db, a.org_id, userId);
  if (email === null) return { skip: 'recipient is no longer a member of the org' };
  return { request: a, reason: a.waiter_reason ?? 'nobody answers at its callback', since: a.waiter_since ?? new Date(), email };
}

/** The most requests a digest lists; it says how many more wait. */
export const DIGEST_MAX_ITEMS = 50;
/** Pending requests of the org a digest looks through, oldest first. */
const DIGEST_SCAN = 500;

export interface DigestItem {
  id: string;
  title: string;
  priority: string;
  requested_by_name: string | null;
  created_at: Date;
  expires_at: Date | null;
}

export type Digest = { orgName: string; items: DigestItem[]; total: number; email: string } | { skip: string };

/** What waits for the recipient now (asked by core/approvers.ts), read when the digest is sent; nothing waiting: nothing sent. */
export async function digestFor(db: Queryable, orgId: string, userId: string): Promise<Digest> {
  const { rows: member } = await db.query<{ org_name: string; email: string }>(
    `SELECT o.name AS org_name, u.email FROM memberships m JOIN orgs o ON o.id = m.org_id JOIN users u ON u.id = m.user_id
      WHERE m.org_id = $1 AND m.user_id = $2 AND ${DECIDER_MEMBER}`,
    [orgId, userId],
  );
  if (member.length === 0) return { skip: 'recipient is no longer an approver of the org' };
  const { rows: pending } = await db.query<DigestItem>(
    `SELECT id, title, priority, requested_by_name, created_at, expires_at FROM approvals
      WHERE org_id = $1 AND status = 'pending' AND (expires_at IS NULL OR expires_at > now()) ORDER BY created_at LIMIT $2`,
    [orgId, DIGEST_SCAN],
  );
  const waiting: DigestItem[] = [];
  for (const a of pending) if ((await askedNow(db, a.id)).includes(userId)) waiting.push(a);
  if (waiting.length === 0) return { skip: 'nothing waits for the recipient' };
  return { orgName: member[0]!.org_name, items: waiting.slice(0, DIGEST_MAX_ITEMS), total: waiting.length, email: member[0]!.email };
}

/** The kinds of message to one person about a request or what waits for them, said alike by every channel that tells people. */
const PERSON_NOTE_KINDS = ['approval_request', 'reminder', 'execution_receipt', 'waiter_gone', 'digest'] as const;
export type PersonNoteKind = (typeof PERSON_NOTE_KINDS)[number];

/** The kinds personNoteFor reads as an `ask`: a request the person is asked to decide, or reminded of. */
const ASKING_KINDS = ['approval_request', 'reminder'] as const satisfies readonly PersonNoteKind[];

/** Whether a note to one person asks them to decide (personNoteFor reads it as an `ask`, with the request), known before it is read. */
export const asksToDecide = (kind: PersonNoteKind): kind is (typeof ASKING_KINDS)[number] => (ASKING_KINDS as readonly string[]).includes(kind);

/** Whether a row is a note to one person (personNoteFor reads it), rather than another kind of its channel's. */
export const isPersonNote = <R extends { kind: string }>(row: R): row is Extract<R, { kind: PersonNoteKind }> => (PERSON_NOTE_KINDS as readonly string[]).includes(row.kind);

/**
 * The kinds (a ChannelSpec's `kinds`) of a channel that tells people and shows a request's outcome in
 * place of what it sent (the chats, Web Push): a row per kind of note, each carrying `payload`, and
 * the rewrite of a sent message. A channel that sends some kind elsewhere too overrides its entry.
 */
export function noteKinds<P extends z.ZodType>(payload: P) {
  return {
    approval_request: { payload },
    /** The request again, with its buttons, said to be a reminder. */
    reminder: { payload },
    digest: { payload },
    execution_receipt: { payload },
    waiter_gone: { payload },
    /** A sent message rewritten with the request's outcome, without buttons (sent_messages, queued when the request ends). */
    decision_update: { payload: z.object({ message_id: z.uuid() }) },
  };
}

/**
 * What a message to one person says, by its kind, with the links it carries: read here once for
 * every channel (email, Slack, Telegram and the next), each of which only lays it out in its own
 * words and markup. `ask` is a request the person is asked to decide (or reminded of). `email` is
 * the person's address, read with the rest (the email channel sends to it, Slack finds them by it).
 */
export type PersonNote = { email: string } & (
  | { kind: 'ask'; request: RequestShown; viewer: Viewer; reminder: boolean; openUrl: string }
  | { kind: 'receipt'; request: RequestShown; receipt: Receipt; openUrl: string }
  | { kind: 'waiter_gone'; request: RequestShown; reason: string; since: Date; openUrl: string }
  | { kind: 'digest'; orgName: string; items: (DigestItem & { url: string })[]; total: number; inboxUrl: string }
);

/** An outbox row to one person, as personNoteFor reads it. */
export interface PersonRow {
  kind: PersonNoteKind;
  org_id: string;
  approval_id: string | null;
  event_id: string | null;
  recipient_user_id: string | null;
}

export async function personNoteFor(db: Queryable, publicUrl: string, row: PersonRow): Promise<PersonNote | { skip: string }> {
  const open = (id: string) => `${publicUrl}/requests/${id}`;
  const userId = row.recipient_user_id;
  if (!userId) return { skip: 'no recipient' };
  if (asksToDecide(row.kind)) {
    const asking = await askingAbout(db, row.approval_id, userId);
    if ('skip' in asking) return asking;
    return { kind: 'ask', request: asking.request, viewer: asking.viewer, reminder: row.kind === 'reminder', openUrl: open(asking.request.id), email: asking.email };
  }
  switch (row.kind) {
    case 'execution_receipt': {
      const r = await receiptFor(db, row.approval_id, row.event_id, userId);
      if ('skip' in r) return r;
      return { kind: 'receipt', request: r.request, receipt: r.receipt, openUrl: open(r.request.id), email: r.email };
    }
    case 'waiter_gone': {
      const w = await waiterGoneFor(db, row.approval_id, userId);
      if ('skip' in w) return w;
      return { kind: 'waiter_gone', request: w.request, reason: w.reason, since: w.since, openUrl: open(w.request.id), email: w.email };
    }
    case 'digest': {
      const d = await digestFor(db, row.org_id, userId);
      if ('skip' in d) return d;
      return { kind: 'digest', orgName: d.orgName, items: d.items.map((i) => ({ ...i, url: open(i.id) })), total: d.total, inboxUrl: `${publicUrl}/`, email: d.email };
    }
  }
}

/**
 * What the person asked may do with the request as its message is sent (the buttons a chat shows):
 * the rules' own viewer_can, never a guess of the channel's.
 */
export async function askedCan(db: Queryable, note: Extract<PersonNote, { kind: 'ask' }>): Promise<ViewerCan | { skip: string }> {
  const can = await viewerCan(db, personAsker(note.viewer.principal.id, note.viewer.user!.role), note.request.id);
  return can ?? { skip: 'request removed' };
}
