import type { Logger } from 'pino';
import { sideBySide, type Database, type Queryable } from '../../storage/database.ts';
import type { Metrics } from '../../metrics/metrics.ts';
import { secretKeys } from '../../security/sealed.ts';
import { appendEvent, SYSTEM_ACTOR } from '../../core/events.ts';
import type { Answer, AttemptContext, Channel, ChannelSpec, ClaimedRow, Described, Message, MessageSpec, Outcome, PeopleChannel, Verdict } from './channel.ts';
import { beforeSend, claimQueued, deferRow, keepFirstBytes, recordAttempt, settleWithoutAttempt, type QueueClaim } from './outbox.ts';
import { delayBefore, MAX_RETRY_AFTER_MS, type Schedule } from './schedule.ts';

/** What one process needs to make attempts: shared by the background worker and the inline first attempt of a decision. */
export interface OutboxRuntime {
  db: Database;
  logger: Logger;
  schedule: Schedule;
  /** How long a claim holds a row: the longest attempt plus a margin for recording it. */
  leaseMs: number;
  /** host:pid, written on each attempt row. */
  worker: string;
  metrics?: Metrics;
  /** Every channel this process sends through, by name. */
  channels: ReadonlyMap<string, RegisteredChannel>;
  /**
   * Set by a delivery worker: what an attempt's transaction queues is claimed for this process and
   * attempted right after its commit (outbox.ts, QueueClaim), while the worker has `room` for more
   * attempts; `attempt` runs one such row as the worker runs those it claims.
   */
  follow?: { room(): number; attempt(row: ClaimedRow): void };
  /** Set by a delivery worker: a row this process gave back comes due at `at` (a channel deferred it), so the worker wakes then. */
  due?(at: Date): void;
}

/** A channel as the outbox holds it: its types erased behind the one attempt algorithm (register). */
export interface RegisteredChannel {
  readonly spec: ChannelSpec;
  /** One attempt of a row claimed for this channel; the outcome recorded, or null when none was (see attempt). */
  attempt(rt: OutboxRuntime, row: ClaimedRow, signal?: AbortSignal, hint?: unknown): Promise<Outcome | null>;
  /** How the delivery log shows a row of this channel; null when the row does not read as one. */
  describe(row: ClaimedRow & { recipient_email: string | null }): Described | null;
  readonly people?: PeopleChannel;
  /** Channel.readAheadOfCreate, its reads' type erased. */
  readAheadOfCreate?(db: Queryable, orgId: string, approvalId: string): Promise<unknown>;
}

/** The verdict with the retry schedule applied: a retry waits for the schedule's next step (or longer, if the answer asked), else the row has failed. */
export function outcomeOf(verdict: Verdict, row: Pick<ClaimedRow, 'attempt' | 'schedule_base'>, schedule: Schedule): Outcome {
  if (verdict.kind !== 'retry') return verdict;
  const delay = delayBefore(schedule, row.attempt - row.schedule_base + 1);
  if (delay === null) return { kind: 'failed' };
  const notBefore = verdict.notBeforeMs == null ? 0 : Math.min(verdict.notBeforeMs, MAX_RETRY_AFTER_MS);
  return { kind: 'retry', delayMs: Math.max(delay, notBefore) };
}

type Read<K extends Record<string, MessageSpec>> = { message: Message<K> } | { invalid: string };

/** A claimed row as its channel reads it: its kind known, its payload and sealed part checked against the kind's schema. */
function read<K extends Record<string, MessageSpec>>(spec: ChannelSpec<K>, row: ClaimedRow): Read<K> {
  const kind = Object.hasOwn(spec.kinds, row.kind) ? spec.kinds[row.kind] : undefined;
  if (!kind) return { invalid: `${spec.name} sends no message of kind ${row.kind}` };
  const payload = kind.payload.safeParse(row.payload);
  if (!payload.success) return { invalid: `payload of ${spec.name}/${row.kind} does not fit its schema: ${payload.error.message}`.slice(0, 500) };
  let sealed: unknown = null;
  if (row.sealed !== null && row.sealed !== undefined) {
    // Sealed: a JSON string of the sealed JSON text; plain (from before encryption): the value itself.
    const opened = typeof row.sealed === 'string' ? (JSON.parse(secretKeys().open(row.sealed)) as unknown) : row.sealed;
    const checked = kind.sealed?.safeParse(opened);
    if (!checked?.success) return { invalid: `sealed part of ${spec.name}/${row.kind} does not fit its schema` };
    sealed = checked.data;
  }
  return { message: { ...row, payload: payload.data, sealed } as Message<K> };
}

/**
 * Registers a channel with the outbox: the one attempt algorithm, typed by the channel's messages.
 *
 * An attempt: read the row (a row its channel cannot read fails at once: nothing is sent that its
 * schema does not describe) → prepare (skip: closed without an attempt; defer: given back, due then) →
 * the emergency stop, read again right before sending, with what a first attempt keeps for its retries
 * (held: given back, due once the stop ends; read beside prepare for a channel that keeps nothing; not
 * read again for a row whose claiming statement read it just now, ClaimedRow.stopReadByClaim) →
 * send → meaning, with the retry schedule → record the attempt, and in the same transaction what the
 * outcome changes besides (`settled`). Returns the recorded outcome, or null when nothing was recorded
 * (skipped, deferred, held, or the claim was lost meanwhile).
 */
export function register<K extends Record<string, MessageSpec>, M, A extends Answer, R = undefined>(channel: Channel<K, M, A, R>): RegisteredChannel {
  const spec = channel.spec;
  return {
    spec,
    people: channel.people,
    ...(channel.readAheadOfCreate && { readAheadOfCreate: (db: Queryable, orgId: string, approvalId: string) => channel.readAheadOfCreate!(db, orgId, approvalId) }),
    describe(row) {
      const r = read(spec, row);
      return 'message' in r && channel.describe ? channel.describe({ ...r.message, recipient_email: row.recipient_email }) : null;
    },
    async attempt(rt, row, signal, hint) {
      const r = read(spec, row);
      if ('invalid' in r) {
        await settleWithoutAttempt(rt.db, row, 'failed', r.invalid);
        rt.logger.error({ delivery_id: row.id, channel: row.channel, kind: row.kind, reason: r.invalid }, 'outbox row not readable by its channel');
        return null;
      }
      const msg = r.message;
      const ctx: AttemptContext = { db: rt.db, logger: rt.logger, signal };
      // A channel that keeps nothing has the emergency stop read beside its prepare (Channel.keepsNothing).
      // Both settle before the attempt goes on or fails: it never ends with a statement of its own in flight.
      const [prepared, early] = await sideBySide([channel.prepare(ctx, msg, hint ?? row.readied), channel.keepsNothing && !row.stopReadByClaim ? beforeSend(rt.db, row, undefined) : null]);
      if (early) {
        // Held: the row waits for the stop's end, and what prepare found is found again then.
        if (early.held) return null;
        if ('send' in prepared && prepared.keep !== undefined) throw new Error(`${spec.name} keeps bytes but says it keeps nothing`);
      }
      if ('skip' in prepared) {
        await settleWithoutAttempt(rt.db, row, prepared.skip.status, prepared.skip.reason);
        return null;
      }
      if ('defer' in prepared) {
        await deferRow(rt.db, row, prepared.defer);
        rt.due?.(prepared.defer);
        return null;
      }
      let answer: A;
      if ('answered' in prepared) {
        answer = prepared.answered as A;
      } else if (row.stopReadByClaim) {
        // The decision that claimed the row read the stop under the org's lock a moment ago: a stop
        // committed since then does not hold this message, as one committed after beforeSend's read
        // would not either. What the attempt keeps for its retries is issued before the message is
        // sent and waited for after, before the attempt is recorded: one round trip less before the
        // message leaves. Nobody else sends the row meanwhile (it is claimed), so what is sent is kept.
        const kept = prepared.keep === undefined ? null : keepFirstBytes(rt.db, row, prepared.keep);
        [answer] = await sideBySide([channel.send(ctx, msg, prepared.send), kept]);
      } else {
        const ready = early ?? (await beforeSend(rt.db, row, prepared.keep));
        if (ready.held) return null;
        answer = await channel.send(ctx, { ...msg, body: ready.body }, prepared.send);
      }
      const outcome = outcomeOf(channel.meaning(answer, msg), row, rt.schedule);
      const claim: QueueClaim | undefined = rt.follow && { leaseMs: rt.leaseMs, room: rt.follow.room(), rows: [], taking: 0 };
      // The channel's reads go on the database beside the recording transaction's start: what they
      // see is what they would see inside it (READ COMMITTED, before its first write), and its writes
      // then go right behind the record instead of waiting for it (recordAttempt).
      // Reads made ahead for another request than the row's are never handed over.
      const ahead = row.readAhead && row.readAhead.approvalId === row.approval_id ? (row.readAhead.reads as Promise<R>) : undefined;
      const reads = channel.settleReads?.(rt.db, msg, outcome, ahead);
      reads?.catch(() => {});
      // Nothing besides the record: no transaction around it (Channel.settles).
      const alone = !reads && outcome.kind !== 'failed' && (!channel.settled || channel.settles?.(msg, outcome, answer) === false);
      const besides = alone
        ? undefined
        : async (tx: Queryable) => {
            if (claim) {
              // A transaction tried again starts its claim again.
              claim.rows.length = 0;
              claimQueued(tx, claim);
            }
            const read = (await reads) as R;
            await channel.settled?.(tx, msg, outcome, answer, read);
            if (outcome.kind === 'failed') await recordFailure(tx, row, answer, (email) => channel.describe?.({ ...msg, recipient_email: email }) ?? null);
          };
      const kept = await recordAttempt(rt.db, row, answer, outcome, rt.worker, besides, reads);
      if (!kept) {
        rt.logger.warn({ delivery_id: row.id, attempt: row.attempt }, 'delivery claim expired before the attempt was recorded');
        return null;
      }
      // What the settling transaction queued and claimed for this process (a notification's messages) goes now.
      for (const next of claim?.rows ?? []) rt.follow!.attempt(next);
      rt.metrics?.deliveryAttempted(row.channel, row.kind, outcome.kind);
      if (outcome.kind === 'failed') rt.logger.warn({ delivery_id: row.id, attempts: row.attempt, channel: row.channel, kind: row.kind }, 'delivery failed for good');
      return outcome;
    },
  };
}

/**
 * A row failed for good (its channel's schedule exhausted, or an answer that a retry cannot change):
 * a `delivery.failed` event tells the org, through the event log and any subscription to that type,
 * naming the row as the delivery log does.
 */
async function recordFailure(tx: Queryable, row: ClaimedRow, answer: Answer, describe: (recipientEmail: string | null) => Described | null): Promise<void> {
  const { rows } = row.recipient_user_id === null ? { rows: [] } : await tx.query<{ email: string }>('SELECT email FROM users WHERE id = $1', [row.recipient_user_id]);
  const described = describe(rows[0]?.email ?? null);
  await appendEvent(tx, {
    orgId: row.org_id,
    approvalId: null,
    type: 'delivery.failed',
    actor: SYSTEM_ACTOR,
    data: {
      delivery_id: row.id,
      event_id: row.event_id,
      event_type: row.event_type,
      target: described?.target ?? row.channel,
      subscription_id: described?.subscription_id ?? null,
      url: described?.url ?? null,
      attempts: row.attempt,
      last_status_code: answer.statusCode,
      last_error: answer.error,
    },
  });
}

/** One attempt of a claimed row, by its channel. A row of a channel this process does not have is given back for a minute (another replica may have it). */
export async function runAttempt(rt: OutboxRuntime, row: ClaimedRow, signal?: AbortSignal, hint?: unknown): Promise<Outcome | null> {
  const channel = rt.channels.get(row.channel);
  if (!channel) {
    rt.logger.warn({ delivery_id: row.id, channel: row.channel }, 'no such channel in this process: the row is left for a minute');
    await deferRow(rt.db, row, new Date(Date.now() + 60_000));
    return null;
  }
  return channel.attempt(rt, row, signal, hint);
}
