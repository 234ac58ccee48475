import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { approvalBody, seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { setEmergencyStop } from '../orgs/create-org.ts';
import type { AuthContext } from '../../context.ts';
import { ApiError } from '../../errors.ts';
import { createApproval } from './create-approval.ts';

let server: TestServer;
let seed: SeededOrg;
beforeAll(async () => {
  server = await startTestServer();
  // The validation cases below create nothing, so they can share one org.
  seed = await seedOrg(server.db);
}, 60_000);
afterAll(() => server.stop(), 60_000);

const countRows = async (orgId: string) =>
  (await server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM approvals WHERE org_id = $1', [orgId])).rows[0]!.n;

const tags = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));
const without = (key: string) => {
  const b: Record<string, unknown> = approvalBody();
  delete b[key];
  return b;
};

describe('POST /api/v1/approvals — validation', () => {
  it.each([
    ['missing title', without('title'), 'title is required'],
    ['missing description', without('description'), 'description is required'],
    // zod reports a missing enum as an invalid option rather than a missing value.
    ['missing priority', without('priority'), 'priority is required'],
    ['blank title', approvalBody({ title: '   ' }), 'title: Too small: expected string to have >=1 characters'],
    ['title too long', approvalBody({ title: 'x'.repeat(501) }), 'title: Too big: expected string to have <=500 characters'],
    ['title of the wrong type', approvalBody({ title: 123 }), 'title: Invalid input: expected string, received number'],
    ['description of the wrong type', approvalBody({ description: ['a'] }), 'description: Invalid input: expected string, received array'],
    ['required_approvals as a string', approvalBody({ required_approvals: '2' }), 'required_approvals: Invalid input: expected number, received string'],
    ['required_approvals 0', approvalBody({ required_approvals: 0 }), 'required_approvals: Too small: expected number to be >=1'],
    ['required_approvals 21', approvalBody({ required_approvals: 21 }), 'required_approvals: Too big: expected number to be <=20'],
    ['required_approvals 1.5', approvalBody({ required_approvals: 1.5 }), 'required_approvals: Invalid input: expected int, received number'],
    ['is_sequential as a string', approvalBody({ is_sequential: 'yes' }), 'is_sequential: Invalid input: expected boolean, received string'],
    ['metadata as an array', approvalBody({ metadata: [] }), 'metadata: Invalid input: expected record, received array'],
    ['unknown priority', approvalBody({ priority: 'urgent' }), 'priority: Invalid option: expected one of "low"|"medium"|"high"|"critical"'],
    ['unknown field', approvalBody({ approver: 'me' }), 'unknown field: approver'],
    ['several unknown fields', approvalBody({ status: 'approved', org_id: 'x' }), 'unknown fields: status, org_id'],
    ['ftp callback_url', approvalBody({ callback_url: 'ftp://your-app.com/hook' }), 'callback_url: Invalid URL'],
    ['callback_url that is not a URL', approvalBody({ callback_url: 'your-app.com/hook' }), 'callback_url: Invalid URL'],
    ['javascript: callback_url', approvalBody({ callback_url: 'javascript:alert(1)' }), 'callback_url: Invalid URL'],
    ['callback header value with CR/LF', approvalBody({ callback_headers: { 'X-Token': 'a\r\nX-Evil: 1' } }), 'callback_headers.X-Token: header values cannot contain CR, LF or NUL'],
    ['callback header value with LF', approvalBody({ callback_headers: { 'X-Token': 'a\nb' } }), 'callback_headers.X-Token: header values cannot contain CR, LF or NUL'],
    ['callback header value with an emoji (not an RFC 9110 field value)', approvalBody({ callback_headers: { 'X-Emoji': 'ok\u{1F600}' } }), 'callback_headers.X-Emoji: header values must be RFC 9110 field values: visible ASCII, space, tab or obs-text (U+0080–U+00FF)'],
    ['callback header value with DEL', approvalBody({ callback_headers: { 'X-Token': 'a\u007fb' } }), 'callback_headers.X-Token: header values must be RFC 9110 field values: visible ASCII, space, tab or obs-text (U+0080–U+00FF)'],
    ['callback header value with a control character', approvalBody({ callback_headers: { 'X-Token': 'a\u0001b' } }), 'callback_headers.X-Token: header values must be RFC 9110 field values: visible ASCII, space, tab or obs-text (U+0080–U+00FF)'],
    ['callback header value with leading whitespace', approvalBody({ callback_headers: { 'X-Token': ' a' } }), 'callback_headers.X-Token: header values cannot start or end with a space or tab'],
    ['callback header name with a space', approvalBody({ callback_headers: { 'X Token': 'a' } }), 'callback_headers.X Token: "X Token" is not a valid HTTP header name'],
    ['reserved callback header webhook-id', approvalBody({ callback_headers: { 'webhook-id': 'msg_1' } }), 'callback_headers.webhook-id: "webhook-id" is set by Greenlight and cannot be overridden'],
    ['reserved callback header Webhook-Signature', approvalBody({ callback_headers: { 'Webhook-Signature': 'v1,x' } }), 'callback_headers.Webhook-Signature: "Webhook-Signature" is set by Greenlight and cannot be overridden'],
    ['reserved callback header Host', approvalBody({ callback_headers: { Host: 'internal' } }), 'callback_headers.Host: "Host" is set by Greenlight and cannot be overridden'],
    ['reserved callback header Content-Type', approvalBody({ callback_headers: { 'Content-Type': 'text/plain' } }), 'callback_headers.Content-Type: "Content-Type" is set by Greenlight and cannot be overridden'],
    ['reserved callback header Content-Length', approvalBody({ callback_headers: { 'Content-Length': '0' } }), 'callback_headers.Content-Length: "Content-Length" is set by Greenlight and cannot be overridden'],
    ['reserved callback header Authorization', approvalBody({ callback_headers: { authorization: 'Bearer x' } }), 'callback_headers.authorization: "authorization" is set by Greenlight and cannot be overridden'],
    ['too many callback headers', approvalBody({ callback_headers: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`X-H${i}`, 'v'])) }), 'callback_headers: at most 20 callback headers are allowed'],
    ['too many tags', approvalBody({ tags: tags(21) }), 'tags: at most 20 tags are allowed'],
    ['a tag key with a space', approvalBody({ tags: { 'my tag': 'x' } }), 'tags.my tag: Invalid key in record'],
    ['a tag value that is not a string', approvalBody({ tags: { env: 1 } }), 'tags.env: Invalid input: expected string, received number'],
    ['changes without after', approvalBody({ changes: { before: {} } }), 'changes.after is required'],
    ['resource without id', approvalBody({ resource: { type: 'user' } }), 'resource.id is required'],
    ['expires_at that is not a timestamp', approvalBody({ expires_at: 'tomorrow' }), 'expires_at: Invalid ISO datetime'],
    ['expires_at in the past', approvalBody({ expires_at: '2020-01-01T00:00:00.000Z' }), 'expires_at must be in the future'],
    ['expires_at of one second ago', approvalBody({ expires_at: new Date(Date.now() - 1000).toISOString() }), 'expires_at must be in the future'],
    ['empty idempotency_key', approvalBody({ idempotency_key: '' }), 'idempotency_key: Too small: expected string to have >=1 characters'],
    ['idempotency_key over 255 characters', approvalBody({ idempotency_key: 'k'.repeat(256) }), 'idempotency_key: Too big: expected string to have <=255 characters'],
    ['external_id over 255 characters', approvalBody({ external_id: 'e'.repeat(256) }), 'external_id: Too big: expected string to have <=255 characters'],
    ['a NUL character in the title', approvalBody({ title: 'a\u0000b' }), 'text fields cannot contain NUL characters'],
    ['a NUL character inside metadata', approvalBody({ metadata: { note: 'x\u0000y' } }), 'text fields cannot contain NUL characters'],
    ['an array instead of an object', [approvalBody()], 'Invalid input: expected object, received array'],
  ])('%s → 400 VALIDATION_ERROR', async (_name, body, message) => {
    const res = await server.http(seed.key).post('/api/v1/approvals').send(body as object).expect(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', message, request_id: expect.any(String) });
    expect(await countRows(seed.org.id)).toBe(0);
  });

  it('refuses an Idempotency-Key header over 255 characters', async () => {
    const res = await server.http(seed.key).post('/api/v1/approvals').set('Idempotency-Key', 'h'.repeat(256)).send(approvalBody()).expect(400);
    expect(res.body.error).toMatchObject({
      code: 'VALIDATION_ERROR',
      message: 'idempotency-key: Too big: expected string to have <=255 characters',
    });
  });

  it('refuses malformed JSON', async () => {
    const res = await server.http(seed.key).post('/api/v1/approvals').set('Content-Type', 'application/json').send('{"title": ').expect(400);
    expect(res.body.error).toMatchObject({ code: 'INVALID_JSON', message: 'request body is not valid JSON' });
  });
});

describe('POST /api/v1/approvals — conflicts', () => {
  it('refuses a reused idempotency key with a different body (409 IDEMPOTENCY_KEY_REUSED) and stores nothing', async () => {
    const org = await seedOrg(server.db);
    const first = await server.http(org.key).post('/api/v1/approvals').send(approvalBody({ idempotency_key: 'k' })).expect(201);
    const cases = [
      approvalBody({ idempotency_key: 'k', priority: 'low' }),
      approvalBody({ idempotency_key: 'k', required_approvals: 2 }),
      approvalBody({ idempotency_key: 'k', metadata: { extra: true } }),
      approvalBody({ idempotency_key: 'k', callback_headers: { 'X-Token': 'other' } }),
    ];
    for (const body of cases) {
      const res = await server.http(org.key).post('/api/v1/approvals').send(body).expect(409);
      expect(res.body.error).toMatchObject({
        code: 'IDEMPOTENCY_KEY_REUSED',
        message: 'idempotency_key was already used with a different request body',
        details: { approval_id: first.body.id },
      });
    }
    // The header form is the same key.
    const viaHeader = await server.http(org.key).post('/api/v1/approvals').set('Idempotency-Key', 'k').send(approvalBody({ title: 'other' })).expect(409);
    expect(viaHeader.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await countRows(org.org.id)).toBe(1);
  });

  it('refuses a reused key with a different body even after the first expires_at has passed', async () => {
    const org = await seedOrg(server.db);
    const body = approvalBody({ idempotency_key: 'k', expires_at: new Date(Date.now() + 300).toISOString() });
    await server.http(org.key).post('/api/v1/approvals').send(body).expect(201);
    await new Promise((r) => setTimeout(r, 400));
    const res = await server.http(org.key).post('/api/v1/approvals').send({ ...body, title: 'changed' }).expect(409);
    expect(res.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('refuses an external_id already used in the org (409 EXTERNAL_ID_CONFLICT)', async () => {
    const org = await seedOrg(server.db);
    await server.http(org.key).post('/api/v1/approvals').send(approvalBody({ external_id: 'SUP-1234' })).expect(201);
    const res = await server.http(org.key).post('/api/v1/approvals').send(approvalBody({ external_id: 'SUP-1234', title: 'again' })).expect(409);
    expect(res.body.error).toMatchObject({
      code: 'EXTERNAL_ID_CONFLICT',
      message: 'external_id is already used by another approval request in this organization',
      details: { external_id: 'SUP-1234' },
    });
    // With a fresh idempotency key the external_id still conflicts.
    const keyed = await server.http(org.key).post('/api/v1/approvals').send(approvalBody({ external_id: 'SUP-1234', idempotency_key: 'new' })).expect(409);
    expect(keyed.body.error.code).toBe('EXTERNAL_ID_CONFLICT');
    expect(await countRows(org.org.id)).toBe(1);
  });
});

describe('POST /api/v1/approvals — emergency stop', () => {
  it('answers 503 EMERGENCY_STOP while the stop is on, and creates nothing', async () => {
    const org = await seedOrg(server.db);
    await setEmergencyStop(server.db, org.org.id, true);
    const res = await server.http(org.key).post('/api/v1/approvals').send(approvalBody()).expect(503);
    expect(res.body.error.code).toBe('EMERGENCY_STOP');
    expect(await countRows(org.org.id)).toBe(0);
    await setEmergencyStop(server.db, org.org.id, false);
    await server.http(org.key).post('/api/v1/approvals').send(approvalBody()).expect(201);
  });

  it('checks the stop in the insert itself, not only in the credential read at the start of the request', async () => {
    const org = await seedOrg(server.db);
    // The caller authenticated while the stop was off; it is turned on before the insert runs.
    const auth: AuthContext = {
      org: { id: org.org.id, slug: org.org.slug, name: org.org.name, emergency_stop: false },
      principal: { type: 'connection', id: org.connectionId, name: 'primary' },
      connection: null,
      user: null,
      scopes: ['approvals:write'],
      rateLimitKey: 'test',
      rateLimit: 100,
      rateLimitWindowSeconds: 3600,
    };
    await setEmergencyStop(server.db, org.org.id, true);
    const attempt = createApproval({
      params: {},
      query: {},
      body: { title: 't', description: 'd', priority: 'high', required_approvals: 1, is_sequential: false },
      headers: {},
      auth,
      deps: server.deps,
      log: pino({ level: 'silent' }),
      requestId: 'req_test',
    } as Parameters<typeof createApproval>[0]);
    await expect(attempt).rejects.toBeInstanceOf(ApiError);
    await expect(attempt).rejects.toMatchObject({ code: 'EMERGENCY_STOP', status: 503 });
    expect(await countRows(org.org.id)).toBe(0);
    // Turning the stop on is an event of its own (emergency_stop.changed); no request's event follows it.
    const { rows } = await server.db.query<{ n: number }>("SELECT count(*)::int AS n FROM events WHERE org_id = $1 AND type LIKE 'approval.%'", [org.org.id]);
    expect(rows[0]!.n).toBe(0);
  });
});
