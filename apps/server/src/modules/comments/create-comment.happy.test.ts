import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Comment, CommentList } from '@greenlight/contract';
import { approvalBody, seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

async function createApproval(seed: SeededOrg): Promise<string> {
  const res = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201);
  return res.body.id as string;
}

const SPEC_EXAMPLE = { body: 'Checked the database — this user has no active subscriptions. Safe to proceed.' };

describe('POST /api/v1/approvals/:id/comments', () => {
  it('accepts the spec example as written and answers its documented shape', async () => {
    const seed = await seedOrg(server.db);
    const id = await createApproval(seed);
    const before = Date.now();
    const res = await server.http(seed.key).post(`/api/v1/approvals/${id}/comments`).send(SPEC_EXAMPLE).expect(201);

    expect(Comment.strict().parse(res.body)).toEqual(res.body);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      approval_request_id: id,
      // A connection has no user identity; the author says who wrote it.
      user_id: null,
      connection_id: seed.connectionId,
      author: { type: 'connection', id: seed.connectionId, name: 'primary' },
      body: SPEC_EXAMPLE.body,
      created_at: expect.any(String),
    });
    expect(Date.parse(res.body.created_at)).toBeGreaterThanOrEqual(before - 5_000);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
  });

  it('counts the comment on the request and bumps updated_at', async () => {
    const seed = await seedOrg(server.db);
    const id = await createApproval(seed);
    const before = (await server.http(seed.key).get(`/api/v1/approvals/${id}`).expect(200)).body;
    await server.http(seed.key).post(`/api/v1/approvals/${id}/comments`).send({ body: 'one' }).expect(201);
    await server.http(seed.key).post(`/api/v1/approvals/${id}/comments`).send({ body: 'two' }).expect(201);
    const after = (await server.http(seed.key).get(`/api/v1/approvals/${id}`).expect(200)).body;
    expect(before.comments_count).toBe(0);
    expect(after.comments_count).toBe(2);
    expect(Date.parse(after.updated_at)).toBeGreaterThan(Date.parse(before.updated_at));
    expect(after.status).toBe('pending');
  });

  it('appends a comment.created event carrying the comment id and body', async () => {
    const seed = await seedOrg(server.db);
    const id = await createApproval(seed);
    const created = await server.http(seed.key).post(`/api/v1/approvals/${id}/comments`).send({ body: 'audit me' }).expect(201);
    const events = (await server.http(seed.key).get(`/api/v1/approvals/${id}/events`).expect(200)).body.data;
    const event = events.find((e: { type: string }) => e.type === 'comment.created');
    expect(event).toMatchObject({
      type: 'comment.created',
      approval_id: id,
      actor: { type: 'connection', id: seed.connectionId, name: 'primary' },
      from_status: null,
      to_status: null,
      data: { comment_id: created.body.id, body: 'audit me' },
    });
  });

  it('stores the body trimmed', async () => {
    const seed = await seedOrg(server.db);
    const id = await createApproval(seed);
    const res = await server.http(seed.key).post(`/api/v1/approvals/${id}/comments`).send({ body: '  LGTM \n' }).expect(201);
    expect(res.body.body).toBe('LGTM');
  });

  it.each(['approved', 'rejected', 'cancelled'] as const)('allows comments on a %s request', async (outcome) => {
    const seed = await seedOrg(server.db);
    const id = await createApproval(seed);
    const approver = await seed.newKey();
    if (outcome === 'cancelled') await server.http(seed.key).delete(`/api/v1/approvals/${id}`).expect(200);
    else {
      const decision = outcome === 'approved' ? 'approve' : 'reject';
      await server.http(approver.key).patch(`/api/v1/approvals/${id}`).send({ decision }).expect(200);
    }
    await server.http(seed.key).post(`/api/v1/approvals/${id}/comments`).send({ body: 'post-mortem note' }).expect(201);
    const approval = (await server.http(seed.key).get(`/api/v1/approvals/${id}`).expect(200)).body;
    expect(approval).toMatchObject({ status: outcome, comments_count: 1 });
  });

  it('counts concurrent comments exactly and lists them in the order they were recorded', async () => {
    const seed = await seedOrg(server.db);
    const id = await createApproval(seed);
    const bodies = Array.from({ length: 20 }, (_, i) => `comment ${i}`);
    const results = await Promise.all(
      bodies.map((body) => server.http(seed.key).post(`/api/v1/approvals/${id}/comments`).send({ body })),
    );
    expect(results.map((r) => r.status)).toEqual(bodies.map(() => 201));

    const approval = (await server.http(seed.key).get(`/api/v1/approvals/${id}`).expect(200)).body;
    expect(approval.comments_count).toBe(20);
    const listed = (await server.http(seed.key).get(`/api/v1/approvals/${id}/comments`).expect(200)).body.data;
    const events = (await server.http(seed.key).get(`/api/v1/approvals/${id}/events`).expect(200)).body.data;
    const eventOrder = events
      .filter((e: { type: string }) => e.type === 'comment.created')
      .map((e: { data: { comment_id: string } }) => e.data.comment_id);
    expect(listed.map((c: { id: string }) => c.id)).toEqual(eventOrder);
    expect(new Set(listed.map((c: { body: string }) => c.body))).toEqual(new Set(bodies));
  });
});

describe('GET /api/v1/approvals/:id/comments', () => {
  it('lists comments oldest first, with the same shape as creation answered', async () => {
    const seed = await seedOrg(server.db);
    const id = await createApproval(seed);
    const other = await seed.newKey({ name: 'reviewer-bot', scopes: ['comments:write'] });
    const first = await server.http(seed.key).post(`/api/v1/approvals/${id}/comments`).send({ body: 'first' }).expect(201);
    const second = await server.http(other.key).post(`/api/v1/approvals/${id}/comments`).send({ body: 'second' }).expect(201);

    const res = await server.http(seed.key).get(`/api/v1/approvals/${id}/comments`).expect(200);
    expect(CommentList.parse(res.body)).toEqual(res.body);
    expect(res.body).toEqual({ data: [first.body, second.body] });
    expect(res.body.data[1].author).toEqual({ type: 'connection', id: other.connectionId, name: 'reviewer-bot' });
  });

  it('answers an empty list for a request without comments', async () => {
    const seed = await seedOrg(server.db);
    const id = await createApproval(seed);
    await server.http(seed.key).get(`/api/v1/approvals/${id}/comments`).expect(200, { data: [] });
  });

  it('works with only approvals:read', async () => {
    const seed = await seedOrg(server.db);
    const id = await createApproval(seed);
    await server.http(seed.key).post(`/api/v1/approvals/${id}/comments`).send({ body: 'visible' }).expect(201);
    const reader = await seed.newKey({ scopes: ['approvals:read'] });
    const res = await server.http(reader.key).get(`/api/v1/approvals/${id}/comments`).expect(200);
    expect(res.body.data.map((c: { body: string }) => c.body)).toEqual(['visible']);
  });
});
