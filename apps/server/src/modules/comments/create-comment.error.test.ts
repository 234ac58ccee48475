import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { setEmergencyStop } from '../orgs/create-org.ts';
import { ApiError } from '../../errors.ts';
import type { AuthContext } from '../../context.ts';
import { createComment, MAX_COMMENTS_PER_APPROVAL } from './create-comment.ts';

let server: TestServer;
let seed: SeededOrg;
let approvalId: string;
beforeAll(async () => {
  server = await startTestServer();
  seed = await seedOrg(server.db);
  approvalId = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201)).body.id;
});
afterAll(() => server.stop());

const commentsPath = (id: string) => `/api/v1/approvals/${id}/comments`;

async function commentsCount(id: string): Promise<number> {
  const { rows } = await server.db.query<{ n: number }>('SELECT comments_count AS n FROM approvals WHERE id = $1', [id]);
  return rows[0]!.n;
}

describe('POST /api/v1/approvals/:id/comments — invalid bodies', () => {
  it.each([
    ['missing body field', {}, 'body is required'],
    ['empty body', { body: '' }, 'body: Too small: expected string to have >=1 characters'],
    ['whitespace-only body', { body: ' \n\t ' }, 'body: Too small: expected string to have >=1 characters'],
    ['body too long', { body: 'x'.repeat(10_001) }, 'body: Too big: expected string to have <=10000 characters'],
    ['body of the wrong type', { body: 42 }, 'body: Invalid input: expected string, received number'],
    ['null body', { body: null }, 'body: Invalid input: expected string, received null'],
    ['unknown field', { body: 'ok', author: 'someone else' }, 'unknown field: author'],
    ['several unknown fields', { body: 'ok', user_id: randomUUID(), created_at: '2020-01-01T00:00:00Z' }, 'unknown fields: user_id, created_at'],
    ['an array instead of an object', [{ body: 'ok' }], 'Invalid input: expected object, received array'],
  ])('%s → 400 VALIDATION_ERROR', async (_name, body, message) => {
    const before = await commentsCount(approvalId);
    const res = await server.http(seed.key).post(commentsPath(approvalId)).send(body as object).expect(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', message, details: { location: 'body' } });
    expect(await commentsCount(approvalId)).toBe(before);
  });

  it('accepts a body of exactly the maximum length', async () => {
    await server.http(seed.key).post(commentsPath(approvalId)).send({ body: 'x'.repeat(10_000) }).expect(201);
  });

  it('a request without any body → 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const res = await server.http(seed.key).post(commentsPath(approvalId)).expect(415);
    expect(res.body.error).toMatchObject({
      code: 'UNSUPPORTED_MEDIA_TYPE',
      message: 'send a JSON body with Content-Type: application/json',
    });
  });

  it('a text/plain body → 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const res = await server
      .http(seed.key)
      .post(commentsPath(approvalId))
      .set('Content-Type', 'text/plain')
      .send('just text')
      .expect(415);
    expect(res.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('malformed JSON → 400 INVALID_JSON', async () => {
    const res = await server
      .http(seed.key)
      .post(commentsPath(approvalId))
      .set('Content-Type', 'application/json')
      .send('{"body": "unterminated')
      .expect(400);
    expect(res.body.error).toMatchObject({ code: 'INVALID_JSON', message: 'request body is not valid JSON' });
  });
});

describe('comments — unknown requests', () => {
  it.each([
    ['an unknown id', () => randomUUID()],
    ['a malformed id', () => 'not-a-uuid'],
  ])('POST with %s → 404 NOT_FOUND', async (_name, id) => {
    const res = await server.http(seed.key).post(commentsPath(id())).send({ body: 'hello' }).expect(404);
    expect(res.body.error).toMatchObject({ code: 'NOT_FOUND' });
  });

  it.each([
    ['an unknown id', () => randomUUID()],
    ['a malformed id', () => 'not-a-uuid'],
  ])('GET with %s → 404 NOT_FOUND', async (_name, id) => {
    const res = await server.http(seed.key).get(commentsPath(id())).expect(404);
    expect(res.body.error).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('the 404 names the missing request, not a missing route', async () => {
    const res = await server.http(seed.key).post(commentsPath(randomUUID())).send({ body: 'hello' }).expect(404);
    expect(res.body.error.message).toBe('approval request not found');
  });
});

describe('comments — limit per request', () => {
  it(`refuses comment number ${MAX_COMMENTS_PER_APPROVAL + 1} with 409 LIMIT_REACHED`, async () => {
    const id = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201)).body.id;
    // Inserting a thousand rows through the API would only slow the test down; the counter is what is checked.
    await server.db.query('UPDATE approvals SET comments_count = $2 WHERE id = $1', [id, MAX_COMMENTS_PER_APPROVAL - 1]);
    await server.http(seed.key).post(commentsPath(id)).send({ body: 'the last one' }).expect(201);
    const res = await server.http(seed.key).post(commentsPath(id)).send({ body: 'one too many' }).expect(409);
    expect(res.body.error).toEqual({
      code: 'LIMIT_REACHED',
      message: 'an approval request can have at most 1000 comments',
      details: { limit: 1000 },
      request_id: expect.any(String),
    });
    expect(await commentsCount(id)).toBe(MAX_COMMENTS_PER_APPROVAL);
    const { rows } = await server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM comments WHERE approval_id = $1', [id]);
    expect(rows[0]!.n).toBe(1);
  });
});

describe('comments — emergency stop', () => {
  it('refuses new comments with 503 EMERGENCY_STOP; listing still works', async () => {
    const org = await seedOrg(server.db);
    const id = (await server.http(org.key).post('/api/v1/approvals').send(approvalBody()).expect(201)).body.id;
    await server.http(org.key).post(commentsPath(id)).send({ body: 'before the stop' }).expect(201);
    await setEmergencyStop(server.db, org.org.id, true);

    const res = await server.http(org.key).post(commentsPath(id)).send({ body: 'during the stop' }).expect(503);
    expect(res.body.error).toMatchObject({
      code: 'EMERGENCY_STOP',
      message:
        'the emergency stop is on for this organization: approval requests cannot be changed until an admin turns it off',
    });
    const list = await server.http(org.key).get(commentsPath(id)).expect(200);
    expect(list.body.data.map((c: { body: string }) => c.body)).toEqual(['before the stop']);

    await setEmergencyStop(server.db, org.org.id, false);
    await server.http(org.key).post(commentsPath(id)).send({ body: 'after the stop' }).expect(201);
  });

  it('checks the stop inside the transaction, not only from the credential lookup', async () => {
    // The router's fast check reads the stop when it authenticates; a stop pressed after that must
    // still win. Call the handler with a context that saw the stop off while the database has it on.
    const org = await seedOrg(server.db);
    const id = (await server.http(org.key).post('/api/v1/approvals').send(approvalBody()).expect(201)).body.id;
    const auth: AuthContext = {
      org: { ...org.org, emergency_stop: false },
      principal: { type: 'connection', id: org.connectionId, name: 'primary' },
      connection: {
        id: org.connectionId,
        name: 'primary',
        auth_type: 'api_key',
        scopes: ['comments:write'],
        rate_limit: 10_000,
        rate_limit_window: 'hour',
        created_at: new Date(),
      },
      user: null,
      scopes: ['comments:write'],
      rateLimitKey: `conn:${org.connectionId}`,
      rateLimit: 10_000,
      rateLimitWindowSeconds: 3600,
    };
    await setEmergencyStop(server.db, org.org.id, true);

    const call = createComment({
      params: { id },
      body: { body: 'sneaking in' },
      auth,
      ownedBy: null,
      deps: server.deps,
      log: server.deps.logger,
      requestId: 'req_test',
      query: {},
      headers: {},
    });
    await expect(call).rejects.toBeInstanceOf(ApiError);
    await expect(call).rejects.toMatchObject({ code: 'EMERGENCY_STOP', status: 503 });
    expect(await commentsCount(id)).toBe(0);
    const { rows } = await server.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM events WHERE approval_id = $1 AND type = 'comment.created'`,
      [id],
    );
    expect(rows[0]!.n).toBe(0);
  });
});
