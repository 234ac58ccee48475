/**
 * Signing secrets and callback headers are sealed at rest (AES-256-GCM, a key id beside each value),
 * values stored before encryption are sealed at start-up, and a rotated key keeps opening what it
 * sealed until start-up seals it again under the new one.
 */
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, openTestDatabase, seedOrg, startTestServer, testConfig, type TestDatabase, type TestServer } from '../testing/harness.ts';
import { startGreenlight } from '../server.ts';
import { loadSecretKeys, openWith, sealWith, SecretKeys } from './sealed.ts';
import { reencryptSecrets } from './reencrypt-secrets.ts';

describe('SecretKeys', () => {
  const a = Buffer.alloc(32, 1);
  const b = Buffer.alloc(32, 2);
  it('seals with a fresh nonce each time and opens with the key that sealed', () => {
    const keys = new SecretKeys(a);
    const one = keys.seal('whsec_abc');
    expect(one).not.toBe(keys.seal('whsec_abc'));
    expect(one).not.toContain('whsec_abc');
    expect(keys.open(one)).toBe('whsec_abc');
    expect(new SecretKeys(b, [a]).open(one)).toBe('whsec_abc');
    expect(() => new SecretKeys(b).open(one)).toThrow(/not configured/);
  });
  it('opens a kept value as open does, by its sealed text, and keeps nothing it could not open', () => {
    const keys = new SecretKeys(a);
    const one = keys.seal('whsec_one');
    const same = keys.seal('whsec_one');
    expect(keys.openKept(one)).toBe('whsec_one');
    expect(keys.openKept(one)).toBe('whsec_one');
    expect(keys.openKept(same)).toBe('whsec_one');
    expect(keys.openKept('whsec_stored_before_encryption')).toBe('whsec_stored_before_encryption');
    const raw = one.split(':');
    // The second-to-last character changed (the last may hold only padding bits): to one it is not.
    const altered = `${raw[0]}:${raw[1]}:${raw[2]!.slice(0, -2)}${raw[2]!.at(-2) === 'A' ? 'B' : 'A'}${raw[2]!.slice(-1)}`;
    expect(altered).not.toBe(one);
    expect(() => keys.openKept(altered)).toThrow();
    expect(() => keys.openKept(altered)).toThrow();
    expect(() => new SecretKeys(b).openKept(one)).toThrow(/not configured/);
  });
  it('refuses an altered value', () => {
    const sealed = sealWith(a, 'secret');
    const raw = Buffer.from(sealed, 'base64url');
    raw[raw.length - 1]! ^= 1;
    expect(() => openWith(a, raw.toString('base64url'))).toThrow();
  });
  it('makes a key file with mode 0600 in the data directory on the first start, and reads it after', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gl-key-'));
    const keys = loadSecretKeys({ GREENLIGHT_DATA_DIR: dir });
    const file = join(dir, 'secret.key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64')).toHaveLength(32);
    expect(loadSecretKeys({ GREENLIGHT_DATA_DIR: dir }).open(keys.seal('x'))).toBe('x');
  });
});

describe('at rest', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ config: { GREENLIGHT_DELIVERY_WORKER: 'false' } });
  });
  afterAll(() => server.stop());

  it('stores no webhook secret, callback secret or callback header in plain text', async () => {
    const seed = await seedOrg(server.db);
    const hook = await server.http(seed.key).post('/api/v1/webhooks').send({ url: 'https://hooks.example.com/s', events: ['approval.approved'] }).expect(201);
    const rotated = await server.http(seed.key).post(`/api/v1/webhooks/${hook.body.id}/rotate-secret`).expect(200);
    const callback = await server.http(seed.key).get('/api/v1/callback-secret').expect(200);
    await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ callback_url: 'https://a.example.com/cb', callback_headers: { 'X-Api-Token': 'automation-token-123' } })).expect(201);
    const dump = JSON.stringify([
      (await server.db.query('SELECT * FROM webhook_subscriptions WHERE org_id = $1', [seed.org.id])).rows,
      (await server.db.query('SELECT * FROM callback_secrets WHERE org_id = $1', [seed.org.id])).rows,
      (await server.db.query('SELECT callback_headers FROM approvals WHERE org_id = $1', [seed.org.id])).rows,
    ]);
    for (const secret of [hook.body.secret, rotated.body.secret, callback.body.secret, 'automation-token-123']) expect(dump).not.toContain(secret);
    expect(dump).toContain('gl1:');
  });
});

describe('upgrade and rotation', () => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await openTestDatabase();
  });
  afterAll(() => tdb.drop());

  it('seals plain rows at start-up without loss, and re-seals under a new key while the previous one still opens', async () => {
    const seed = await seedOrg(tdb.db);
    const { rows } = await tdb.db.query<{ id: string }>(
      `INSERT INTO webhook_subscriptions (org_id, url, events, secret, previous_secret, created_by_type, created_by_id)
       VALUES ($1, 'https://hooks.example.com/old', '{approval.approved}', 'whsec_plain', 'whsec_older', 'connection', $2) RETURNING id`,
      [seed.org.id, seed.connectionId],
    );
    await tdb.db.query(`INSERT INTO callback_secrets (org_id, secret) VALUES ($1, 'whsec_callback_plain')`, [seed.org.id]);
    const oldKey = Buffer.alloc(32, 3).toString('base64');
    const newKey = Buffer.alloc(32, 4).toString('base64');
    const first = await startGreenlight(testConfig({ GREENLIGHT_SECRET_KEY: oldKey, GREENLIGHT_DELIVERY_WORKER: 'false' }), { db: tdb.db });
    // A request stored before encryption: its headers in plain JSON.
    const a = await supertest(first.url).post('/api/v1/approvals').set('Authorization', `Bearer ${seed.key}`)
      .send(approvalBody({ callback_url: 'https://a.example.com/cb', callback_headers: { 'X-Token': 'plain-token' } })).expect(201);
    await tdb.db.query(`UPDATE approvals SET callback_headers = '{"X-Token":"plain-token"}' WHERE id = $1`, [a.body.id]);
    await first.close();
    const after = await tdb.db.query<{ secret: string; previous_secret: string }>('SELECT secret, previous_secret FROM webhook_subscriptions WHERE id = $1', [rows[0]!.id]);
    const old = new SecretKeys(Buffer.from(oldKey, 'base64'));
    expect(after.rows[0]!.secret.startsWith(old.currentPrefix)).toBe(true);
    expect(old.open(after.rows[0]!.secret)).toBe('whsec_plain');
    expect(old.open(after.rows[0]!.previous_secret)).toBe('whsec_older');
    const cs = await tdb.db.query<{ secret: string }>('SELECT secret FROM callback_secrets WHERE org_id = $1', [seed.org.id]);
    expect(old.open(cs.rows[0]!.secret)).toBe('whsec_callback_plain');
    expect(await reencryptSecrets(tdb.db, old)).toBe(1);
    const h = await tdb.db.query<{ callback_headers: unknown }>('SELECT callback_headers FROM approvals WHERE id = $1', [a.body.id]);
    expect(JSON.parse(old.open(h.rows[0]!.callback_headers as string))).toEqual({ 'X-Token': 'plain-token' });

    const rotated = new SecretKeys(Buffer.from(newKey, 'base64'), [Buffer.from(oldKey, 'base64')]);
    expect(await reencryptSecrets(tdb.db, rotated)).toBeGreaterThanOrEqual(3);
    const again = await tdb.db.query<{ secret: string }>('SELECT secret FROM webhook_subscriptions WHERE id = $1', [rows[0]!.id]);
    expect(again.rows[0]!.secret.startsWith(rotated.currentPrefix)).toBe(true);
    expect(new SecretKeys(Buffer.from(newKey, 'base64')).open(again.rows[0]!.secret)).toBe('whsec_plain');
    // Nothing left to do: a second pass seals nothing.
    expect(await reencryptSecrets(tdb.db, rotated)).toBe(0);
  });
});
