import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNEL_VOTE_SOURCES } from '@greenlight/contract';
import { seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { setEmergencyStop } from '../orgs/create-org.ts';
import type { AuthContext } from '../../context.ts';
import { decide } from '../../core/approvals/index.ts';
import { approvalRow, createRequest, eventsOf, snapshot, userAuth, votesOf } from '../../testing/decisions.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('PATCH /api/v1/approvals/:id — malformed requests', () => {
  it.each([
    ['missing decision', { comment: 'hi' }, 'decision is required'],
    ['unknown decision value', { decision: 'maybe' }, 'decision: Invalid option: expected one of "approve"|"reject"'],
    ['decision of the wrong type', { decision: true }, 'decision: Invalid option: expected one of "approve"|"reject"'],
    ['comment of the wrong type', { decision: 'approve', comment: 42 }, 'comment: Invalid input: expected string, received number'],
    ['comment too long', { decision: 'approve', comment: 'x'.repeat(10_001) }, 'comment: Too big: expected string to have <=10000 characters'],
    ['source of the wrong type', { decision: 'approve', source: ['dashboard'] }, 'source: Invalid input: expected string, received array'],
    ['empty source', { decision: 'approve', source: '' }, 'source: Too small: expected string to have >=1 characters'],
    ['a source only Greenlight records (a Slack vote)', { decision: 'approve', source: 'Slack' }, `source: ${CHANNEL_VOTE_SOURCES.join(', ')} are recorded by Greenlight for votes cast in those channels: name your integration instead`],
    ['a source only Greenlight records (a decision link)', { decision: 'approve', source: 'email' }, `source: ${CHANNEL_VOTE_SOURCES.join(', ')} are recorded by Greenlight for votes cast in those channels: name your integration instead`],
    ['an array body', [{ decision: 'approve' }], 'Invalid input: expected object, received array'],
  ])('%s → 400 VALIDATION_ERROR', async (_name, body, message) => {
    const seed = await seedOrg(server.db);
    const created = await createRequest(server, seed.key);
    const approver = await seed.newKey();
    const res = await server.http(approver.key).patch(`/api/v1/approvals/${created.id}`).send(body).expect(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', message });
    expect(await approvalRow(server, created.id)).toMatchObject({ status: 'pending', current_approvals: 0 });
  });

  it('malformed JSON → 400 INVALID_JSON', async () => {
    const seed = await seedOrg(server.db);
    const created = await createRequest(server, seed.key);
    const res = await server
      .http(seed.key)
      .patch(`/api/v1/approvals/${created.id}`)
      .set('Content-Type', 'application/json')
      .send('{"decision": "approve"')
      .expect(400);
    expect(res.body.error).toMatchObject({ code: 'INVALID_JSON', message: 'request body is not valid JSON' });
  });

  it.each([
    ['not a uuid', 'not-a-uuid'],
    ['a truncated uuid', 'a1b2c3d4-e5f6-4890-abcd'],
    ['a sql fragment', "1' OR '1'='1"],
    ['an unknown uuid', '00000000-0000-4000-8000-000000000000'],
  ])('%s as :id → 404 NOT_FOUND', async (_name, id) => {
    const seed = await seedOrg(server.db);
    const res = await server.http(seed.key).patch(`/api/v1/approvals/${encodeURIComponent(id)}`).send({ decision: 'approve' }).expect(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });
});

describe('PATCH /api/v1/approvals/:id — business rules', () => {
  it('the same principal voting twice → 409 ALREADY_VOTED, counted once', async () => {
    const seed = await seedOrg(server.db);
    const created = await createRequest(server, seed.key, { required_approvals: 2 });
    const approver = await seed.newKey();
    await server.http(approver.key).patch(`/api/v1/approvals/${created.id}`).send({ decision: 'approve' }).expect(200);
    const before = await snapshot(server, created.id);

    for (const decision of ['approve', 'reject']) {
      const res = await server.http(approver.key).patch(`/api/v1/approvals/${created.id}`).send({ decision }).expect(409);
      expect(res.body.error).toMatchObject({ code: 'ALREADY_VOTED', message: 'you have already voted on this approval request' });
    }
    expect(await snapshot(server, created.id)).toEqual(before);
    expect(before.approval[0]).toMatchObject({ status: 'pending', current_approvals: 1 });
  });

  it('the creator approving its own request → 403 SELF_APPROVAL_FORBIDDEN, nothing written', async () => {
    const seed = await seedOrg(server.db);
    const created = await createRequest(server, seed.key);
    const before = await snapshot(server, created.id);
    const res = await server.http(seed.key).patch(`/api/v1/approvals/${created.id}`).send({ decision: 'approve' }).expect(403);
    expect(res.body.error).toMatchObject({ code: 'SELF_APPROVAL_FORBIDDEN', message: 'the principal that created this request cannot approve it' });
    expect(await snapshot(server, created.id)).toEqual(before);
  });

  it('a request past expires_at cannot be approved before the sweeper has run', async () => {
    const seed = await seedOrg(server.db);
    const created = await createRequest(server, seed.key, { expires_at: new Date(Date.now() + 300).toISOString() });
    const approver = await seed.newKey();
    await sleep(450);
    const before = await snapshot(server, created.id);

    const res = await server.http(approver.key).patch(`/api/v1/approvals/${created.id}`).send({ decision: 'approve' }).expect(409);
    expect(res.body.error).toMatchObject({ code: 'APPROVAL_EXPIRED', message: 'approval request has expired and can no longer be decided' });
    const reject = await server.http(approver.key).patch(`/api/v1/approvals/${created.id}`).send({ decision: 'reject' }).expect(409);
    expect(reject.body.error.code).toBe('APPROVAL_EXPIRED');

    // The sweeper has not run (tests sweep hourly): the row is still pending, and nothing was written.
    expect(await snapshot(server, created.id)).toEqual(before);
    expect(before.approval[0]).toMatchObject({ status: 'pending' });
  });

  it.each(['approved', 'rejected'] as const)('a decision on an already %s request → 409 INVALID_STATUS', async (status) => {
    const seed = await seedOrg(server.db);
    const created = await createRequest(server, seed.key);
    const first = await seed.newKey();
    await server.http(first.key).patch(`/api/v1/approvals/${created.id}`).send({ decision: status === 'approved' ? 'approve' : 'reject' }).expect(200);
    const before = await snapshot(server, created.id);

    const second = await seed.newKey();
    for (const decision of ['approve', 'reject']) {
      const res = await server.http(second.key).patch(`/api/v1/approvals/${created.id}`).send({ decision }).expect(409);
      expect(res.body.error).toMatchObject({ code: 'INVALID_STATUS', message: `approval request is already ${status}` });
    }
    expect(await snapshot(server, created.id)).toEqual(before);
  });

  it('a decision on a cancelled request → 409 INVALID_STATUS', async () => {
    const seed = await seedOrg(server.db);
    const created = await createRequest(server, seed.key);
    await server.http(seed.key).delete(`/api/v1/approvals/${created.id}`).expect(200);
    const before = await snapshot(server, created.id);
    const approver = await seed.newKey();
    const res = await server.http(approver.key).patch(`/api/v1/approvals/${created.id}`).send({ decision: 'approve' }).expect(409);
    expect(res.body.error).toMatchObject({ code: 'INVALID_STATUS', message: 'approval request is already cancelled' });
    expect(await snapshot(server, created.id)).toEqual(before);
  });

  it('emergency stop → 503 EMERGENCY_STOP, no vote and no event written; decisions work again once it is off', async () => {
    const seed = await seedOrg(server.db);
    const created = await createRequest(server, seed.key);
    const approver = await seed.newKey();
    await setEmergencyStop(server.db, seed.org.id, true);
    const before = await snapshot(server, created.id);

    const res = await server.http(approver.key).patch(`/api/v1/approvals/${created.id}`).send({ decision: 'approve' }).expect(503);
    expect(res.body.error.code).toBe('EMERGENCY_STOP');
    expect(await snapshot(server, created.id)).toEqual(before);
    expect(before.votes).toEqual([]);

    await setEmergencyStop(server.db, seed.org.id, false);
    await server.http(approver.key).patch(`/api/v1/approvals/${created.id}`).send({ decision: 'approve' }).expect(200);
  });
});

/**
 * The router refuses early when the caller's org is stopped, but the stop can be pressed between that
 * check and the decision. These call the decision path with the auth context the router saw, to show
 * the checks are repeated under the row lock.
 */
describe('decision path re-checks under the row lock', () => {
  const staleAuth = async (seed: SeededOrg, connection: { connectionId: string }): Promise<AuthContext> => ({
    org: { ...seed.org, emergency_stop: false },
    principal: { type: 'connection', id: connection.connectionId, name: 'stale' },
    connection: null,
    user: null,
    scopes: ['approvals:write'],
    rateLimitKey: `conn:${connection.connectionId}`,
    rateLimit: 10_000,
    rateLimitWindowSeconds: 3600,
  });

  it('an emergency stop pressed after authentication still refuses the decision, writing nothing', async () => {
    const seed = await seedOrg(server.db);
    const created = await createRequest(server, seed.key);
    const approver = await seed.newKey();
    const auth = await staleAuth(seed, approver);
    await setEmergencyStop(server.db, seed.org.id, true);

    await expect(decide(server.db, auth, created.id, { decision: 'approve' }).then((d) => d.approval)).rejects.toMatchObject({
      code: 'EMERGENCY_STOP',
      status: 503,
    });
    expect(await votesOf(server, created.id)).toEqual([]);
    expect((await eventsOf(server, created.id)).map((e) => e.type)).toEqual(['approval.created']);
    expect(await approvalRow(server, created.id)).toMatchObject({ status: 'pending', current_approvals: 0 });
  });

  it('a request of another org is not found even with a valid principal', async () => {
    const seed = await seedOrg(server.db);
    const other = await seedOrg(server.db);
    const created = await createRequest(server, other.key);
    const auth = await staleAuth(seed, { connectionId: seed.connectionId });
    await expect(decide(server.db, auth, created.id, { decision: 'approve' }).then((d) => d.approval)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('a person cannot approve a request they created, but can reject it', async () => {
    const seed = await seedOrg(server.db);
    const user = await seed.addUser('approver');
    // People sign in through the dashboard, which is not built yet: create the request as that user directly.
    const { rows } = await server.db.query<{ id: string }>(
      `INSERT INTO approvals (org_id, requested_by_type, requested_by_id, requested_by_name, title, description, priority)
       VALUES ($1, 'user', $2, $3, 'Rotate keys', 'quarterly', 'low') RETURNING id`,
      [seed.org.id, user.id, user.email],
    );
    const id = rows[0]!.id;
    const auth = userAuth(seed, user, 'approver');
    await expect(decide(server.db, auth, id, { decision: 'approve' }).then((d) => d.approval)).rejects.toMatchObject({ code: 'SELF_APPROVAL_FORBIDDEN' });
    const rejected = await decide(server.db, auth, id, { decision: 'reject' }).then((d) => d.approval);
    expect(rejected).toMatchObject({ status: 'rejected', decided_by: user.id });
  });
});
