/**
 * Grants that cannot be given, and calls of the grants routes that cannot be answered: each a 4xx in the
 * error envelope with its code and reason, and nothing written (no grant, and no vote when the grant
 * was refused with it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { signedIn, type SignedIn } from '../../testing/session.ts';

let server: TestServer;
let seed: SeededOrg;
let approver: SignedIn;
beforeAll(async () => {
  server = await startTestServer();
  seed = await seedOrg(server.db);
  approver = await signedIn(server, seed, 'approver');
}, 60_000);
afterAll(() => server.stop(), 60_000);

const ask = async (overrides: Record<string, unknown> = {}, key = seed.key) =>
  (await server.http(key).post('/api/v1/approvals').send(approvalBody({ action_type: 'deploy.staging', priority: 'medium', ...overrides })).expect(201)).body;
const grantsOn = async (approvalId: string) => (await server.db.query('SELECT id FROM grants WHERE given_on = $1', [approvalId])).rows;

describe('a grant refused', () => {
  const cases: [string, Record<string, unknown>, Record<string, unknown>, number, string, string][] = [
    ['with a rejection', {}, { decision: 'reject', grant: {} }, 400, 'VALIDATION_ERROR', 'a grant is given only with an approval'],
    ['on a critical request (never without a person)', { priority: 'critical' }, { decision: 'approve', grant: {} }, 400, 'VALIDATION_ERROR', 'never goes without a person'],
    ['pinned to a protected priority', {}, { decision: 'approve', grant: { fields: { priority: '*' } } }, 400, 'VALIDATION_ERROR', 'never goes without a person'],
    ['on a request without action_type, none given', { action_type: undefined }, { decision: 'approve', grant: {} }, 400, 'VALIDATION_ERROR', 'has no action_type'],
    ['with a malformed glob', {}, { decision: 'approve', grant: { action_type: 'deploy.[' } }, 400, 'VALIDATION_ERROR', 'is not a valid glob'],
    ['for an agent session the request has not', {}, { decision: 'approve', grant: { agent_session: true } }, 400, 'VALIDATION_ERROR', 'names no agent session'],
    ['on a field that is not one', {}, { decision: 'approve', grant: { fields: { 'callback_url': 'x' } } }, 400, 'VALIDATION_ERROR', 'a field is source, priority'],
    ['for more than 30 days', {}, { decision: 'approve', grant: { expires_in_seconds: 31 * 86_400 } }, 400, 'VALIDATION_ERROR', 'expires_in_seconds'],
    ['of no use', {}, { decision: 'approve', grant: { max_uses: 0 } }, 400, 'VALIDATION_ERROR', 'max_uses'],
    ['with an unknown key', {}, { decision: 'approve', grant: { forever: true } }, 400, 'VALIDATION_ERROR', 'forever'],
    ['with a vote that does not decide the request', { required_approvals: 2 }, { decision: 'approve', grant: {} }, 400, 'VALIDATION_ERROR', 'Your approval alone does not decide this request'],
  ];

  it.each(cases)('%s: refused, no grant and no vote', async (_name, request, decision, status, code, message) => {
    const a = await ask(request);
    const res = await approver.http().patch(`/api/v1/approvals/${a.id}`).send(decision);
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    expect(res.body.error).toMatchObject({ code, request_id: expect.any(String) });
    expect(JSON.stringify(res.body.error)).toContain(message);
    expect(await grantsOn(a.id)).toEqual([]);
    expect((await server.http(seed.key).get(`/api/v1/approvals/${a.id}`).expect(200)).body).toMatchObject({ status: 'pending', current_approvals: 0 });
  });

  it('from an API key: 403, a grant is a person’s', async () => {
    const a = await ask();
    const other = await seed.newKey();
    const res = await server.http(other.key).patch(`/api/v1/approvals/${a.id}`).send({ decision: 'approve', grant: {} }).expect(403);
    expect(res.body.error).toMatchObject({ code: 'FORBIDDEN', message: 'A grant is given by a person: an API key cannot give one' });
    expect(await grantsOn(a.id)).toEqual([]);
  });

  it('on a request a person created in the dashboard: 400, a grant is given to the connection that asked', async () => {
    const creator = await signedIn(server, seed, 'approver');
    const a = (await creator.http().post('/api/v1/approvals').send(approvalBody({ action_type: 'deploy.staging', priority: 'medium' })).expect(201)).body;
    const res = await approver.http().patch(`/api/v1/approvals/${a.id}`).send({ decision: 'approve', grant: {} }).expect(400);
    expect(res.body.error.message).toContain('Not asked by a connection');
    expect(await grantsOn(a.id)).toEqual([]);
  });

  it('on a request the giver asked through their own connection: refused, no grant', async () => {
    const mine = await seed.newKey();
    await server.db.query('UPDATE connections SET user_id = $2 WHERE id = $1', [mine.connectionId, approver.user.id]);
    const a = await ask({}, mine.key);
    const res = await approver.http().patch(`/api/v1/approvals/${a.id}`).send({ decision: 'approve', grant: {} }).expect(403);
    expect(res.body.error).toMatchObject({ code: 'SELF_APPROVAL_FORBIDDEN' });
    expect(await grantsOn(a.id)).toEqual([]);
  });

  it('on a request that does not exist: 404', async () => {
    const res = await approver.http().patch('/api/v1/approvals/00000000-0000-4000-8000-000000000000').send({ decision: 'approve', grant: {} }).expect(404);
    expect(res.body.error).toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('the grants routes refused', () => {
  it.each([
    ['an unknown status filter', 'status=lapsed', 'VALIDATION_ERROR'],
    ['a giver that is not a person id', 'given_by=ann', 'VALIDATION_ERROR'],
    ['a page size that is not a number', 'page_size=many', 'VALIDATION_ERROR'],
    ['a page_token that is not base64 of a cursor', 'page_token=%21%21%21', 'INVALID_PAGE_TOKEN'],
    ['a page_token of another list', `page_token=${Buffer.from('audit:12').toString('base64url')}`, 'INVALID_PAGE_TOKEN'],
    ['a page_token naming no grant', `page_token=${Buffer.from('grant:00000000-0000-4000-8000-000000000000').toString('base64url')}`, 'INVALID_PAGE_TOKEN'],
    ['a page_token naming a request, not a grant', 'REQUEST', 'INVALID_PAGE_TOKEN'],
  ])('listing with %s: 400', async (_name, q, code) => {
    let query = q;
    if (q === 'REQUEST') query = `page_token=${Buffer.from(`grant:${(await ask()).id}`).toString('base64url')}`;
    const res = await approver.http().get(`/api/v1/grants?${query}`).expect(400);
    expect(res.body.error).toMatchObject({ code, request_id: expect.any(String) });
  });

  it('given_by=me from an API key: 400, a key is nobody', async () => {
    const res = await server.http(seed.key).get('/api/v1/grants?given_by=me').expect(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', message: expect.stringContaining('given_by') });
  });

  it.each(['1h', '1y', ''])('prompts avoided over an unknown window %j: 400', async (w) => {
    const res = await approver.http().get(`/api/v1/auto-decisions?window=${w}`).expect(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR' });
  });

  it.each([
    ['an unknown grant', '00000000-0000-4000-8000-000000000000', 404, 'NOT_FOUND'],
    ['a malformed id', 'not-a-uuid', 404, 'NOT_FOUND'],
  ])('revoking %s', async (_name, id, status, code) => {
    const res = await approver.http().post(`/api/v1/grants/${id}/revoke`).send({});
    expect(res.status).toBe(status);
    expect(res.body.error).toMatchObject({ code });
  });
});
