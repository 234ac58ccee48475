/**
 * The SDK against the real server in-process: every operation an API key may call, typed errors
 * with the envelope's code, message and request id, retries after 429 on a rate-limit window the
 * test controls, an OAuth token refreshed on 401, a webhook subscription delivering to a local
 * receiver whose signature the SDK verifies, and a typed error for a response of the wrong shape.
 * Whose decision it is: a callback receiver refuses another request's signed callback sent to it, and
 * a wait through a proxy that mixes answers up never takes another request's approval for its own.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, memoryRateLimitStore, setEmergencyStop, startMisroutingProxy, startReceiver } from '@greenlight/server/testing';
import {
  AuthenticationError,
  ConflictError,
  ContractMismatchError,
  DecisionTimeoutError,
  EmergencyStopError,
  Greenlight,
  NotFoundError,
  parseWebhook,
  PermissionError,
  RateLimitError,
  ValidationError,
  WebhookVerificationError,
  WrongRequestError,
  type Approval,
  type BodyOf,
} from '@greenlight/client';
import { newApprovalTrigger } from '@greenlight/triggers';

let server: harness.TestServer;
beforeAll(async () => {
  // Loopback receivers are internal addresses: allowed explicitly, as a self-hoster would.
  server = await harness.startTestServer({ config: { GREENLIGHT_CALLBACK_ALLOW_CIDRS: '127.0.0.0/8', GREENLIGHT_DELIVERY_SWEEP_MS: '50' } });
});
afterAll(() => server?.stop());

const body = (overrides: Partial<BodyOf<'createApproval'>> = {}): BodyOf<'createApproval'> => ({
  title: 'Deploy v2 to production',
  description: 'Friday deploy',
  priority: 'high',
  ...overrides,
});

async function setup() {
  const seed = await harness.seedOrg(server.db, 'SDK');
  const requester = new Greenlight({ baseUrl: server.url, apiKey: seed.key });
  const approver = new Greenlight({ baseUrl: server.url, apiKey: (await seed.newKey({ name: 'approver' })).key });
  return { seed, requester, approver };
}

describe('every operation', () => {
  it('me, create (idempotent), get, list, pages, all, find by external id, events', async () => {
    const { seed, requester } = await setup();
    const me = await requester.me();
    expect(me.org.id).toBe(seed.org.id);

    const a = await requester.approvals.create(body({ external_id: 'EXT-1' }), { idempotencyKey: 'deploy-1' });
    const again = await requester.approvals.create(body({ external_id: 'EXT-1' }), { idempotencyKey: 'deploy-1' });
    expect(again.id).toBe(a.id);
    const generated = await requester.approvals.create(body());
    expect(generated.idempotency_key).toMatch(/^[0-9a-f-]{36}$/);

    expect((await requester.approvals.get(a.id)).title).toBe('Deploy v2 to production');
    for (let i = 0; i < 3; i++) await requester.approvals.create(body({ title: `more ${i}` }));
    const page = await requester.approvals.list({ page_size: 2 });
    expect(page.data).toHaveLength(2);
    expect(page.next_page_token).toBeTruthy();
    const pages = [];
    for await (const p of requester.approvals.pages({ page_size: 2 })) pages.push(p.data.length);
    expect(pages).toEqual([2, 2, 1]);
    const all: Approval[] = [];
    for await (const x of requester.approvals.all({ page_size: 2 })) all.push(x);
    expect(new Set(all.map((x) => x.id)).size).toBe(5);
    expect(all.map((x) => x.created_at)).toEqual([...all.map((x) => x.created_at)].sort().reverse());

    expect((await requester.approvals.findByExternalId('EXT-1'))?.id).toBe(a.id);
    expect(await requester.approvals.findByExternalId('nope')).toBeNull();
    // An exact lookup by idempotency key, however many requests came after it.
    expect((await requester.approvals.findByIdempotencyKey('deploy-1'))?.id).toBe(a.id);
    expect(await requester.approvals.findByIdempotencyKey('never-used')).toBeNull();
    expect((await requester.approvals.events(a.id)).data.map((e) => e.type)).toEqual(['approval.created']);
  });

  it('decide, approve, reject, cancel, comments, steps', async () => {
    const { seed, requester, approver } = await setup();
    const a = await requester.approvals.create(body());
    const decided = await approver.approvals.decide(a.id, { decision: 'approve', comment: 'ok' });
    expect(decided).toMatchObject({ status: 'approved', decision_comment: 'ok' });
    expect((await approver.approvals.reject((await requester.approvals.create(body())).id, 'no')).status).toBe('rejected');
    expect((await approver.approvals.approve((await requester.approvals.create(body())).id)).status).toBe('approved');
    expect((await requester.approvals.cancel((await requester.approvals.create(body())).id)).status).toBe('cancelled');

    const comment = await requester.comments.create(a.id, { body: 'shipped' });
    expect((await requester.comments.list(a.id)).data.map((c) => c.id)).toEqual([comment.id]);

    // The approver key votes on a step that names the admin: through the org's admin override.
    await server.db.query('UPDATE orgs SET admin_override = true WHERE id = $1', [seed.org.id]);
    const s = await requester.approvals.create(body());
    const steps = await requester.steps.configure(s.id, { steps: [{ approver_id: seed.admin.id, step_order: 1 }] });
    expect((await requester.steps.list(s.id)).data.map((x) => x.id)).toEqual(steps.data.map((x) => x.id));
    const voted = await approver.steps.vote(s.id, steps.data[0]!.id, { decision: 'approve', comment: 'LGTM' });
    expect(voted).toMatchObject({ status: 'approved', comment: 'LGTM' });
  });

  it('batchDecide: one result per distinct id, refusals as results with their error code', async () => {
    const { requester, approver } = await setup();
    const [a, b] = [await requester.approvals.create(body()), await requester.approvals.create(body())];
    await approver.approvals.approve(b.id);
    const other = await harness.seedOrg(server.db, 'SDK other');
    const foreign = await new Greenlight({ baseUrl: server.url, apiKey: other.key }).approvals.create(body());
    const result = await approver.approvals.batchDecide([a.id, b.id, foreign.id, a.id], 'approve', { comment: 'bulk' });
    expect(result).toMatchObject({ recorded: 1, refused: 2 });
    expect(result.data.map((r) => [r.id, r.outcome, r.outcome === 'refused' ? r.error.code : r.approval.status])).toEqual([
      [a.id, 'recorded', 'approved'],
      [b.id, 'refused', 'INVALID_STATUS'],
      [foreign.id, 'refused', 'NOT_FOUND'],
    ]);
    expect((await requester.approvals.get(a.id)).decision_comment).toBe('bulk');
    await expect(approver.approvals.batchDecide([], 'approve')).rejects.toBeInstanceOf(ValidationError);
  });

  it('wait answers a decided request at once; waitForDecision returns when another client decides; a timeout is typed', async () => {
    const { requester, approver } = await setup();
    const done = await requester.approvals.create(body());
    await approver.approvals.approve(done.id);
    expect(await requester.approvals.wait(done.id, 5)).toMatchObject({ status: 'approved', timed_out: false });

    const pending = await requester.approvals.create(body());
    const started = Date.now();
    const waiting = requester.approvals.waitForDecision(pending.id, { timeout: 20 });
    setTimeout(() => void approver.approvals.reject(pending.id, 'not today'), 300);
    const result = await waiting;
    expect(result).toMatchObject({ id: pending.id, status: 'rejected', decision_comment: 'not today' });
    expect(result.outcome).toBe('rejected');
    expect(Date.now() - started).toBeLessThan(5000);

    const never = await requester.approvals.create(body());
    const err = await requester.approvals.waitForDecision(never.id, { timeout: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DecisionTimeoutError);
    expect((err as DecisionTimeoutError).approval).toMatchObject({ id: never.id, status: 'pending', timed_out: true });
    expect((err as DecisionTimeoutError).outcome).toBe('timed_out');
    // The same wait without a throw: timed_out is its own outcome, and the request stays pending.
    expect(await requester.approvals.waitForOutcome(never.id, { timeout: 1 })).toMatchObject({ outcome: 'timed_out', approval: { status: 'pending' } });
    expect((await requester.approvals.wait(done.id, 1)).outcome).toBe('approved');
  });

  it('reportExecution: started then succeeded with a link, shown as `execution`; a third receipt is a ConflictError; revoke', async () => {
    const { requester, approver } = await setup();
    const made = await requester.approvals.create(body());
    await expect(requester.approvals.reportExecution(made.id, { status: 'started' })).rejects.toBeInstanceOf(ConflictError);
    await approver.approvals.approve(made.id);
    expect(await requester.approvals.reportExecution(made.id, { status: 'started', message: 'Deploying' })).toMatchObject({ execution: { status: 'started', message: 'Deploying' } });
    const done = await requester.approvals.reportExecution(made.id, { status: 'succeeded', message: 'Deployed', url: 'https://ci.example.com/runs/5' });
    expect(done.execution).toMatchObject({ status: 'succeeded', url: 'https://ci.example.com/runs/5' });
    const again = await requester.approvals.reportExecution(made.id, { status: 'failed' }).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(ConflictError);
    expect((again as ConflictError).details).toMatchObject({ execution_status: 'succeeded' });
    expect((await requester.approvals.events(made.id)).data.filter((e) => e.type === 'approval.execution_reported')).toHaveLength(2);

    const windowed = await requester.approvals.create(body({ revocable_for_seconds: 60 }));
    await approver.approvals.approve(windowed.id);
    expect(await approver.approvals.revoke(windowed.id, 'not yet')).toMatchObject({ status: 'rejected', revocation_reason: 'not yet', revoked_at: expect.any(String) });
    const late = await requester.approvals.reportExecution(windowed.id, { status: 'started' }).catch((e: unknown) => e);
    expect((late as ConflictError).details).toMatchObject({ reason: 'revoked' });
  });

  it("revokeWindow 'wait': an approval in its window is a rejection once revoked, an approval once the window has closed; by default it is answered at once", async () => {
    const { requester, approver } = await setup();
    const revoked = await requester.approvals.create(body({ revocable_for_seconds: 300 }));
    await approver.approvals.approve(revoked.id);
    // Without the option the approval is answered at once, window open.
    const atOnce = await requester.approvals.waitForOutcome(revoked.id, { timeout: 5 });
    expect(atOnce).toMatchObject({ outcome: 'approved', approval: { revocable_until: expect.any(String) } });
    const windows: string[] = [];
    const waiting = requester.approvals.waitForOutcome(revoked.id, { timeout: 5, revokeWindow: 'wait', onRevokeWindow: ({ until }) => windows.push(until) });
    while (windows.length === 0) await new Promise((r) => setTimeout(r, 20));
    await approver.approvals.revoke(revoked.id, 'wrong tenant');
    expect(await waiting).toMatchObject({ outcome: 'rejected', approval: { id: revoked.id, status: 'rejected', revocation_reason: 'wrong tenant' } });
    expect(windows).toEqual([atOnce.approval.revocable_until]);

    const standing = await requester.approvals.create(body({ revocable_for_seconds: 1 }));
    await approver.approvals.approve(standing.id);
    const decided = await requester.approvals.waitForDecision(standing.id, { timeout: 5, revokeWindow: 'wait' });
    expect(decided).toMatchObject({ outcome: 'approved', status: 'approved' });
    expect(Date.now()).toBeGreaterThan(Date.parse(decided.revocable_until!));
    await expect(approver.approvals.revoke(standing.id)).rejects.toMatchObject({ details: { reason: 'window_closed' } });
  });

  it('webhooks: subscribe, deliver to a local receiver, verify and map the delivery, rotate, unsubscribe (404 is success); deliveries', async () => {
    const { requester } = await setup();
    const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
    const receiver: Server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
      req.on('end', () => {
        received.push({ headers: req.headers, body: raw });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
      const sub = await requester.webhooks.create({ url, events: ['approval.created'], description: 'sdk test' });
      expect(sub.secret).toMatch(/^whsec_/);
      expect((await requester.webhooks.get(sub.id)).url).toBe(url);
      expect((await requester.webhooks.list()).data.map((w) => w.id)).toContain(sub.id);

      const a = await requester.approvals.create(body());
      for (let i = 0; i < 100 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(received).toHaveLength(1);
      const delivery = received[0]!;
      const { payload } = parseWebhook({ secret: sub.secret, headers: delivery.headers, body: delivery.body, anyRequest: true });
      expect(newApprovalTrigger.webhook.fromPayload(payload, {}).map((x) => x.id)).toEqual([a.id]);
      expect(() => parseWebhook({ secret: sub.secret, headers: delivery.headers, body: delivery.body.replace(a.id, 'x'), anyRequest: true })).toThrow(WebhookVerificationError);

      // The server records the attempt once the receiver has answered: a moment after it got the body.
      let deliveries = await requester.deliveries.list({ subscription_id: sub.id });
      for (let i = 0; i < 100 && deliveries.data[0]?.status === 'delivering'; i++) {
        await new Promise((r) => setTimeout(r, 50));
        deliveries = await requester.deliveries.list({ subscription_id: sub.id });
      }
      expect(deliveries.data[0]).toMatchObject({ status: 'delivered', event_type: 'approval.created' });
      const all = [];
      for await (const d of requester.deliveries.all({ subscription_id: sub.id })) all.push(d.id);
      expect(all).toEqual([deliveries.data[0]!.id]);
      await requester.deliveries.redeliver(deliveries.data[0]!.id);

      const rotated = await requester.webhooks.rotateSecret(sub.id);
      expect(rotated.secret).not.toBe(sub.secret);
      const callback = await requester.webhooks.callbackSecret();
      expect(callback.secret).toMatch(/^whsec_/);
      expect((await requester.webhooks.rotateCallbackSecret()).secret).not.toBe(callback.secret);

      await requester.webhooks.delete(sub.id);
      expect(await requester.webhooks.unsubscribe(sub.id)).toBe(false);
      await expect(requester.webhooks.delete(sub.id)).rejects.toBeInstanceOf(NotFoundError);
    } finally {
      await new Promise((r) => receiver.close(r));
    }
  });
});

describe('typed errors carry the envelope', () => {
  it.each([
    ['not found', NotFoundError, 404, 'NOT_FOUND'],
    ['validation', ValidationError, 400, 'VALIDATION_ERROR'],
    ['permission', PermissionError, 403, 'INSUFFICIENT_SCOPE'],
    ['conflict', ConflictError, 409, 'INVALID_STATUS'],
    ['authentication', AuthenticationError, 401, 'UNAUTHORIZED'],
    ['emergency stop', EmergencyStopError, 503, 'EMERGENCY_STOP'],
  ] as const)('%s', async (kind, ErrorClass, status, code) => {
    const { seed, requester, approver } = await setup();
    const reader = new Greenlight({ baseUrl: server.url, apiKey: (await seed.newKey({ scopes: ['approvals:read'] })).key });
    const a = await requester.approvals.create(body());
    const attempt: Record<string, () => Promise<unknown>> = {
      'not found': () => requester.approvals.get('00000000-0000-4000-8000-000000000000'),
      validation: () => requester.approvals.create({ ...body(), priority: 'urgent' } as unknown as BodyOf<'createApproval'>),
      permission: () => reader.approvals.approve(a.id),
      conflict: async () => {
        await approver.approvals.approve(a.id);
        return approver.approvals.approve(a.id);
      },
      authentication: () => new Greenlight({ baseUrl: server.url, apiKey: `gk_${'0'.repeat(64)}` }).me(),
      'emergency stop': async () => {
        await setEmergencyStop(server.db, seed.org.id, true);
        return requester.approvals.create(body());
      },
    };
    const err = await attempt[kind]!().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ErrorClass);
    expect(err).toMatchObject({ status, code });
    expect((err as { message: string }).message).toMatch(/\S/);
    expect((err as { requestId: string }).requestId).toMatch(/\S/);
  });

  it('an OAuth access token that was refused is refreshed once through the callback, then the call succeeds', async () => {
    const { seed } = await setup();
    let refreshes = 0;
    const client = new Greenlight({
      baseUrl: server.url,
      accessToken: 'glat_expired',
      refreshAccessToken: async () => {
        refreshes++;
        return seed.key;
      },
    });
    expect((await client.me()).org.id).toBe(seed.org.id);
    expect(refreshes).toBe(1);
  });
});

describe('429: retried after Retry-After, on a window the test controls', () => {
  let limited: harness.TestServer;
  let clock = Date.UTC(2026, 2, 24, 10, 0, 30);
  beforeAll(async () => {
    limited = await harness.startTestServer({ rateLimit: memoryRateLimitStore({ now: () => clock }) });
  });
  afterAll(() => limited?.stop());

  it('a create refused with 429 is sent again after Retry-After (same idempotency key) and succeeds once', async () => {
    const seed = await harness.seedOrg(limited.db, 'Limited');
    const { key } = await seed.newKey({ rateLimit: 2, rateLimitWindow: 'minute' });
    const slept: number[] = [];
    const client = new Greenlight({
      baseUrl: limited.url,
      apiKey: key,
      random: () => 0,
      // Sleeping moves the server's clock: the next attempt comes when the first request has left the window.
      sleep: async (ms) => {
        slept.push(ms);
        clock += ms;
      },
    });
    await client.me();
    await client.me();
    const created = await client.approvals.create(body({ title: 'after the window' }));
    expect(slept).toEqual([60_000]); // both made at 10:00:30 → a slot frees at 10:01:30
    const { rows } = await limited.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM approvals WHERE org_id = $1`, [seed.org.id]);
    expect(rows[0]!.n).toBe(1);
    expect(created.title).toBe('after the window');
  });

  it('a Retry-After longer than the client will wait is a RateLimitError with retryAfter', async () => {
    const seed = await harness.seedOrg(limited.db, 'Limited 2');
    const { key } = await seed.newKey({ rateLimit: 1 });
    const client = new Greenlight({ baseUrl: limited.url, apiKey: key, maxRetryAfterSeconds: 5, sleep: async () => {} });
    await client.me();
    const err = await client.me().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    expect(err).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    expect((err as RateLimitError).retryAfter).toBeGreaterThan(5);
  });
});

describe('a response that does not match the contract', () => {
  let fake: Server;
  let url: string;
  beforeAll(async () => {
    // A third party pretending to be Greenlight: wrong shapes on purpose.
    fake = createServer((req, res) => {
      if (req.url?.startsWith('/api/v1/me')) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ org: { id: 'not-a-uuid' }, scopes: 'all' }));
      } else if (req.url?.startsWith('/api/v1/approvals/')) {
        res.writeHead(202, { 'content-type': 'application/json' }).end('{}');
      } else res.writeHead(200, { 'content-type': 'text/html' }).end('<html>hello</html>');
    });
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((r) => fake.close(r)));

  it.each([
    ['a body of the wrong shape', (c: Greenlight) => c.me(), 'getMe', 200, /org\.id|org/],
    ['a status the contract does not list', (c: Greenlight) => c.approvals.get('00000000-0000-4000-8000-000000000000'), 'getApproval', 202, /202/],
    ['HTML instead of JSON', (c: Greenlight) => c.approvals.list(), 'listApprovals', 200, /listApprovals/],
  ] as const)('%s is a ContractMismatchError', async (_name, call, operationId, status, message) => {
    const client = new Greenlight({ baseUrl: url, apiKey: 'gk_test', maxRetries: 0 });
    const err = await call(client).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContractMismatchError);
    expect(err).toMatchObject({ operationId, status });
    expect((err as Error).message).toMatch(message);
    expect((err as ContractMismatchError).issues.length).toBeGreaterThan(0);
  });
});

describe('a waiter continues only on the decision of the request it made', () => {
  it('a callback receiver: another request’s signed approval, sent to the same receiver, is refused; its own is taken', async () => {
    const { seed, requester, approver } = await setup();
    const receiver = await startReceiver();
    try {
      const url = `${receiver.url}/greenlight/deploys`;
      const mine = await requester.approvals.create(body({ callback_url: url }));
      // Another key of the org names the same receiver (its URL is no secret to the key that made it), and it is approved.
      const other = await new Greenlight({ baseUrl: server.url, apiKey: (await seed.newKey({ name: 'other' })).key }).approvals.create(body({ title: 'x', callback_url: url }));
      await approver.approvals.approve(other.id);
      await receiver.until(() => receiver.received.some((r) => r.body.includes(other.id)));
      const { secret } = await requester.webhooks.callbackSecret();
      const hijack = receiver.received.find((r) => r.body.includes(other.id))!;
      // Signed by Greenlight: the signature holds, the request does not.
      expect(() => parseWebhook({ secret, headers: hijack.headers, body: hijack.body, anyRequest: true })).not.toThrow();
      let refused: unknown;
      try {
        parseWebhook({ secret, headers: hijack.headers, body: hijack.body, approvalId: mine.id });
      } catch (e) {
        refused = e;
      }
      expect(refused).toBeInstanceOf(WrongRequestError);
      expect(refused).toMatchObject({ expected: mine.id, received: other.id });
      expect((await requester.approvals.get(mine.id)).status).toBe('pending');

      await approver.approvals.reject(mine.id, 'not today');
      await receiver.until(() => receiver.received.some((r) => r.body.includes(mine.id)));
      const own = receiver.received.find((r) => r.body.includes(mine.id))!;
      const { payload } = parseWebhook({ secret, headers: own.headers, body: own.body, approvalId: mine.id });
      expect(payload).toMatchObject({ type: 'approval.rejected', data: { approval_id: mine.id, approval: { status: 'rejected' } } });
    } finally {
      await receiver.close();
    }
  });

  it('a long poll answered about another request (a gateway that mixes answers up): WrongRequestError, never its approval', async () => {
    const { requester, approver, seed } = await setup();
    const mine = await requester.approvals.create(body());
    const other = await requester.approvals.create(body({ title: 'other' }));
    await approver.approvals.approve(other.id);
    const proxy = await startMisroutingProxy(server.url, (path) => path.replace(mine.id, other.id));
    try {
      const through = new Greenlight({ baseUrl: proxy.url, apiKey: seed.key, maxRetries: 0 });
      for (const wait of [() => through.approvals.waitForDecision(mine.id, { timeout: 5 }), () => through.approvals.waitForOutcome(mine.id, { timeout: 5, reconnect: true }), () => through.approvals.get(mine.id)]) {
        const err = await wait().catch((e: unknown) => e);
        expect(err).toBeInstanceOf(WrongRequestError);
        expect(err).toMatchObject({ expected: mine.id, received: other.id });
      }
    } finally {
      await proxy.close();
    }
    expect((await requester.approvals.get(mine.id)).status).toBe('pending');
  });
});
