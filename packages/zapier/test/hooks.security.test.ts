/** A delivery only triggers the Zap when its Standard Webhooks signature matches the subscription's secret. */
import { describe, expect, it } from 'vitest';
import { signWebhook, SAMPLE_PENDING_APPROVAL } from '@greenlight/triggers';
import { call, authData, failure } from './helpers.ts';

const SECRET = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
const OTHER = `whsec_${Buffer.from('fedcba9876543210fedcba9876543210').toString('base64')}`;
const content = JSON.stringify({
  type: 'approval.created',
  timestamp: '2026-03-24T10:00:00.000Z',
  data: {
    event_id: '1',
    org_id: SAMPLE_PENDING_APPROVAL.org_id,
    approval_id: SAMPLE_PENDING_APPROVAL.id,
    actor: SAMPLE_PENDING_APPROVAL.requested_by,
    from_status: null,
    to_status: 'pending',
    details: {},
    approval: SAMPLE_PENDING_APPROVAL,
  },
});
const now = () => Math.floor(Date.now() / 1000);
const headers = (secret: string, ts = now(), body = content) => ({
  'Http-Webhook-Id': 'msg_1',
  'Http-Webhook-Timestamp': String(ts),
  'Http-Webhook-Signature': signWebhook(secret, 'msg_1', ts, body),
});
const run = (rawRequest: Record<string, unknown> | undefined, subscribeData: Record<string, unknown> = { id: 'x', secret: SECRET }) =>
  call('triggers.new_approval.operation.perform', { authData, rawRequest, cleanedRequest: JSON.parse(content), subscribeData } as never);

describe('delivery verification', () => {
  it('accepts a delivery signed with the secret (Zapier or plain header names)', async () => {
    expect(await run({ headers: headers(SECRET), content })).toHaveLength(1);
    const plain = Object.fromEntries(Object.entries(headers(SECRET)).map(([k, v]) => [k.replace(/^Http-/, '').toLowerCase(), v]));
    expect(await run({ headers: plain, content })).toHaveLength(1);
  });

  it.each([
    ['another secret', () => ({ headers: headers(OTHER), content }), 'Rejected a delivery that is not from Greenlight: no signature matches the payload'],
    ['a changed body', () => ({ headers: headers(SECRET), content: content.replace('Delete', 'Keep') }), 'Rejected a delivery that is not from Greenlight: no signature matches the payload'],
    ['a timestamp two hours old', () => ({ headers: headers(SECRET, now() - 7200), content }), 'Rejected a delivery that is not from Greenlight: webhook-timestamp is too old'],
    ['no signature headers', () => ({ headers: {}, content }), 'Rejected a delivery that is not from Greenlight: webhook-id, webhook-timestamp and webhook-signature are required'],
    ['no raw body', () => undefined, 'This delivery cannot be verified (no signing secret or raw body); turn the Zap off and on again'],
  ])('rejects %s', async (_what, raw, message) => {
    const out = await failure(run(raw()));
    expect(out.message).toBe(message);
  });

  it('rejects when the subscription has no secret', async () => {
    const out = await failure(run({ headers: headers(SECRET), content }, { id: 'x' }));
    expect(out).toMatchObject({ code: 'UNVERIFIABLE', status: 400 });
  });
});
