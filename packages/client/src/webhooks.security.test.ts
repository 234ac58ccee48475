import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { ContractMismatchError, WrongRequestError } from './errors.ts';
import { parseWebhook } from './webhooks.ts';
import { WebhookVerificationError } from '@greenlight/triggers';
import { SAMPLE_DECIDED_APPROVAL } from '@greenlight/triggers';

const secret = `whsec_${randomBytes(32).toString('base64')}`;
const payload = {
  type: 'approval.approved',
  timestamp: '2026-03-24T10:05:12.000Z',
  data: {
    event_id: '7',
    org_id: SAMPLE_DECIDED_APPROVAL.org_id,
    approval_id: SAMPLE_DECIDED_APPROVAL.id,
    actor: { type: 'user', id: null, name: 'Dana' },
    from_status: 'pending',
    to_status: 'approved',
    details: { decision: 'approve' },
    approval: SAMPLE_DECIDED_APPROVAL,
  },
};

// Signed by the independent reference implementation (standardwebhooks 1.1.1).
function signed(body: string) {
  const now = new Date();
  return { 'webhook-id': 'msg_x', 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': new Webhook(secret).sign('msg_x', now, body) };
}

describe('parseWebhook', () => {
  it('verifies a delivery signed by the reference implementation and checks it against the contract', () => {
    const body = JSON.stringify(payload);
    const out = parseWebhook({ secret, headers: signed(body), body, approvalId: SAMPLE_DECIDED_APPROVAL.id });
    expect(out.id).toBe('msg_x');
    expect(out.payload.data.approval?.status).toBe('approved');
  });

  it('refuses a bad signature before looking at the body, and a verified body of the wrong shape with a typed error', () => {
    const body = JSON.stringify(payload);
    expect(() => parseWebhook({ secret, headers: signed(body), body: body.replace('approved', 'rejected'), approvalId: SAMPLE_DECIDED_APPROVAL.id })).toThrow(WebhookVerificationError);
    const wrong = JSON.stringify({ ...payload, type: 'approval.teleported' });
    expect(() => parseWebhook({ secret, headers: signed(wrong), body: wrong, anyRequest: true })).toThrow(ContractMismatchError);
  });

  describe('whose delivery it is', () => {
    const OTHER = '0b9d8c7e-6f5a-4b3c-8d2e-1f0a9b8c7d6e';
    // Another request's genuine approval, signed by Greenlight, sent to this receiver (its callback_url named it).
    const other = JSON.stringify({ ...payload, data: { ...payload.data, approval_id: OTHER, approval: { ...SAMPLE_DECIDED_APPROVAL, id: OTHER } } });

    it('a callback receiver refuses another request’s signed delivery: WrongRequestError, never the payload', () => {
      const error = (() => {
        try {
          parseWebhook({ secret, headers: signed(other), body: other, approvalId: SAMPLE_DECIDED_APPROVAL.id });
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(WrongRequestError);
      expect(error).toBeInstanceOf(ContractMismatchError);
      expect(error).toMatchObject({ expected: SAMPLE_DECIDED_APPROVAL.id, received: OTHER, operationId: 'webhook' });
    });

    it.each([
      ['naming this request but carrying another', { approval_id: SAMPLE_DECIDED_APPROVAL.id, approval: { ...SAMPLE_DECIDED_APPROVAL, id: OTHER } }],
      ['about no request (an org event)', { approval_id: null, approval: null }],
    ])('a delivery %s is refused too', (_, data) => {
      const body = JSON.stringify({ ...payload, data: { ...payload.data, ...data } });
      expect(() => parseWebhook({ secret, headers: signed(body), body, approvalId: SAMPLE_DECIDED_APPROVAL.id })).toThrow(WrongRequestError);
    });

    it('a subscription endpoint takes every request’s deliveries, by saying so', () => {
      expect(parseWebhook({ secret, headers: signed(other), body: other, anyRequest: true }).payload.data.approval_id).toBe(OTHER);
    });

    it.each([
      ['neither', {}],
      ['an empty id', { approvalId: '' }],
      ['anyRequest other than true', { anyRequest: 'yes' }],
    ])('a caller without the types who passes %s gets a TypeError, not every request', (_, choice) => {
      const body = JSON.stringify(payload);
      expect(() => parseWebhook({ secret, headers: signed(body), body, ...choice } as never)).toThrow(TypeError);
    });
  });
});
