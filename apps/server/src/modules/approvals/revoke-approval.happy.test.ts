/**
 * Revoking an approval inside its window: the request becomes `rejected` with `revoked_*` set, the
 * callback and a subscription that chose `approval.revoked` receive it signed (verified with the
 * standardwebhooks package), the audit trail has it, and a receipt after it is refused.
 */
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookPayload } from '@greenlight/contract';
import { approvalBody, seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { startReceiver, type TestReceiver } from '../../testing/receiver.ts';
import { setEmergencyStop } from '../orgs/create-org.ts';
import { transactionStepsDuring } from '../../testing/statements.ts';
import { until } from '../../testing/until.ts';

let server: TestServer;
let receiver: TestReceiver;
let hooks: TestReceiver;
beforeAll(async () => {
  receiver = await startReceiver();
  hooks = await startReceiver();
  server = await startTestServer({
    config: { GREENLIGHT_CALLBACK_ALLOW_CIDRS: '127.0.0.0/8', GREENLIGHT_DELIVERY_SWEEP_MS: '50', GREENLIGHT_DELIVERY_SCHEDULE: '0,200ms,200ms' },
  });
}, 60_000);
afterAll(async () => {
  await server.stop();
  await receiver.close();
  await hooks.close();
}, 60_000);

describe('POST /api/v1/approvals/:id/revoke', () => {
  it('inside the window: rejected with revoked_*, approval.revoked to the callback and a subscription, signed', async () => {
    const seed = await seedOrg(server.db);
    const approver = await seed.newKey({ name: 'approver' });
    const hook = await server
      .http(seed.key)
      .post('/api/v1/webhooks')
      .send({ url: `${hooks.url}/hooks`, events: ['approval.revoked'] })
      .expect(201);
    const created = await server
      .http(seed.key)
      .post('/api/v1/approvals')
      .send(approvalBody({ callback_url: `${receiver.url}/callback`, revocable_for_seconds: 300 }))
      .expect(201);
    const id = created.body.id as string;
    expect(created.body).toMatchObject({ revocable_until: null, revoked_at: null, revoked_by: null, revocation_reason: null });

    const decided = await server.http(approver.key).patch(`/api/v1/approvals/${id}`).send({ decision: 'approve' }).expect(200);
    const revocableUntil = Date.parse(decided.body.revocable_until);
    expect(revocableUntil - Date.parse(decided.body.decided_at)).toBe(300_000);

    const res = await server.http(approver.key).post(`/api/v1/approvals/${id}/revoke`).send({ reason: 'Wrong customer' }).expect(200);
    expect(res.body).toMatchObject({
      status: 'rejected',
      revoked_by: { type: 'connection', id: approver.connectionId, name: 'approver' },
      revocation_reason: 'Wrong customer',
      revocable_until: decided.body.revocable_until,
    });
    expect(Date.parse(res.body.revoked_at)).toBeLessThan(revocableUntil);

    const secret = (await server.http(seed.key).get('/api/v1/callback-secret').expect(200)).body.secret as string;
    const callbacks = await until(() => {
      const mine = receiver.received.filter((r) => r.body.includes(id));
      return mine.length >= 2 ? mine : undefined;
    }, 10_000);
    const types = callbacks.map((r) => WebhookPayload.parse(new Webhook(secret).verify(r.body, r.headers as Record<string, string>)).type);
    expect(types.sort()).toEqual(['approval.approved', 'approval.revoked']);
    const revokedCallback = callbacks.find((r) => r.body.includes('"approval.revoked"'))!;
    const payload = WebhookPayload.parse(new Webhook(secret).verify(revokedCallback.body, revokedCallback.headers as Record<string, string>));
    expect(payload.data.approval).toMatchObject({ id, status: 'rejected', revocation_reason: 'Wrong customer' });

    const sub = await until(() => hooks.received.find((r) => r.body.includes(id)), 10_000);
    const subPayload = WebhookPayload.parse(new Webhook(hook.body.secret).verify(sub.body, sub.headers as Record<string, string>));
    expect(subPayload.type).toBe('approval.revoked');

    const events = await server.http(seed.key).get(`/api/v1/approvals/${id}/events`).expect(200);
    expect(events.body.data.find((e: { type: string }) => e.type === 'approval.revoked')).toMatchObject({
      from_status: 'approved',
      to_status: 'rejected',
      data: { reason: 'Wrong customer' },
    });

    // The automation that did not see the revoke yet is told not to act.
    const receipt = await server.http(seed.key).post(`/api/v1/approvals/${id}/execution`).send({ status: 'started' }).expect(409);
    expect(receipt.body.error).toMatchObject({ code: 'INVALID_STATUS', details: { reason: 'revoked' } });
  });

  it('taken during an emergency stop, without a reason', async () => {
    const seed = await seedOrg(server.db);
    const approver = await seed.newKey();
    const created = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ revocable_for_seconds: 60 })).expect(201);
    await server.http(approver.key).patch(`/api/v1/approvals/${created.body.id}`).send({ decision: 'approve' }).expect(200);
    await setEmergencyStop(server.db, seed.org.id, true);
    const res = await server.http(approver.key).post(`/api/v1/approvals/${created.body.id}/revoke`).send({}).expect(200);
    expect(res.body).toMatchObject({ status: 'rejected', revocation_reason: null });
  });

  it('sends the update and its event to the connection together, the update first', async () => {
    const seed = await seedOrg(server.db);
    const approver = await seed.newKey({ name: 'approver' });
    const created = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ revocable_for_seconds: 300 })).expect(201);
    await server.http(approver.key).patch(`/api/v1/approvals/${created.body.id}`).send({ decision: 'approve' }).expect(200);
    const name = (sql: string) => (sql.trimStart().startsWith('UPDATE approvals') ? 'update' : sql.includes('greenlight_append_event(') ? 'event' : null);
    const { result, steps } = await transactionStepsDuring(server.db, name, () =>
      server.http(approver.key).post(`/api/v1/approvals/${created.body.id}/revoke`).send({ reason: 'wrong account' }),
    );
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ status: 'rejected', revocation_reason: 'wrong account' });
    // The event was issued before the update was answered, and after the update was issued.
    expect(steps.indexOf('issued update')).toBeLessThan(steps.indexOf('issued event'));
    expect(steps.indexOf('issued event')).toBeLessThan(steps.indexOf('answered update'));
  });
});
