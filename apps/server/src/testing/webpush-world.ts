/**
 * What the Web Push tests share: a Greenlight server allowed to deliver to loopback (where the push
 * service stand-in listens), people who subscribed devices through the API as the dashboard does, and
 * the action's POST as the service worker makes it.
 */
import supertest from 'supertest';
import { afterAll, beforeAll } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type SeededOrg, type TestServer } from './harness.ts';
import { sessionOf, signedIn, type SignedIn } from './session.ts';
import { notificationsSettled } from './mail-world.ts';
import { startPushService, type PushDevice, type TestPushService } from './push-service.ts';

export interface WebPushWorld {
  server: TestServer;
  push: TestPushService;
}

export function useWebPushWorld(use: (w: WebPushWorld) => void, config: Record<string, string> = {}): void {
  let w: WebPushWorld | undefined;
  beforeAll(async () => {
    const push = await startPushService();
    const server = await startTestServer({ config: { GREENLIGHT_CALLBACK_ALLOW_CIDRS: '127.0.0.0/8', GREENLIGHT_DELIVERY_TIMEOUT_MS: '3000', ...config } });
    w = { server, push };
    use(w);
  }, 60_000);
  afterAll(async () => {
    await w?.server.stop();
    await w?.push.close();
  });
}

export interface PushOrg {
  seed: SeededOrg;
  admin: SignedIn;
}

export async function pushOrg(w: WebPushWorld): Promise<PushOrg> {
  const seed = await seedOrg(w.server.db);
  return { seed, admin: await signedIn(w.server, seed) };
}

export interface PushPerson {
  id: string;
  email: string;
  session: SignedIn;
  devices: PushDevice[];
}

/** A new member of `role` with `devices` browsers subscribed (through the API, with the server's VAPID key). */
export async function subscribedPerson(w: WebPushWorld, org: PushOrg, role: 'admin' | 'approver' | 'viewer' = 'approver', devices = 1): Promise<PushPerson> {
  const user = await org.seed.addUser(role);
  const session = await sessionOf(w.server, org.seed, user);
  const person: PushPerson = { ...user, session, devices: [] };
  for (let i = 0; i < devices; i++) person.devices.push(await subscribeDevice(w, person));
  return person;
}

export async function subscribeDevice(w: WebPushWorld, person: { session: SignedIn }): Promise<PushDevice> {
  const { public_key } = (await person.session.http().get('/api/v1/me/webpush').expect(200)).body as { public_key: string };
  const device = w.push.device(public_key);
  await person.session.http().post('/api/v1/me/webpush/subscriptions').send({ ...device.subscription, expirationTime: null, device: 'Test browser' }).expect(201);
  return device;
}

export async function createRequest(w: WebPushWorld, org: PushOrg, body: Record<string, unknown> = {}): Promise<string> {
  return ((await w.server.http(org.seed.key).post('/api/v1/approvals').send(approvalBody(body)).expect(201)).body as { id: string }).id;
}

export interface ReceivedPush {
  approval_id: string;
  title: string;
  body: string;
  url: string;
  tag: string;
  decide_url: string;
  actions: { action: 'approve' | 'reject'; title: string; token: string }[];
}

/** The messages about a request a device received (decrypted by the stand-in). */
export const pushesAbout = (w: WebPushWorld, device: PushDevice, approvalId: string): ReceivedPush[] =>
  w.push.received(device.id).filter((p) => p.approval_id === approvalId) as unknown as ReceivedPush[];

export const tokenOf = (p: ReceivedPush, action: 'approve' | 'reject'): string => p.actions.find((a) => a.action === action)!.token;

/** The action's POST, as the service worker makes it (no cookie unless `cookie` is given). */
export function postAction(w: WebPushWorld, token: unknown, cookie?: string): supertest.Test {
  const t = supertest(w.server.url).post('/channels/webpush/decide').set('content-type', 'application/json');
  return (cookie ? t.set('Cookie', cookie) : t).send(JSON.stringify({ token }));
}

export const settled = (w: WebPushWorld, approvalId: string): Promise<void> => notificationsSettled(w.server, approvalId, ['notify', 'webpush']);

export async function statusOf(w: WebPushWorld, approvalId: string): Promise<{ status: string; votes: number }> {
  const { rows } = await w.server.db.query<{ status: string; votes: number }>(
    `SELECT a.status, (SELECT count(*)::int FROM approval_votes v WHERE v.approval_id = a.id) AS votes FROM approvals a WHERE a.id = $1`,
    [approvalId],
  );
  return rows[0]!;
}
