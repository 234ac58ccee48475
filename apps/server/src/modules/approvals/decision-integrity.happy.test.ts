/**
 * Every decision event carries the digest of what was approved, and the
 * expiry policy decides (or expires) a request that nobody decided in time.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { expireDue } from '../../core/approvals/index.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
}, 60_000);
afterAll(() => server.stop(), 60_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

/**
 * An independent RFC 8785 serialisation for JSON that holds no numbers needing §3.2.2.3 beyond
 * what ECMAScript's Number-to-string gives (JCS defines number output as exactly that): object
 * keys sorted by UTF-16 code units (the default `sort`), strings and numbers as JSON.stringify
 * writes them (JCS string escaping is ECMAScript's), no whitespace.
 */
function jcs(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(jcs).join(',')}]`;
  const keys = Object.keys(v).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${jcs((v as Record<string, unknown>)[k])}`).join(',')}}`;
}

async function create(seed: SeededOrg, overrides: Record<string, unknown> = {}) {
  return (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody(overrides)).expect(201)).body;
}

async function events(seed: SeededOrg, id: string) {
  return (await server.http(seed.key).get(`/api/v1/approvals/${id}/events`).expect(200)).body.data as {
    type: string;
    actor: { type: string; id: string | null; name: string | null };
    from_status: string | null;
    to_status: string | null;
    data: Record<string, unknown>;
    created_at: string;
  }[];
}

const tricky = {
  metadata: {
    zeta: 1,
    alpha: { é: 'ü', b: [3, 1.5, 1e21, -0.000001, true, null], '': 'empty key' },
    '€': 'line\u2028separator "quoted" \\ tab\t',
    A: null,
    '\u00e9': 'precomposed',
    e: 'plain',
  },
  changes: { before: { plan: 'pro', seats: 10 }, after: { plan: null, seats: 0 } },
};

describe('approved_content_sha256', () => {
  it('is a fixed, independently computed digest for a known request', async () => {
    const seed = await seedOrg(server.db);
    const a = await create(seed, { title: 't', description: 'd' });
    // Written out by hand: keys in code-unit order, `metadata` defaulted to {}, `changes` null.
    expect(a.approved_content_sha256).toBe(sha256('{"changes":null,"description":"d","metadata":{},"title":"t"}'));
  });

  it('is on the request and on the final decision event, equal to an independent JCS digest of the stored content', async () => {
    const seed = await seedOrg(server.db);
    const approver = await seed.newKey();
    const a = await create(seed, { ...tricky, title: '  Drop the prod database  ' });
    const got = (await server.http(seed.key).get(`/api/v1/approvals/${a.id}`).expect(200)).body;
    // The stored title is the trimmed one, and that is what the digest covers.
    const expected = sha256(jcs({ title: 'Drop the prod database', description: got.description, metadata: got.metadata, changes: got.changes }));
    expect(got.title).toBe('Drop the prod database');
    expect(a.approved_content_sha256).toBe(expected);
    expect(got.approved_content_sha256).toBe(expected);

    const decided = await server.http(approver.key).patch(`/api/v1/approvals/${a.id}`).send({ decision: 'approve' }).expect(200);
    expect(decided.body.approved_content_sha256).toBe(expected);
    const ev = (await events(seed, a.id)).find((e) => e.type === 'approval.approved')!;
    expect(ev.data.approved_content_sha256).toBe(expected);
  });

  it('is carried by every kind of decision event: vote, step decision, rejection', async () => {
    const seed = await seedOrg(server.db);
    const [v1, v2] = [await seed.newKey(), await seed.newKey()];

    const voted = await create(seed, { ...tricky, required_approvals: 2 });
    await server.http(v1.key).patch(`/api/v1/approvals/${voted.id}`).send({ decision: 'approve' }).expect(200);
    await server.http(v2.key).patch(`/api/v1/approvals/${voted.id}`).send({ decision: 'reject' }).expect(200);
    const votedEvents = await events(seed, voted.id);
    expect(votedEvents.map((e) => e.type)).toEqual(['approval.created', 'approval.vote_recorded', 'approval.rejected']);
    for (const e of votedEvents.slice(1)) expect(e.data.approved_content_sha256).toBe(voted.approved_content_sha256);

    const stepped = await create(seed, { description: 'with steps' });
    const approverUser = await seed.addUser('approver');
    // An API key votes on the step below: through the org's admin override.
    await server.db.query('UPDATE orgs SET admin_override = true WHERE id = $1', [seed.org.id]);
    const steps = await server
      .http(seed.key)
      .post(`/api/v1/approvals/${stepped.id}/steps`)
      .send({ steps: [{ approver_id: approverUser.id, step_order: 1 }] })
      .expect(201);
    await server.http(v1.key).patch(`/api/v1/approvals/${stepped.id}/steps/${steps.body.data[0].id}`).send({ decision: 'approve' }).expect(200);
    const steppedEvents = await events(seed, stepped.id);
    const decisionEvents = steppedEvents.filter((e) => ['step.decided', 'approval.approved'].includes(e.type));
    expect(decisionEvents.map((e) => e.type)).toEqual(['step.decided', 'approval.approved']);
    for (const e of decisionEvents) expect(e.data.approved_content_sha256).toBe(sha256(jcs({ title: stepped.title, description: 'with steps', metadata: {}, changes: null })));
  });

  it('differs when anything approvers see differs', async () => {
    const seed = await seedOrg(server.db);
    const base = await create(seed, tricky);
    const variants = [
      { ...tricky, title: 'Delete user account #4822' },
      { ...tricky, description: 'another' },
      { ...tricky, metadata: { ...tricky.metadata, zeta: 2 } },
      { ...tricky, changes: { ...tricky.changes, after: { plan: 'free', seats: 0 } } },
      { metadata: tricky.metadata },
    ];
    const digests = await Promise.all(variants.map(async (v) => (await create(seed, v)).approved_content_sha256));
    expect(new Set([base.approved_content_sha256, ...digests]).size).toBe(variants.length + 1);
  });
});

describe('on_expiry', () => {
  it('defaults to expire and is returned on the request', async () => {
    const seed = await seedOrg(server.db);
    expect((await create(seed)).on_expiry).toBe('expire');
    expect((await create(seed, { on_expiry: 'approve', expires_at: new Date(Date.now() + 60_000).toISOString() })).on_expiry).toBe('approve');
  });

  it.each([
    ['expire', 'expired', 'approval.expired'],
    ['approve', 'approved', 'approval.approved'],
    ['reject', 'rejected', 'approval.rejected'],
  ] as const)('on_expiry %s: the sweeper leaves the request %s with %s by the system', async (policy, status, type) => {
    const seed = await seedOrg(server.db);
    const a = await create(seed, { ...tricky, on_expiry: policy, expires_at: new Date(Date.now() + 300).toISOString() });
    await sleep(400);
    expect(await expireDue(server.db)).toBeGreaterThanOrEqual(1);

    const got = (await server.http(seed.key).get(`/api/v1/approvals/${a.id}`).expect(200)).body;
    const evs = await events(seed, a.id);
    expect(evs.map((e) => e.type)).toEqual(['approval.created', type]);
    const ev = evs[1]!;
    expect(ev).toMatchObject({ actor: { type: 'system', id: null, name: 'Greenlight' }, from_status: 'pending', to_status: status });
    if (policy === 'expire') {
      expect(got).toMatchObject({ status, decided_at: null, decided_by: null, decision_comment: null, expired_at: ev.created_at });
      expect(ev.data).toEqual({ expires_at: got.expires_at });
    } else {
      const comment = `automatically ${status} on expiry`;
      expect(got).toMatchObject({ status, decided_by: null, decision_comment: comment, current_approvals: 0, expired_at: null });
      expect(Date.parse(got.decided_at)).toBeGreaterThanOrEqual(Date.parse(got.expires_at));
      expect(ev.data).toEqual({
        decision: policy,
        comment,
        source: null,
        current_approvals: 0,
        reason: 'expired',
        expires_at: got.expires_at,
        approved_content_sha256: sha256(jcs({ title: got.title, description: got.description, metadata: got.metadata, changes: got.changes })),
      });
    }
    // Nobody can decide it afterwards.
    const approver = await seed.newKey();
    const late = await server.http(approver.key).patch(`/api/v1/approvals/${a.id}`).send({ decision: 'approve' }).expect(409);
    expect(late.body.error).toMatchObject({ code: 'INVALID_STATUS', message: `approval request is already ${status}` });
  });

  it('an automatic decision is queued for delivery to the callback like any other decision', async () => {
    const seed = await seedOrg(server.db);
    const a = await create(seed, { on_expiry: 'reject', expires_at: new Date(Date.now() + 300).toISOString(), callback_url: 'https://hooks.example.com/greenlight' });
    await sleep(400);
    await expireDue(server.db);
    const { rows } = await server.db.query<{ event_type: string; target: string; url: string }>(
      `SELECT event_type, kind AS target, payload ->> 'url' AS url FROM deliveries WHERE approval_id = $1`,
      [a.id],
    );
    expect(rows).toEqual([{ event_type: 'approval.rejected', target: 'callback', url: 'https://hooks.example.com/greenlight' }]);
  });

  it('a request decided by a person before the sweep is left alone', async () => {
    const seed = await seedOrg(server.db);
    const approver = await seed.newKey();
    const a = await create(seed, { on_expiry: 'approve', expires_at: new Date(Date.now() + 400).toISOString() });
    await server.http(approver.key).patch(`/api/v1/approvals/${a.id}`).send({ decision: 'reject' }).expect(200);
    await sleep(500);
    await expireDue(server.db);
    expect((await events(seed, a.id)).map((e) => e.type)).toEqual(['approval.created', 'approval.rejected']);
    expect((await server.http(seed.key).get(`/api/v1/approvals/${a.id}`).expect(200)).body.status).toBe('rejected');
  });
});
