/**
 * Rows claimed by the transaction that writes them, for the writing process's first attempt right
 * after its commit: a create's `notify` row (greenlight_create_approvals), and the rows a notification's
 * expansion queues (outbox.ts, claimQueued). No wake-up and no claim of the worker on the path from a
 * create to its email; and nothing lost when the writer never makes the attempt.
 */
import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { seedOrg, type TestServer } from '../../testing/harness.ts';
import type { TestSmtpServer } from '../../testing/smtp.ts';
import { useMailServer } from '../../testing/mail-world.ts';
import { create } from '../../core/approvals/index.ts';
import { setEmergencyStop } from '../../modules/orgs/create-org.ts';
import { CLAIMED_COLUMNS, claimedFromJson, claimQueued, enqueue, type QueueClaim } from './outbox.ts';
import { sha256Hex } from '../../security/tokens.ts';
import { runAttempt, type OutboxRuntime } from './attempt.ts';
import type { ClaimedRow } from './channel.ts';
import { EMAIL } from '../../channels/email/email-channel.ts';

let server: TestServer;
let smtp: TestSmtpServer;
useMailServer((s, m) => ([server, smtp] = [s, m]));

type Seed = Awaited<ReturnType<typeof seedOrg>>;

/** A request of `seed` naming `approvers` (a step), written as the API's create writes it, claiming its notification for `leaseMs`. */
async function createClaiming(seed: Seed, approvers: string[], leaseMs: number) {
  const caller = { org: { id: seed.org.id }, principal: { type: 'connection' as const, id: randomUUID(), name: 'claims' }, user: null };
  const made = await create(
    server.db,
    caller,
    {
      connection_id: null, title: 'Rotate the signing key', description: '', priority: 'high', action_type: null, source: null,
      metadata: {}, required_approvals: 1, is_sequential: true, callback_url: null, callback_headers: null, external_id: null,
      idempotency_key: null, request_fingerprint: null, tags: {}, changes: null, resource: null, expires_at: null,
      on_expiry: 'expire', redact: [], flow_id: null, flow_version: null, notify: true,
      steps: [{ name: null, user_ids: approvers, team_ids: [], quorum: 1, time_limit_seconds: null }],
    },
    undefined,
    { claimNotifyMs: leaseMs },
  );
  if (made.kind !== 'created') throw new Error(made.kind);
  return made;
}

const rowOf = async (id: string) =>
  (await server.db.query<{ status: string; attempts: number; lease: boolean }>('SELECT status, attempts, lease_until IS NOT NULL AS lease FROM deliveries WHERE id = $1', [id])).rows[0];

/** The test server's runtime, with what an attempt's transaction claims for the process handed to `followed` instead of run. */
function recordingRuntime(room: number, followed: ClaimedRow[]): OutboxRuntime {
  return { ...server.deps.delivery!.runtime, follow: { room: () => room, attempt: (row) => void followed.push(row) } };
}

it("a create claims its notification for its own process, and the expansion claims the person's email: each goes at once, no worker claim between", async () => {
  const seed = await seedOrg(server.db);
  const alice = await seed.addUser('approver');
  // A lease far longer than the test: the worker cannot take either row; only this process's attempts can.
  const made = await createClaiming(seed, [alice.id], 120_000);
  expect(made.notify).toBeTruthy();
  const notify = claimedFromJson(made.notify!);
  expect(notify).toMatchObject({ channel: 'notify', kind: 'approval_request', attempt: 1, approval_id: made.approval.id });
  expect(await rowOf(notify.id)).toEqual({ status: 'delivering', attempts: 1, lease: true });

  const followed: ClaimedRow[] = [];
  const rt = recordingRuntime(8, followed);
  expect(await runAttempt(rt, notify)).toEqual({ kind: 'delivered' });
  expect(await rowOf(notify.id)).toEqual({ status: 'delivered', attempts: 1, lease: false });
  // The expansion's transaction queued alice's email already claimed for this process.
  expect(followed).toHaveLength(1);
  expect(followed[0]).toMatchObject({ channel: 'email', kind: 'approval_request', attempt: 1, recipient_user_id: alice.id });
  expect(await rowOf(followed[0]!.id)).toEqual({ status: 'delivering', attempts: 1, lease: true });

  expect(await runAttempt(rt, followed[0]!)).toEqual({ kind: 'delivered' });
  await smtp.until(() => smtp.to(alice.email).length === 1);
  expect(await rowOf(followed[0]!.id)).toEqual({ status: 'delivered', attempts: 1, lease: false });
});

it('a writer that never makes its attempt loses nothing: the worker takes the notification up when its lease ends', async () => {
  const seed = await seedOrg(server.db);
  const bob = await seed.addUser('approver');
  const t0 = Date.now();
  const made = await createClaiming(seed, [bob.id], 600);
  const notify = claimedFromJson(made.notify!);
  // The test server's worker (sweeping every 100 ms) leaves the row to its claimer until the lease ends.
  await smtp.until(() => smtp.to(bob.email).length === 1, 10_000);
  expect(Date.now() - t0).toBeGreaterThanOrEqual(550);
  await expect.poll(() => rowOf(notify.id), { timeout: 5_000 }).toEqual({ status: 'delivered', attempts: 2, lease: false });
});

it('what an expansion claims is bounded by the room the process has; the rest waits for the worker as before', async () => {
  const seed = await seedOrg(server.db);
  const people = [await seed.addUser('approver'), await seed.addUser('approver'), await seed.addUser('approver')];
  const made = await createClaiming(seed, people.map((p) => p.id), 120_000);
  const followed: ClaimedRow[] = [];
  await runAttempt(recordingRuntime(1, followed), claimedFromJson(made.notify!));
  expect(followed).toHaveLength(1);
  const { rows } = await server.db.query<{ id: string }>(`SELECT id FROM deliveries WHERE approval_id = $1 AND channel = 'email'`, [made.approval.id]);
  // One claimed for this process; the other two were left to the worker (which may have sent them already).
  expect(rows).toHaveLength(3);
  expect(await rowOf(followed[0]!.id)).toEqual({ status: 'delivering', attempts: 1, lease: true });
  // The worker sends the other two; this process sends its own.
  await runAttempt(server.deps.delivery!.runtime, followed[0]!);
  await smtp.until(() => people.every((p) => smtp.to(p.email).length === 1), 10_000);
});

it('channels queueing at once in one transaction share the room: together they claim no more than it', async () => {
  const seed = await seedOrg(server.db);
  const people = [await seed.addUser('approver'), await seed.addUser('approver'), await seed.addUser('approver')];
  const claim: QueueClaim = { leaseMs: 120_000, room: 2, rows: [], taking: 0 };
  const key = `test:${randomUUID()}`;
  const queued = await server.db.transaction(async (tx) => {
    claimQueued(tx, claim);
    const row = (p: { id: string }, part: string) => ({ orgId: seed.org.id, recipientUserId: p.id, dedupeKey: `${key}:${part}:${p.id}`, payload: {} });
    // Issued together, as tell() issues its channels': each takes its share of the room before it is sent.
    return Promise.all([enqueue(tx, EMAIL, 'digest', people.map((p) => row(p, 'a'))), enqueue(tx, EMAIL, 'digest', people.map((p) => row(p, 'b')))]);
  });
  expect(queued).toEqual([3, 3]);
  expect(claim.rows).toHaveLength(2);
  expect(claim.taking).toBe(0);
});

it('rows due later (quiet hours) and rows whose dedupe key is taken are not claimed', async () => {
  const seed = await seedOrg(server.db);
  const carol = await seed.addUser('approver');
  const claim: QueueClaim = { leaseMs: 120_000, room: 8, rows: [], taking: 0 };
  const later = new Date(Date.now() + 3_600_000);
  const key = `test:${randomUUID()}`;
  const queued = await server.db.transaction(async (tx) => {
    claimQueued(tx, claim);
    const row = (dedupeKey: string, notBefore?: Date) => ({ orgId: seed.org.id, recipientUserId: carol.id, dedupeKey, payload: {}, ...(notBefore && { notBefore }) });
    const first = await enqueue(tx, EMAIL, 'digest', [row(key), row(`${key}:later`, later)]);
    const again = await enqueue(tx, EMAIL, 'digest', [row(key)]);
    return [first, again];
  });
  expect(queued).toEqual([2, 0]);
  expect(claim.rows.map((r) => r.attempt)).toEqual([1]);
  const { rows } = await server.db.query<{ dedupe_key: string; status: string; attempts: number; leased: boolean; due_later: boolean }>(
    `SELECT dedupe_key, status, attempts, lease_until IS NOT NULL AS leased, next_attempt_at > now() + interval '30 minutes' AS due_later
       FROM deliveries WHERE dedupe_key LIKE $1 ORDER BY dedupe_key`,
    [`${key}%`],
  );
  expect(rows).toEqual([
    { dedupe_key: key, status: 'delivering', attempts: 1, leased: true, due_later: false },
    { dedupe_key: `${key}:later`, status: 'pending', attempts: 0, leased: false, due_later: true },
  ]);
});

it('with the emergency stop on, an expansion still queues but claims nothing; the emails go once the stop ends', async () => {
  const seed = await seedOrg(server.db);
  const dan = await seed.addUser('approver');
  const made = await createClaiming(seed, [dan.id], 120_000);
  await setEmergencyStop(server.db, seed.org.id, true);
  const followed: ClaimedRow[] = [];
  const rt = recordingRuntime(8, followed);
  expect(await runAttempt(rt, claimedFromJson(made.notify!))).toEqual({ kind: 'delivered' });
  // The queueing statement read the stop: the email waits, pending, as the stop holds every row.
  expect(followed).toHaveLength(0);
  const { rows } = await server.db.query<{ status: string; attempts: number }>(`SELECT status, attempts FROM deliveries WHERE approval_id = $1 AND channel = 'email'`, [made.approval.id]);
  expect(rows).toEqual([{ status: 'pending', attempts: 0 }]);
  expect(smtp.to(dan.email)).toHaveLength(0);
  await setEmergencyStop(server.db, seed.org.id, false);
  await smtp.until(() => smtp.to(dan.email).length === 1, 10_000);
});

/** A request naming one new approver, and its notification's expansion, whose email is claimed for the recording runtime. */
async function expandedForOne() {
  const seed = await seedOrg(server.db);
  const person = await seed.addUser('approver');
  const made = await createClaiming(seed, [person.id], 120_000);
  const followed: ClaimedRow[] = [];
  const rt = recordingRuntime(8, followed);
  expect(await runAttempt(rt, claimedFromJson(made.notify!))).toEqual({ kind: 'delivered' });
  return { person, made, followed, rt };
}

/** The decision-link tokens an email carries, in order. */
const linkTokens = (text: string) => [...text.matchAll(/\/decide\/([A-Za-z0-9_-]{43})/g)].map((m) => m[1]!);

it("the expansion readies its email's first attempt: sent without a statement before it, carrying the links made for that row", async () => {
  const { person: erin, made, followed, rt } = await expandedForOne();
  expect(followed).toHaveLength(1);
  const email = followed[0]!;
  expect(email).toMatchObject({ stopReadByClaim: true, readied: { readiedAsk: true } });

  // Every statement the attempt sends, in order: only its record, after the message left.
  const said: string[] = [];
  const db = new Proxy(server.db, {
    get(target, key) {
      if (key === 'query') return (sql: string, ...rest: unknown[]) => (said.push(sql), (target.query as (...a: unknown[]) => unknown)(sql, ...rest));
      const value = Reflect.get(target, key) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  expect(await runAttempt({ ...rt, db }, email)).toEqual({ kind: 'delivered' });
  await smtp.until(() => smtp.to(erin.email).length === 1);
  expect(said).toHaveLength(1);
  expect(said[0]).toContain('INSERT INTO delivery_attempts');

  // Its links are the row's own, as the expansion made them; each decides only its request.
  const tokens = linkTokens(smtp.to(erin.email)[0]!.text);
  expect(tokens).toHaveLength(2);
  const { rows } = await server.db.query<{ decision: string; delivery_id: string; approval_id: string; user_id: string }>(
    'SELECT decision, delivery_id, approval_id, user_id FROM decision_links WHERE token_hash = ANY($1) ORDER BY decision',
    [tokens.map((t) => sha256Hex(t))],
  );
  expect(rows).toEqual([
    { decision: 'approve', delivery_id: email.id, approval_id: made.approval.id, user_id: erin.id },
    { decision: 'reject', delivery_id: email.id, approval_id: made.approval.id, user_id: erin.id },
  ]);
});

it('a later attempt of a readied email reads everything again and sends the same links', async () => {
  const { person: fay, followed, rt } = await expandedForOne();
  smtp.answer({ code: 451, message: 'try again later' });
  expect(await runAttempt(rt, followed[0]!)).toMatchObject({ kind: 'retry' });
  smtp.answer('accept');
  // Claimed again as the worker claims (attempt 2), before its retry is due: nothing readied.
  const { rows: [again] } = await server.db.query<ClaimedRow>(`SELECT ${CLAIMED_COLUMNS} FROM greenlight_claim_deliveries(ARRAY[$1]::uuid[], 60000) AS d`, [followed[0]!.id]);
  expect(again).toMatchObject({ attempt: 2 });
  expect(again!.readied).toBeUndefined();
  expect(await runAttempt(rt, again!)).toEqual({ kind: 'delivered' });
  await smtp.until(() => smtp.to(fay.email).length === 1);
  const { rows } = await server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM decision_links WHERE delivery_id = $1', [followed[0]!.id]);
  expect(rows[0]!.n).toBe(2);
  const tokens = linkTokens(smtp.to(fay.email)[0]!.text).map((t) => sha256Hex(t));
  const { rows: found } = await server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM decision_links WHERE token_hash = ANY($1) AND delivery_id = $2', [tokens, followed[0]!.id]);
  expect(found[0]!.n).toBe(2);
});
