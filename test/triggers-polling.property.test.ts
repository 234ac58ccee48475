/**
 * The shared polling cursor against the real server: random interleavings of creates (many in one
 * SQL statement, so with the same timestamp to the microsecond, and in parallel), decisions,
 * cancellations, expiries, comments, step votes and polls with page sizes that are often exactly
 * filled. The truth is the server's own event log: every event after the triggers were switched on
 * must come out of exactly one poll, none twice, none missed, newest first within each poll.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { harness, expireDue } from '@greenlight/server/testing';
import {
  approvalDecidedTrigger,
  newApprovalTrigger,
  newCommentTrigger,
  poll,
  stepDecidedTrigger,
  type JsonRequester,
  type PollState,
  type TriggerDefinition,
} from '@greenlight/triggers';

let server: harness.TestServer;
beforeAll(async () => {
  server = await harness.startTestServer();
});
afterAll(() => server?.stop());

function requester(key: string): JsonRequester {
  return async (req) => {
    const url = new URL(server.url + req.path);
    for (const [k, v] of Object.entries(req.query ?? {})) url.searchParams.set(k, v);
    const res = await fetch(url, {
      method: req.method,
      headers: { authorization: `Bearer ${key}`, ...(req.body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: req.body === undefined ? undefined : JSON.stringify(req.body),
    });
    const body = await res.json();
    if (!req.successStatuses.includes(res.status)) throw new Error(`${req.method} ${req.path} → ${res.status} ${JSON.stringify(body)}`);
    return body;
  };
}

interface World {
  seed: harness.SeededOrg;
  requesterKey: string;
  approverKey: string;
  approverUserId: string;
  ids: string[];
  stepsConfigured: Set<string>;
}

async function api(key: string, method: 'get' | 'post' | 'patch' | 'delete', path: string, body?: unknown) {
  const res = await server.http(key)[method](path).send(body as object);
  return res;
}

/** `n` requests in one INSERT: one `now()`, so the same created_at down to the microsecond. */
async function createInOneStatement(w: World, n: number): Promise<string[]> {
  const { rows } = await server.db.query<{ approval_id: string }>(
    `WITH ins AS (
       INSERT INTO approvals (org_id, connection_id, requested_by_type, requested_by_id, requested_by_name, title, description, priority)
       SELECT $1::uuid, $2::uuid, 'connection', $2::uuid, 'bulk', 'bulk #' || g, 'created in one statement', 'low'
         FROM generate_series(1, $3::int) g
       RETURNING id, org_id
     )
     INSERT INTO events (org_id, approval_id, type, actor_type, actor_id, actor_name, from_status, to_status, data)
     SELECT org_id, id, 'approval.created', 'connection', $2::uuid, 'bulk', NULL, 'pending', '{}'::jsonb FROM ins
     RETURNING approval_id::text`,
    [w.seed.org.id, w.seed.connectionId, n],
  );
  return rows.map((r) => r.approval_id);
}

async function pending(w: World, pick: number): Promise<string | undefined> {
  const { rows } = await server.db.query<{ id: string }>(
    `SELECT id FROM approvals WHERE org_id = $1 AND status = 'pending' ORDER BY seq`,
    [w.seed.org.id],
  );
  return rows.length ? rows[pick % rows.length]!.id : undefined;
}

type Command =
  | { kind: 'create'; n: number; mode: 'sql' | 'parallel' }
  | { kind: 'decide'; pick: number; decision: 'approve' | 'reject' }
  | { kind: 'cancel'; pick: number }
  | { kind: 'expire'; pick: number; policy: 'expire' | 'approve' | 'reject' }
  | { kind: 'comment'; pick: number; n: number }
  | { kind: 'steps'; pick: number; votes: number; decision: 'approve' | 'reject' }
  | { kind: 'poll'; pageSize: number };

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('create' as const), n: fc.integer({ min: 1, max: 7 }), mode: fc.constantFrom('sql' as const, 'parallel' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('decide' as const), pick: fc.nat(50), decision: fc.constantFrom('approve' as const, 'reject' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat(50) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('expire' as const), pick: fc.nat(50), policy: fc.constantFrom('expire' as const, 'approve' as const, 'reject' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('comment' as const), pick: fc.nat(50), n: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('steps' as const), pick: fc.nat(50), votes: fc.integer({ min: 1, max: 2 }), decision: fc.constantFrom('approve' as const, 'reject' as const) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('poll' as const), pageSize: fc.constantFrom(1, 2, 3, 4, 100) }) },
);

async function run(w: World, c: Command): Promise<void> {
  switch (c.kind) {
    case 'create': {
      if (c.mode === 'sql') {
        w.ids.push(...(await createInOneStatement(w, c.n)));
      } else {
        const created = await Promise.all(Array.from({ length: c.n }, () => api(w.requesterKey, 'post', '/api/v1/approvals', createBody)));
        for (const res of created) expect(res.status).toBe(201);
      }
      return;
    }
    case 'decide': {
      const id = await pending(w, c.pick);
      if (id && !w.stepsConfigured.has(id)) expect((await api(w.approverKey, 'patch', `/api/v1/approvals/${id}`, { decision: c.decision })).status).toBe(200);
      return;
    }
    case 'cancel': {
      const id = await pending(w, c.pick);
      if (id) expect((await api(w.requesterKey, 'delete', `/api/v1/approvals/${id}`)).status).toBe(200);
      return;
    }
    case 'expire': {
      const id = await pending(w, c.pick);
      if (!id) return;
      await server.db.query(`UPDATE approvals SET expires_at = now(), on_expiry = $2 WHERE id = $1`, [id, c.policy]);
      await expireDue(server.db);
      return;
    }
    case 'comment': {
      const { rows } = await server.db.query<{ id: string }>(`SELECT id FROM approvals WHERE org_id = $1 ORDER BY seq`, [w.seed.org.id]);
      if (rows.length === 0) return;
      const id = rows[c.pick % rows.length]!.id;
      for (let i = 0; i < c.n; i++) expect((await api(w.requesterKey, 'post', `/api/v1/approvals/${id}/comments`, { body: `comment ${i}` })).status).toBe(201);
      return;
    }
    case 'steps': {
      const id = await pending(w, c.pick);
      if (!id || w.stepsConfigured.has(id)) return;
      const configured = await api(w.requesterKey, 'post', `/api/v1/approvals/${id}/steps`, {
        steps: [
          { approver_id: w.seed.admin.id, step_order: 1 },
          { approver_id: w.approverUserId, step_order: 2 },
        ],
      });
      expect(configured.status).toBe(201);
      w.stepsConfigured.add(id);
      const steps = configured.body.data as { id: string }[];
      for (let i = 0; i < c.votes; i++) {
        const decision = i === c.votes - 1 ? c.decision : 'approve';
        expect((await api(w.approverKey, 'patch', `/api/v1/approvals/${id}/steps/${steps[i]!.id}`, { decision })).status).toBe(200);
        if (decision === 'reject') break;
      }
      return;
    }
    case 'poll':
      return;
  }
}

const createBody = harness.approvalBody();

/** The item's own time, for the newest-first check. */
async function timeOf(triggerKey: string, item: Record<string, unknown>, expiredAt: Map<string, number>): Promise<number> {
  switch (triggerKey) {
    case 'new_approval':
      return Date.parse(item.created_at as string);
    case 'approval_decided':
      return item.decided_at ? Date.parse(item.decided_at as string) : item.cancelled_at ? Date.parse(item.cancelled_at as string) : expiredAt.get(item.id as string)!;
    case 'new_comment':
      return Date.parse(item.created_at as string);
    default:
      return Date.parse(item.decided_at as string);
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a heterogeneous list of triggers
const TRIGGERS: TriggerDefinition<any, any>[] = [newApprovalTrigger, approvalDecidedTrigger, newCommentTrigger, stepDecidedTrigger];

async function scenario(lookbackMs: number, before: Command[], commands: Command[]) {
  const seed = await harness.seedOrg(server.db, 'Polling');
  // The approver key votes on steps that name people: the org lets keys decide steps that do not name them.
  await server.db.query('UPDATE orgs SET admin_override = true WHERE id = $1', [seed.org.id]);
  const approverUser = await seed.addUser('approver');
  const w: World = {
    seed,
    requesterKey: seed.key,
    approverKey: (await seed.newKey({ name: 'approver' })).key,
    approverUserId: approverUser.id,
    ids: [],
    stepsConfigured: new Set(),
  };
  const pollerKey = (await seed.newKey({ name: 'poller', scopes: ['approvals:read'] })).key;
  const request = requester(pollerKey);
  for (const c of before) await run(w, c);
  const { rows: e0 } = await server.db.query<{ max: string }>(`SELECT coalesce(max(id), 0)::text AS max FROM events WHERE org_id = $1`, [seed.org.id]);

  const states = new Map<string, PollState>();
  const emitted = new Map<string, Record<string, unknown>[][]>();
  for (const t of TRIGGERS) {
    const first = await poll(t.polling, { request, filters: t.filters({}), lookbackMs });
    expect(first.items).toEqual([]);
    states.set(t.key, first.state);
    emitted.set(t.key, []);
  }
  const pollAll = async (pageSize: number) => {
    for (const t of TRIGGERS) {
      const r = await poll(t.polling, { request, filters: t.filters({}), state: states.get(t.key), lookbackMs, pageSize });
      states.set(t.key, JSON.parse(JSON.stringify(r.state)) as PollState);
      emitted.get(t.key)!.push(r.items as Record<string, unknown>[]);
    }
  };
  for (const c of commands) {
    await run(w, c);
    if (c.kind === 'poll') await pollAll(c.pageSize);
  }
  await pollAll(3);

  // The truth: the server's event log after the triggers were switched on.
  const { rows: events } = await server.db.query<{ type: string; approval_id: string; data: Record<string, unknown>; created_at: Date }>(
    `SELECT type, approval_id::text, data, created_at FROM events WHERE org_id = $1 AND id > $2::bigint ORDER BY id`,
    [seed.org.id, e0[0]!.max],
  );
  const { rows: expiredRows } = await server.db.query<{ approval_id: string; created_at: Date }>(
    `SELECT approval_id::text, created_at FROM events WHERE org_id = $1 AND type = 'approval.expired'`,
    [seed.org.id],
  );
  const expiredAt = new Map(expiredRows.map((r) => [r.approval_id, Math.floor(r.created_at.getTime())]));
  const expected: Record<string, string[]> = {
    new_approval: events.filter((e) => e.type === 'approval.created').map((e) => e.approval_id),
    approval_decided: events.filter((e) => ['approval.approved', 'approval.rejected', 'approval.expired', 'approval.cancelled'].includes(e.type)).map((e) => e.approval_id),
    new_comment: events.filter((e) => e.type === 'comment.created').map((e) => e.data.comment_id as string),
    step_decided: events.filter((e) => e.type === 'step.decided').map((e) => e.data.step_id as string),
  };

  for (const t of TRIGGERS) {
    const polls = emitted.get(t.key)!;
    const keys = polls.flat().map((i) => i.id as string);
    // Exactly once: no key twice, and the same set as the log.
    expect(new Set(keys).size, `${t.key}: repeated items`).toBe(keys.length);
    expect([...keys].sort(), `${t.key}: missed or extra items`).toEqual([...expected[t.key]!].sort());
    // Newest first within each poll.
    for (const items of polls) {
      const times = await Promise.all(items.map((i) => timeOf(t.key, i, expiredAt)));
      for (let i = 1; i < times.length; i++) expect(times[i]!, `${t.key}: order within a poll`).toBeLessThanOrEqual(times[i - 1]!);
    }
  }
  return { total: Object.values(expected).reduce((n, l) => n + l.length, 0) };
}

describe('polling triggers over the real server', () => {
  it('a full page of requests created in the same microsecond, then exactly one more page, each emitted once', async () => {
    const seed = await harness.seedOrg(server.db, 'Same instant');
    const w: World = { seed, requesterKey: seed.key, approverKey: seed.key, approverUserId: seed.admin.id, ids: [], stepsConfigured: new Set() };
    const request = requester(seed.key);
    await createInOneStatement(w, 2);
    const init = await poll(newApprovalTrigger.polling, { request, filters: {}, lookbackMs: 0 });
    const first = await createInOneStatement(w, 4);
    const a = await poll(newApprovalTrigger.polling, { request, filters: {}, state: init.state, lookbackMs: 0, pageSize: 4 });
    expect(a.items.map((i) => i.id).sort()).toEqual([...first].sort());
    expect(new Set(a.items.map((i) => i.created_at)).size).toBe(1);
    const second = await createInOneStatement(w, 8);
    const b = await poll(newApprovalTrigger.polling, { request, filters: {}, state: a.state, lookbackMs: 0, pageSize: 4 });
    expect(b.items.map((i) => i.id).sort()).toEqual([...second].sort());
    const c = await poll(newApprovalTrigger.polling, { request, filters: {}, state: b.state, lookbackMs: 0, pageSize: 4 });
    expect(c.items).toEqual([]);
  });

  it('random interleavings: every event seen exactly once, newest first within a poll, none missed', async () => {
    let totalEvents = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(0, 3, 60_000),
        fc.array(commandArb, { minLength: 0, maxLength: 4 }),
        fc.array(commandArb, { minLength: 4, maxLength: 18 }),
        async (lookbackMs, before, commands) => {
          totalEvents += (await scenario(lookbackMs, before, commands)).total;
        },
      ),
      { numRuns: 14, seed: process.env.FC_SEED ? Number(process.env.FC_SEED) : undefined },
    );
    // The property was about something: the runs produced events to find.
    expect(totalEvents).toBeGreaterThan(50);
    console.log(`polling property: ${totalEvents} events checked`);
  }, 120_000);
});
