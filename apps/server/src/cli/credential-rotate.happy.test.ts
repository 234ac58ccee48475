/**
 * The admin command line's rotations: `connection rotate`, `oauth-client rotate-secret` (the old
 * credential works for the overlap beside the new one) and `audit rotate-key` (new exports signed with
 * the new key, older ones still verifying with the published set).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_KEYS_PATH, verifyLedger, type AuditKeySet } from '@greenlight/client/audit-ledger';
import { seedOrg, startTestServer, type SeededOrg, type TestServer } from '../testing/harness.ts';
import { signedIn } from '../testing/session.ts';
import { basicAuth, registerClient } from '../testing/oauth.ts';
import { runCli, type CliContext } from './run-cli.ts';

let server: TestServer;
let seed: SeededOrg;
let ctx: CliContext;
beforeAll(async () => {
  server = await startTestServer({ config: { GREENLIGHT_DELIVERY_WORKER: 'false' } });
  seed = await seedOrg(server.db, 'CLI rotations');
  ctx = { config: server.deps.config, withDatabase: (fn) => fn(server.db) };
});
afterAll(() => server.stop());

const authenticates = async (clientId: string, secret: string): Promise<boolean> => {
  const res = await server.http().post('/oauth/revoke').set('Authorization', basicAuth(clientId, secret)).type('form').send({ token: 'not-a-token' });
  expect([200, 401]).toContain(res.status);
  return res.status === 200;
};

describe('greenlight-admin rotation commands', () => {
  it('oauth-client rotate-secret: a new secret, the old one for the overlap', async () => {
    const app = await registerClient(server, seed);
    const r = await runCli(['oauth-client', 'rotate-secret', app.id, '--org', seed.org.slug, '--overlap', '2h', '--json'], ctx);
    expect(r).toMatchObject({ exitCode: 0, stderr: '' });
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ id: app.id, client_id: app.clientId });
    expect(Date.parse(out.previous_secret_expires_at) - Date.now()).toBeGreaterThan(2 * 3600_000 - 10_000);
    expect(await authenticates(app.clientId, out.client_secret)).toBe(true);
    expect(await authenticates(app.clientId, app.clientSecret)).toBe(true);
    const bad = await runCli(['oauth-client', 'rotate-secret', app.id, '--org', seed.org.slug, '--overlap', '31d'], ctx);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('--overlap');
  });

  it('connection rotate: a new API key, the old one until the overlap ends', async () => {
    const old = await seed.newKey({ name: 'cli rotated' });
    const r = await runCli(['connection', 'rotate', old.connectionId, '--org', seed.org.slug, '--overlap', '30m', '--json'], ctx);
    expect(r).toMatchObject({ exitCode: 0, stderr: '' });
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ name: 'cli rotated', previous: { id: old.connectionId } });
    expect(Date.parse(out.previous.expires_at) - Date.now()).toBeGreaterThan(30 * 60_000 - 10_000);
    await server.http(out.api_key).get('/api/v1/me').expect(200);
    await server.http(old.key).get('/api/v1/me').expect(200);
    const missing = await runCli(['connection', 'rotate', old.connectionId, '--org', (await seedOrg(server.db)).org.slug], ctx);
    expect(missing.exitCode).toBe(1);
  });

  it('audit rotate-key: new exports are signed with the new key; older ones still verify', async () => {
    const admin = await signedIn(server, seed);
    const old = (await admin.http().get('/api/v1/audit-log/ledger').expect(200)).body;
    const r = await runCli(['audit', 'rotate-key', '--json'], ctx);
    expect(r).toMatchObject({ exitCode: 0, stderr: '' });
    const { kid, retired } = JSON.parse(r.stdout) as { kid: string; retired: string[] };
    expect(retired).toContain(old.signature.kid);
    const fresh = (await admin.http().get('/api/v1/audit-log/ledger').expect(200)).body;
    expect(fresh.signature.kid).toBe(kid);
    const keys: AuditKeySet = (await server.http().get(AUDIT_KEYS_PATH).expect(200)).body;
    expect(keys.keys.map((k) => k.kid)).toEqual(expect.arrayContaining([kid, old.signature.kid]));
    expect(verifyLedger(old, keys).ok).toBe(true);
    expect(verifyLedger(fresh, keys).ok).toBe(true);
    const human = await runCli(['audit', 'rotate-key'], ctx);
    expect(human.stdout).toMatch(/New audit signing key: \S+\nRetired \(still published for older exports\): /);
  });
});
