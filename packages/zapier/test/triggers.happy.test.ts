/** Every REST-hook trigger: subscribe, unsubscribe, a signed delivery → items, recent items for the editor. */
import { describe, expect, it } from 'vitest';
import { signWebhook, SAMPLE_DECIDED_APPROVAL, SAMPLE_PENDING_APPROVAL } from '@greenlight/triggers';
import { call, api, approval, authData, useNock } from './helpers.ts';

useNock();

const SECRET = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
const SUB_ID = '7e57ab1e-0000-4000-8000-000000000001';
const TARGET = 'https://hooks.zapier.com/hooks/standard/123/abc/';

const created = (events: string[]) => ({
  id: SUB_ID,
  url: TARGET,
  events,
  description: 'Zapier',
  status: 'active',
  disabled_reason: null,
  created_at: '2026-03-24T10:00:00.000Z',
  updated_at: '2026-03-24T10:00:00.000Z',
  disabled_at: null,
  secret_rotated_at: null,
  created_by: { type: 'connection', id: '0c9a4f3e-2b1d-4e5f-8a6b-7c8d9e0f1a2b', name: 'Zapier' },
  secret: SECRET,
});

/** A delivery as Zapier hands it to `perform`: CGI-style header names, the raw body, the parsed body. */
function delivery(type: string, data: Record<string, unknown>, secret = SECRET) {
  const content = JSON.stringify({ type, timestamp: '2026-03-24T10:05:12.000Z', data });
  const id = 'msg_2b6c0d1e';
  const ts = Math.floor(Date.now() / 1000);
  return {
    rawRequest: {
      method: 'POST' as const,
      headers: { 'Http-Webhook-Id': id, 'Http-Webhook-Timestamp': String(ts), 'Http-Webhook-Signature': signWebhook(secret, id, ts, content), 'Http-Content-Type': 'application/json' },
      content,
    },
    cleanedRequest: JSON.parse(content),
    subscribeData: { id: SUB_ID, secret: SECRET },
  };
}

const eventData = (a: Record<string, unknown>, details: Record<string, unknown> = {}) => ({
  event_id: '42',
  org_id: a.org_id,
  approval_id: a.id,
  actor: { type: 'user', id: 'b7e0c2f4-1a2b-4c3d-8e9f-0a1b2c3d4e5f', name: 'Dana Approver' },
  from_status: 'pending',
  to_status: a.status,
  details,
  approval: a,
});

describe('new_approval', () => {
  const OP = 'triggers.new_approval.operation';

  it('subscribes to approval.created with the target URL and keeps the id and secret', async () => {
    api()
      .post('/api/v1/webhooks', { url: TARGET, events: ['approval.created'], description: 'Zapier: New Approval Request' })
      .reply(201, created(['approval.created']));
    const sub = await call(`${OP}.performSubscribe`, { authData, targetUrl: TARGET });
    expect(sub).toEqual({ id: SUB_ID, secret: SECRET, events: ['approval.created'] });
  });

  it('unsubscribes by id, and a subscription already gone (404) is success', async () => {
    api().delete(`/api/v1/webhooks/${SUB_ID}`).reply(200, { id: SUB_ID, deleted: true });
    expect(await call(`${OP}.performUnsubscribe`, { authData, subscribeData: { id: SUB_ID } })).toEqual({ id: SUB_ID, deleted: true });
    api().delete(`/api/v1/webhooks/${SUB_ID}`).reply(404, { error: { code: 'NOT_FOUND', message: 'webhook not found', request_id: 'req_1' } });
    expect(await call(`${OP}.performUnsubscribe`, { authData, subscribeData: { id: SUB_ID } })).toEqual({ id: SUB_ID, deleted: false });
  });

  it('maps a verified approval.created delivery to the request', async () => {
    const a = approval();
    const items = await call(`${OP}.perform`, { authData, ...delivery('approval.created', eventData(a, { title: a.title, priority: a.priority })) });
    expect(items).toEqual([a]);
  });

  it('lists the newest requests for the Zap editor (performList)', async () => {
    const newer = approval({ id: '11111111-1111-4111-8111-111111111111', created_at: '2026-03-24T11:00:00.000Z' });
    api()
      .get('/api/v1/approvals')
      .query({ sort: '-created_at', page_size: '10' })
      .reply(200, { data: [newer, SAMPLE_PENDING_APPROVAL], pagination: { page: 1, page_size: 10, total: 2, total_pages: 1 }, next_page_token: null });
    const items = await call<{ id: string }[]>(`${OP}.performList`, { authData });
    expect(items.map((i) => i.id)).toEqual([newer.id, SAMPLE_PENDING_APPROVAL.id]);
  });
});

describe('approval_decided', () => {
  const OP = 'triggers.approval_decided.operation';

  it('subscribes only to the chosen outcomes', async () => {
    api()
      .post('/api/v1/webhooks', { url: TARGET, events: ['approval.rejected', 'approval.expired'], description: 'Zapier: Approval Decided' })
      .reply(201, created(['approval.rejected', 'approval.expired']));
    const sub = await call(`${OP}.performSubscribe`, { authData, targetUrl: TARGET, inputData: { outcomes: ['rejected', 'expired'] } });
    expect(sub).toMatchObject({ id: SUB_ID, events: ['approval.rejected', 'approval.expired'] });
  });

  it('subscribes to all four outcomes when none is chosen', async () => {
    const all = ['approval.approved', 'approval.rejected', 'approval.expired', 'approval.cancelled'];
    api().post('/api/v1/webhooks', { url: TARGET, events: all, description: 'Zapier: Approval Decided' }).reply(201, created(all));
    await call(`${OP}.performSubscribe`, { authData, targetUrl: TARGET, inputData: {} });
  });

  it.each([
    ['approved', 'approval.approved', ['approved'], 1],
    ['rejected', 'approval.rejected', ['approved'], 0],
    ['rejected', 'approval.rejected', ['approved', 'rejected'], 1],
    ['cancelled', 'approval.cancelled', [], 1],
  ] as const)('a %s decision with outcomes %j gives %i item(s)', async (status, type, outcomes, count) => {
    const a = { ...SAMPLE_DECIDED_APPROVAL, status };
    const items = await call(`${OP}.perform`, { authData, inputData: { outcomes: [...outcomes] }, ...delivery(type, eventData(a, { decision: 'approve' })) });
    expect(items).toEqual(count ? [a] : []);
  });

  it('lists recent decisions with the outcome filter (performList)', async () => {
    const a = { ...SAMPLE_DECIDED_APPROVAL };
    api()
      .get('/api/v1/approvals')
      .query({ status: 'approved', sort: '-updated_at', page_size: '10' })
      .reply(200, { data: [a], pagination: { page: 1, page_size: 10, total: 1, total_pages: 1 }, next_page_token: null });
    expect(await call(`${OP}.performList`, { authData, inputData: { outcomes: ['approved'] } })).toEqual([a]);
  });
});

describe('new_comment', () => {
  const OP = 'triggers.new_comment.operation';

  it('subscribes to comment.created', async () => {
    api()
      .post('/api/v1/webhooks', { url: TARGET, events: ['comment.created'], description: 'Zapier: New Comment' })
      .reply(201, created(['comment.created']));
    expect(await call(`${OP}.performSubscribe`, { authData, targetUrl: TARGET })).toMatchObject({ id: SUB_ID });
  });

  it('maps a comment delivery to the comment with its request', async () => {
    const a = approval({ comments_count: 1 });
    const d = delivery('comment.created', { ...eventData(a, { comment_id: 'c0ffee00-1234-4abc-9def-0123456789ab', body: 'Looks fine' }), to_status: null, from_status: null });
    const [item] = (await call(`${OP}.perform`, { authData, ...d })) as Record<string, unknown>[];
    expect(item).toEqual({
      id: 'c0ffee00-1234-4abc-9def-0123456789ab',
      approval_id: a.id,
      body: 'Looks fine',
      author: { type: 'user', id: 'b7e0c2f4-1a2b-4c3d-8e9f-0a1b2c3d4e5f', name: 'Dana Approver' },
      created_at: '2026-03-24T10:05:12.000Z',
      approval: a,
    });
  });

  it('lists recent comments from the requests’ events (performList)', async () => {
    const a = approval({ comments_count: 1, updated_at: '2026-03-24T10:03:40.000Z' });
    api()
      .get('/api/v1/approvals')
      .query({ sort: '-updated_at', page_size: '10' })
      .reply(200, { data: [a], pagination: { page: 1, page_size: 10, total: 1, total_pages: 1 }, next_page_token: null });
    api()
      .get(`/api/v1/approvals/${a.id}/events`)
      .reply(200, {
        data: [
          {
            id: '7',
            type: 'comment.created',
            approval_id: a.id,
            actor: { type: 'user', id: 'b7e0c2f4-1a2b-4c3d-8e9f-0a1b2c3d4e5f', name: 'Dana' },
            from_status: null,
            to_status: null,
            data: { comment_id: 'c0ffee00-1234-4abc-9def-0123456789ab', body: 'Checked' },
            created_at: '2026-03-24T10:03:40.000Z',
          },
        ],
      });
    const items = (await call(`${OP}.performList`, { authData })) as { id: string; body: string }[];
    expect(items.map((i) => [i.id, i.body])).toEqual([['c0ffee00-1234-4abc-9def-0123456789ab', 'Checked']]);
  });
});

describe('hidden dropdown triggers', () => {
  const page = (data: unknown[]) => ({ data, pagination: { page: 1, page_size: 50, total: data.length, total_pages: 1 }, next_page_token: null });

  it('pending_approval_choices lists pending requests, Zapier page 0 → API page 1', async () => {
    api().get('/api/v1/approvals').query({ status: 'pending', sort: '-created_at', page_size: '50', page: '1' }).reply(200, page([approval()]));
    const items = await call('triggers.pending_approval_choices.operation.perform', { authData, meta: { page: 0 } });
    expect(items).toEqual([expect.objectContaining({ id: SAMPLE_PENDING_APPROVAL.id, name: 'Delete user account #4821 (pending, 2026-03-24)' })]);
  });

  it('approval_choices pages through every request', async () => {
    api().get('/api/v1/approvals').query({ sort: '-created_at', page_size: '50', page: '3' }).reply(200, page([approval({ status: 'approved' })]));
    const items = await call('triggers.approval_choices.operation.perform', { authData, meta: { page: 2 } });
    expect(items).toEqual([expect.objectContaining({ id: SAMPLE_PENDING_APPROVAL.id, status: 'approved' })]);
  });

  it('action_type_choices gives each action type in use once', async () => {
    api()
      .get('/api/v1/approvals')
      .query({ sort: '-created_at', page_size: '50', page: '1' })
      .reply(200, page([approval({ action_type: 'user.delete' }), approval({ action_type: 'deploy' }), approval({ action_type: 'user.delete' }), approval({ action_type: null })]));
    const items = await call('triggers.action_type_choices.operation.perform', { authData, meta: { page: 0 } });
    expect(items).toEqual([
      { id: 'user.delete', name: 'user.delete' },
      { id: 'deploy', name: 'deploy' },
    ]);
  });
});
