/**
 * A request's callback_url: the decision's callback arrives signed with the org's callback secret,
 * and `callback_delivered` in the PATCH answer tells whether the inline first attempt (≤ ~2 s) got a 2xx.
 */
import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { WebhookPayload } from '@greenlight/contract';
import { approvalBody, seedOrg, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { useCallbackServer } from '../../testing/callback-world.ts';
import { expireDue } from '../../core/approvals/index.ts';

let server: TestServer;
const { receiver } = useCallbackServer((s) => (server = s), {
  GREENLIGHT_DELIVERY_SCHEDULE: '0,200ms,200ms',
  GREENLIGHT_DELIVERY_SWEEP_MS: '100',
  GREENLIGHT_DELIVERY_TIMEOUT_MS: '5000',
});


async function requestWithCallback(seed: SeededOrg, url: string, extra: Record<string, unknown> = {}) {
  const res = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ callback_url: url, ...extra })).expect(201);
  return res.body as { id: string };
}

async function decide(seed: SeededOrg, id: string, decision: 'approve' | 'reject' = 'approve') {
  const approver = await seed.newKey();
  const t0 = Date.now();
  const res = await server.http(approver.key).patch(`/api/v1/approvals/${id}`).send({ decision, comment: 'ok' }).expect(200);
  return { body: res.body as { status: string; callback_delivered: boolean }, ms: Date.now() - t0, approver };
}

const callbackRow = async (approvalId: string) =>
  (await server.db.query<{ id: string; status: string; attempts: number }>(`SELECT id, status, attempts FROM deliveries WHERE approval_id = $1 AND channel = 'webhook' AND kind = 'callback'`, [approvalId])).rows;

describe('callback of a decision', () => {
  it('carries an entity change in both spellings, and the decision note', async () => {
    const seed = await seedOrg(server.db);
    const r = await receiver();
    const a = await requestWithCallback(seed, `${r.url}/cb`, { entity_type: 'qualificationRule', entity_id: 'qr_001', entity_name: 'Credit Score Rule', action: 'update' });
    await decide(seed, a.id);
    expect(r.received).toHaveLength(1);
    const payload = WebhookPayload.parse(JSON.parse(r.received[0]!.body));
    expect(payload.data.approval).toMatchObject({
      resource: { type: 'qualificationRule', id: 'qr_001', name: 'Credit Score Rule' },
      action_type: 'update',
      entity_type: 'qualificationRule',
      entity_id: 'qr_001',
      entity_name: 'Credit Score Rule',
      action: 'update',
      decision_comment: 'ok',
      decision_note: 'ok',
    });
  });

  it('arrives with the right headers and body, verifiable with the callback secret; callback_delivered is true', async () => {
    const seed = await seedOrg(server.db);
    const r = await receiver();
    const a = await requestWithCallback(seed, `${r.url}/greenlight?x=1`, {
      callback_headers: { 'X-Custom-Token': 'tok-123' },
      metadata: { ticket: 'SUP-1' },
    });
    const { body } = await decide(seed, a.id);
    expect(body).toMatchObject({ status: 'approved', callback_delivered: true });
    expect(r.received).toHaveLength(1);
    const got = r.received[0]!;
    expect(got.headers['x-custom-token']).toBe('tok-123');
    expect(got.headers['content-type']).toBe('application/json');

    const secret = await server.http(seed.key).get('/api/v1/callback-secret').expect(200);
    expect(secret.body).toEqual({ secret: expect.stringMatching(/^whsec_/), previous_secret_expires_at: null, rotated_at: null });
    const payload = WebhookPayload.parse(new Webhook(secret.body.secret).verify(got.body, got.headers as Record<string, string>));
    expect(payload).toMatchObject({
      type: 'approval.approved',
      data: {
        approval_id: a.id,
        from_status: 'pending',
        to_status: 'approved',
        details: { decision: 'approve', comment: 'ok' },
        approval: { id: a.id, status: 'approved', metadata: { ticket: 'SUP-1' } },
      },
    });
    expect(await callbackRow(a.id)).toEqual([{ id: got.id, status: 'delivered', attempts: 1 }]);
  });

  it('a slow receiver: the decision gives the inline attempt its ~2 s, answers callback_delivered false without waiting for the receiver, and the callback still arrives', async () => {
    const seed = await seedOrg(server.db);
    // The receiver answers only once the decision has: a decision that waited for it would answer
    // when its attempt timed out (GREENLIGHT_DELIVERY_TIMEOUT_MS, 5 s), never before.
    let release!: () => void;
    const held = new Promise<void>((res) => (release = res));
    const r = await receiver(() => ({ status: 200, until: held }));
    const a = await requestWithCallback(seed, `${r.url}/slow`);
    const { body, ms } = await decide(seed, a.id, 'reject');
    const answeredFirst = r.received.length === 1 && !r.received[0]!.answered;
    release();
    expect(body).toMatchObject({ status: 'rejected', callback_delivered: false });
    expect(answeredFirst).toBe(true);
    expect(ms).toBeGreaterThanOrEqual(1900);
    expect(ms).toBeLessThan(5000);
    for (let i = 0; i < 80 && (await callbackRow(a.id))[0]?.status !== 'delivered'; i++) await new Promise((res) => setTimeout(res, 50));
    expect(await callbackRow(a.id)).toEqual([expect.objectContaining({ status: 'delivered', attempts: 1 })]);
    expect(r.received).toHaveLength(1);
  });

  it('a failing receiver: callback_delivered false at once, retried by the worker until it succeeds', async () => {
    const seed = await seedOrg(server.db);
    const r = await receiver((_x, n) => ({ status: n === 1 ? 500 : 204 }));
    const a = await requestWithCallback(seed, `${r.url}/flaky`);
    const { body, ms } = await decide(seed, a.id);
    expect(body.callback_delivered).toBe(false);
    expect(ms).toBeLessThan(1500);
    await r.until(() => r.received.length === 2, 5000);
    expect(r.received[1]!.id).toBe(r.received[0]!.id);
    for (let i = 0; i < 40 && (await callbackRow(a.id))[0]?.status !== 'delivered'; i++) await new Promise((res) => setTimeout(res, 25));
    expect(await callbackRow(a.id)).toEqual([expect.objectContaining({ status: 'delivered', attempts: 2 })]);
  });

  it('no callback_url, or a vote that leaves the request pending: callback_delivered false and nothing queued', async () => {
    const seed = await seedOrg(server.db);
    const plain = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201)).body as { id: string };
    expect((await decide(seed, plain.id)).body.callback_delivered).toBe(false);
    const r = await receiver();
    const two = await requestWithCallback(seed, `${r.url}/two`, { required_approvals: 2 });
    const first = await decide(seed, two.id);
    expect(first.body).toMatchObject({ status: 'pending', callback_delivered: false });
    expect(await callbackRow(two.id)).toEqual([]);
    const second = await server.http((await seed.newKey()).key).patch(`/api/v1/approvals/${two.id}`).send({ decision: 'approve' }).expect(200);
    expect(second.body).toMatchObject({ status: 'approved', callback_delivered: true });
    expect(r.received).toHaveLength(1);
  });

  it('a cancellation is delivered to the callback by the worker', async () => {
    const seed = await seedOrg(server.db);
    const r = await receiver();
    const a = await requestWithCallback(seed, `${r.url}/cancel`);
    await server.http(seed.key).delete(`/api/v1/approvals/${a.id}`).expect(200);
    await r.until(() => r.received.length === 1);
    expect((JSON.parse(r.received[0]!.body) as WebhookPayload).type).toBe('approval.cancelled');
  });

  it('an expiry, recorded by the sweeper in one statement, is delivered to the callback too', async () => {
    const seed = await seedOrg(server.db);
    const r = await receiver();
    const a = await requestWithCallback(seed, `${r.url}/expired`, { expires_at: new Date(Date.now() + 300).toISOString() });
    await new Promise((res) => setTimeout(res, 400));
    await expireDue(server.db);
    await r.until(() => r.received.length === 1);
    const payload = JSON.parse(r.received[0]!.body) as WebhookPayload;
    expect(payload).toMatchObject({ type: 'approval.expired', data: { approval_id: a.id, actor: { type: 'system' }, to_status: 'expired' } });
  });

  it('stored headers that would override ours are never sent (checked again at delivery)', async () => {
    const seed = await seedOrg(server.db);
    const r = await receiver();
    const a = await requestWithCallback(seed, `${r.url}/h`, { callback_headers: { 'X-Ok': 'yes' } });
    // Rows written by older code, or by hand: the sender must still refuse to let them through.
    await server.db.query(`UPDATE approvals SET callback_headers = $2 WHERE id = $1`, [
      a.id,
      JSON.stringify({ 'X-Ok': 'yes', 'webhook-id': 'forged', 'Webhook-Signature': 'v1,forged', Host: 'evil.example', 'Content-Type': 'text/plain', 'Content-Length': '1', Authorization: 'Bearer x', 'X-Bad': 'a\r\nInjected: 1' }),
    ]);
    const { body } = await decide(seed, a.id);
    expect(body.callback_delivered).toBe(true);
    const h = r.received[0]!.headers;
    expect(h['x-ok']).toBe('yes');
    expect(h['webhook-id']).not.toBe('forged');
    expect(h['webhook-signature']).not.toContain('forged');
    expect(h.host).toBe(`127.0.0.1:${r.port}`);
    expect(h['content-type']).toBe('application/json');
    expect(Number(h['content-length'])).toBe(Buffer.byteLength(r.received[0]!.body));
    expect(h.authorization).toBeUndefined();
    expect(h['x-bad']).toBeUndefined();
    expect(h.injected).toBeUndefined();
  });

  it('after a rotation of the callback secret, callbacks carry both signatures for 24 h', async () => {
    const seed = await seedOrg(server.db);
    const before = (await server.http(seed.key).get('/api/v1/callback-secret').expect(200)).body.secret as string;
    const rotated = await server.http(seed.key).post('/api/v1/callback-secret/rotate').expect(200);
    expect(rotated.body.secret).not.toBe(before);
    expect(Date.parse(rotated.body.previous_secret_expires_at) - Date.now()).toBeGreaterThan(23.9 * 3600_000);
    const r = await receiver();
    const a = await requestWithCallback(seed, `${r.url}/rot`);
    await decide(seed, a.id);
    const got = r.received[0]!;
    expect(got.signature.split(' ')).toHaveLength(2);
    for (const s of [before, rotated.body.secret as string]) {
      expect(() => new Webhook(s).verify(got.body, got.headers as Record<string, string>)).not.toThrow();
    }
    const again = await server.http(seed.key).get('/api/v1/callback-secret').expect(200);
    expect(again.body.secret).toBe(rotated.body.secret);
  });
});
