/**
 * Clients that register themselves (RFC 7591) and that nobody authorizes do not pile up unseen:
 * whoever runs the server lists them (`greenlight-admin oauth-client list --unauthorized`), and a day
 * (OAUTH_SETTINGS.unauthorizedClientTtl) after registering they are refused and then deleted by the
 * purge job. One that a member authorized stays, with its grant working, however old.
 */
import supertest from 'supertest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { authorizePath, Browser, connectInBrowser, memberWithPassword, pkcePair, tokenRequest } from '../../testing/oauth.ts';
import { signedIn } from '../../testing/session.ts';
import { runCli } from '../../cli/run-cli.ts';
import { purgeUnauthorizedClients } from './purge-unauthorized-clients.ts';
import { OAUTH_SETTINGS } from './settings.ts';

let server: TestServer;
let seed: SeededOrg;
beforeAll(async () => {
  server = await startTestServer({ config: { GREENLIGHT_DELIVERY_WORKER: 'false' } });
  seed = await seedOrg(server.db);
});
afterAll(() => server.stop());

const REDIRECT = 'http://127.0.0.1:6277/oauth/callback';

async function register(name: string): Promise<string> {
  const res = await supertest(server.url).post('/oauth/register').send({ client_name: name, redirect_uris: [REDIRECT] });
  expect(res.status).toBe(201);
  return res.body.client_id as string;
}

/** As if the client had registered `hours` ago (the clock of the database is the one that counts). */
const registeredAgo = (clientId: string, hours: number) =>
  server.db.query(`UPDATE oauth_clients SET created_at = now() - make_interval(hours => $2) WHERE client_id = $1`, [clientId, hours]);

const cli = (...argv: string[]) => runCli(argv, { config: server.deps.config, withDatabase: (fn) => fn(server.db) });

async function unauthorizedListed(): Promise<{ client_id: string; name: string; expires_at: string }[]> {
  const r = await cli('oauth-client', 'list', '--unauthorized', '--json');
  expect(r).toMatchObject({ exitCode: 0, stderr: '' });
  return JSON.parse(r.stdout).data;
}

it('lists the self-registered clients nobody authorized, refuses them after a day, deletes them, and keeps the authorized ones', async () => {
  expect(OAUTH_SETTINGS.unauthorizedClientTtl).toBe(86_400);
  const forgotten = await register('Forgotten agent');
  const fresh = await register('Fresh agent');
  const used = await register('Used agent');

  // A member authorizes one of them, in their org, and the client gets tokens.
  const member = await memberWithPassword(server, seed, 'approver');
  const { verifier, challenge } = pkcePair();
  const back = await connectInBrowser(server, member, { client_id: used, redirect_uri: REDIRECT, scope: 'approvals:read', code_challenge: challenge, code_challenge_method: 'S256', state: 's' });
  const token = await tokenRequest(server, { grant_type: 'authorization_code', code: back.searchParams.get('code')!, redirect_uri: REDIRECT, client_id: used, code_verifier: verifier });
  expect(token.status).toBe(200);

  // Whoever runs the server sees the two nobody authorized, with when each expires; the org's admins see the one they use.
  const listed = await unauthorizedListed();
  expect(listed.map((c) => c.name)).toEqual(['Forgotten agent', 'Fresh agent']);
  for (const c of listed) expect(c.expires_at).toMatch(/^\d{4}-\d\d-\d\dT/);
  const text = await cli('oauth-client', 'list', '--unauthorized');
  expect(text.stdout).toContain('Forgotten agent');
  expect(text.stdout).toContain('deleted 24 hours after it registered');
  const admin = await signedIn(server, seed);
  const orgList = await admin.http().get('/api/v1/oauth-clients').expect(200);
  expect(orgList.body.data.map((c: { client_id: string }) => c.client_id)).toEqual([used]);

  // A day later: the unused one is refused at once, before the purge has run…
  await registeredAgo(forgotten, 25);
  await registeredAgo(used, 25);
  const refused = await new Browser(server.url).get(authorizePath({ client_id: forgotten, redirect_uri: REDIRECT, code_challenge: challenge, code_challenge_method: 'S256' }));
  expect(refused.status).toBe(400);
  expect(refused.text).toContain('unknown or has been removed');
  expect((await unauthorizedListed()).map((c) => c.name)).toEqual(['Forgotten agent', 'Fresh agent']);

  // …and the purge deletes it, and only it.
  expect(await purgeUnauthorizedClients(server.db)).toEqual([{ client_id: forgotten, name: 'Forgotten agent' }]);
  expect((await unauthorizedListed()).map((c) => c.name)).toEqual(['Fresh agent']);
  const { rows } = await server.db.query<{ client_id: string }>('SELECT client_id FROM oauth_clients WHERE client_id = ANY($1) ORDER BY name', [[forgotten, fresh, used]]);
  expect(rows.map((r) => r.client_id).sort()).toEqual([fresh, used].sort());
  expect(await purgeUnauthorizedClients(server.db)).toEqual([]);

  // The authorized one, as old, still works: its grant, and a new authorization.
  await supertest(server.url).get('/api/v1/approvals').set('Authorization', `Bearer ${token.body.access_token}`).expect(200);
  const again = await connectInBrowser(server, member, { client_id: used, redirect_uri: REDIRECT, scope: 'approvals:read', code_challenge: challenge, code_challenge_method: 'S256' });
  expect(again.searchParams.get('code')).toBeTruthy();
});

it('the CLI asks for an org or --unauthorized, one of the two', async () => {
  const neither = await cli('oauth-client', 'list');
  expect(neither.exitCode).toBe(2);
  expect(neither.stderr).toContain('give --org SLUG');
  const both = await cli('oauth-client', 'list', '--org', seed.org.slug, '--unauthorized');
  expect(both.exitCode).toBe(2);
  const org = await cli('oauth-client', 'list', '--org', seed.org.slug, '--json');
  expect(org.exitCode).toBe(0);
  expect(JSON.parse(org.stdout)).toMatchObject({ org: seed.org.slug, data: [{ registration: 'dynamic', name: 'Used agent' }] });
});
