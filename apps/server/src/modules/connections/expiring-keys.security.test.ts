/**
 * An expired API key is refused with 401 from the moment it expires, even while this process holds
 * it in its key cache (nothing announces an expiry: every request checks it). Rotation is for the
 * org's admins, signed in, and only of their own org's API keys.
 */
import type { Request } from 'express';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { signedIn } from '../../testing/session.ts';
import { ApiKeyCache } from '../../http/api-key-cache.ts';
import { authenticate } from '../../http/auth.ts';
import { credentials } from '../credentials.ts';
import type { AuthContext } from '../../context.ts';
import type { Database } from '../../storage/database.ts';
import { createConnection } from './connections.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());
afterEach(() => {
  vi.useRealTimers();
});

const requestWith = (key: string) => ({ query: {}, get: (h: string) => (h.toLowerCase() === 'authorization' ? `Bearer ${key}` : undefined) }) as unknown as Request;

describe('an expired key', () => {
  it('is refused with 401, a reason and when it expired; an unknown key is told apart', async () => {
    const seed = await seedOrg(server.db);
    const { apiKey, connection } = await createConnection(server.db, { orgId: seed.org.id, name: 'lapsed' });
    await server.http(apiKey).get('/api/v1/me').expect(200);
    // The row changes: its trigger drops the cached key everywhere, as any write to a connection does.
    await server.db.query("UPDATE connections SET expires_at = now() - interval '1 second' WHERE id = $1", [connection.id]);
    const { rows } = await server.db.query<{ expires_at: Date }>('SELECT expires_at FROM connections WHERE id = $1', [connection.id]);
    const expired = rows[0]!.expires_at.toISOString();
    // On Postgres the drop arrives by NOTIFY, milliseconds after the commit: await it, then every request is refused.
    await vi.waitFor(() => server.http(apiKey).get('/api/v1/me').expect(401), { timeout: 5_000, interval: 20 });
    for (const path of ['/api/v1/me', '/api/v1/approvals']) {
      const res = await server.http(apiKey).get(path).expect(401);
      expect(res.body.error).toMatchObject({
        code: 'UNAUTHORIZED',
        message: `this API key expired at ${expired}; an admin can issue a new one (or rotate it)`,
        details: { reason: 'api_key_expired', expired_at: expired },
      });
      expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
    }
    const create = await server.http(apiKey).post('/api/v1/approvals').send({ title: 'after expiry', priority: 'low' }).expect(401);
    expect(create.body.error.details.reason).toBe('api_key_expired');
    const unknown = await server.http(`gk_${'0'.repeat(64)}`).get('/api/v1/me').expect(401);
    expect(unknown.body.error.details).toBeUndefined();
  });

  it('stops at its expiry while cached, with no write and no lookup', async () => {
    const seed = await seedOrg(server.db);
    const expiresAt = new Date(Date.now() + 60_000);
    const { apiKey } = await createConnection(server.db, { orgId: seed.org.id, name: 'cached', expiresAt });
    let queries = 0;
    const counted = Object.create(server.db, {
      query: { value: (sql: string, params?: unknown[]) => (queries++, server.db.query(sql, params)) },
    }) as Database;
    const cache = new ApiKeyCache<AuthContext>(3_600_000);
    await cache.start(server.db);
    try {
      const auth = () => authenticate(credentials(counted), requestWith(apiKey), cache);
      await auth();
      await auth();
      expect(queries).toBe(1);
      // Only the wall clock moves: the cache's own time to live (monotonic, an hour here) does not run out.
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(expiresAt.getTime() - 1);
      await expect(auth()).resolves.toMatchObject({ connection: { expires_at: expiresAt } });
      vi.setSystemTime(expiresAt.getTime());
      await expect(auth()).rejects.toMatchObject({ code: 'UNAUTHORIZED', details: { reason: 'api_key_expired' } });
      expect(queries).toBe(1);
      expect(cache.size).toBe(1);
    } finally {
      await cache.close();
    }
  });
});

describe('who may rotate', () => {
  it.each(['approver', 'viewer'] as const)('a signed-in %s: 403, the key untouched', async (role) => {
    const seed = await seedOrg(server.db);
    const member = await signedIn(server, seed, role);
    const res = await member.http().post(`/api/v1/connections/${seed.connectionId}/rotate`).send({ overlap_seconds: 0 }).expect(403);
    expect(res.body.error.code).toBe('FORBIDDEN');
    await server.http(seed.key).get('/api/v1/me').expect(200);
  });

  it('an API key, even of all scopes, cannot rotate itself or another: sessions only', async () => {
    const seed = await seedOrg(server.db);
    const other = await seed.newKey();
    for (const id of [seed.connectionId, other.connectionId]) {
      await server.http(seed.key).post(`/api/v1/connections/${id}/rotate`).send({ overlap_seconds: 0 }).expect(403);
    }
    await server.http(other.key).get('/api/v1/me').expect(200);
    expect((await server.db.query('SELECT 1 FROM connections WHERE org_id = $1', [seed.org.id])).rows).toHaveLength(2);
  });

  it("another org's admin: 404, and the key keeps working", async () => {
    const victim = await seedOrg(server.db);
    const attacker = await signedIn(server, await seedOrg(server.db, 'Evil'));
    await attacker.http().post(`/api/v1/connections/${victim.connectionId}/rotate`).send({ overlap_seconds: 0 }).expect(404);
    await server.http(victim.key).get('/api/v1/me').expect(200);
    expect((await server.db.query('SELECT expires_at FROM connections WHERE id = $1', [victim.connectionId])).rows[0]).toEqual({ expires_at: null });
  });

  it('an OAuth grant is not a key: 404', async () => {
    const seed = await seedOrg(server.db);
    const admin = await signedIn(server, seed);
    const grant = await seed.newKey();
    await server.db.query("UPDATE connections SET auth_type = 'oauth' WHERE id = $1", [grant.connectionId]);
    await admin.http().post(`/api/v1/connections/${grant.connectionId}/rotate`).send({}).expect(404);
  });

  it('the rotated key answers only its own org on the new key', async () => {
    const seed = await seedOrg(server.db);
    const other = await seedOrg(server.db, 'Other');
    const admin = await signedIn(server, seed);
    const res = await admin.http().post(`/api/v1/connections/${seed.connectionId}/rotate`).send({ overlap_seconds: 0 }).expect(201);
    const me = await server.http(res.body.connection.api_key).get('/api/v1/me').expect(200);
    expect(me.body.org.id).toBe(seed.org.id);
    expect(me.body.org.id).not.toBe(other.org.id);
    await server.http(seed.key).get('/api/v1/me').expect(401);
  });
});
