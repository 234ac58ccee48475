/** Expiries and rotations refused with a 400 that says why, in the error envelope; nothing is created. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { signedIn, type SignedIn } from '../../testing/session.ts';

let server: TestServer;
let seed: SeededOrg;
let admin: SignedIn;
beforeAll(async () => {
  server = await startTestServer();
  seed = await seedOrg(server.db);
  admin = await signedIn(server, seed);
});
afterAll(() => server.stop());

const fromNow = (ms: number) => new Date(Date.now() + ms).toISOString();
const DAY = 86_400_000;

const BAD_EXPIRIES: [string, unknown, string][] = [
  ['in the past', fromNow(-60_000), 'expires_at must be at least 300 seconds in the future'],
  ['too soon', fromNow(60_000), 'expires_at must be at least 300 seconds in the future'],
  ['too far', fromNow(731 * DAY), 'expires_at must be at most 730 days in the future'],
  ['not a timestamp', 'next tuesday', 'Invalid ISO datetime'],
  ['a number', 1767225600, 'Invalid input: expected string, received number'],
];

const countKeys = async () => Number((await server.db.query<{ n: string }>('SELECT count(*) AS n FROM connections WHERE org_id = $1', [seed.org.id])).rows[0]!.n);

describe('creating a key with a bad expiry', () => {
  it.each(BAD_EXPIRIES)('%s: 400 VALIDATION_ERROR', async (_label, expires_at, message) => {
    const before = await countKeys();
    const res = await admin.http().post('/api/v1/connections').send({ name: 'ci', expires_at }).expect(400);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
    expect(JSON.stringify(res.body.error)).toContain(message);
    expect(JSON.stringify(res.body.error)).toContain('expires_at');
    expect(await countKeys()).toBe(before);
  });
});

describe('rotating with bad input', () => {
  it.each<[string, object, string]>([
    ...BAD_EXPIRIES.map(([label, expires_at, message]): [string, object, string] => [`expiry ${label}`, { expires_at }, message]),
    ['a negative overlap', { overlap_seconds: -1 }, 'Too small'],
    ['an overlap past 30 days', { overlap_seconds: 30 * 86_400 + 1 }, 'Too big'],
    ['a fractional overlap', { overlap_seconds: 1.5 }, 'expected int'],
    ['an unknown field', { overlap: 60 }, 'Unrecognized key'],
  ])('%s: 400 VALIDATION_ERROR, the old key untouched', async (_label, body, message) => {
    const key = await seed.newKey();
    const before = await countKeys();
    const res = await admin.http().post(`/api/v1/connections/${key.connectionId}/rotate`).send(body).expect(400);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
    expect(JSON.stringify(res.body.error)).toContain(message);
    expect(await countKeys()).toBe(before);
    await server.http(key.key).get('/api/v1/me').expect(200);
    const { rows } = await server.db.query<{ expires_at: Date | null }>('SELECT expires_at FROM connections WHERE id = $1', [key.connectionId]);
    expect(rows[0]!.expires_at).toBeNull();
  });

  it('an unknown or revoked key: 404, nothing created', async () => {
    const revoked = await seed.newKey();
    await admin.http().delete(`/api/v1/connections/${revoked.connectionId}`).expect(200);
    const before = await countKeys();
    for (const id of ['00000000-0000-4000-8000-000000000000', revoked.connectionId]) {
      const res = await admin.http().post(`/api/v1/connections/${id}/rotate`).send({}).expect(404);
      expect(res.body.error).toMatchObject({ code: 'NOT_FOUND', message: 'API key not found' });
    }
    await admin.http().post('/api/v1/connections/not-a-uuid/rotate').send({}).expect(404);
    expect(await countKeys()).toBe(before);
  });
});
