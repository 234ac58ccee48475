/**
 * The API-key cache saves the lookup query, and never serves a key past a committed revocation or a
 * change of its org in this process. (Across processes: stream/multi-process.happy.test.ts.)
 */
import type { Request } from 'express';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openTestDatabase, seedOrg, type SeededOrg, type TestDatabase } from '../testing/harness.ts';
import type { Database } from '../storage/database.ts';
import { ApiKeyCache } from './api-key-cache.ts';
import { authenticate } from './auth.ts';
import { credentials } from '../modules/credentials.ts';
import type { AuthContext } from '../context.ts';
import { revokeConnection } from '../modules/connections/connections.ts';
import { setEmergencyStop } from '../modules/orgs/create-org.ts';
import { ApiError } from '../errors.ts';

const requestWith = (key: string) => ({ query: {}, get: (h: string) => (h.toLowerCase() === 'authorization' ? `Bearer ${key}` : undefined) }) as unknown as Request;

describe('the API-key cache', () => {
  let tdb: TestDatabase;
  let seed: SeededOrg;
  let queries = 0;
  let counted: Database;
  let cache: ApiKeyCache<AuthContext>;
  beforeAll(async () => {
    tdb = await openTestDatabase();
    seed = await seedOrg(tdb.db);
    counted = Object.create(tdb.db, {
      query: { value: (sql: string, params?: unknown[]) => (queries++, tdb.db.query(sql, params)) },
    }) as Database;
  }, 60_000);
  afterAll(() => tdb.drop());
  beforeEach(async () => {
    await cache?.close();
    cache = new ApiKeyCache<AuthContext>();
    await cache.start(tdb.db);
    queries = 0;
  });

  const auth = (key: string, c: ApiKeyCache<AuthContext> | null = cache) => authenticate(credentials(counted), requestWith(key), c ?? undefined);

  it('looks a key up once, then answers from memory with the same frozen context', async () => {
    const first = await auth(seed.key);
    const second = await auth(seed.key);
    expect(queries).toBe(1);
    expect(second).toBe(first);
    expect(Object.isFrozen(first) && Object.isFrozen(first.org) && Object.isFrozen(first.connection!.scopes)).toBe(true);
    // Without a cache, every request looks the key up.
    await auth(seed.key, null);
    await auth(seed.key, null);
    expect(queries).toBe(3);
  });

  it('a revoked key is refused on the very next call after the revocation commits', async () => {
    const { key, connectionId } = await seed.newKey();
    await auth(key);
    await revokeConnection(tdb.db, seed.org.id, connectionId);
    await expect(auth(key)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect(cache.size).toBe(0);
  });

  it('a revocation written by hand in SQL (an operator in psql) reaches cached keys too, through the trigger', async () => {
    const { key, connectionId } = await seed.newKey();
    await auth(key);
    await tdb.db.query('UPDATE connections SET revoked_at = now() WHERE id = $1', [connectionId]);
    const t0 = performance.now();
    for (;;) {
      const refused = await auth(key).then(() => false, (err: unknown) => (err as ApiError).code === 'UNAUTHORIZED');
      if (refused) break;
      // Sooner than the entry's own lifetime (10 s): only the trigger's notification explains it.
      expect(performance.now() - t0).toBeLessThan(5_000);
      await new Promise((r) => setTimeout(r, 5));
    }
  });

  it('a revocation that rolls back leaves the key cached and working', async () => {
    const { key, connectionId } = await seed.newKey();
    await auth(key);
    await expect(
      tdb.db.transaction(async (tx) => {
        await tx.query('UPDATE connections SET revoked_at = now() WHERE id = $1', [connectionId]);
        const { announceAuthChange } = await import('./api-key-cache.ts');
        announceAuthChange(tx, { connectionId });
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    queries = 0;
    await auth(key);
    expect(queries).toBe(0);
  });

  it("the org's emergency stop reaches cached keys both ways", async () => {
    const other = await seedOrg(tdb.db, 'Other');
    await auth(seed.key);
    await auth(other.key);
    await setEmergencyStop(tdb.db, seed.org.id, true);
    expect((await auth(seed.key)).org.emergency_stop).toBe(true);
    await setEmergencyStop(tdb.db, seed.org.id, false);
    expect((await auth(seed.key)).org.emergency_stop).toBe(false);
    // Another org's entries stay.
    queries = 0;
    await auth(other.key);
    expect(queries).toBe(0);
  });

  it('entries expire, the oldest goes when full, and an unknown announcement drops everything', async () => {
    const short = new ApiKeyCache<AuthContext>(30, 2);
    const keys = [seed.key, (await seed.newKey()).key, (await seed.newKey()).key];
    for (const k of keys) await auth(k, short);
    expect(short.size).toBe(2);
    queries = 0;
    await auth(keys[0]!, short);
    expect(queries).toBe(1);
    await new Promise((r) => setTimeout(r, 40));
    await auth(keys[0]!, short);
    expect(queries).toBe(2);
    short.forget('something else');
    expect(short.size).toBe(0);
  });

  it('a lookup that read the key before a revocation committed does not store it after the announcement', async () => {
    const { key, connectionId } = await seed.newKey();
    // The lookup's query is held until the revocation has committed and been announced.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const slow = Object.create(tdb.db, {
      query: { value: async (sql: string, params?: unknown[]) => { const r = await tdb.db.query(sql, params); await held; return r; } },
    }) as Database;
    const lookup = authenticate(credentials(slow), requestWith(key), cache);
    await new Promise((r) => setTimeout(r, 50));
    await revokeConnection(tdb.db, seed.org.id, connectionId);
    release();
    await lookup; // it read the key while it was still valid
    expect(cache.size).toBe(0);
    await expect(auth(key)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('unknown and malformed keys are never cached', async () => {
    await expect(auth(`gk_${'0'.repeat(64)}`)).rejects.toBeInstanceOf(ApiError);
    await expect(auth('gk_short')).rejects.toBeInstanceOf(ApiError);
    expect(cache.size).toBe(0);
  });
});
