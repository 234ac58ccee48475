/** Every create and the search, with nock standing in for the API. */
import { describe, expect, it } from 'vitest';
import { SAMPLE_DECIDED_APPROVAL, SAMPLE_PENDING_APPROVAL } from '@greenlight/triggers';
import { App, call, api, approval, authData, envelope, failure, useNock } from './helpers.ts';

useNock();
const ID = SAMPLE_PENDING_APPROVAL.id;
const ECHO = 'https://auth-json-server.zapier-staging.com/echo';

describe('request_approval', () => {
  it('sends the body fields, nested ones put back together, values coerced, empty ones left out', async () => {
    api()
      .post('/api/v1/approvals', {
        title: 'Deploy v2',
        description: 'Release',
        priority: 'high',
        required_approvals: 2,
        is_sequential: false,
        metadata: { ticket: 'OPS-1' },
        tags: { env: 'prod' },
        resource: { type: 'service', id: 'api' },
        external_id: 'OPS-1',
      })
      .reply(201, approval({ title: 'Deploy v2', required_approvals: 2 }));
    const out = await call('creates.request_approval.operation.perform', {
      authData,
      inputData: {
        title: 'Deploy v2',
        description: 'Release',
        priority: 'high',
        required_approvals: '2',
        is_sequential: 'false',
        metadata: '{"ticket":"OPS-1"}',
        tags: { env: 'prod' },
        resource__type: 'service',
        resource__id: 'api',
        resource__name: '',
        external_id: 'OPS-1',
        source: '',
      },
    });
    expect(out).toMatchObject({ id: ID, title: 'Deploy v2', required_approvals: 2 });
  });

  it('offers the action types in use as a dropdown', () => {
    const field = (App.creates.request_approval.operation.inputFields ?? []).find((f) => 'key' in f && f.key === 'action_type');
    expect(field).toMatchObject({ dynamic: 'action_type_choices.id.name' });
  });
});

describe('request_approval_and_wait', () => {
  const OP = 'creates.request_approval_and_wait.operation';

  it('hands Zapier’s callback URL to Greenlight as callback_url and returns the pending request', async () => {
    api().post('/api/v1/approvals', { title: 'T', description: 'D', priority: 'low', callback_url: ECHO }).reply(201, approval());
    const out = await call(`${OP}.perform`, { authData, inputData: { title: 'T', description: 'D', priority: 'low' } });
    expect(out).toMatchObject({ id: ID, status: 'pending', approved: false });
  });

  it('does not wait while the Zap editor loads a sample', async () => {
    api().post('/api/v1/approvals', { title: 'T', description: 'D', priority: 'low' }).reply(201, approval());
    await call(`${OP}.perform`, { authData, inputData: { title: 'T', description: 'D', priority: 'low' }, meta: { isLoadingSample: true } });
  });

  it('resumes with the decision read back from the API', async () => {
    api().get(`/api/v1/approvals/${ID}`).reply(200, SAMPLE_DECIDED_APPROVAL);
    const out = await call(`${OP}.performResume`, {
      authData,
      inputData: { stop_unless_approved: true },
      outputData: { id: ID },
      cleanedRequest: { type: 'approval.approved', data: { approval: SAMPLE_DECIDED_APPROVAL } },
    });
    expect(out).toEqual({ ...SAMPLE_DECIDED_APPROVAL, approved: true, outcome: 'approved' });
  });

  it('continues after a rejection unless told to stop', async () => {
    const rejected = { ...SAMPLE_DECIDED_APPROVAL, status: 'rejected', decision_comment: 'Not now' };
    api().get(`/api/v1/approvals/${ID}`).reply(200, rejected);
    const out = await call(`${OP}.performResume`, { authData, inputData: { stop_unless_approved: false }, outputData: { id: ID } });
    expect(out).toEqual({ ...rejected, approved: false, outcome: 'rejected' });
  });

  it.each([
    ['rejected', 'Not now', '"Delete user account #4821" was rejected: Not now. The Zap stops here, as this step is set to.'],
    ['expired', null, '"Delete user account #4821" expired without a decision. The Zap stops here, as this step is set to.'],
  ])('stops the Zap (HaltedError) when %s and set to stop', async (status, comment, message) => {
    api().get(`/api/v1/approvals/${ID}`).reply(200, { ...SAMPLE_DECIDED_APPROVAL, status, decision_comment: comment });
    const run = call(`${OP}.performResume`, { authData, inputData: { stop_unless_approved: 'true' }, outputData: { id: ID } });
    expect(await failure(run)).toEqual({ name: 'HaltedError', message });
  });
});

describe('decide_approval, cancel_approval, add_comment', () => {
  it('decide PATCHes the request with the decision and comment', async () => {
    api().patch(`/api/v1/approvals/${ID}`, { decision: 'reject', comment: 'No' }).reply(200, { ...SAMPLE_DECIDED_APPROVAL, status: 'rejected', callback_delivered: false });
    const out = await call('creates.decide_approval.operation.perform', { authData, inputData: { id: ID, decision: 'reject', comment: 'No' } });
    expect(out).toMatchObject({ status: 'rejected', callback_delivered: false });
  });

  it('cancel DELETEs the request', async () => {
    api().delete(`/api/v1/approvals/${ID}`).reply(200, approval({ status: 'cancelled', cancelled_at: '2026-03-24T10:07:00.000Z' }));
    expect(await call('creates.cancel_approval.operation.perform', { authData, inputData: { id: ID } })).toMatchObject({ status: 'cancelled' });
  });

  it('add_comment POSTs the body to the request’s comments', async () => {
    const comment = {
      id: 'c0ffee00-1234-4abc-9def-0123456789ab',
      approval_request_id: ID,
      user_id: null,
      connection_id: SAMPLE_PENDING_APPROVAL.connection_id,
      author: { type: 'connection', id: SAMPLE_PENDING_APPROVAL.connection_id, name: 'Zapier' },
      body: 'Ping',
      created_at: '2026-03-24T10:03:40.000Z',
    };
    api().post(`/api/v1/approvals/${ID}/comments`, { body: 'Ping' }).reply(201, comment);
    expect(await call('creates.add_comment.operation.perform', { authData, inputData: { id: ID, body: 'Ping' } })).toEqual(comment);
  });
});

describe('find_approval', () => {
  const OP = 'searches.find_approval.operation';
  const list = (data: unknown[], next: string | null = null) => ({ data, pagination: { page: 1, page_size: 100, total: data.length, total_pages: 1 }, next_page_token: next });

  it('finds by ID, and an unknown ID is no result (not an error)', async () => {
    api().get(`/api/v1/approvals/${ID}`).reply(200, approval());
    expect(await call(`${OP}.perform`, { authData, inputData: { id: ID } })).toEqual([approval()]);
    api().get('/api/v1/approvals/nope').reply(404, envelope('NOT_FOUND', 'approval request not found'));
    expect(await call(`${OP}.perform`, { authData, inputData: { id: 'nope' } })).toEqual([]);
  });

  it('finds by external ID', async () => {
    api().get('/api/v1/approvals').query({ external_id: 'SUP-1234', page_size: '1' }).reply(200, list([approval()]));
    expect(await call(`${OP}.perform`, { authData, inputData: { external_id: 'SUP-1234' } })).toEqual([approval()]);
  });

  it('finds by idempotency key with one exact lookup, however old the request', async () => {
    api().get('/api/v1/approvals').query({ idempotency_key: 'k-1', page_size: '1' }).reply(200, list([approval({ idempotency_key: 'k-1' })]));
    expect(await call(`${OP}.perform`, { authData, inputData: { idempotency_key: 'k-1' } })).toEqual([approval({ idempotency_key: 'k-1' })]);
    api().get('/api/v1/approvals').query({ idempotency_key: 'never-used', page_size: '1' }).reply(200, list([]));
    expect(await call(`${OP}.perform`, { authData, inputData: { idempotency_key: 'never-used' } })).toEqual([]);
  });

  it('asks for something to search by', async () => {
    await expect(call(`${OP}.perform`, { authData, inputData: {} })).rejects.toThrow('Give an Approval Request ID, an External ID or an Idempotency Key to search by');
  });
});
