/**
 * A worker whose slots are all taken claims again when one frees: rows that came due meanwhile do not
 * wait for the periodic sweep (here an hour, so only the freed slot can send them).
 */
import { expect, it } from 'vitest';
import { approvalBody, seedOrg, type TestServer } from '../../testing/harness.ts';
import { useCallbackServer } from '../../testing/callback-world.ts';

let server: TestServer;
const { receiver } = useCallbackServer((s) => (server = s), {
  GREENLIGHT_DELIVERY_CONCURRENCY: '2',
  GREENLIGHT_DELIVERY_SWEEP_MS: '3600000',
  GREENLIGHT_DELIVERY_TIMEOUT_MS: '10000',
});

it('with every slot busy, rows queued meanwhile are sent as slots free, without the sweep', async () => {
  const seed = await seedOrg(server.db);
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  // The first two answers wait until released: both slots stay busy while four more events are queued.
  const r = await receiver((_req, n) => (n <= 2 ? { status: 200, until: held } : { status: 200 }));
  await server.http(seed.key).post('/api/v1/webhooks').send({ url: `${r.url}/hook`, events: ['approval.created'] }).expect(201);
  const ids: string[] = [];
  for (let i = 0; i < 6; i++) ids.push(((await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ title: `slot ${i}` })).expect(201)).body as { id: string }).id);
  await r.until(() => r.received.length >= 2);
  release();
  await r.until(() => r.ids().size === 6, 15_000);
  // Each attempt is recorded right after its answer.
  for (let i = 0; i < 250; i++) {
    const { rows } = await server.db.query(`SELECT 1 FROM deliveries WHERE channel = 'webhook' AND approval_id = ANY ($1::uuid[]) AND status = 'delivered'`, [ids]);
    if (rows.length === 6) return;
    await new Promise((res) => setTimeout(res, 20));
  }
  expect.fail('not every row was recorded as delivered');
});
