/** Who may read and change preferences: each person their own; the org defaults admins only; never a key. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { signedIn } from '../../testing/session.ts';

let server: TestServer;
let seed: SeededOrg;

beforeAll(async () => {
  server = await startTestServer();
  seed = await seedOrg(server.db);
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

it('an approver or viewer cannot read or change the org defaults; nothing changes', async () => {
  for (const role of ['approver', 'viewer'] as const) {
    const member = await signedIn(server, seed, role);
    await member.http().get('/api/v1/org/notification-defaults').expect(403);
    await member.http().patch('/api/v1/org/notification-defaults').send({ reminder_policy: { remind: { after: '1s' } } }).expect(403);
  }
  const admin = await signedIn(server, seed);
  expect((await admin.http().get('/api/v1/org/notification-defaults').expect(200)).body.reminder_policy).toBeNull();
});

it('a viewer sets their own preferences; they never touch anyone else', async () => {
  const viewer = await signedIn(server, seed, 'viewer');
  const other = await signedIn(server, seed, 'approver');
  await viewer.http().patch('/api/v1/me/notification-preferences').send({ channels: 'digest_only' }).expect(200);
  expect((await other.http().get('/api/v1/me/notification-preferences').expect(200)).body.own).toBe(false);
});

it('API keys get 403 on every preferences route; another org sees its own defaults only', async () => {
  await server.http(seed.key).get('/api/v1/me/notification-preferences').expect(403);
  await server.http(seed.key).patch('/api/v1/me/notification-preferences').send({ channels: 'email' }).expect(403);
  await server.http(seed.key).get('/api/v1/org/notification-defaults').expect(403);
  const admin = await signedIn(server, seed);
  await admin.http().patch('/api/v1/org/notification-defaults').send({ preferences: { time_zone: 'Asia/Tokyo' } }).expect(200);
  const other = await seedOrg(server.db);
  const otherAdmin = await signedIn(server, other);
  expect((await otherAdmin.http().get('/api/v1/org/notification-defaults').expect(200)).body.preferences.time_zone).toBe('UTC');
});

it('a mutation without the CSRF token is refused', async () => {
  const member = await signedIn(server, seed, 'approver');
  const res = await member.http({ csrf: false }).patch('/api/v1/me/notification-preferences').send({ channels: 'slack' });
  expect(res.status).toBe(403);
  expect((await member.http().get('/api/v1/me/notification-preferences').expect(200)).body.own).toBe(false);
});
