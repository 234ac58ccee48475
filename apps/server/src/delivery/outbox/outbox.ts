/**
 * The outbox (the `deliveries` table), from the write of a row to the record of its attempts: the one
 * writer of the table in TypeScript. Rows are also written by SQL that commits them with their event
 * (storage/functions/events_fan_out.sql, greenlight_create_approvals.sql,
 * greenlight_queue_message_updates.sql) and claimed by greenlight_claim_deliveries.sql; nothing else
 * writes them (delivery/outbox/one-writer.security.test.ts). It knows no channel: a row names its
 * channel and kind, and its payload is checked by that channel's schema (channel.ts).
 *
 * Claiming: due rows are selected `FOR UPDATE SKIP LOCKED` and claimed by
 * greenlight_claim_deliveries (marked `delivering`, the attempt counted, a lease set), in one
 * statement. Two processes never claim the same row (the loser skips it, or re-checks it after the
 * winner commits and finds it no longer due), and the attempt number is fixed by the claim, so the
 * same attempt cannot be made twice. A process killed mid-attempt leaves its rows `delivering` with
 * `next_attempt_at` = the lease's end; they are claimed again then, under the next attempt number.
 * The result of an attempt is recorded only by the claimer that still holds the row (`attempts`
 * unchanged): a claimer whose lease ran out records its attempt but not the outcome. A final
 * decision's callback row is written already claimed (greenlight_claim_state) by the decision's own
 * statement, for the deciding process's first attempt. While an org's emergency stop is on, none of its
 * rows is claimed.
 */
import type { z } from 'zod';
import type { Database, Queryable } from '../../storage/database.ts';
import { DELIVERIES_CHANNEL } from '../../events/event-bus.ts';
import { secretKeys } from '../../security/sealed.ts';
import type { Answer, ChannelSpec, ClaimedRow, MessageSpec, Outcome } from './channel.ts';

/** The columns of a claimed row (alias `d`); ids as text, as the two drivers parse int8 differently. */
export const CLAIMED_COLUMNS = `d.id, d.attempts AS attempt, d.schedule_base, d.org_id, d.approval_id, d.event_id::text AS event_id, d.event_type,
       d.channel, d.kind, d.payload, d.sealed, d.body, d.recipient_user_id`;

const CLAIM_SQL = `
SELECT ${CLAIMED_COLUMNS}
  FROM greenlight_claim_deliveries(ARRAY(
         SELECT id FROM deliveries
          WHERE status IN ('pending', 'delivering') AND next_attempt_at <= now()
            AND NOT EXISTS (SELECT 1 FROM orgs o WHERE o.id = deliveries.org_id AND o.emergency_stop)
          ORDER BY next_attempt_at
          LIMIT $1
            FOR UPDATE SKIP LOCKED), $2::float8) AS d`;

/**
 * Claims up to `limit` due rows for `leaseMs`. Rows of an org whose emergency stop is on are held, not
 * dropped: they stay due and are claimed once the stop ends (their schedule is not advanced). A row
 * claimed before the stop committed is given back by beforeSend, right before it would be sent.
 */
export async function claimDue(db: Queryable, limit: number, leaseMs: number): Promise<ClaimedRow[]> {
  const { rows } = await db.query<ClaimedRow>(CLAIM_SQL, [limit, leaseMs], { prepare: 'outbox_claim' });
  return rows;
}

/** A row claimed by a statement of its own (greenlight_decide returns the row as JSON), as a claim returns it. */
export function claimedFromJson(d: Record<string, unknown>): ClaimedRow {
  return {
    id: d.id as string,
    attempt: d.attempts as number,
    schedule_base: d.schedule_base as number,
    org_id: d.org_id as string,
    approval_id: (d.approval_id as string | null) ?? null,
    event_id: d.event_id === null || d.event_id === undefined ? null : String(d.event_id),
    event_type: (d.event_type as string | null) ?? null,
    channel: d.channel as string,
    kind: d.kind as string,
    payload: d.payload,
    sealed: d.sealed ?? null,
    body: (d.body as string | null) ?? null,
    recipient_user_id: (d.recipient_user_id as string | null) ?? null,
  };
}

/** One row to queue; `payload` and `sealed` are checked by the channel's schema for the kind. */
export interface NewRow<P = unknown, S = unknown> {
  /**
   * Chosen by the writer (absent: by the database), so that statements issued right behind the
   * queueing one, in the same transaction, can name the row before its answer comes back (readyFirstAttempt).
   */
  id?: string;
  orgId: string;
  approvalId?: string | null;
  eventId?: string | null;
  eventType?: string | null;
  recipientUserId?: string | null;
  /** Queued once: a second row with the same key (in this channel) is not queued. */
  dedupeKey?: string | null;
  /** Not sent before then (quiet hours); now when absent. */
  notBefore?: Date;
  payload: P;
  sealed?: S;
}

type PayloadIn<M extends MessageSpec> = z.input<M['payload']>;
type SealedIn<M extends MessageSpec> = M['sealed'] extends z.ZodType ? z.input<M['sealed']> : never;

/**
 * A transaction whose queued rows go to this process's first attempt right after its commit (the
 * expansion of a notification, made by a process with a delivery worker): rows due now are written
 * already claimed for it (greenlight_claim_state: `delivering`, attempt 1, a lease, as a claim makes
 * them), at most `room` of them, and gathered in `rows`. It saves each row a wake-up, a claim and their
 * round trips. Killed before the attempt, a row is claimed again when its lease ends, as after any
 * claim. What the stop holds is unchanged: each attempt reads the stop before it sends (beforeSend).
 */
export interface QueueClaim {
  leaseMs: number;
  room: number;
  rows: ClaimedRow[];
  /**
   * Room held by queueing statements still in flight (enqueue): several channels queue at once in
   * one transaction, and each takes its share before it is sent, so that together they never claim
   * more than `room`.
   */
  taking: number;
}

/** The claim of each transaction that asked for one (claimQueued); gone with its transaction. */
const queueClaims = new WeakMap<Queryable, QueueClaim>();

/** Rows queued in `tx` from now on are claimed for the caller, up to `claim.room` (QueueClaim). */
export function claimQueued(tx: Queryable, claim: QueueClaim): void {
  queueClaims.set(tx, claim);
}

/**
 * How many of the rows the next enqueue in `tx` issues may be claimed for this process: its first
 * rows, up to this many, of those due now (0 without a claim). Read right before that enqueue, in the
 * same synchronous stretch, it is the room that enqueue takes.
 */
export function claimRoom(tx: Queryable): number {
  const claim = queueClaims.get(tx);
  return claim ? Math.max(0, claim.room - claim.rows.length - claim.taking) : 0;
}

/**
 * What a channel read for the first attempt of a row it queued in `tx` and this transaction claimed
 * (ClaimedRow.readied), so that the attempt, right after the commit, sends without reading it again.
 * A row that was not claimed (no room, not due, a taken dedupe key, the emergency stop) is not found
 * and nothing is kept: its attempt reads everything itself, as every later attempt does.
 */
export function readyFirstAttempt(tx: Queryable, id: string, readied: unknown): void {
  const row = queueClaims.get(tx)?.rows.find((r) => r.id === id);
  if (row) row.readied = readied;
}

/**
 * Queues rows of one channel and kind in the caller's transaction, so they commit with whatever
 * caused them, and wakes the delivery workers once it commits (unless the transaction claimed them
 * all: claimQueued). A row whose dedupe key is taken is skipped. Throws when a payload does not fit
 * the kind's schema (a programming error: nothing is queued that the channel could not read).
 * Returns how many were queued.
 */
export async function enqueue<K extends Record<string, MessageSpec>, Kind extends keyof K & string>(
  tx: Queryable,
  spec: ChannelSpec<K>,
  kind: Kind,
  rows: NewRow<PayloadIn<K[Kind]>, SealedIn<K[Kind]>>[],
): Promise<number> {
  if (rows.length === 0) return 0;
  const message = spec.kinds[kind]!;
  const sealedOf = (r: NewRow): string | null => {
    if (r.sealed === undefined || r.sealed === null) return null;
    if (!message.sealed) throw new Error(`${spec.name}/${kind} carries nothing sealed`);
    return JSON.stringify(secretKeys().seal(JSON.stringify(message.sealed.parse(r.sealed))));
  };
  const claim = queueClaims.get(tx);
  const room = claimRoom(tx);
  if (claim) claim.taking += room;
  const now = new Date();
  let queued: (ClaimedRow & { claimed: boolean })[];
  try {
    ({ rows: queued } = await tx.query<ClaimedRow & { claimed: boolean }>(
      `INSERT INTO deliveries AS d (id, channel, kind, org_id, approval_id, event_id, event_type, recipient_user_id, dedupe_key, next_attempt_at,
                                    payload, sealed, status, attempts, lease_until)
       SELECT coalesce(u.id, gen_random_uuid()), $1, $2, u.org_id, u.approval_id, u.event_id, u.event_type, u.recipient, u.dedupe_key,
              c.next_attempt_at, u.payload::jsonb, u.sealed::jsonb, c.status, c.attempts, c.lease_until
         FROM unnest($14::uuid[], $3::uuid[], $4::uuid[], $5::bigint[], $6::text[], $7::uuid[], $8::text[], $9::timestamptz[], $10::text[], $11::text[])
                WITH ORDINALITY AS u (id, org_id, approval_id, event_id, event_type, recipient, dedupe_key, at, payload, sealed, ord),
              -- Claimed when due now: its time (this process's clock) has come by the database's clock,
              -- not by now(), which is when the transaction began. Read apart, once a row (the clock is
              -- volatile), so that Postgres still inlines the claim's definition. Never while the org's
              -- emergency stop is on: the row then waits, pending, as any other the stop holds, and a
              -- claimed row's attempt need not read the stop again (ClaimedRow.stopReadByClaim).
              LATERAL (SELECT CASE WHEN u.ord <= $12 AND u.at <= clock_timestamp()
                                   THEN NOT EXISTS (SELECT 1 FROM orgs o WHERE o.id = u.org_id AND o.emergency_stop) ELSE false END AS due) n,
              LATERAL greenlight_claim_state(0, u.at, CASE WHEN n.due THEN now() + $13::float8 * interval '1 millisecond' END) c
       ON CONFLICT (channel, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING
       RETURNING d.status = 'delivering' AS claimed, ${CLAIMED_COLUMNS}`,
      [
        spec.name,
        kind,
        rows.map((r) => r.orgId),
        rows.map((r) => r.approvalId ?? null),
        rows.map((r) => r.eventId ?? null),
        rows.map((r) => r.eventType ?? null),
        rows.map((r) => r.recipientUserId ?? null),
        rows.map((r) => r.dedupeKey ?? null),
        rows.map((r) => (r.notBefore ?? now).toISOString()),
        rows.map((r) => JSON.stringify(message.payload.parse(r.payload))),
        rows.map(sealedOf),
        room,
        claim?.leaseMs ?? 0,
        rows.map((r) => r.id ?? null),
      ],
      // Its plan is the same for any values (the rows come from arrays): planned once a connection,
      // where Postgres would plan it for its values at every call.
      { prepare: 'outbox_enqueue', generic: true },
    ));
  } finally {
    if (claim) claim.taking -= room;
  }
  for (const { claimed, ...row } of queued) if (claimed) claim!.rows.push({ ...row, stopReadByClaim: true });
  if (queued.some((r) => !r.claimed)) tx.notify(DELIVERIES_CHANNEL, `${spec.name}:${kind}`);
  return queued.length;
}

/**
 * Right before sending, in one statement:
 * - the emergency stop, read again: a row claimed before the stop committed is given back (with its
 *   attempt number) and stays due, so it is claimed and sent once the stop ends (`held`). What it does
 *   not cover: a stop that commits between this statement and the message leaving the process (the
 *   time to open the connection) does not hold that one message;
 * - what the first attempt sends (`keep`), stored as the row's `body` so that retries send the same
 *   bytes. COALESCE: if two claimers ever raced here, both send what was stored first. `body` is what
 *   to send: the stored bytes (the row's as claimed, when there is nothing to keep).
 * Without a stop and with nothing to keep, it writes nothing.
 */
export async function beforeSend(db: Queryable, row: ClaimedRow, keep: string | undefined): Promise<{ held: boolean; body: string | null }> {
  // Two updates of one row, never both: `kept` runs only when `held` changed nothing. The bytes are
  // kept whether or not the claim still holds (as the first attempt of a lapsed claim did before it
  // sent), and read back after any concurrent writer's commit, so every copy sent is the same.
  const { rows } = await db.query<{ held: boolean; body: string | null }>(
    `WITH held AS (
       UPDATE deliveries d
          SET status = 'pending', attempts = d.attempts - 1, lease_until = NULL, next_attempt_at = now(), updated_at = now(),
              body = COALESCE(d.body, $4)
        WHERE d.id = $1 AND d.status = 'delivering' AND d.attempts = $2
          AND EXISTS (SELECT 1 FROM orgs WHERE id = $3 AND emergency_stop)
       RETURNING d.body
     ), kept AS (
       UPDATE deliveries d SET body = COALESCE(d.body, $4)
        WHERE d.id = $1 AND $4::text IS NOT NULL AND NOT EXISTS (SELECT 1 FROM held)
       RETURNING d.body
     )
     SELECT EXISTS (SELECT 1 FROM held) AS held, coalesce((SELECT body FROM held), (SELECT body FROM kept)) AS body`,
    [row.id, row.attempt, row.org_id, keep ?? null],
    { prepare: 'outbox_before_send' },
  );
  return { held: rows[0]!.held, body: rows[0]!.body ?? row.body };
}

/**
 * What a first attempt sends, stored as the row's `body` so that retries send the same bytes, without
 * reading the emergency stop: for a row whose claiming statement read it (ClaimedRow.stopReadByClaim).
 * COALESCE, as in beforeSend: bytes stored first stay.
 */
export async function keepFirstBytes(db: Queryable, row: ClaimedRow, keep: string): Promise<void> {
  await db.query('UPDATE deliveries SET body = COALESCE(body, $2) WHERE id = $1', [row.id, keep], { prepare: 'outbox_keep' });
}

/** Gives a claimed row back without an attempt, due again at `at` (its channel says: not yet). */
export async function deferRow(db: Queryable, row: ClaimedRow, at: Date): Promise<void> {
  await db.query(
    `UPDATE deliveries SET status = 'pending', attempts = attempts - 1, lease_until = NULL, next_attempt_at = $3, updated_at = now()
      WHERE id = $1 AND status = 'delivering' AND attempts = $2`,
    [row.id, row.attempt, at],
  );
}

/** Closes a claimed row without an attempt (nothing to send any more); the claim's attempt number is given back. */
export async function settleWithoutAttempt(db: Queryable, row: ClaimedRow, status: 'gone' | 'failed', reason: string): Promise<void> {
  await db.query(
    `UPDATE deliveries SET status = $3, attempts = attempts - 1, last_error = $4, lease_until = NULL, updated_at = now()
      WHERE id = $1 AND status = 'delivering' AND attempts = $2`,
    [row.id, row.attempt, status, reason.slice(0, 1000)],
  );
}

/**
 * An attempt's log row, of `$1`–`$7` (logParams): written with the outcome by the holder of the claim,
 * and alone by a claimer whose claim was lost (the outcome is the holder's).
 */
const LOG_ATTEMPT_SQL = `INSERT INTO delivery_attempts (delivery_id, attempt, started_at, duration_ms, status_code, error, worker)
  VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`;

/** Thrown inside the recording transaction when the claim was lost: it rolls back whatever went with the record. */
class ClaimLost extends Error {}

/**
 * Records an attempt and its consequence in one transaction, and there, when the claim still held,
 * whatever else the outcome changes (`then`: the channel's `settled`). Returns false when the claim had
 * been lost (lease ran out and another claimer took the row): the attempt is still logged, the outcome is not.
 *
 * `then` is called as soon as the record is issued, so its writes go to the connection right behind
 * it (one round trip for both) instead of waiting for the record's answer; when the record then says
 * the claim was lost, the transaction is rolled back with them, and the attempt's log row is written
 * alone. So a claim lost meanwhile still changes nothing but the log.
 */
export async function recordAttempt(
  db: Database,
  row: ClaimedRow,
  answer: Answer,
  outcome: Outcome,
  worker: string,
  then?: (tx: Queryable) => Promise<void>,
  /** Reads on the database that `then` waits for (Database.transaction's `besides`). */
  besides?: Promise<unknown>,
): Promise<boolean> {
  const status = outcome.kind === 'retry' ? 'pending' : outcome.kind;
  const error = answer.error?.slice(0, 1000) ?? null;
  const logParams = [row.id, row.attempt, answer.startedAt, answer.durationMs, answer.statusCode, error, worker];
  // The attempt's log row and the outcome in one statement. The log row is written whether or not the
  // claim still held; the outcome only by the holder.
  const issue = (on: Queryable) =>
    on.query<{ id: string }>(
      `WITH logged AS (${LOG_ATTEMPT_SQL})
       UPDATE deliveries
          SET status = $8, last_status = $5, last_error = $6, lease_until = NULL, updated_at = now(),
              next_attempt_at = CASE WHEN $8 = 'pending' THEN now() + $9::float8 * interval '1 millisecond' ELSE next_attempt_at END,
              delivered_at = CASE WHEN $8 = 'delivered' THEN now() END
        WHERE id = $1 AND status = 'delivering' AND attempts = $2
        RETURNING id`,
      [...logParams, status, outcome.kind === 'retry' ? outcome.delayMs : 0],
      { prepare: 'outbox_attempt_record' },
    );
  // Nothing goes with it: the statement is its own transaction, and a lost claim has had its attempt logged by it.
  if (!then) return (await issue(db)).rows.length > 0;
  try {
    return await db.transaction(async (tx) => {
      const recorded = issue(tx);
      // Both settle before the transaction ends either way: nothing of `then` runs on a connection
      // already given back.
      const [record, rest] = await Promise.allSettled([recorded, then(tx)]);
      if (record.status === 'rejected') throw record.reason;
      if (record.value.rows.length === 0) throw new ClaimLost();
      if (rest.status === 'rejected') throw rest.reason;
      return true;
    }, { besides });
  } catch (err) {
    if (!(err instanceof ClaimLost)) throw err;
    await db.query(LOG_ATTEMPT_SQL, logParams, { prepare: 'outbox_attempt_log' });
    return false;
  }
}

/**
 * Closes the rows of a channel and kind still queued whose payload contains `match` (a subscription's,
 * when it is deleted or disabled), as `status` with `reason`. Returns how many.
 */
export async function closeQueued(
  tx: Queryable,
  spec: Pick<ChannelSpec, 'name'>,
  kind: string,
  match: Record<string, unknown>,
  status: 'gone' | 'failed',
  reason: string,
): Promise<number> {
  const { rowCount } = await tx.query(
    `UPDATE deliveries SET status = $4, last_error = $5, updated_at = now()
      WHERE channel = $1 AND kind = $2 AND payload @> $3::jsonb AND status = 'pending'`,
    [spec.name, kind, JSON.stringify(match), status, reason],
  );
  return rowCount;
}

/**
 * Queues a settled row again, now, with a fresh retry schedule (a manual redelivery); the caller has
 * checked that it may be. Wakes the delivery workers once the caller's transaction commits.
 */
export async function requeue(tx: Queryable, id: string): Promise<void> {
  await tx.query(`UPDATE deliveries SET status = 'pending', schedule_base = attempts, next_attempt_at = now(), updated_at = now() WHERE id = $1`, [id]);
  tx.notify(DELIVERIES_CHANNEL, id);
}
