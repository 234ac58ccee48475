/**
 * Standing grants through the API: a person gives one with an approval, and the connection's next
 * matching requests are approved by it at create, each use counted, as decisions like a person's (the
 * answer, the events, the long poll, the callback, the metrics); listed, revoked, and bounded in time,
 * count and scope.
 */
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { startReceiver, type TestReceiver } from '../../testing/receiver.ts';
import { signedIn, type SignedIn } from '../../testing/session.ts';

const TOKEN = 'metrics-token-0123456789abcdef';
let server: TestServer;
let receiver: TestReceiver;
beforeAll(async () => {
  receiver = await startReceiver();
  server = await startTestServer({
    config: { GREENLIGHT_METRICS_TOKEN: TOKEN, GREENLIGHT_CALLBACK_ALLOW_CIDRS: '127.0.0.0/8', GREENLIGHT_DELIVERY_SWEEP_MS: '100' },
  });
}, 60_000);
afterAll(async () => {
  await server?.stop();
  await receiver?.close();
}, 60_000);

interface World {
  seed: SeededOrg;
  approver: SignedIn;
  admin: SignedIn;
}

async function world(): Promise<World> {
  const seed = await seedOrg(server.db);
  const approver = await signedIn(server, seed, 'approver');
  const admin = await signedIn(server, seed);
  return { seed, approver, admin };
}

const ask = async (w: World, overrides: Record<string, unknown> = {}, key = w.seed.key) =>
  (await server.http(key).post('/api/v1/approvals').send(approvalBody({ action_type: 'deploy.staging', priority: 'medium', ...overrides })).expect(201)).body;

/** The first request, approved by the approver with a grant; answers the grant as listed. */
async function granted(w: World, grant: Record<string, unknown> = {}, overrides: Record<string, unknown> = {}) {
  const first = await ask(w, overrides);
  await w.approver.http().patch(`/api/v1/approvals/${first.id}`).send({ decision: 'approve', grant }).expect(200);
  const list = (await w.approver.http().get('/api/v1/grants').expect(200)).body.data;
  return { first, grant: list.find((g: { given_on: string }) => g.given_on === first.id) };
}

describe('giving a grant', () => {
  it('an approval with a grant creates it in the same decision, listed for its giver, audited', async () => {
    const w = await world();
    const { first, grant } = await granted(w, { max_uses: 3, expires_in_seconds: 7200, fields: { 'tags.env': 'staging' } }, { tags: { env: 'staging' } });
    expect(grant).toMatchObject({
      given_by: { id: w.approver.user.id },
      given_on: first.id,
      connection: { id: w.seed.connectionId, name: 'primary' },
      agent_session: null,
      action_type: 'deploy.staging',
      fields: { 'tags.env': 'staging' },
      max_uses: 3,
      uses: 0,
      revoked_at: null,
      revoked_by: null,
      active: true,
      viewer_can: { revoke: { allowed: true } },
    });
    const lasts = new Date(grant.expires_at).getTime() - new Date(grant.created_at).getTime();
    expect(lasts).toBeGreaterThan(7190_000);
    expect(lasts).toBeLessThan(7210_000);
    expect((await server.http(w.seed.key).get(`/api/v1/approvals/${first.id}`).expect(200)).body).toMatchObject({ status: 'approved', decided_by_type: 'user' });
    const audit = (await w.admin.http().get('/api/v1/audit-log?type=grant.created').expect(200)).body.data;
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: { type: 'user', id: w.approver.user.id }, target: { type: 'grant', id: grant.id }, details: { approval_id: first.id, max_uses: 3 } });
  });
});

describe('deciding with a grant', () => {
  it('approves the next matching request at create, as a decision like a person’s, counting each use', async () => {
    const w = await world();
    const { grant } = await granted(w, { max_uses: 2 });
    const url = `${receiver.url}/granted-${w.seed.org.id}`;
    const second = await ask(w, { callback_url: url, revocable_for_seconds: 600 });
    expect(second).toMatchObject({
      status: 'approved',
      decided_by: null,
      decided_by_type: 'grant',
      decided_by_policy: null,
      decided_by_grant: { id: grant.id, given_by: { id: w.approver.user.id, name: expect.any(String) }, use: 1, max_uses: 2, expires_at: grant.expires_at },
    });
    expect(second.decision_comment).toMatch(/^approved by .*'s grant \(1 of 2 used, until /);
    const events = (await server.http(w.seed.key).get(`/api/v1/approvals/${second.id}/events`).expect(200)).body.data;
    expect(events.map((e: { type: string }) => e.type)).toEqual(['approval.created', 'approval.approved']);
    expect(events[1]).toMatchObject({
      actor: { type: 'system', id: null, name: expect.stringMatching(/^grant of /) },
      data: { decision: 'approve', reason: 'grant', source: 'grant', grant: { id: grant.id, use: 1 } },
    });
    const waited = (await server.http(w.seed.key).get(`/api/v1/approvals/${second.id}/wait?timeout=5`).expect(200)).body;
    expect(waited).toMatchObject({ status: 'approved', decided_by_type: 'grant' });
    await receiver.until(() => receiver.received.some((r) => r.path === `/granted-${w.seed.org.id}`), 10_000);

    const third = await ask(w);
    expect(third).toMatchObject({ status: 'approved', decided_by_grant: { use: 2, max_uses: 2 } });
    // Used up: the next is asked of people, and the grant is no longer listed as active.
    expect((await ask(w)).status).toBe('pending');
    expect((await w.approver.http().get('/api/v1/grants').expect(200)).body.data).toEqual([]);
    const all = (await w.approver.http().get('/api/v1/grants?status=all').expect(200)).body.data;
    expect(all).toMatchObject([{ id: grant.id, uses: 2, active: false }]);
    // The giver's approval may be revoked as any approval within its window.
    await w.admin.http().post(`/api/v1/approvals/${second.id}/revoke`).send({}).expect(200);
  });

  it('applies only within its scope: action type glob, fields, connection and agent session', async () => {
    const w = await world();
    await granted(w, { action_type: 'deploy.*', fields: { 'resource.id': 'svc-*', 'metadata.region': 'eu' }, agent_session: true }, {
      resource: { type: 'service', id: 'svc-web' },
      metadata: { region: 'eu', session_id: 'run-1' },
    });
    const fits = { resource: { type: 'service', id: 'svc-api' }, metadata: { region: 'eu', session_id: 'run-1' } };
    expect((await ask(w, { ...fits, action_type: 'deploy.prod' })).status).toBe('approved');
    expect((await ask(w, { ...fits, action_type: 'delete.db' })).status).toBe('pending');
    expect((await ask(w, { ...fits, resource: { type: 'service', id: 'db-main' } })).status).toBe('pending');
    expect((await ask(w, { ...fits, metadata: { region: 'us', session_id: 'run-1' } })).status).toBe('pending');
    expect((await ask(w, { ...fits, metadata: { region: 'eu', session_id: 'run-2' } })).status).toBe('pending');
    const other = await w.seed.newKey();
    expect((await ask(w, fits, other.key)).status).toBe('pending');
  });

  it('revoking stops it at once: the next create asks a person; the revocation is audited', async () => {
    const w = await world();
    const { grant } = await granted(w);
    expect((await ask(w)).status).toBe('approved');
    const revoked = (await w.admin.http().post(`/api/v1/grants/${grant.id}/revoke`).send({}).expect(200)).body;
    expect(revoked).toMatchObject({ id: grant.id, active: false, revoked_by: { type: 'user', id: w.seed.admin.id }, viewer_can: { revoke: { allowed: false } } });
    expect((await ask(w)).status).toBe('pending');
    await w.approver.http().post(`/api/v1/grants/${grant.id}/revoke`).send({}).expect(409);
    const audit = (await w.admin.http().get('/api/v1/audit-log?type=grant.revoked').expect(200)).body.data;
    expect(audit).toMatchObject([{ actor: { id: w.seed.admin.id }, target: { type: 'grant', id: grant.id }, details: { uses: 1 } }]);
  });

  it('an expired grant is not used', async () => {
    const w = await world();
    const { grant } = await granted(w);
    await server.db.query(`UPDATE grants SET expires_at = now() - interval '1 second' WHERE id = $1`, [grant.id]);
    expect((await ask(w)).status).toBe('pending');
  });

  it('a policy decides first: a forbid rejects and a permit approves without using the grant', async () => {
    const w = await world();
    const { grant } = await granted(w);
    const source = `@id("no-prod")\nforbid (principal, action, resource) when { resource.hasTag("env") && resource.getTag("env") == "prod" };\n@id("fridays")\npermit (principal, action, resource) when { resource.title == "friday" };`;
    await w.admin.http().put('/api/v1/policies').send({ source, never_without_person: { priorities: ['critical'], action_types: [] } }).expect(200);
    expect(await ask(w, { tags: { env: 'prod' } })).toMatchObject({ status: 'rejected', decided_by_type: 'policy' });
    expect(await ask(w, { title: 'friday' })).toMatchObject({ status: 'approved', decided_by_type: 'policy' });
    expect(await ask(w)).toMatchObject({ status: 'approved', decided_by_type: 'grant', decided_by_grant: { id: grant.id, use: 1 } });
  });

  it('never approves a class that never goes without a person, nor once its giver may no longer decide', async () => {
    const w = await world();
    const { grant } = await granted(w);
    expect((await ask(w, { priority: 'critical' })).status).toBe('pending');
    // The giver becomes a viewer: their grant no longer decides.
    await w.admin.http().patch(`/api/v1/members/${w.approver.user.id}`).send({ role: 'viewer' }).expect(200);
    expect((await ask(w)).status).toBe('pending');
    await w.admin.http().patch(`/api/v1/members/${w.approver.user.id}`).send({ role: 'approver' }).expect(200);
    expect((await ask(w)).decided_by_grant).toMatchObject({ id: grant.id });
    // Removed from the org: never again, and their grants are revoked with them.
    await w.admin.http().delete(`/api/v1/members/${w.approver.user.id}`).expect((r) => expect([200, 204]).toContain(r.status));
    expect((await ask(w)).status).toBe('pending');
    const all = (await w.admin.http().get('/api/v1/grants?status=all').expect(200)).body.data;
    expect(all).toMatchObject([{ id: grant.id, active: false, revoked_by: { type: 'user', id: w.seed.admin.id } }]);
  });

  it('a request that needs more than one approval is left to people', async () => {
    const w = await world();
    await granted(w);
    expect((await ask(w, { required_approvals: 2 })).status).toBe('pending');
  });

  it('/metrics counts decisions by grant as kind grant', async () => {
    const w = await world();
    const scrape = async () => {
      const text = (await server.http().get('/metrics').set('Authorization', `Bearer ${TOKEN}`).expect(200)).text;
      const family = parsePrometheusTextFormat(text).find((f) => f.name === 'greenlight_approvals_decided_total');
      return Number(family?.metrics.find((m) => m.labels?.kind === 'grant' && m.labels?.outcome === 'approved')?.value ?? 0);
    };
    await granted(w);
    const before = await scrape();
    await ask(w);
    expect((await scrape()) - before).toBe(1);
  });
});
