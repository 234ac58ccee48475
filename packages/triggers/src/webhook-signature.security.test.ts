import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { signWebhook, verifyWebhook, WebhookVerificationError } from './webhook-signature.ts';

// Checked against the independent reference implementation of the spec (standardwebhooks 1.1.1):
// what it signs, we verify; what we sign, it verifies.
const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;
const body = JSON.stringify({ type: 'approval.approved', timestamp: '2026-03-24T10:00:00.000Z', data: { note: 'ünïcode ✓' } });
const NOW = 1_774_346_400_000;
const nowSeconds = Math.floor(NOW / 1000);

function referenceHeaders(secret: string, id: string, seconds: number, payload = body) {
  const signature = new Webhook(secret).sign(id, new Date(seconds * 1000), payload);
  return { 'webhook-id': id, 'webhook-timestamp': String(seconds), 'webhook-signature': signature };
}

describe('verifyWebhook against the standardwebhooks reference implementation', () => {
  it('verifies what the reference signs, from a plain object, mixed-case names, a Buffer body and a fetch Headers', () => {
    const secret = newSecret();
    const headers = referenceHeaders(secret, 'msg_1', nowSeconds);
    expect(verifyWebhook({ secret, headers, body, now: NOW })).toEqual({ id: 'msg_1', timestamp: nowSeconds });
    const upper = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toUpperCase(), v]));
    expect(verifyWebhook({ secret, headers: upper, body: Buffer.from(body), now: NOW }).id).toBe('msg_1');
    expect(verifyWebhook({ secret, headers: new Headers(headers), body, now: NOW }).id).toBe('msg_1');
  });

  it('signs what the reference verifies', () => {
    const secret = newSecret();
    const seconds = Math.floor(Date.now() / 1000);
    const headers = { 'webhook-id': 'msg_2', 'webhook-timestamp': String(seconds), 'webhook-signature': signWebhook(secret, 'msg_2', seconds, body) };
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('accepts any one of several signatures (rotation: new and previous secret) and any one of several secrets', () => {
    const oldSecret = newSecret();
    const current = newSecret();
    const a = referenceHeaders(current, 'msg_3', nowSeconds)['webhook-signature'];
    const b = referenceHeaders(oldSecret, 'msg_3', nowSeconds)['webhook-signature'];
    const headers = { 'webhook-id': 'msg_3', 'webhook-timestamp': String(nowSeconds), 'webhook-signature': `v1,bm90IGl0 ${a} ${b}` };
    expect(verifyWebhook({ secret: oldSecret, headers, body, now: NOW }).id).toBe('msg_3');
    expect(verifyWebhook({ secret: current, headers, body, now: NOW }).id).toBe('msg_3');
    const onlyOld = { ...headers, 'webhook-signature': b };
    expect(verifyWebhook({ secret: [current, oldSecret], headers: onlyOld, body, now: NOW }).id).toBe('msg_3');
  });

  it('accepts a timestamp just inside the 5-minute tolerance on either side', () => {
    const secret = newSecret();
    for (const seconds of [nowSeconds - 300, nowSeconds + 300]) {
      expect(verifyWebhook({ secret, headers: referenceHeaders(secret, 'msg_t', seconds), body, now: NOW }).timestamp).toBe(seconds);
    }
  });

  const secret = newSecret();
  const good = referenceHeaders(secret, 'msg_4', nowSeconds);
  it.each([
    ['a tampered body', { headers: good, body: body.replace('approved', 'rejected') }, 'no_matching_signature'],
    ['a different webhook-id', { headers: { ...good, 'webhook-id': 'msg_5' }, body }, 'no_matching_signature'],
    ['another secret', { headers: good, body, secret: newSecret() }, 'no_matching_signature'],
    ['an unknown version prefix', { headers: { ...good, 'webhook-signature': good['webhook-signature'].replace('v1,', 'v2,') }, body }, 'no_matching_signature'],
    ['a truncated signature', { headers: { ...good, 'webhook-signature': good['webhook-signature'].slice(0, 20) }, body }, 'no_matching_signature'],
    ['a timestamp 301 s old', { headers: referenceHeaders(secret, 'msg_4', nowSeconds - 301), body }, 'timestamp_too_old'],
    ['a timestamp 301 s ahead', { headers: referenceHeaders(secret, 'msg_4', nowSeconds + 301), body }, 'timestamp_too_new'],
    ['a non-numeric timestamp', { headers: { ...good, 'webhook-timestamp': '17e8' }, body }, 'invalid_timestamp'],
    ['no signature header', { headers: { 'webhook-id': 'msg_4', 'webhook-timestamp': String(nowSeconds) }, body }, 'missing_headers'],
    ['a secret that is not base64', { headers: good, body, secret: 'whsec_not base64!' }, 'invalid_secret'],
  ] as const)('refuses %s', (_name, input, reason) => {
    const run = () => verifyWebhook({ secret: 'secret' in input ? input.secret : secret, headers: input.headers, body: input.body, now: NOW });
    expect(run).toThrow(WebhookVerificationError);
    try {
      run();
    } catch (err) {
      expect((err as WebhookVerificationError).reason).toBe(reason);
    }
  });
});
