/**
 * The Make app's triggers against a real Greenlight server: the instant trigger's webhook
 * (attach → decision → delivery → detach), the two-scenario waiting pattern, and both polling
 * triggers over many events with Make's (date, id) cursor: none missed, none repeated.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, startReceiver, type TestReceiver, expireDue } from '@greenlight/server/testing';
import { MakeRuntime, type MakeConnection, type TriggerState } from '../packages/make/src/index.ts';

let server: harness.TestServer;
let receiver: TestReceiver;
beforeAll(async () => {
  server = await harness.startTestServer({ config: { GREENLIGHT_CALLBACK_ALLOW_CIDRS: '127.0.0.0/8', GREENLIGHT_DELIVERY_SWEEP_MS: '100' } });
  receiver = await startReceiver();
}, 60_000);
afterAll(async () => {
  await server?.stop();
  await receiver?.close();
}, 60_000);

async function world() {
  const seed = await harness.seedOrg(server.db);
  const runtime = new MakeRuntime();
  const requester = await runtime.connectBasic('greenlightApiKey', { baseUrl: server.url, apiKey: seed.key });
  const approverKey = await seed.newKey({ name: 'Approver bot' });
  const approver = await runtime.connectBasic('greenlightApiKey', { baseUrl: server.url, apiKey: approverKey.key });
  return { seed, runtime, requester, approver };
}

type Approval = { id: string; status: string; metadata: Record<string, unknown>; decision_comment: string | null };

describe('Watch Decisions (instant)', () => {
  it('attach subscribes the webhook; a decision is delivered and becomes the bundle; detach unsubscribes (and a second detach is fine)', async () => {
    const { runtime, requester, approver } = await world();
    const hookUrl = `${receiver.url}/make/hook-${Date.now()}`;
    const webhookId = runtime.app.modules.watchDecisionsInstant!.meta.webhook!;
    const hook = await runtime.attach(webhookId, requester, hookUrl, { subscribe: true, events: ['approval.approved', 'approval.rejected'] });
    expect(hook.data.externalHookId).toEqual(expect.any(String));
    const sub = await server.http((requester.params as { apiKey: string }).apiKey).get(`/api/v1/webhooks/${String(hook.data.externalHookId)}`).expect(200);
    expect(sub.body).toMatchObject({ url: hookUrl, events: ['approval.approved', 'approval.rejected'], status: 'active', description: 'Make: Watch Decisions' });
    expect(JSON.stringify(runtime.log)).not.toContain('whsec_');

    const [a] = (await runtime.run('requestApproval', requester, { title: 'Ship it', description: 'd', priority: 'low' })) as Approval[];
    const [b] = (await runtime.run('requestApproval', requester, { title: 'Cancel me', description: 'd', priority: 'low' })) as Approval[];
    await runtime.run('cancelApproval', requester, { id: b!.id }); // not subscribed
    await runtime.run('decideApproval', approver, { id: a!.id, decision: 'approve', comment: 'go' });
    const mine = () => receiver.received.filter((r) => r.body.includes(a!.id));
    await receiver.until(() => mine().length >= 1);
    const bundles = runtime.receive(hook, { body: JSON.parse(mine()[0]!.body), headers: mine()[0]!.headers as Record<string, unknown> });
    expect(bundles).toEqual([expect.objectContaining({ id: a!.id, status: 'approved', decision_comment: 'go' })]);
    expect(receiver.received.some((r) => r.body.includes(b!.id))).toBe(false);

    expect(await runtime.detach(hook, requester)).toEqual({ skipped: false });
    await server.http((requester.params as { apiKey: string }).apiKey).get(`/api/v1/webhooks/${String(hook.data.externalHookId)}`).expect(404);
    // Deleted on the Greenlight side already: detaching still succeeds.
    expect(await runtime.detach(hook, requester)).toEqual({ skipped: false });
    expect(runtime.log.at(-1)!.response.status).toBe(404);
  });

  it('with "subscribe" off, attach creates nothing and detach has nothing to delete', async () => {
    const { runtime, requester } = await world();
    const hook = await runtime.attach('greenlightDecisions', requester, `${receiver.url}/make/callback-only`, { subscribe: false, events: ['approval.approved'] });
    expect(hook.data).toEqual({});
    expect((await server.http((requester.params as { apiKey: string }).apiKey).get('/api/v1/webhooks').expect(200)).body).toEqual({ data: [] });
    expect(await runtime.detach(hook, requester)).toEqual({ skipped: true });
  });

  it('attach without the scope fails with InvalidConfigurationError', async () => {
    const { seed, runtime } = await world();
    const readOnly = await seed.newKey({ scopes: ['approvals:read'] });
    const conn = await runtime.connectBasic('greenlightApiKey', { baseUrl: server.url, apiKey: readOnly.key });
    await expect(runtime.attach('greenlightDecisions', conn, `${receiver.url}/x`, { subscribe: true, events: ['approval.approved'] })).rejects.toMatchObject({
      type: 'InvalidConfigurationError',
      statusCode: 403,
    });
  });
});

describe('waiting for a decision: two scenarios', () => {
  it('scenario A requests with the callback pointing at scenario B’s webhook; B continues with the decision', async () => {
    const { runtime, requester, approver } = await world();
    // Scenario B: Watch Decisions (instant), callbacks only. Its webhook address is what A sends.
    const bUrl = `${receiver.url}/make/scenario-b-${Date.now()}`;
    const hookB = await runtime.attach('greenlightDecisions', requester, bUrl, { subscribe: false, events: ['approval.approved', 'approval.rejected'] });

    // Scenario A: its own work, then Request Approval with B's address and the context B needs.
    const [requested] = (await runtime.run('requestApproval', requester, {
      title: 'Refund order #42',
      description: 'Customer asked for a refund of 129 EUR',
      priority: 'high',
      callback_url: bUrl,
      metadata: { order_id: 42, amount: 129 },
      external_id: 'REFUND-42',
    })) as Approval[];
    expect(requested!.status).toBe('pending');

    // A person decides (here: another key) …
    await runtime.run('decideApproval', approver, { id: requested!.id, decision: 'reject', comment: 'Outside the refund window' });
    const callbacks = () => receiver.received.filter((r) => r.body.includes(requested!.id) && r.body.includes('approval.rejected'));
    await receiver.until(() => callbacks().length >= 1);

    // … and Make runs scenario B with the decided request as its bundle.
    const [bundle] = runtime.receive(hookB, { body: JSON.parse(callbacks()[0]!.body), headers: callbacks()[0]!.headers as Record<string, unknown> }) as Approval[];
    expect(bundle).toMatchObject({ id: requested!.id, status: 'rejected', decision_comment: 'Outside the refund window', metadata: { order_id: 42, amount: 129 } });
    // B goes on with what A left in the request: here it records the outcome on the request.
    const [note] = (await runtime.run('addComment', requester, { id: bundle!.id, body: `Order ${String(bundle!.metadata.order_id)}: refund not issued (${bundle!.status})` })) as { body: string }[];
    expect(note!.body).toBe('Order 42: refund not issued (rejected)');
    // One decision, one callback: no subscription was created for B.
    await new Promise((r) => setTimeout(r, 300));
    expect(callbacks()).toHaveLength(1);
  });
});

describe('polling triggers', () => {
  const rng = (seed: number) => () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };

  it('epoch lists where to start, with labels and dates', async () => {
    const { runtime, requester, approver } = await world();
    const [a] = (await runtime.run('requestApproval', requester, { title: 'First', description: 'd', priority: 'low' })) as Approval[];
    await runtime.run('decideApproval', approver, { id: a!.id, decision: 'approve' });
    const created = (await runtime.epoch('watchNewApprovals', requester, { limit: 10 })) as { label: string; date: string }[];
    expect(created).toEqual([{ label: 'First (approved)', date: expect.stringMatching(/^\d{4}-/) }]);
    const decided = (await runtime.epoch('watchDecisions', requester, { limit: 10, lookbackDays: 30 })) as { label: string; date: string }[];
    expect(decided).toEqual([{ label: 'First (approved)', date: expect.any(String) }]);
  });

  it('Watch New Approval Requests and Watch Decisions over many events: every one exactly once, oldest first', async () => {
    const { seed, runtime, requester, approver } = await world();
    const random = rng(20261121);
    const pendingIds: string[] = [];
    const decidedIds = new Set<string>();
    const createdIds: string[] = [];

    // Before the triggers are switched on: neither may emit these.
    const [old] = (await runtime.run('requestApproval', requester, { title: 'old', description: 'd', priority: 'low' })) as Approval[];
    await runtime.run('decideApproval', approver, { id: old!.id, decision: 'approve' });
    await new Promise((r) => setTimeout(r, 5));
    let newState: TriggerState = runtime.startState({ kind: 'now' });
    let decidedState: TriggerState = runtime.startState({ kind: 'now' });
    await new Promise((r) => setTimeout(r, 5));
    // Commenting on a request decided before the start moves its updated_at, not its decision time.
    await runtime.run('addComment', requester, { id: old!.id, body: 'late comment' });

    const emittedNew: string[] = [];
    const emittedDecided: string[] = [];
    const pollAll = async (moduleId: string, params: Record<string, unknown>, state: TriggerState, out: string[], conn: MakeConnection) => {
      for (let run = 0; run < 50; run++) {
        const r = await runtime.poll(moduleId, conn, params, state);
        const items = r.bundles as Approval[];
        const times = items.map((i) => (moduleId === 'watchNewApprovals' ? (i as unknown as { created_at: string }).created_at : ''));
        expect([...times].sort()).toEqual(times); // oldest first within a run
        out.push(...items.map((i) => i.id));
        state = r.state;
        if (items.length < Number(params.limit)) return state;
      }
      throw new Error('trigger never drained');
    };

    for (let round = 0; round < 8; round++) {
      const creates = 1 + Math.floor(random() * 4);
      for (let i = 0; i < creates; i++) {
        const [a] = (await runtime.run('requestApproval', requester, { title: `r${round}-${i}`, description: 'd', priority: 'low' })) as Approval[];
        pendingIds.push(a!.id);
        createdIds.push(a!.id);
      }
      if (round % 3 === 1) {
        // Many in one statement: the same timestamp to the microsecond, told apart by id.
        const ids = await bulkCreate(seed, 5 + Math.floor(random() * 20));
        pendingIds.push(...ids);
        createdIds.push(...ids);
      }
      const decisions = Math.floor(random() * Math.min(6, pendingIds.length));
      for (let i = 0; i < decisions; i++) {
        const id = pendingIds.splice(Math.floor(random() * pendingIds.length), 1)[0]!;
        const roll = random();
        if (roll < 0.4) await runtime.run('decideApproval', approver, { id, decision: 'approve' });
        else if (roll < 0.7) await runtime.run('decideApproval', approver, { id, decision: 'reject' });
        else if (roll < 0.85) await runtime.run('cancelApproval', requester, { id });
        else {
          await server.db.query(`UPDATE approvals SET expires_at = now() - interval '1 second' WHERE id = $1`, [id]);
          await expireDue(server.db);
        }
        decidedIds.add(id);
        // Later activity on decided requests, expired ones included, must not make them fire again.
        if (random() < 0.5) await runtime.run('addComment', requester, { id, body: 'after the decision' });
      }
      if (random() < 0.7) {
        newState = await pollAll('watchNewApprovals', { limit: 4 }, newState, emittedNew, requester);
        decidedState = await pollAll('watchDecisions', { limit: 3, lookbackDays: 30, outcomes: ['approved', 'rejected', 'expired', 'cancelled'] }, decidedState, emittedDecided, requester);
      }
    }
    newState = await pollAll('watchNewApprovals', { limit: 4 }, newState, emittedNew, requester);
    decidedState = await pollAll('watchDecisions', { limit: 3, lookbackDays: 30, outcomes: ['approved', 'rejected', 'expired', 'cancelled'] }, decidedState, emittedDecided, requester);
    // A last run finds nothing new.
    expect((await runtime.poll('watchNewApprovals', requester, { limit: 4 }, newState)).bundles).toEqual([]);

    expect(createdIds.length).toBeGreaterThan(20);
    expect(decidedIds.size).toBeGreaterThan(5);
    expect(new Set(emittedNew).size).toBe(emittedNew.length);
    expect(new Set(emittedNew)).toEqual(new Set(createdIds));
    expect(new Set(emittedDecided).size).toBe(emittedDecided.length);
    expect(new Set(emittedDecided)).toEqual(decidedIds);
    expect(emittedNew).not.toContain(old!.id);
    expect(emittedDecided).not.toContain(old!.id);
  });

  it('Watch Decisions only emits the chosen outcomes', async () => {
    const { runtime, requester, approver } = await world();
    let state = runtime.startState({ kind: 'all' });
    const ids: Record<string, string> = {};
    for (const d of ['approve', 'reject'] as const) {
      const [a] = (await runtime.run('requestApproval', requester, { title: d, description: 'd', priority: 'low' })) as Approval[];
      await runtime.run('decideApproval', approver, { id: a!.id, decision: d });
      ids[d] = a!.id;
    }
    const r = await runtime.poll('watchDecisions', requester, { limit: 10, lookbackDays: 30, outcomes: ['rejected'] }, state);
    state = r.state;
    expect((r.bundles as Approval[]).map((a) => a.id)).toEqual([ids.reject]);
    expect(new URL(runtime.log.at(-1)!.request.url).searchParams.get('status')).toBe('rejected');
  });
});

async function bulkCreate(seed: harness.SeededOrg, n: number): Promise<string[]> {
  const { rows } = await server.db.query<{ approval_id: string }>(
    `WITH ins AS (
       INSERT INTO approvals (org_id, connection_id, requested_by_type, requested_by_id, requested_by_name, title, description, priority)
       SELECT $1::uuid, $2::uuid, 'connection', $2::uuid, 'bulk', 'Bulk ' || g, 'd', 'low' FROM generate_series(1, $3::int) g
       RETURNING id, org_id
     )
     INSERT INTO events (org_id, approval_id, type, actor_type, actor_id, actor_name, from_status, to_status, data)
     SELECT org_id, id, 'approval.created', 'connection', $2::uuid, 'bulk', NULL, 'pending', '{}'::jsonb FROM ins
     RETURNING approval_id::text`,
    [seed.org.id, seed.connectionId, n],
  );
  return rows.map((r) => r.approval_id);
}
