/**
 * Unit tests of the built n8n package: every operation with a mocked n8n context and nock in
 * place of Greenlight. What reaches the wire (method, path, query, body, Bearer key) and what
 * comes out (items, outputs, pairing, errors) are both asserted.
 */
import nock from 'nock';
import { beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES, ERROR_STATUS } from '@greenlight/contract';
import { classifyError, ERROR_KIND, SAMPLE_DECIDED_APPROVAL, SAMPLE_PENDING_APPROVAL, SCOPES, signWebhook, type ErrorKind } from '@greenlight/triggers';
import { context, loadBuilt, loadNodes, n8nWorkflow } from './context.mts';
import { useNock } from './nock.mts';

const BASE = 'https://greenlight.example.test';
const KEY = 'gk_test_key_123';
const ID = SAMPLE_PENDING_APPROVAL.id;
const STEP = 'd1e2f3a4-b5c6-4d7e-8f90-a1b2c3d4e5f6';
const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;

let nodes: ReturnType<typeof loadNodes>;
beforeAll(() => {
  nodes = loadNodes();
});
useNock();

const api = () => nock(BASE, { reqheaders: { authorization: `Bearer ${KEY}` } });
const run = (parameters: Record<string, unknown>, extra: Partial<Parameters<typeof context>[0]> = {}) => {
  const c = context({ baseUrl: BASE, apiKey: KEY, parameters: { authentication: 'apiKey', ...parameters }, ...extra });
  return { ...c, exec: () => nodes.Greenlight.execute.call(c.ctx) };
};

describe('credentials', () => {
  it('API key: Bearer header, /api/v1/me test, base URL', () => {
    const { GreenlightApi } = loadBuilt<{ GreenlightApi: new () => Record<string, unknown> }>('credentials/GreenlightApi.credentials.js');
    const c = new GreenlightApi() as { name: string; authenticate: unknown; test: { request: { url: string; baseURL: string } }; properties: { name: string; placeholder?: string }[] };
    expect(c.name).toBe('greenlightApi');
    expect(c.authenticate).toEqual({ type: 'generic', properties: { headers: { Authorization: '=Bearer {{$credentials.apiKey}}' } } });
    expect(c.test.request.url).toBe('/api/v1/me');
    expect(c.test.request.baseURL).toContain('$credentials.baseUrl');
    expect(c.properties.map((p) => p.name)).toEqual(['baseUrl', 'apiKey']);
    // Greenlight's API keys are `gk_` and 64 hex characters.
    expect(c.properties[1]!.placeholder).toBe('gk_…');
  });

  it('OAuth2: extends oAuth2Api, PKCE, URLs from the base URL, every scope', () => {
    const { GreenlightOAuth2Api } = loadBuilt<{ GreenlightOAuth2Api: new () => Record<string, unknown> }>('credentials/GreenlightOAuth2Api.credentials.js');
    const c = new GreenlightOAuth2Api() as { extends: string[]; properties: { name: string; default: unknown }[] };
    const value = (name: string) => c.properties.find((p) => p.name === name)?.default;
    expect(c.extends).toEqual(['oAuth2Api']);
    expect(value('grantType')).toBe('pkce');
    expect(value('authUrl')).toBe('={{$self["baseUrl"].replace(/\\/+$/, "")}}/oauth/authorize');
    expect(value('accessTokenUrl')).toBe('={{$self["baseUrl"].replace(/\\/+$/, "")}}/oauth/token');
    expect(String(value('scope')).split(' ').sort()).toEqual([...SCOPES].sort());
    expect(value('authentication')).toBe('header');
  });
});

describe('Greenlight node: approvals', () => {
  it('create sends the required fields and the parsed optional ones, and pairs the item', async () => {
    api()
      .post('/api/v1/approvals', {
        title: 'Deploy', description: 'Ship it', priority: 'high',
        metadata: { run: 7 }, expires_at: '2030-01-02T03:04:05.000Z', required_approvals: 2, tags: { env: 'prod' },
      })
      .reply(201, SAMPLE_PENDING_APPROVAL);
    const { exec } = run({
      resource: 'approval', operation: 'create', title: 'Deploy', description: 'Ship it', priority: 'high',
      additionalFields: { metadata: '{"run":7}', expires_at: '2030-01-02T03:04:05Z', required_approvals: 2, tags: { env: 'prod' }, action_type: '' },
    });
    expect(await exec()).toEqual([[{ json: SAMPLE_PENDING_APPROVAL, pairedItem: { item: 0 } }]]);
  });

  it('create accepts the idempotent replay (200)', async () => {
    api().post('/api/v1/approvals').reply(200, SAMPLE_PENDING_APPROVAL);
    const { exec } = run({ resource: 'approval', operation: 'create', title: 't', description: 'd', priority: 'low', additionalFields: {} });
    expect((await exec())[0]).toHaveLength(1);
  });

  it('get, decide and cancel call the request by id, once per input item', async () => {
    const other = '0b0b0b0b-1111-4222-8333-444455556666';
    api().get(`/api/v1/approvals/${ID}`).reply(200, SAMPLE_PENDING_APPROVAL);
    api().get(`/api/v1/approvals/${other}`).reply(200, { ...SAMPLE_PENDING_APPROVAL, id: other });
    const get = run({ resource: 'approval', operation: 'get', approvalId: (i: number) => (i === 0 ? ID : other), additionalFields: {} }, { items: [{}, {}] });
    const out = (await get.exec())[0]!;
    expect(out.map((o) => [o.json.id, o.pairedItem])).toEqual([[ID, { item: 0 }], [other, { item: 1 }]]);

    api().patch(`/api/v1/approvals/${ID}`, { decision: 'approve', comment: 'ok' }).reply(200, { ...SAMPLE_DECIDED_APPROVAL, callback_delivered: false });
    const decide = run({ resource: 'approval', operation: 'decide', approvalId: ID, decision: 'approve', additionalFields: { comment: 'ok' } });
    expect((await decide.exec())[0]![0]!.json.status).toBe('approved');

    api().delete(`/api/v1/approvals/${ID}`).reply(200, { ...SAMPLE_PENDING_APPROVAL, status: 'cancelled' });
    const cancel = run({ resource: 'approval', operation: 'cancel', approvalId: ID });
    expect((await cancel.exec())[0]![0]!.json.status).toBe('cancelled');
  });

  it('get many: filters as query parameters, limit honoured', async () => {
    api()
      .get('/api/v1/approvals')
      .query({ status: 'pending,approved', priority: 'high', search: 'deploy', page_size: '2' })
      .reply(200, { data: [{ id: 'a' }, { id: 'b' }], pagination: {}, next_page_token: 'next' });
    const { exec } = run({ resource: 'approval', operation: 'getAll', returnAll: false, limit: 2, filters: { status: ['pending', 'approved'], priority: ['high'], search: 'deploy' } });
    expect((await exec())[0]!.map((o) => o.json.id)).toEqual(['a', 'b']);
  });

  it('get many with Return All follows page_token to the end', async () => {
    api().get('/api/v1/approvals').query({ page_size: '100' }).reply(200, { data: [{ id: 'a' }, { id: 'b' }], next_page_token: 't1' });
    api().get('/api/v1/approvals').query({ page_size: '100', page_token: 't1' }).reply(200, { data: [{ id: 'c' }], next_page_token: null });
    const { exec } = run({ resource: 'approval', operation: 'getAll', returnAll: true, filters: {} });
    expect((await exec())[0]!.map((o) => o.json.id)).toEqual(['a', 'b', 'c']);
  });
});

describe('Greenlight node: comments and steps', () => {
  it.each([
    ['comment', 'add', { approvalId: ID, body: 'Looks fine' }, 'post', `/api/v1/approvals/${ID}/comments`, { body: 'Looks fine' }, 201, { id: 'c1', body: 'Looks fine' }, ['c1']],
    ['comment', 'getAll', { approvalId: ID }, 'get', `/api/v1/approvals/${ID}/comments`, undefined, 200, { data: [{ id: 'c1' }, { id: 'c2' }] }, ['c1', 'c2']],
    ['step', 'getAll', { approvalId: ID }, 'get', `/api/v1/approvals/${ID}/steps`, undefined, 200, { data: [{ id: 's1' }] }, ['s1']],
    [
      'step', 'configure', { approvalId: ID, steps: '[{"approver_id":"u1","step_order":1}]' }, 'post', `/api/v1/approvals/${ID}/steps`,
      { steps: [{ approver_id: 'u1', step_order: 1 }] }, 201, { data: [{ id: 's1' }] }, ['s1'],
    ],
    ['step', 'vote', { approvalId: ID, stepId: STEP, decision: 'reject', additionalFields: { comment: 'no' } }, 'patch', `/api/v1/approvals/${ID}/steps/${STEP}`, { decision: 'reject', comment: 'no' }, 200, { id: STEP }, [STEP]],
  ] as const)('%s %s', async (resource, operation, parameters, method, path, body, status, reply, ids) => {
    const scope = api();
    (body ? scope[method](path, body as never) : scope[method](path)).reply(status, reply);
    const { exec } = run({ resource, operation, additionalFields: {}, ...parameters });
    expect((await exec())[0]!.map((o) => o.json.id)).toEqual(ids);
  });
});

describe('Greenlight node: errors', () => {
  const envelope = (code: string, message: string) => ({ error: { code, message, request_id: 'req_1' } });

  it.each([
    [400, 'VALIDATION_ERROR', 'title is required'],
    [403, 'INSUFFICIENT_SCOPE', 'This key lacks the approvals:write scope'],
    [404, 'NOT_FOUND', 'Approval request not found'],
    [409, 'INVALID_STATUS', 'The request is already approved'],
  ])('%i %s → NodeApiError with the API message', async (status, code, message) => {
    api().get(`/api/v1/approvals/${ID}`).reply(status, envelope(code, message));
    const { exec } = run({ resource: 'approval', operation: 'get', approvalId: ID });
    const error = await exec().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(n8nWorkflow.NodeApiError);
    expect((error as Error).message).toBe(message);
    expect((error as { httpCode: string }).httpCode).toBe(String(status));
    expect((error as { description: string }).description).toBe(`${code} (request req_1)`);
  });

  /** n8n's error for each kind: the table in nodes/shared/transport.ts. */
  const N8N_ERROR: Record<ErrorKind, 'NodeApiError' | 'NodeOperationError'> = {
    reauthorize: 'NodeApiError', forbidden: 'NodeApiError', throttle: 'NodeApiError', bad_input: 'NodeApiError', duplicate: 'NodeApiError',
    not_found: 'NodeApiError', conflict: 'NodeApiError', stopped: 'NodeApiError', unavailable: 'NodeApiError',
  };

  it.each(ERROR_CODES)('every error code of the contract: %s → the shared kind’s n8n error and the shared message', async (code) => {
    const status = ERROR_STATUS[code];
    const body = envelope(code, `what the API says about ${code}`);
    const headers: Record<string, string> = code === 'RATE_LIMITED' ? { 'Retry-After': '17' } : {};
    api().get(`/api/v1/approvals/${ID}`).reply(status, body, headers);
    const { exec } = run({ resource: 'approval', operation: 'get', approvalId: ID });
    const error = await exec().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(n8nWorkflow[N8N_ERROR[ERROR_KIND[code]]]);
    expect((error as Error).message).toBe(classifyError(status, body, headers).message);
    expect((error as { httpCode: string }).httpCode).toBe(String(status));
    expect((error as { description: string }).description).toBe(`${code} (request req_1)`);
  });

  it('an answer without an error envelope reads as on every platform', async () => {
    api().get(`/api/v1/approvals/${ID}`).reply(502, '<html>bad gateway</html>');
    const { exec } = run({ resource: 'approval', operation: 'get', approvalId: ID });
    const error = await exec().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(n8nWorkflow.NodeApiError);
    expect((error as Error).message).toBe('Greenlight is unavailable (HTTP 502): <html>bad gateway</html>. Try again later.');
    expect((error as { description: string }).description).toBe('HTTP_502');
  });

  it('continueOnFail: the failing item becomes an error item, the others go on', async () => {
    const other = '0b0b0b0b-1111-4222-8333-444455556666';
    api().get(`/api/v1/approvals/${ID}`).reply(404, envelope('NOT_FOUND', 'Approval request not found'));
    api().get(`/api/v1/approvals/${other}`).reply(200, { ...SAMPLE_PENDING_APPROVAL, id: other });
    const { exec } = run({ resource: 'approval', operation: 'get', approvalId: (i: number) => (i === 0 ? ID : other) }, { items: [{}, {}], continueOnFail: true });
    expect((await exec())[0]).toEqual([
      { json: { error: 'Approval request not found', description: 'NOT_FOUND (request req_1)' }, pairedItem: { item: 0 } },
      { json: { ...SAMPLE_PENDING_APPROVAL, id: other }, pairedItem: { item: 1 } },
    ]);
  });

  it.each([
    ['metadata', '{not json', 'Metadata is not valid JSON'],
    ['expires_at', 'tomorrow-ish', 'Expires At is not a date and time'],
  ])('a malformed %s stops before any request', async (field, value, message) => {
    const { exec, record } = run({ resource: 'approval', operation: 'create', title: 't', description: 'd', priority: 'low', additionalFields: { [field]: value } });
    await expect(exec()).rejects.toThrow(message);
    expect(record.requests).toEqual([]);
  });
});

describe('Request and Wait', () => {
  const parameters = { title: 'Deploy', description: 'Ship it', priority: 'high', additionalFields: {}, limitWaitTime: false, options: {} };
  const resumeUrl = 'https://n8n.example.test/webhook-waiting/42/node-1?signature=tok';
  // Where n8n received the callback: the path of the request's callback_url (the sample's).
  const CALLBACK_PATH = `${new URL(SAMPLE_DECIDED_APPROVAL.callback_url!).pathname}?signature=tok`;

  it('creates the request with the resume URL as callback and waits indefinitely', async () => {
    api().post('/api/v1/approvals', { title: 'Deploy', description: 'Ship it', priority: 'high', callback_url: resumeUrl }).reply(201, SAMPLE_PENDING_APPROVAL);
    const c = context({ baseUrl: BASE, apiKey: KEY, parameters: { authentication: 'apiKey', ...parameters }, resumeUrl });
    const out = await nodes.GreenlightRequestAndWait.execute.call(c.ctx);
    expect(c.record.waitTill).toEqual(n8nWorkflow.WAIT_INDEFINITELY);
    expect(out[0]).toEqual([]);
    expect(out[1]).toEqual([]);
    expect(out[2]![0]!.json).toMatchObject({ decision: 'timed_out', approval_id: ID });
  });

  it('with a wait limit, waits until then', async () => {
    api().post('/api/v1/approvals').reply(201, SAMPLE_PENDING_APPROVAL);
    const c = context({ baseUrl: BASE, apiKey: KEY, parameters: { authentication: 'apiKey', ...parameters, limitWaitTime: true, limitType: 'afterTimeInterval', resumeAmount: 2, resumeUnit: 'hours' }, resumeUrl });
    const before = Date.now();
    await nodes.GreenlightRequestAndWait.execute.call(c.ctx);
    const delta = c.record.waitTill!.getTime() - before;
    expect(delta).toBeGreaterThanOrEqual(2 * 3_600_000 - 1000);
    expect(delta).toBeLessThanOrEqual(2 * 3_600_000 + 1000);
  });

  const callback = (type: string, approval: object, details: object) =>
    JSON.stringify({
      type,
      timestamp: '2026-03-24T10:05:12.000Z',
      data: { event_id: '99', org_id: SAMPLE_PENDING_APPROVAL.org_id, approval_id: ID, actor: { type: 'user', id: 'u1', name: 'Dana' }, from_status: 'pending', to_status: 'approved', details, approval },
    });
  const signed = (body: string, secret = SECRET) => {
    const ts = Math.floor(Date.now() / 1000);
    return { 'webhook-id': 'dlv_1', 'webhook-timestamp': String(ts), 'webhook-signature': signWebhook(secret, 'dlv_1', ts, body), 'content-type': 'application/json' };
  };

  it.each([
    ['approval.approved', 'approved', 'Verified', true],
    ['approval.rejected', 'rejected', 'Not now', false],
    ['approval.expired', 'expired', null, false],
    ['approval.cancelled', 'cancelled', null, false],
  ] as const)('a signed %s of its own request: Approved, or the node runs again to fail (test/wait.test.mts)', async (type, decision, comment, approved) => {
    api().get('/api/v1/callback-secret').reply(200, { secret: SECRET, previous_secret_expires_at: null, rotated_at: null });
    const body = callback(type, { ...SAMPLE_DECIDED_APPROVAL, decision_comment: comment }, comment ? { decision, comment } : {});
    const c = context({
      baseUrl: BASE, apiKey: KEY, parameters: { authentication: 'apiKey', options: {} }, request: { url: CALLBACK_PATH, headers: signed(body), rawBody: Buffer.from(body) },
      customData: { greenlight_approval_id: ID },
    });
    const result = await nodes.GreenlightRequestAndWait.webhook.call(c.ctx);
    const outputs = result.workflowData!;
    // n8n passes on the first output only: Approved, for an approval; the refusal for n8n to run the node on.
    expect(outputs.map((o) => o.length)).toEqual(approved ? [1, 0, 0] : [1]);
    expect(c.record.executeData.node.disabled).toBe(approved);
    expect(outputs[0]![0]!.json).toMatchObject({
      decision,
      approved,
      comment,
      decider: { type: 'user', id: 'u1', name: 'Dana' },
      approved_content_sha256: SAMPLE_DECIDED_APPROVAL.approved_content_sha256,
      approval_id: ID,
    });
  });

  it.each([
    ['a wrong secret', (body: string) => signed(body, `whsec_${Buffer.alloc(32, 9).toString('base64')}`), 'no_matching_signature'],
    ['no signature', () => ({ 'content-type': 'application/json' }), 'missing_headers'],
    ['a stale timestamp', (body: string) => {
      const ts = Math.floor(Date.now() / 1000) - 3600;
      return { 'webhook-id': 'x', 'webhook-timestamp': String(ts), 'webhook-signature': signWebhook(SECRET, 'x', ts, body) };
    }, 'timestamp_too_old'],
  ])('%s: 401 and the execution keeps waiting', async (_, headers, reason) => {
    api().get('/api/v1/callback-secret').reply(200, { secret: SECRET, previous_secret_expires_at: null, rotated_at: null });
    const body = callback('approval.approved', SAMPLE_DECIDED_APPROVAL, {});
    const c = context({ baseUrl: BASE, apiKey: KEY, parameters: { authentication: 'apiKey', options: {} }, request: { url: CALLBACK_PATH, headers: headers(body), rawBody: Buffer.from(body) } });
    const result = await nodes.GreenlightRequestAndWait.webhook.call(c.ctx);
    expect(result).toEqual({ noWebhookResponse: true });
    expect(c.record.response).toEqual({ status: 401, body: { error: 'invalid_signature', reason } });
  });

  it('a tampered body does not verify', async () => {
    api().get('/api/v1/callback-secret').reply(200, { secret: SECRET, previous_secret_expires_at: null, rotated_at: null });
    const body = callback('approval.rejected', SAMPLE_DECIDED_APPROVAL, {});
    const forged = body.replace('approval.rejected', 'approval.approved');
    const c = context({ baseUrl: BASE, apiKey: KEY, parameters: { authentication: 'apiKey', options: {} }, request: { url: CALLBACK_PATH, headers: signed(body), rawBody: Buffer.from(forged) } });
    expect(await nodes.GreenlightRequestAndWait.webhook.call(c.ctx)).toEqual({ noWebhookResponse: true });
  });
});

describe('Greenlight Trigger (REST hook)', () => {
  const hookUrl = 'https://n8n.example.test/webhook/abc/webhook';
  const params = { authentication: 'apiKey', event: 'approval_decided', outcomes: ['approved', 'rejected'] };
  const methods = () => nodes.GreenlightTrigger.webhookMethods.default;

  it('create subscribes the webhook URL to the chosen events and keeps id and secret', async () => {
    api()
      .post('/api/v1/webhooks', (b) => b.url === hookUrl && JSON.stringify(b.events) === '["approval.approved","approval.rejected"]')
      .reply(201, { id: 'sub-1', secret: SECRET, url: hookUrl, events: ['approval.approved', 'approval.rejected'] });
    const c = context({ baseUrl: BASE, apiKey: KEY, parameters: params, webhookUrl: hookUrl });
    expect(await methods().create.call(c.ctx)).toBe(true);
    expect(c.staticData).toMatchObject({ subscriptionId: 'sub-1', secret: SECRET });
  });

  it('checkExists: none kept → false; kept and current → true; gone (404) → false and forgotten', async () => {
    const empty = context({ baseUrl: BASE, apiKey: KEY, parameters: params, webhookUrl: hookUrl });
    expect(await methods().checkExists.call(empty.ctx)).toBe(false);

    api().get('/api/v1/webhooks/sub-1').reply(200, { id: 'sub-1', url: hookUrl, status: 'active', events: ['approval.rejected', 'approval.approved'] });
    const kept = context({ baseUrl: BASE, apiKey: KEY, parameters: params, webhookUrl: hookUrl, staticData: { subscriptionId: 'sub-1', secret: SECRET } });
    expect(await methods().checkExists.call(kept.ctx)).toBe(true);

    api().get('/api/v1/webhooks/sub-1').reply(404, { error: { code: 'NOT_FOUND', message: 'Webhook not found', request_id: 'r' } });
    const gone = context({ baseUrl: BASE, apiKey: KEY, parameters: params, webhookUrl: hookUrl, staticData: { subscriptionId: 'sub-1', secret: SECRET } });
    expect(await methods().checkExists.call(gone.ctx)).toBe(false);
    expect(gone.staticData).toEqual({});
  });

  it('checkExists: a subscription for other events is replaced', async () => {
    api().get('/api/v1/webhooks/sub-1').reply(200, { id: 'sub-1', url: hookUrl, status: 'active', events: ['approval.created'] });
    api().delete('/api/v1/webhooks/sub-1').reply(200, { id: 'sub-1', deleted: true });
    const c = context({ baseUrl: BASE, apiKey: KEY, parameters: params, webhookUrl: hookUrl, staticData: { subscriptionId: 'sub-1', secret: SECRET } });
    expect(await methods().checkExists.call(c.ctx)).toBe(false);
  });

  it.each([200, 404])('delete unsubscribes (%i counts as success)', async (status) => {
    api().delete('/api/v1/webhooks/sub-1').reply(status, status === 200 ? { id: 'sub-1', deleted: true } : { error: { code: 'NOT_FOUND', message: 'gone', request_id: 'r' } });
    const c = context({ baseUrl: BASE, apiKey: KEY, parameters: params, staticData: { subscriptionId: 'sub-1', secret: SECRET } });
    expect(await methods().delete.call(c.ctx)).toBe(true);
    expect(c.staticData).toEqual({});
  });

  const delivery = (type: string) =>
    JSON.stringify({ type, timestamp: '2026-03-24T10:05:12.000Z', data: { event_id: '5', org_id: SAMPLE_PENDING_APPROVAL.org_id, approval_id: ID, actor: { type: 'user', id: 'u1', name: 'Dana' }, from_status: 'pending', to_status: 'approved', details: {}, approval: SAMPLE_DECIDED_APPROVAL } });

  it('a signed delivery becomes the workflow data; an unwatched event is acknowledged and ignored', async () => {
    const body = delivery('approval.approved');
    const ts = Math.floor(Date.now() / 1000);
    const headers = { 'webhook-id': 'd1', 'webhook-timestamp': String(ts), 'webhook-signature': signWebhook(SECRET, 'd1', ts, body) };
    const c = context({ baseUrl: BASE, apiKey: KEY, parameters: params, staticData: { secret: SECRET }, request: { headers, rawBody: Buffer.from(body) } });
    expect(await nodes.GreenlightTrigger.webhook.call(c.ctx)).toEqual({ workflowData: [[{ json: SAMPLE_DECIDED_APPROVAL }]] });

    const cancelled = delivery('approval.cancelled');
    const h2 = { 'webhook-id': 'd2', 'webhook-timestamp': String(ts), 'webhook-signature': signWebhook(SECRET, 'd2', ts, cancelled) };
    const c2 = context({ baseUrl: BASE, apiKey: KEY, parameters: params, staticData: { secret: SECRET }, request: { headers: h2, rawBody: Buffer.from(cancelled) } });
    expect(await nodes.GreenlightTrigger.webhook.call(c2.ctx)).toEqual({ webhookResponse: { ignored: 'approval.cancelled' } });
  });

  it('an unsigned delivery is refused with 401', async () => {
    const body = delivery('approval.approved');
    const c = context({ baseUrl: BASE, apiKey: KEY, parameters: params, staticData: { secret: SECRET }, request: { headers: {}, rawBody: Buffer.from(body) } });
    expect(await nodes.GreenlightTrigger.webhook.call(c.ctx)).toEqual({ noWebhookResponse: true });
    expect(c.record.response.status).toBe(401);
  });
});

describe('Greenlight Polling Trigger', () => {
  const params = { authentication: 'apiKey', event: 'new_approval' };
  const row = (id: string, created: string) => ({ ...SAMPLE_PENDING_APPROVAL, id, created_at: created, updated_at: created });

  it('first poll records and emits nothing; the next emits only what is new; manual mode shows the newest', async () => {
    api().get('/api/v1/approvals').query(true).reply(200, { data: [row('a', '2026-01-01T00:00:01.000Z')], next_page_token: null });
    api().get('/api/v1/approvals').query(true).reply(200, { data: [row('a', '2026-01-01T00:00:01.000Z')], next_page_token: null });
    const first = context({ baseUrl: BASE, apiKey: KEY, parameters: params });
    expect(await nodes.GreenlightPollingTrigger.poll.call(first.ctx)).toBeNull();
    expect(first.staticData).toMatchObject({ event: 'new_approval', state: { v: 1, watermark: Date.parse('2026-01-01T00:00:01.000Z') } });

    api()
      .get('/api/v1/approvals')
      .query((q) => q.sort === '-created_at' && typeof q.created_after === 'string')
      .reply(200, { data: [row('b', '2026-01-01T00:00:02.000Z'), row('a', '2026-01-01T00:00:01.000Z')], next_page_token: null });
    const second = context({ baseUrl: BASE, apiKey: KEY, parameters: params, staticData: first.staticData });
    const out = await nodes.GreenlightPollingTrigger.poll.call(second.ctx);
    expect(out![0]!.map((i) => i.json.id)).toEqual(['b']);

    api().get('/api/v1/approvals').query(true).reply(200, { data: [row('b', '2026-01-01T00:00:02.000Z')], next_page_token: null });
    const manual = context({ baseUrl: BASE, apiKey: KEY, parameters: params, mode: 'manual', staticData: { keep: 1 } });
    expect((await nodes.GreenlightPollingTrigger.poll.call(manual.ctx))![0]!.map((i) => i.json.id)).toEqual(['b']);
    expect(manual.staticData).toEqual({ keep: 1 });
  });
});
