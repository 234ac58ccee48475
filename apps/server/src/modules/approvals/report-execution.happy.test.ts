/**
 * Execution receipts: the requester of an approved request reports `started`, then `succeeded` or
 * `failed`; the request shows the latest receipt, every report is an event of its audit trail, a
 * subscription that chose `approval.execution_reported` receives each (signed, verified here with the
 * standardwebhooks package), and a report is taken during an emergency stop.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { setEmergencyStop } from '../orgs/create-org.ts';

let server: TestServer;
let receiver: Server;
const received: { headers: IncomingMessage['headers']; body: string }[] = [];
beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  server = await startTestServer({ config: { GREENLIGHT_CALLBACK_ALLOW_CIDRS: '127.0.0.0/8', GREENLIGHT_DELIVERY_SWEEP_MS: '50' } });
}, 60_000);
afterAll(async () => {
  await server.stop();
  await new Promise((r) => receiver.close(r));
}, 60_000);

async function approved() {
  const seed = await seedOrg(server.db);
  const approver = await seed.newKey({ name: 'approver' });
  const created = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201);
  await server.http(approver.key).patch(`/api/v1/approvals/${created.body.id}`).send({ decision: 'approve' }).expect(200);
  return { seed, id: created.body.id as string };
}

describe('POST /api/v1/approvals/:id/execution', () => {
  it('started then succeeded: the request shows the latest receipt, the audit trail every report, a subscription receives each', async () => {
    const { seed, id } = await approved();
    const port = (receiver.address() as AddressInfo).port;
    const hook = await server
      .http(seed.key)
      .post('/api/v1/webhooks')
      .send({ url: `http://127.0.0.1:${port}/receipts`, events: ['approval.execution_reported'] })
      .expect(201);

    const started = await server.http(seed.key).post(`/api/v1/approvals/${id}/execution`).send({ status: 'started' }).expect(200);
    expect(started.body.status).toBe('approved');
    expect(started.body.execution).toMatchObject({ status: 'started', message: null, url: null });
    const done = await server
      .http(seed.key)
      .post(`/api/v1/approvals/${id}/execution`)
      .send({ status: 'succeeded', message: 'Deployed v2.3.1', url: 'https://ci.example.com/runs/4521' })
      .expect(200);
    expect(done.body.execution).toMatchObject({ status: 'succeeded', message: 'Deployed v2.3.1', url: 'https://ci.example.com/runs/4521' });
    expect(Date.parse(done.body.execution.reported_at)).toBeGreaterThanOrEqual(Date.parse(started.body.execution.reported_at));

    const got = await server.http(seed.key).get(`/api/v1/approvals/${id}`).expect(200);
    expect(got.body.execution).toEqual(done.body.execution);

    const events = await server.http(seed.key).get(`/api/v1/approvals/${id}/events`).expect(200);
    const receipts = events.body.data.filter((e: { type: string }) => e.type === 'approval.execution_reported');
    expect(receipts.map((e: { data: unknown }) => e.data)).toEqual([
      { status: 'started', message: null, url: null, previous_status: null },
      { status: 'succeeded', message: 'Deployed v2.3.1', url: 'https://ci.example.com/runs/4521', previous_status: 'started' },
    ]);
    expect(receipts[0].actor).toMatchObject({ type: 'connection', id: seed.connectionId });

    const wh = new Webhook(hook.body.secret);
    for (let i = 0; i < 200 && received.filter((r) => r.body.includes(id)).length < 2; i++) await new Promise((r) => setTimeout(r, 50));
    const mine = received.filter((r) => r.body.includes(id));
    expect(mine).toHaveLength(2);
    const payloads = mine.map((r) => wh.verify(r.body, r.headers as Record<string, string>) as { type: string; data: { event: { data: { status: string } } } });
    expect(payloads.map((p) => p.type)).toEqual(['approval.execution_reported', 'approval.execution_reported']);
  });

  it('failed without started, and a report during an emergency stop is taken', async () => {
    const { seed, id } = await approved();
    await setEmergencyStop(server.db, seed.org.id, true);
    const res = await server.http(seed.key).post(`/api/v1/approvals/${id}/execution`).send({ status: 'failed', message: 'migration timed out' }).expect(200);
    expect(res.body.execution).toMatchObject({ status: 'failed', message: 'migration timed out' });
  });
});
