/**
 * What a waiter probe must never do: resume or disturb the waiter (only HEAD, no body, no signature,
 * no POST while the request is pending), reach a target the SSRF guard refuses, or tell another org
 * anything. The server's own probe job is slowed down here: each test probes by calling the job's
 * function, with the sender the case needs.
 */
import { describe, expect, it } from 'vitest';
import { approvalBody, seedOrg, type TestServer } from '../testing/harness.ts';
import { useCallbackServer } from '../testing/callback-world.ts';
import { signedIn } from '../testing/session.ts';
import { httpSender } from '../channels/webhook/http-sender.ts';
import { parseAllowCidrs } from '../channels/webhook/ssrf.ts';
import { probeDueWaiters, type WaiterProbeRuntime } from './waiter-probes.ts';

let server: TestServer;
const { receiver } = useCallbackServer((s) => (server = s), {
  GREENLIGHT_WAITER_PROBE_AFTER_MS: '100',
  GREENLIGHT_WAITER_PROBE_MAX_MS: '100',
  GREENLIGHT_WAITER_POLL_MS: '3600000',
  GREENLIGHT_DELIVERY_SWEEP_MS: '100',
});


function runtime(allowCidrs = '127.0.0.0/8'): WaiterProbeRuntime {
  return {
    db: server.db,
    sender: httpSender({ guard: { allowCidrs: parseAllowCidrs(allowCidrs) }, timeoutMs: 2000 }),
    mail: false,
    config: server.deps.config,
  };
}

/** Makes the request's probe due now and runs the job once. */
async function probeNow(id: string, rt = runtime()): Promise<void> {
  await server.db.query('UPDATE waiter_probes SET next_probe_at = now() WHERE approval_id = $1', [id]);
  await probeDueWaiters(rt);
}

describe('waiter probes', () => {
  it('are HEADs without a body or a signature: a waiting receiver never gets a POST while the request is pending', async () => {
    const t = await receiver(() => ({ status: 200 }));
    const seed = await seedOrg(server.db);
    const id = (
      await server
        .http(seed.key)
        .post('/api/v1/approvals')
        .send(approvalBody({ callback_url: `${t.url}/resume?execution=9`, callback_headers: { 'X-Resume-Token': 'tok' }, metadata: { secret_plan: 'x' } }))
        .expect(201)
    ).body.id as string;
    for (let i = 0; i < 3; i++) await probeNow(id);
    expect(t.received).toHaveLength(3);
    for (const r of t.received) {
      expect(r.method).toBe('HEAD');
      expect(r.body).toBe('');
      expect(r.headers['content-length']).toBeUndefined();
      expect(r.headers['webhook-signature']).toBeUndefined();
      expect(r.headers['webhook-id']).toBeUndefined();
      expect(r.headers['x-resume-token']).toBe('tok');
    }
    expect(t.received.filter((r) => r.method === 'POST')).toHaveLength(0);

    // Only the request's end reaches it as a POST: its one callback.
    await server.http(seed.key).delete(`/api/v1/approvals/${id}`).expect(200);
    await t.until(() => t.received.some((r) => r.method === 'POST'));
    await probeNow(id);
    expect(t.received.filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(t.received.filter((r) => r.method === 'HEAD')).toHaveLength(3);
  });

  it("are never sent to a platform's callback URL whose answer says nothing (Zapier's hooks): the request says why", async () => {
    const t = await receiver(() => ({ status: 200 }));
    const seed = await seedOrg(server.db);
    // Zapier's hook paths, served by a stand-in for Zapier on loopback.
    const ids: string[] = [];
    for (const path of ['/hooks/callback/1/run-1/', '/hooks/catch/2/abc/']) {
      ids.push((await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ callback_url: `${t.url}${path}` })).expect(201)).body.id as string);
    }
    for (const id of ids) {
      await probeNow(id);
      await probeNow(id);
    }
    expect(t.received).toEqual([]);
    for (const id of ids) {
      const { rows } = await server.db.query<{ done: boolean; probes: number }>('SELECT done_at IS NOT NULL AS done, probes FROM waiter_probes WHERE approval_id = $1', [id]);
      expect(rows[0]).toEqual({ done: true, probes: 1 });
      expect((await server.http(seed.key).get(`/api/v1/approvals/${id}`).expect(200)).body.waiter).toEqual({
        state: 'unknown', reason: "not probed: what Zapier's callback URLs answer to a probe says nothing about whether anyone waits", since: null, checked_at: null,
      });
    }
  });

  it('probe a target that many pending requests share once per round, and give its answer to each of them', async () => {
    const t = await receiver(() => ({ status: 410 }));
    const seed = await seedOrg(server.db);
    const shared = `${t.url}/shared`;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ title: `R${i}`, callback_url: shared })).expect(201)).body.id as string);
    // One with other callback headers is another target (what the receiver answers may depend on them).
    const other = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ callback_url: shared, callback_headers: { 'X-Tenant': 'b' } })).expect(201)).body.id as string;
    await server.db.query('UPDATE waiter_probes SET next_probe_at = now() WHERE approval_id = ANY ($1::uuid[])', [[...ids, other]]);
    // A small batch, so that the round claims the due rows over several batches.
    await probeDueWaiters({ ...runtime(), config: { ...server.deps.config, GREENLIGHT_DELIVERY_CONCURRENCY: 2 } });
    expect(t.received.map((r) => `${r.method} ${r.path} ${String(r.headers['x-tenant'] ?? '-')}`).sort()).toEqual(['HEAD /shared -', 'HEAD /shared b']);
    for (const id of [...ids, other]) {
      expect((await server.http(seed.key).get(`/api/v1/approvals/${id}`).expect(200)).body.waiter).toMatchObject({ state: 'gone', reason: 'the callback target answered 410 Gone' });
    }
    // The next round probes it again, once.
    await server.db.query('UPDATE waiter_probes SET next_probe_at = now() WHERE approval_id = ANY ($1::uuid[])', [ids]);
    await probeDueWaiters({ ...runtime(), config: { ...server.deps.config, GREENLIGHT_DELIVERY_CONCURRENCY: 2 } });
    expect(t.received.filter((r) => r.headers['x-tenant'] === undefined)).toHaveLength(2);
  });

  it('are claimed once: two replicas probing at the same time make one probe per due request', async () => {
    const t = await receiver(() => ({ status: 200 }));
    const seed = await seedOrg(server.db);
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      ids.push((await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ callback_url: `${t.url}/r/${i}` })).expect(201)).body.id as string);
    }
    await server.db.query('UPDATE waiter_probes SET next_probe_at = now() WHERE approval_id = ANY ($1::uuid[])', [ids]);
    await Promise.all([probeDueWaiters(runtime()), probeDueWaiters(runtime())]);
    expect(t.received.map((r) => `${r.method} ${r.path}`).sort()).toEqual(ids.map((_, i) => `HEAD /r/${i}`));
    const { rows } = await server.db.query<{ probes: number }>('SELECT probes FROM waiter_probes WHERE approval_id = ANY ($1::uuid[])', [ids]);
    expect(rows.map((r) => r.probes)).toEqual(Array(6).fill(1));
  });

  it('are never lost: a probe cut off before its result was recorded (a process killed) is made again once its lease ends', async () => {
    const t = await receiver(() => ({ status: 410 }));
    const seed = await seedOrg(server.db);
    const id = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ callback_url: `${t.url}/cut` })).expect(201)).body.id as string;
    await server.db.query('UPDATE waiter_probes SET next_probe_at = now() WHERE approval_id = $1', [id]);
    // This "process" claims the probe and dies before it can send or record anything.
    const dying = new AbortController();
    const hanging: WaiterProbeRuntime = {
      ...runtime(),
      sender: (_d, signal) =>
        new Promise((resolve) => signal!.addEventListener('abort', () => resolve({ startedAt: new Date(), durationMs: 0, statusCode: null, error: 'killed', retryAfterMs: null }))),
    };
    const cut = probeDueWaiters(hanging, dying.signal);
    await new Promise((r) => setTimeout(r, 200));
    dying.abort();
    expect(await cut).toBe(0);
    // Held by its lease: another replica does not probe it meanwhile…
    await probeDueWaiters(runtime());
    expect(t.received.filter((r) => r.path === '/cut')).toHaveLength(0);
    // …and takes it up when the lease ends, as the next probe (the claim counted the lost one).
    await server.db.query(`UPDATE waiter_probes SET lease_until = now(), next_probe_at = now() WHERE approval_id = $1 AND lease_until IS NOT NULL`, [id]);
    await probeDueWaiters(runtime());
    expect(t.received.filter((r) => r.path === '/cut')).toHaveLength(1);
    const { rows } = await server.db.query<{ probes: number }>('SELECT probes FROM waiter_probes WHERE approval_id = $1', [id]);
    expect(rows[0]!.probes).toBe(2);
    expect((await server.http(seed.key).get(`/api/v1/approvals/${id}`).expect(200)).body.waiter.state).toBe('gone');
  });

  it('go through the SSRF guard: a target it refuses is never connected to, and counts as no answer', async () => {
    const t = await receiver();
    const seed = await seedOrg(server.db);
    const id = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ callback_url: `${t.url}/hook` })).expect(201)).body.id as string;
    // The operator narrowed the allow-list since the request was made: loopback is refused again.
    await probeNow(id, runtime(''));
    expect(t.connections).toBe(0);
    const { rows } = await server.db.query<{ last_error: string; unreachable: boolean }>(
      'SELECT last_error, unreachable_since IS NOT NULL AS unreachable FROM waiter_probes WHERE approval_id = $1',
      [id],
    );
    expect(rows[0]).toEqual({ last_error: 'target refused: 127.0.0.1 is a loopback address; Greenlight does not deliver to internal networks', unreachable: true });
  });

  it("show another org nothing: the flagged request, its events and its cancel are 404 to them, and their subscriptions get none of it", async () => {
    const t = await receiver(() => ({ status: 410 }));
    const a = await seedOrg(server.db, 'Org A');
    const b = await seedOrg(server.db, 'Org B');
    const hooksB = await receiver();
    await server.http(b.key).post('/api/v1/webhooks').send({ url: `${hooksB.url}/b`, events: ['approval.waiter_gone'] }).expect(201);
    const id = (await server.http(a.key).post('/api/v1/approvals').send(approvalBody({ callback_url: `${t.url}/x` })).expect(201)).body.id as string;
    await probeNow(id);
    expect((await server.http(a.key).get(`/api/v1/approvals/${id}`).expect(200)).body.waiter.state).toBe('gone');

    await server.http(b.key).get(`/api/v1/approvals/${id}`).expect(404);
    await server.http(b.key).get(`/api/v1/approvals/${id}/events`).expect(404);
    await server.http(b.key).delete(`/api/v1/approvals/${id}`).expect(404);
    const listB = (await server.http(b.key).get('/api/v1/approvals').expect(200)).body.data as { id: string }[];
    expect(listB.map((x) => x.id)).not.toContain(id);
    await new Promise((r) => setTimeout(r, 500));
    expect(hooksB.received).toHaveLength(0);
    expect((await server.http(a.key).get(`/api/v1/approvals/${id}`).expect(200)).body.status).toBe('pending');
  });

  it('leave cancelling to the cancel rules: an approver who did not ask cannot cancel a request whose waiter is gone', async () => {
    const t = await receiver(() => ({ status: 410 }));
    const seed = await seedOrg(server.db);
    const id = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ callback_url: `${t.url}/x` })).expect(201)).body.id as string;
    await probeNow(id);
    const approver = await signedIn(server, seed, 'approver');
    expect((await approver.http().get(`/api/v1/approvals/${id}`).expect(200)).body.waiter.state).toBe('gone');
    await approver.http().delete(`/api/v1/approvals/${id}`).expect(403);
    const admin = await signedIn(server, seed);
    await admin.http().delete(`/api/v1/approvals/${id}`).expect(200);
  });
});
