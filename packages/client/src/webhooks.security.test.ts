import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { ContractMismatchError } from './errors.ts';
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
    const out = parseWebhook({ secret, headers: signed(body), body });
    expect(out.id).toBe('msg_x');
    expect(out.payload.data.approval?.status).toBe('approved');
  });

  it('refuses a bad signature before looking at the body, and a verified body of the wrong shape with a typed error', () => {
    const body = JSON.stringify(payload);
    expect(() => parseWebhook({ secret, headers: signed(body), body: body.replace('approved', 'rejected') })).toThrow(WebhookVerificationError);
    const wrong = JSON.stringify({ ...payload, type: 'approval.teleported' });
    expect(() => parseWebhook({ secret, headers: signed(wrong), body: wrong })).toThrow(ContractMismatchError);
  });
});
