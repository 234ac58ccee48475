/**
 * `viewer_can.grant`: whether this viewer may give a standing grant with an approval, with the reason
 * when not, and that a grant sent anyway by someone it refuses is refused with nothing given (no grant,
 * no vote). The expected reasons are written out here, not read from the code under test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { signedIn, type SignedIn } from '../../testing/session.ts';

let server: TestServer;
let seed: SeededOrg;
let approver: SignedIn;
let viewer: SignedIn;
beforeAll(async () => {
  server = await startTestServer();
  seed = await seedOrg(server.db);
  approver = await signedIn(server, seed, 'approver');
  viewer = await signedIn(server, seed, 'viewer');
}, 60_000);
afterAll(() => server.stop(), 60_000);

const ask = async (overrides: Record<string, unknown> = {}, key = seed.key) =>
  (await server.http(key).post('/api/v1/approvals').send(approvalBody({ action_type: 'deploy.staging', priority: 'medium', ...overrides })).expect(201)).body;
const grantsOn = async (approvalId: string) => (await server.db.query('SELECT id FROM grants WHERE given_on = $1', [approvalId])).rows;
const canOf = async (who: SignedIn, id: string) => (await who.http().get(`/api/v1/approvals/${id}`).expect(200)).body.viewer_can.grant;

describe('viewer_can.grant', () => {
  it('an approver on a request a connection asked: allowed, in every answer that carries viewer_can', async () => {
    const a = await ask();
    expect(await canOf(approver, a.id)).toEqual({ allowed: true });
    const listed = (await approver.http().get(`/api/v1/approvals?status=pending&page_size=100`).expect(200)).body.data.find((x: { id: string }) => x.id === a.id);
    expect(listed.viewer_can.grant).toEqual({ allowed: true });
  });

  it.each([
    ['a viewer', 'viewer', {}, 'Viewers cannot change requests'],
    ['a critical request (never without a person)', 'approver', { priority: 'critical' }, 'A critical request of action type deploy.staging never goes without a person'],
    ['a request two approvals decide', 'approver', { required_approvals: 2 }, 'Your approval alone does not decide this request, and a grant repeats one that does'],
  ] as const)('%s: refused with its reason', async (_name, who, overrides, reason) => {
    const a = await ask(overrides);
    expect(await canOf(who === 'viewer' ? viewer : approver, a.id)).toEqual({ allowed: false, reason });
  });

  it('an action type an admin marks never-without-a-person: refused', async () => {
    const other = await seedOrg(server.db);
    const admin = await signedIn(server, other);
    await admin.http().put('/api/v1/policies').send({ source: '', never_without_person: { priorities: [], action_types: ['db.*'] } }).expect(200);
    const a = (await server.http(other.key).post('/api/v1/approvals').send(approvalBody({ action_type: 'db.drop', priority: 'critical' })).expect(201)).body;
    expect(await canOf(admin, a.id)).toEqual({ allowed: false, reason: 'A critical request of action type db.drop never goes without a person' });
    const b = (await server.http(other.key).post('/api/v1/approvals').send(approvalBody({ action_type: 'deploy.x', priority: 'critical' })).expect(201)).body;
    expect(await canOf(admin, b.id)).toEqual({ allowed: true });
  });

  it('a request a person created in the dashboard: refused, there is no connection to grant to', async () => {
    const creator = await signedIn(server, seed, 'approver');
    const a = (await creator.http().post('/api/v1/approvals').send(approvalBody({ action_type: 'deploy.staging', priority: 'medium' })).expect(201)).body;
    expect(await canOf(approver, a.id)).toEqual({
      allowed: false,
      reason: 'Not asked by a connection (an API key or an OAuth grant): a grant is given to the connection that asked',
    });
    // Its creator may not approve it at all: the vote's own reason.
    expect(await canOf(creator, a.id)).toEqual({ allowed: false, reason: 'You requested this' });
  });

  it('an API key: refused, a key carries nobody’s consent', async () => {
    const a = await ask();
    const other = await seed.newKey();
    expect((await server.http(other.key).get(`/api/v1/approvals/${a.id}`).expect(200)).body.viewer_can.grant).toEqual({
      allowed: false,
      reason: 'A grant is given by a person: an API key cannot give one',
    });
  });

  it('a request already decided: refused with the vote’s reason', async () => {
    const a = await ask();
    await approver.http().patch(`/api/v1/approvals/${a.id}`).send({ decision: 'approve' }).expect(200);
    expect(await canOf(approver, a.id)).toEqual({ allowed: false, reason: 'Already approved' });
  });
});

describe('a grant sent by someone viewer_can.grant refuses', () => {
  it('a viewer: 403, no grant, no vote', async () => {
    const a = await ask();
    expect((await canOf(viewer, a.id)).allowed).toBe(false);
    const res = await viewer.http().patch(`/api/v1/approvals/${a.id}`).send({ decision: 'approve', grant: { expires_in_seconds: 3600 } });
    expect(res.status).toBe(403);
    expect(await grantsOn(a.id)).toEqual([]);
    expect((await server.http(seed.key).get(`/api/v1/approvals/${a.id}`).expect(200)).body).toMatchObject({ status: 'pending', current_approvals: 0 });
    // and nothing approves the next request
    expect((await ask()).status).toBe('pending');
  });

  it('an approver on a protected request: 400 with the words viewer_can showed, nothing given', async () => {
    const a = await ask({ priority: 'critical' });
    const shown = await canOf(approver, a.id);
    const res = await approver.http().patch(`/api/v1/approvals/${a.id}`).send({ decision: 'approve', grant: {} }).expect(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', message: `grant: ${shown.reason}` });
    expect(await grantsOn(a.id)).toEqual([]);
    expect((await server.http(seed.key).get(`/api/v1/approvals/${a.id}`).expect(200)).body.status).toBe('pending');
  });
});
