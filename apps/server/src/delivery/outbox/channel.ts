/**
 * The one interface a channel implements to send through the outbox (outbox.ts): a way out of
 * Greenlight (webhook, email, Slack, …), each in its own folder under channels/ and registered once
 * (channels/index.ts). The outbox knows no channel: it claims a row, checks its payload with the
 * schema the row's channel gives for the row's kind, asks the channel to prepare the message, holds
 * it if the org's emergency stop is on, lets the channel send it, asks the channel what the answer
 * means, and records the attempt with its consequence on its retry schedule.
 *
 *   spec      what the channel sends: each message kind with the zod schema of its rows' payload
 *             (and of what they carry sealed), checked when a row is written and when it is claimed;
 *   prepare   the message as it is now, built from the row and the database (no effect outside):
 *             or why none is sent (`skip`), or not yet (`defer`), or that an earlier attempt already
 *             got its answer (`answered`);
 *   send      the attempt's one effect outside (an HTTP request, an SMTP transaction, a Slack call);
 *   meaning   what the answer means: delivered, gone (nobody to send it to any more), failed for
 *             good, or worth a retry (not before `notBeforeMs`, when the answer said so);
 *   settled   optional: what the outcome changes besides the row, in the transaction that records it;
 *   describe  how the delivery log shows a row (its target and address), when it is one;
 *   people    optional: a channel that tells people queues their messages here (notify/).
 */
import type { Logger } from 'pino';
import type { Delivery, NotificationKind, PERSON_CHANNELS } from '@greenlight/contract';
import type { z } from 'zod';
import type { Database, Queryable } from '../../storage/database.ts';

/** A kind of message and what its rows carry: `payload` in the clear, `sealed` sealed at rest (security/sealed.ts). */
export interface MessageSpec<P extends z.ZodType = z.ZodType, S extends z.ZodType = z.ZodType> {
  payload: P;
  sealed?: S;
}

/** A channel's name and its kinds of message: what the outbox checks its rows against. */
export interface ChannelSpec<K extends Record<string, MessageSpec> = Record<string, MessageSpec>> {
  /** The name stored in each of its rows (lower case, digits, `_`). */
  readonly name: string;
  readonly kinds: K;
}

/** An outbox row as a claim returns it (storage/functions/greenlight_claim_deliveries.sql). */
export interface ClaimedRow {
  id: string;
  /** The number of this attempt, fixed by the claim. */
  attempt: number;
  /** `attempt` at the last manual redelivery: the retry schedule restarts from there. */
  schedule_base: number;
  org_id: string;
  approval_id: string | null;
  /** The event the row was queued for; null for a message of no event (a sign-in link, a digest). */
  event_id: string | null;
  event_type: string | null;
  channel: string;
  kind: string;
  payload: unknown;
  /** As stored: a sealed JSON string, a plain object (written before encryption), or null. */
  sealed: unknown;
  /** What the first attempt sent, when its channel keeps it so that every retry sends the same bytes. */
  body: string | null;
  /** The person the message is for; null for an automation (a webhook) or a chat channel. */
  recipient_user_id: string | null;
  /**
   * The statement that claimed the row read the emergency stop, and this attempt follows its commit at
   * once (a decision's callback, claimed by the decision under the org's lock: greenlight_decide; a
   * message claimed by the expansion that queued it: outbox.ts enqueue), so the attempt does not read
   * the stop again before sending (delivery/outbox/attempt.ts). A stop committed after that read does
   * not hold this one message, as one committed after beforeSend's read would not either.
   */
  stopReadByClaim?: true;
  /**
   * What the transaction that queued and claimed the row read for its first attempt (outbox.ts,
   * readyFirstAttempt), handed to the channel's `prepare` as its hint: that attempt then sends
   * without a read of its own. Never stored; absent on every other attempt.
   */
  readied?: unknown;
  /**
   * What the writer that queued and claimed the row read ahead for its first attempt, right behind
   * the statement that queued it (Channel.readAheadOfCreate: a new request's notification), for the
   * request named. settleReads is handed it only when that request is the row's. Never stored.
   */
  readAhead?: ReadAhead;
}

/** Reads made ahead of a row's first attempt (ClaimedRow.readAhead), for one request. */
export interface ReadAhead {
  approvalId: string;
  reads: Promise<unknown>;
}

/** A claimed row as its channel sees it: the payload checked by the kind's schema, the sealed part opened and checked. */
export type Message<K extends Record<string, MessageSpec>> = {
  [Kind in keyof K & string]: Omit<ClaimedRow, 'kind' | 'payload' | 'sealed'> & {
    kind: Kind;
    payload: z.output<K[Kind]['payload']>;
    sealed: K[Kind]['sealed'] extends z.ZodType ? z.output<K[Kind]['sealed']> | null : null;
  };
}[keyof K & string];

/** What one attempt learned, for the attempt log; channels add what their `meaning` reads. */
export interface Answer {
  startedAt: Date;
  durationMs: number;
  /** The other side's status (HTTP, SMTP reply code), null when none came. */
  statusCode: number | null;
  /** Why it did not go through; null when it did. */
  error: string | null;
}

/** The answer of a platform's Web API call (Slack, Telegram, GitHub…): what it returned, and whether and when to try again. */
export interface ApiAnswer<T> extends Answer {
  value: T | null;
  /** The platform refused for a reason another attempt of the same call cannot fix. */
  permanent: boolean;
  /** The wait the platform asked for (Retry-After, a rate limit's reset), if any. */
  retryAfterMs: number | null;
}

/**
 * How the outbox reads a platform's Web API answer (a chat, GitHub, an engine): through; refused for
 * a reason another attempt cannot fix; or again, when the platform said when.
 */
export function apiVerdict(answer: ApiAnswer<unknown>): Verdict {
  if (answer.error === null) return { kind: 'delivered' };
  if (answer.permanent) return { kind: 'failed' };
  return { kind: 'retry', notBeforeMs: answer.retryAfterMs };
}

/** What a chat's attempt answers when it finds its message already sent (recorded by an earlier attempt): nothing to send again. */
export const alreadySent = (): ApiAnswer<null> => ({ startedAt: new Date(), durationMs: 0, statusCode: 200, error: null, value: null, permanent: false, retryAfterMs: null });

export type Prepared<M> =
  /**
   * `keep`: the bytes a first attempt sends, for every retry to send the same (the row's `body`). The
   * outbox stores them right before sending, in the statement that reads the emergency stop, and the
   * attempt's `send` gets the stored bytes as `msg.body` (another claimer's, should one have raced).
   */
  | { send: M; keep?: string }
  | { skip: { status: 'gone' | 'failed'; reason: string } }
  | { defer: Date }
  | { answered: Answer };

export type Verdict = { kind: 'delivered' } | { kind: 'gone' } | { kind: 'failed' } | { kind: 'retry'; notBeforeMs?: number | null };

/** What an attempt came to, with the schedule applied: a retry knows its delay. */
export type Outcome = { kind: 'delivered' } | { kind: 'gone' } | { kind: 'failed' } | { kind: 'retry'; delayMs: number };

/** What the outbox lends a channel for an attempt. */
export interface AttemptContext {
  db: Database;
  logger: Logger;
  /** Cut off by a shutdown. */
  signal?: AbortSignal;
}

/** How the delivery log names a row (the contract's Delivery `target`, `url` and `subscription_id`). */
export interface Described {
  target: Delivery['target'];
  url: string;
  subscription_id?: string | null;
}

/** A person told through a channel, and from when (quiet hours defer, never drop). */
export interface Recipient {
  userId: string;
  email: string;
  name: string | null;
  at: Date;
}

/** What a person is told about: a request (or none, for a digest), by an event or an occasion. */
export interface Notification {
  kind: NotificationKind;
  orgId: string;
  approvalId: string | null;
  /** The event that causes it (a new request, a receipt…); null for a reminder or a digest. */
  eventId: string | null;
  eventType: string | null;
  /** What makes a reminder or a digest one of its kind: the timer that fired it. */
  occasion: string | null;
}

/**
 * The dedupe key of a note's row to one person in a channel: a request is asked once per person, a
 * receipt or a gone waiter once per event, a reminder or a digest once per timer that fired it.
 */
export const personNoteKey = (note: Notification, userId: string): string =>
  note.kind === 'approval_request'
    ? `approval_request:${note.approvalId}:${userId}`
    : note.kind === 'execution_receipt' || note.kind === 'waiter_gone'
      ? `${note.kind}:${note.eventId}:${userId}`
      : `${note.kind}:${note.occasion}:${userId}`;

/** What people are told, by every channel that tells people (the notify channel expands its rows into these). */
export { NOTIFICATION_KINDS, type NotificationKind } from '@greenlight/contract';

/**
 * What a channel that tells people must know of an org before it tells anyone there (whether the org
 * connected it, where it posts): one SQL expression of `$1`, the org's id, that notify/tell.ts reads
 * with every other channel's in one statement, and the schema its value is read by (null: nothing found).
 * The expression is the channel's own text, never built from input.
 */
export interface OrgFacts<F> {
  sql: string;
  schema: z.ZodType<F>;
}

/** The part of a channel that tells people (notify/tell.ts). */
export interface PeopleChannel<F = unknown> {
  /** The name people choose the channel by in their notification preferences (notify/preferences.ts): one of the contract's PERSON_CHANNELS. */
  readonly preference: (typeof PERSON_CHANNELS)[number];
  /** What it reads of the org (OrgFacts); absent: nothing, and its `facts` are null. */
  readonly orgFacts?: OrgFacts<F>;
  /** Whether the channel can reach the org's people one by one now (email configured, the org's Slack app set to message people), from its facts. */
  reaches(facts: F | null): boolean;
  /**
   * Queues, in the caller's transaction, what this channel sends for `note` to `people` (those who
   * chose it and whom it reaches; maybe none), and anything it sends for the note to no one person
   * (a request posted to a Slack channel), from its facts of the org. Returns how many rows it queued.
   */
  tell(tx: Queryable, note: Notification, people: Recipient[], facts: F | null): Promise<number>;
}

/** A channel's PeopleChannel, its facts typed by their schema (the outbox holds every channel's as PeopleChannel<unknown>). */
export function peopleChannel<F>(way: PeopleChannel<F>): PeopleChannel {
  return way;
}

export interface Channel<K extends Record<string, MessageSpec> = Record<string, MessageSpec>, M = unknown, A extends Answer = Answer, R = undefined> {
  readonly spec: ChannelSpec<K>;
  prepare(ctx: AttemptContext, msg: Message<K>, hint?: unknown): Promise<Prepared<M>>;
  /**
   * The channel's `prepare` never keeps bytes, and whatever it writes is harmless when the attempt is
   * then held (made again by the attempt after the stop): the emergency stop is read beside it, one
   * wait for both instead of one after the other. Still before anything is sent.
   */
  readonly keepsNothing?: true;
  send(ctx: AttemptContext, msg: Message<K>, message: M): Promise<A>;
  meaning(answer: A, msg: Message<K>): Verdict;
  /**
   * What `settled` reads, read on the database right before the recording transaction (reads only:
   * the claim may turn out lost), so that `settled`'s writes can go right behind the record.
   */
  settleReads?(db: Queryable, msg: Message<K>, outcome: Outcome, ahead?: Promise<R>): Promise<R>;
  /**
   * What settleReads reads for the row a new request's create queues and claims for this process (a
   * `notify` row), read before the row exists: sent behind the create's statement on its connection
   * (core/approvals ReadBehind), it is run as soon as the create has committed. The attempt hands it
   * back to settleReads as `ahead`, for the channel to answer with when it reads what the row would.
   */
  readAheadOfCreate?(db: Queryable, orgId: string, approvalId: string): Promise<R>;
  /**
   * What the outcome changes besides, in the recording transaction; `reads` is settleReads' answer.
   * Issued right behind the record, before its answer: rolled back with everything else when the
   * record finds the claim lost (recordAttempt).
   */
  settled?(tx: Queryable, msg: Message<K>, outcome: Outcome, answer: A, reads: R): Promise<void>;
  /**
   * Whether `settled` writes anything for this outcome (absent: whenever it is defined). When nothing
   * goes with the record, it is one statement of its own rather than a transaction around it: two
   * round trips less for each message delivered.
   */
  settles?(msg: Message<K>, outcome: Outcome, answer: A): boolean;
  /** Absent: its rows are not deliveries of the log (the notify channel's). */
  describe?(msg: Message<K> & { recipient_email: string | null }): Described;
  readonly people?: PeopleChannel;
}
