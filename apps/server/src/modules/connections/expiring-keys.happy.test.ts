/**
 * API keys with an expiry, and their rotation: the expiry is answered wherever the key is, the key
 * works until then, and a rotation gives a new key with the old one's name, scopes and limits while
 * the old one keeps working for the overlap.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { signedIn } from '../../testing/session.ts';
import { endRotationOverlap } from './connections.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

const inDays = (days: number) => new Date(Date.now() + days * 86_400_000);

describe('an API key with an expiry', () => {
  it('is created with it, answers it in the list and in /me, and works until then', async () => {
    const seed = await seedOrg(server.db);
    const admin = await signedIn(server, seed);
    const expiresAt = inDays(30);
    const created = await admin.http().post('/api/v1/connections').send({ name: 'ci', expires_at: expiresAt.toISOString() }).expect(201);
    expect(created.body.expires_at).toBe(expiresAt.toISOString());
    const listed = (await admin.http().get('/api/v1/connections').expect(200)).body.data.find((c: { id: string }) => c.id === created.body.id);
    expect(listed.expires_at).toBe(expiresAt.toISOString());
    const me = await server.http(created.body.api_key).get('/api/v1/me').expect(200);
    expect(me.body.connection).toMatchObject({ id: created.body.id, expires_at: expiresAt.toISOString() });
  });

  it('without one never expires, and says so with null', async () => {
    const seed = await seedOrg(server.db);
    const admin = await signedIn(server, seed);
    const created = await admin.http().post('/api/v1/connections').send({ name: 'forever' }).expect(201);
    expect(created.body.expires_at).toBeNull();
    expect((await server.http(created.body.api_key).get('/api/v1/me').expect(200)).body.connection.expires_at).toBeNull();
  });

  it('accepts an offset and answers in UTC', async () => {
    const seed = await seedOrg(server.db);
    const admin = await signedIn(server, seed);
    const at = inDays(2);
    const withOffset = new Date(at.getTime() + 2 * 3_600_000).toISOString().replace('Z', '+02:00');
    const created = await admin.http().post('/api/v1/connections').send({ name: 'offset', expires_at: withOffset }).expect(201);
    expect(created.body.expires_at).toBe(at.toISOString());
  });
});

describe('rotation', () => {
  it('issues a new key with the same name, scopes and limits; both work during the overlap', async () => {
    const seed = await seedOrg(server.db);
    const admin = await signedIn(server, seed);
    const old = await admin.http().post('/api/v1/connections')
      .send({ name: 'deploys', scopes: ['approvals:read'], rate_limit: 42, rate_limit_window: 'minute' }).expect(201);
    const before = Date.now();
    const res = await admin.http().post(`/api/v1/connections/${old.body.id}/rotate`).send({ overlap_seconds: 3600 }).expect(201);
    const { connection, previous } = res.body;
    expect(connection).toMatchObject({
      name: 'deploys', auth_type: 'api_key', scopes: ['approvals:read'], rate_limit: 42, rate_limit_window: 'minute',
      expires_at: null, revoked_at: null, created_by: { id: admin.user.id },
    });
    expect(connection.id).not.toBe(old.body.id);
    expect(connection.api_key).toMatch(/^gk_/);
    expect(connection.api_key).not.toBe(old.body.api_key);
    expect(previous.id).toBe(old.body.id);
    const overlapEnd = Date.parse(previous.expires_at);
    expect(overlapEnd).toBeGreaterThanOrEqual(before + 3600_000 - 5_000);
    expect(overlapEnd).toBeLessThanOrEqual(Date.now() + 3600_000 + 5_000);
    expect(previous).not.toHaveProperty('api_key');
    expect(JSON.stringify(res.body)).not.toContain(old.body.api_key);

    await server.http(old.body.api_key).get('/api/v1/me').expect(200);
    expect((await server.http(connection.api_key).get('/api/v1/me').expect(200)).body.connection.id).toBe(connection.id);
    const ids = (await admin.http().get('/api/v1/connections').expect(200)).body.data.map((c: { id: string }) => c.id);
    expect(ids).toEqual(expect.arrayContaining([old.body.id, connection.id]));
  });

  it('with no overlap given keeps the old key a day; the new key gets the old lifetime again', async () => {
    const seed = await seedOrg(server.db);
    const admin = await signedIn(server, seed);
    const old = await admin.http().post('/api/v1/connections').send({ name: 'monthly', expires_at: inDays(30).toISOString() }).expect(201);
    const res = await admin.http().post(`/api/v1/connections/${old.body.id}/rotate`).send({}).expect(201);
    const day = Date.parse(res.body.previous.expires_at) - Date.now();
    expect(day).toBeGreaterThan(86_400_000 - 10_000);
    expect(day).toBeLessThanOrEqual(86_400_000);
    const lifetime = Date.parse(res.body.connection.expires_at) - Date.now();
    expect(lifetime).toBeGreaterThan(30 * 86_400_000 - 10_000);
    expect(lifetime).toBeLessThanOrEqual(30 * 86_400_000 + 1_000);
  });

  it('never lengthens the old key: an overlap past its expiry leaves the expiry; a chosen expiry is kept for the new key', async () => {
    const seed = await seedOrg(server.db);
    const admin = await signedIn(server, seed);
    const soon = inDays(1);
    const old = await admin.http().post('/api/v1/connections').send({ name: 'short', expires_at: soon.toISOString() }).expect(201);
    const next = inDays(90);
    const res = await admin.http().post(`/api/v1/connections/${old.body.id}/rotate`)
      .send({ overlap_seconds: 30 * 86_400, expires_at: next.toISOString() }).expect(201);
    expect(res.body.previous.expires_at).toBe(soon.toISOString());
    expect(res.body.connection.expires_at).toBe(next.toISOString());
  });

  it('the old key is refused once the overlap ends, the new one keeps working', async () => {
    const seed = await seedOrg(server.db);
    const admin = await signedIn(server, seed);
    const old = await admin.http().post('/api/v1/connections').send({ name: 'overlapping' }).expect(201);
    await server.http(old.body.api_key).get('/api/v1/me').expect(200); // cached from here on
    const res = await admin.http().post(`/api/v1/connections/${old.body.id}/rotate`).send({ overlap_seconds: 3600 }).expect(201);
    await server.http(old.body.api_key).get('/api/v1/me').expect(200);
    await server.http(res.body.connection.api_key).get('/api/v1/me').expect(200);
    // The overlap's end, brought forward by the one writer of keys, as the hour passing would.
    expect(await endRotationOverlap(server.db, seed.org.id, old.body.id)).toBe(true);
    const refused = await server.http(old.body.api_key).get('/api/v1/me').expect(401);
    expect(refused.body.error.details).toMatchObject({ reason: 'api_key_expired' });
    await server.http(res.body.connection.api_key).get('/api/v1/me').expect(200);
    // A key never rotated away is not ended this way.
    expect(await endRotationOverlap(server.db, seed.org.id, res.body.connection.id)).toBe(false);
  });

  it('with overlap 0 ends the old key at once', async () => {
    const seed = await seedOrg(server.db);
    const admin = await signedIn(server, seed);
    const old = await admin.http().post('/api/v1/connections').send({ name: 'now' }).expect(201);
    await server.http(old.body.api_key).get('/api/v1/me').expect(200); // cached from here on
    const res = await admin.http().post(`/api/v1/connections/${old.body.id}/rotate`).send({ overlap_seconds: 0 }).expect(201);
    const refused = await server.http(old.body.api_key).get('/api/v1/me').expect(401);
    expect(refused.body.error.details).toMatchObject({ reason: 'api_key_expired' });
    await server.http(res.body.connection.api_key).get('/api/v1/me').expect(200);
  });

  it('is recorded in the audit log with both keys', async () => {
    const seed = await seedOrg(server.db);
    const admin = await signedIn(server, seed);
    const old = await admin.http().post('/api/v1/connections').send({ name: 'audited' }).expect(201);
    const res = await admin.http().post(`/api/v1/connections/${old.body.id}/rotate`).send({ overlap_seconds: 60 }).expect(201);
    const log = (await admin.http().get('/api/v1/audit-log').expect(200)).body.data as { type: string; target: unknown; details: Record<string, unknown>; actor: unknown }[];
    const rotated = log.find((e) => e.type === 'connection.rotated');
    expect(rotated).toMatchObject({
      target: { type: 'connection', id: old.body.id },
      details: { name: 'audited', new_connection_id: res.body.connection.id, overlap_seconds: 60, previous_expires_at: res.body.previous.expires_at },
    });
    const created = log.filter((e) => e.type === 'connection.created').map((e) => e.details);
    expect(created).toContainEqual(expect.objectContaining({ rotated_from: old.body.id, key_prefix: res.body.connection.key_prefix }));
  });
});
