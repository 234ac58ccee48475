import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { seedOrg, startTestServer, type TestServer } from '../testing/harness.ts';
import { Browser, memberWithPassword, TEST_PASSWORD } from '../testing/oauth.ts';
import { ensureFirstRun } from '../modules/orgs/first-run.ts';
import { signedIn } from '../testing/session.ts';
import { runCli } from './run-cli.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ config: { GREENLIGHT_DELIVERY_WORKER: 'false' } });
  // The first start of an install, with the default GREENLIGHT_ADMIN_EMAIL, before any other org exists.
  const printed = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  await ensureFirstRun(server.deps);
  expect(printed.mock.calls.join('')).toContain('First run: org "default" created with admin admin@localhost.');
  printed.mockRestore();
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

/** The recovery command docs/cli.md gives for the first-run admin, as its words (after the program's name). */
function documentedRecovery(): string[] {
  const docs = readFileSync(new URL('../../../../docs/cli.md', import.meta.url), 'utf8');
  const line = docs.split('\n').find((l) => /user sign-in-link --org default --email/.test(l));
  expect(line, 'docs/cli.md gives the first-run admin\'s recovery command').toBeDefined();
  return line!.trim().split(/\s+/).slice(2);
}

it('the first-run admin (the default admin@localhost) is recovered with the command docs/cli.md gives', async () => {
  expect(server.deps.config.GREENLIGHT_ADMIN_EMAIL).toBe('admin@localhost');
  const argv = documentedRecovery();
  expect(argv).toEqual(['user', 'sign-in-link', '--org', 'default', '--email', 'admin@localhost']);
  const result = await cli(...argv);
  expect(result.stderr).toBe('');
  expect(result.exitCode).toBe(0);
  const url = /https?:\/\/\S+\/sign-in\/[A-Za-z0-9_-]+/.exec(result.stdout)![0];
  const browser = new Browser(server.url);
  const opened = await browser.get(new URL(url).pathname);
  expect(opened.status).toBe(303);
  expect(opened.headers.location).toBe('/account/password');
  const me = await browser.get('/api/v1/me');
  expect(me.status).toBe(200);
  expect(me.body).toMatchObject({ user: { email: 'admin@localhost', role: 'admin' }, org: { slug: 'default' } });
});

it('init takes an address on a host without a dot, as the server and the API do', async () => {
  const result = await cli('init', '--org', 'Lab', '--slug', `lab-${process.pid}`, '--admin-email', 'ops@localhost');
  expect(result.stderr).toBe('');
  expect(result.exitCode).toBe(0);
  expect(result.stdout).toContain('with admin ops@localhost.');
  // The API's member form takes the same rule.
  const admin = await signedIn(server, await seedOrg(server.db));
  const added = await admin.http().post('/api/v1/members').send({ email: 'jane@localhost' });
  expect(added.status).toBe(201);
  expect(added.body.member.email).toBe('jane@localhost');
});
