import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { generateSecret, signature, signatureHeader } from './signer.ts';

/** Verified with the independent `standardwebhooks` package, never with our own signer. */
const headersFor = (id: string, ts: number, sig: string) => ({ 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': sig });
const now = () => Math.floor(Date.now() / 1000);

describe('Standard Webhooks signatures', () => {
  it('generates whsec_ secrets of 32 random bytes, each one different', () => {
    const a = generateSecret();
    const b = generateSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]+={0,2}$/);
    expect(Buffer.from(a.slice(6), 'base64')).toHaveLength(32);
    expect(a).not.toBe(b);
  });

  it('signs so that standardwebhooks Webhook.verify accepts the delivery and returns its payload', () => {
    const secret = generateSecret();
    const body = JSON.stringify({ type: 'approval.approved', data: { approval_id: 'x', note: 'é ✓' } });
    const ts = now();
    const header = signatureHeader([secret], 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W', ts, body);
    expect(header).toMatch(/^v1,[A-Za-z0-9+/]+={0,2}$/);
    expect(new Webhook(secret).verify(body, headersFor('msg_2KWPBgLlAfxdpx2AI54pPJ85f4W', ts, header))).toEqual(JSON.parse(body));
  });

  it('matches the signature standardwebhooks itself computes', () => {
    const secret = generateSecret();
    const ts = now();
    expect(signature(secret, 'id-1', ts, '{"a":1}')).toBe(new Webhook(secret).sign('id-1', new Date(ts * 1000), '{"a":1}'));
  });

  it('during a rotation both secrets sign (space-separated) and a receiver holding either one verifies', () => {
    const current = generateSecret();
    const previous = generateSecret();
    const body = '{"type":"approval.rejected"}';
    const ts = now();
    const header = signatureHeader([current, previous], 'id-2', ts, body);
    expect(header.split(' ')).toHaveLength(2);
    expect(() => new Webhook(current).verify(body, headersFor('id-2', ts, header))).not.toThrow();
    expect(() => new Webhook(previous).verify(body, headersFor('id-2', ts, header))).not.toThrow();
    expect(() => new Webhook(generateSecret()).verify(body, headersFor('id-2', ts, header))).toThrow(/No matching signature/);
  });

  it.each([
    ['a tampered body', '{"type":"approval.approved","x":2}', 'id-3', 0],
    ['another webhook-id', '{"type":"approval.approved","x":1}', 'id-4', 0],
    ['another timestamp', '{"type":"approval.approved","x":1}', 'id-3', 1],
  ])('fails verification with %s', (_case, body, id, shift) => {
    const secret = generateSecret();
    const ts = now();
    const header = signatureHeader([secret], 'id-3', ts, '{"type":"approval.approved","x":1}');
    expect(() => new Webhook(secret).verify(body, headersFor(id, ts + shift, header))).toThrow(/No matching signature/);
  });

  it('a timestamp older than 5 minutes is refused by the receiver (replay window)', () => {
    const secret = generateSecret();
    const ts = now() - 6 * 60;
    const header = signatureHeader([secret], 'id-5', ts, '{}');
    expect(() => new Webhook(secret).verify('{}', headersFor('id-5', ts, header))).toThrow(/too old/);
  });

  it.each([
    ['no secret at all', [] as string[], 'at least one signing secret is required'],
    ['a secret without whsec_', ['c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0'], 'webhook secret must be whsec_ followed by base64'],
    ['a secret of 8 bytes', [`whsec_${Buffer.alloc(8).toString('base64')}`], 'webhook secret must hold 24 to 64 bytes'],
  ])('refuses to sign with %s', (_case, secrets, message) => {
    expect(() => signatureHeader(secrets, 'id', now(), '{}')).toThrow(message);
  });
});
