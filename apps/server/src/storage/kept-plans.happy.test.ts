/**
 * The statements a woken stream, a long poll and a webhook's first attempt run each time are prepared
 * on their connection, and Postgres keeps one plan for each: sent unnamed, each was parsed and planned
 * on every call, which cost more than running it (a woken stream's read: 0.7 ms against 0.03 ms).
 * The pending list is prepared too, and parsed once.
 * Prepared statements are per session, so the statements run on a pool of one connection and are
 * then looked up in that session's `pg_prepared_statements`. Postgres only: the embedded database
 * keeps no prepared statements.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, TEST_DATABASE_URL, type TestServer } from '../testing/harness.ts';
import { startReceiver, type TestReceiver } from '../testing/receiver.ts';
import { openPostgres } from './postgres.ts';
import type { Database } from './database.ts';
import { currentPosition, positionOf, readEvents, START } from '../modules/stream/read-events.ts';
import { beginPollWait, endPollWait } from '../jobs/waiter-probes.ts';
import { callbackSecrets, webhookChannel, WEBHOOK } from '../channels/webhook/webhook-channel.ts';
import type { Message } from '../delivery/outbox/channel.ts';
import { routes } from '@greenlight/contract';
import { listApprovals } from '../modules/approvals/list-approvals.ts';
import type { AuthContext } from '../context.ts';
import { randomUUID } from 'node:crypto';
import { approvalWithRun, shownWithCan } from '../core/run.ts';
import { claimedFromJson, enqueue } from '../delivery/outbox/outbox.ts';
import { EMAIL } from '../channels/email/email-channel.ts';
import { makeDecisionLinks } from '../channels/decision-link-tokens.ts';
import { readForTelling } from '../notify/tell.ts';
import { waitingSteps } from '../notify/reminders.ts';

const RUNS = 8;

describe.skipIf(!TEST_DATABASE_URL)('statements run on every wake-up, wait and first attempt', () => {
  let server: TestServer;
  let receiver: TestReceiver;
  let one: Database;
  beforeAll(async () => {
    server = await startTestServer({ config: { GREENLIGHT_CALLBACK_ALLOW_CIDRS: '127.0.0.0/8' } });
    receiver = await startReceiver(() => ({ status: 200 }));
    one = await openPostgres({ connectionString: server.databaseUrl!, max: 1 });
  }, 60_000);
  afterAll(async () => {
    await one?.close();
    await receiver?.close();
    await server?.stop();
  }, 60_000);

  it('are prepared on their connection, and after the first calls each runs from one kept plan', async () => {
    const seed = await seedOrg(server.db);
    await server.http(seed.key).post('/api/v1/webhooks').send({ url: `${receiver.url}/hook`, events: ['approval.created'] }).expect(201);
    const waited = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201)).body as { id: string };
    const { rows } = await server.db.query<{ row: Record<string, unknown> }>(
      `SELECT to_json(d) AS row FROM deliveries d WHERE d.org_id = $1 AND d.channel = 'webhook' AND d.kind = 'subscription' LIMIT 1`,
      [seed.org.id],
    );
    // As the first attempt sees it: nothing kept yet, so it reads the event and the request to build the body.
    const msg = { ...claimedFromJson(rows[0]!.row), body: null } as unknown as Message<typeof WEBHOOK.kinds>;
    const channel = webhookChannel({ sender: () => Promise.reject(new Error('never sent here')) });
    const ctx = { db: one, logger: pino({ level: 'silent' }) };
    const eventId = (await readEvents(one, seed.org.id, START, 10)).events[0]!.id;

    for (let i = 0; i < RUNS; i++) {
      await readEvents(one, seed.org.id, START, 10);
      await currentPosition(one, seed.org.id);
      await positionOf(one, seed.org.id, eventId);
      await positionOf(one, seed.org.id, '999999999999');
      await beginPollWait(one, { approvalId: waited.id, orgId: seed.org.id, timeoutMs: 1_000, goneAfterMs: 60_000 });
      await endPollWait(one, { approvalId: waited.id, goneAfterMs: 60_000 });
      await callbackSecrets(one, seed.org.id);
      const prepared = await channel.prepare(ctx, msg);
      expect(prepared).toHaveProperty('send');
    }

    const kept = [
      'stream_events_after', 'stream_position_now', 'stream_position_of', 'stream_position_below',
      'waited_on_by_long_poll_poll_row', 'poll_wait_end',
      'callback_secrets_read', 'webhook_subscription_secrets', 'webhook_body_event', 'webhook_body_approval',
    ];
    const plans = (
      await one.query<{ name: string; generic_plans: string; custom_plans: string }>(
        'SELECT name, generic_plans::text, custom_plans::text FROM pg_prepared_statements WHERE name = ANY ($1::text[])',
        [kept],
      )
    ).rows;
    expect(plans.map((p) => p.name).sort()).toEqual([...kept].sort());
    // Postgres plans the first five calls for their values, then keeps a generic plan when it costs no
    // more: every later call ran from it, none was planned again.
    for (const p of plans) {
      expect({ name: p.name, planned: Number(p.custom_plans), kept: Number(p.generic_plans) >= RUNS - 5 }).toEqual({ name: p.name, planned: 5, kept: true });
    }
  }, 60_000);

  // The pending list's kind (one status, by creation time) is read through its index in order,
  // whatever the values: it is parsed and planned once per connection. Any other list is planned for
  // its values every time (its reads are gated on counts), so it is never kept.
  it('keeps the pending list prepared and planned once, and no other list', async () => {
    const seed = await seedOrg(server.db);
    for (let i = 0; i < 3; i++) await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ title: `Rotate key ${i}` })).expect(201);
    const auth: AuthContext = {
      org: { id: seed.org.id, slug: seed.org.slug, name: seed.org.name, emergency_stop: false },
      principal: { type: 'connection', id: seed.connectionId, name: 'primary' },
      connection: null,
      user: null,
      scopes: ['approvals:read', 'approvals:write', 'comments:write'],
      rateLimitKey: 'test',
      rateLimit: 100,
      rateLimitWindowSeconds: 3600,
    };
    const list = async (query: Record<string, string>) => {
      const res = await listApprovals({
        params: {},
        query: routes.listApprovals.request.query!.parse(query),
        body: {},
        headers: {},
        auth,
        deps: { ...server.deps, db: one },
        log: pino({ level: 'silent' }),
        requestId: 'req_test',
      } as unknown as Parameters<typeof listApprovals>[0]);
      return res.body as { data: { id: string; viewer_can: { decide: { approve: { allowed: boolean } } } }[]; pagination: { total: number } };
    };
    const before = new Set((await one.query<{ name: string }>('SELECT name FROM pg_prepared_statements')).rows.map((r) => r.name));
    for (let i = 0; i < RUNS; i++) {
      const pending = await list({ status: 'pending', page_size: '2' });
      expect(pending.pagination.total).toBe(3);
      expect(pending.data).toHaveLength(2);
      // The answer is the same as unnamed: the requester's key may not approve its own requests.
      expect(pending.data.every((r) => r.viewer_can.decide.approve.allowed === false)).toBe(true);
      expect((await list({ search: 'rotate' })).pagination.total).toBe(3);
      expect((await list({ status: 'pending,approved' })).pagination.total).toBe(3);
    }
    const added = (
      await one.query<{ name: string; statement: string; runs: string; planned: string }>(
        'SELECT name, statement, (generic_plans + custom_plans)::text AS runs, custom_plans::text AS planned FROM pg_prepared_statements WHERE NOT (name = ANY ($1::text[]))',
        [[...before]],
      )
    ).rows.filter((r) => r.name.startsWith('list_'));
    expect(added).toHaveLength(1);
    expect(added[0]!.statement).toContain('approval_counts');
    expect(Number(added[0]!.runs)).toBe(RUNS);
    // Every run from the one generic plan, the first included: never planned for its values.
    expect(Number(added[0]!.planned)).toBe(0);
    // The setting that asks for it lasted only as long as the statement.
    expect((await one.query<{ plan_cache_mode: string }>('SHOW plan_cache_mode')).rows[0]!.plan_cache_mode).toBe('auto');
  }, 60_000);

  // A create's answer, a woken waiter's read, and what a notification's expansion reads, queues and
  // readies: their plans do not depend on the values. At a few calls a second per connection most
  // calls were among the five Postgres plans for their values; and Postgres never kept a plan for the
  // woken waiter's read, planning it at every call for longer than it ran.
  it("a create's answer, a woken waiter's read and an expansion's reads, queueing and links are planned once, from the first call", async () => {
    const seed = await seedOrg(server.db);
    const carol = await seed.addUser('approver');
    const created = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201)).body as { id: string };
    const asker = { principal: { type: 'connection' as const, id: seed.connectionId }, user: null, scopes: ['approvals:read'] };
    for (let i = 0; i < RUNS; i++) {
      expect((await approvalWithRun(one, seed.org.id, created.id, asker))?.id).toBe(created.id);
      expect((await shownWithCan(one, seed.org.id, created.id, asker))?.shown.viewer_can?.decide.approve.allowed).toBe(false);
      const id = randomUUID();
      const queued = await one.transaction((tx) =>
        enqueue(tx, EMAIL, 'approval_request', [{ id, orgId: seed.org.id, approvalId: created.id, recipientUserId: carol.id, dedupeKey: `plans:${id}`, payload: {} }]),
      );
      expect(queued).toBe(1);
      const links = await makeDecisionLinks(one, seed.org.id, created.id, 'email', [{ id, recipient_user_id: carol.id }]);
      expect(links.get(id)?.approve).toBeTruthy();
      // Whom the request asks now (it names no step: everyone who may decide) and the steps it waits on (the request itself).
      expect((await readForTelling(one, [], seed.org.id, { askedNow: created.id })).people.map((p) => p.userId)).toContain(carol.id);
      expect(await waitingSteps(one, created.id)).toMatchObject([{ approval_id: created.id, step_order: 0 }]);
    }
    const plans = (
      await one.query<{ name: string; generic_plans: string; custom_plans: string }>(
        `SELECT regexp_replace(name, '^(tell_read)_.*$', '\\1') AS name, generic_plans::text, custom_plans::text FROM pg_prepared_statements
          WHERE name IN ('approval_with_run', 'approval_with_can', 'outbox_enqueue', 'decision_links_make', 'waiting_steps') OR name LIKE 'tell\\_read\\_%' ORDER BY 1`,
      )
    ).rows;
    expect(plans).toEqual(
      ['approval_with_can', 'approval_with_run', 'decision_links_make', 'outbox_enqueue', 'tell_read', 'waiting_steps'].map((name) => ({ name, generic_plans: String(RUNS), custom_plans: '0' })),
    );
  }, 60_000);

  it('a statement run from its generic plan leaves no setting behind, whether it fails or runs in a transaction', async () => {
    const mode = async (db: { query: Database['query'] }) => (await db.query<{ plan_cache_mode: string }>('SHOW plan_cache_mode')).rows[0]!.plan_cache_mode;
    const generic = { prepare: 'generic_probe', generic: true };
    expect((await one.query<{ n: number }>('SELECT $1::int + 1 AS n', [41], generic)).rows[0]!.n).toBe(42);
    expect(await mode(one)).toBe('auto');
    // A failure (division by zero) is the statement's: the setting is reset all the same.
    await expect(one.query('SELECT 1 / ($1::int - 1) AS n', [1], { prepare: 'generic_probe_fails', generic: true })).rejects.toThrow(/division by zero/);
    expect(await mode(one)).toBe('auto');
    // In a transaction, on its connection, between the transaction's other statements.
    const seen = await one.transaction(async (tx) => {
      const before = mode(tx);
      const n = tx.query<{ n: number }>('SELECT $1::int + 1 AS n', [1], generic);
      const after = mode(tx);
      return [await before, (await n).rows[0]!.n, await after];
    });
    expect(seen).toEqual(['auto', 2, 'auto']);
    // A transaction that fails on it rolls back, setting and all.
    await expect(one.transaction((tx) => tx.query('SELECT 1 / ($1::int - 1) AS n', [1], { prepare: 'generic_probe_fails', generic: true }))).rejects.toThrow(/division by zero/);
    expect(await mode(one)).toBe('auto');
    const plans = (await one.query<{ name: string; custom: string }>("SELECT name, custom_plans::text AS custom FROM pg_prepared_statements WHERE name LIKE 'generic_probe%' ORDER BY name")).rows;
    expect(plans).toEqual([{ name: 'generic_probe', custom: '0' }, { name: 'generic_probe_fails', custom: '0' }]);
  }, 60_000);
});
