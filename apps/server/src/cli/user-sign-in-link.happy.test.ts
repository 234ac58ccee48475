import { afterAll, beforeAll, expect, it } from 'vitest';
import { seedOrg, startTestServer, type TestServer } from '../testing/harness.ts';
import { Browser, memberWithPassword, TEST_PASSWORD } from '../testing/oauth.ts';
import { runCli } from './run-cli.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ config: { GREENLIGHT_DELIVERY_WORKER: 'false' } });
});
afterAll(() => server.stop());

const cli = (...argv: string[]) => runCli(argv, { config: server.deps.config, withDatabase: (fn) => fn(server.db) });

it('user sign-in-link: a one-time link that clears the forgotten password, signs the account out and asks for a new one', async () => {
  const seed = await seedOrg(server.db);
  const member = await memberWithPassword(server, seed, 'approver');
  const before = new Browser(server.url);
  expect((await before.signIn(member.email, TEST_PASSWORD)).status).toBe(303);
  await before.get('/api/v1/me').then((r) => expect(r.status).toBe(200));

  const result = await cli('user', 'sign-in-link', '--org', seed.org.slug, '--email', member.email.toUpperCase());
  expect(result.exitCode).toBe(0);
  const url = /https?:\/\/\S+\/sign-in\/[A-Za-z0-9_-]+/.exec(result.stdout)![0];

  const browser = new Browser(server.url);
  const opened = await browser.get(new URL(url).pathname);
  expect(opened.status).toBe(303);
  expect(opened.headers.location).toBe('/account/password');
  expect((await before.get('/api/v1/me')).status).toBe(401);
  expect((await new Browser(server.url).signIn(member.email, TEST_PASSWORD)).status).not.toBe(303);
  expect((await browser.get(new URL(url).pathname)).status).toBe(410);
  const log = await server.db.query<{ type: string; actor_name: string }>(`SELECT type, actor_name FROM audit_log WHERE org_id = $1 AND type = 'sign_in_link.issued'`, [seed.org.id]);
  expect(log.rows).toEqual([{ type: 'sign_in_link.issued', actor_name: 'cli' }]);
});

it('user sign-in-link: an email that is not a member of the org gets exit 1 and no link', async () => {
  const seed = await seedOrg(server.db);
  const result = await cli('user', 'sign-in-link', '--org', seed.org.slug, '--email', 'nobody@example.test');
  expect(result.exitCode).toBe(1);
  expect(result.stdout).not.toMatch(/sign-in\//);
});
