/**
 * With email on, the one-time links people need reach their mailbox (a real SMTP server): a new
 * member's sign-in link, an invitation, and an operator's account-recovery link.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import supertest from 'supertest';
import { seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { signedIn } from '../../testing/session.ts';
import { startSmtpServer, type TestSmtpServer } from '../../testing/smtp.ts';
import { runCli } from '../../cli/run-cli.ts';

let server: TestServer;
let smtp: TestSmtpServer;

beforeAll(async () => {
  smtp = await startSmtpServer();
  server = await startTestServer({
    config: {
      GREENLIGHT_SMTP_URL: smtp.url,
      GREENLIGHT_MAIL_FROM: 'greenlight@example.test',
      GREENLIGHT_PUBLIC_URL: 'https://greenlight.example.test',
      GREENLIGHT_DELIVERY_SWEEP_MS: '100',
    },
  });
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await smtp?.close();
});

const linkIn = (text: string) => /https:\/\/greenlight\.example\.test(\/sign-in\/[A-Za-z0-9_-]{43})(\/continue)?/.exec(text)?.[1];

it('a new member gets their one-time sign-in link by email; it is the link the admin was shown', async () => {
  const seed = await seedOrg(server.db, 'Acme Mail');
  const admin = await signedIn(server, seed);
  const email = `new-${seed.org.slug}@example.test`;
  const res = await admin.http().post('/api/v1/members').send({ email, role: 'approver' }).expect(201);
  await smtp.until(() => smtp.to(email).length === 1);
  const m = smtp.to(email)[0]!;
  expect(m.subject).toBe('Your sign-in link for Acme Mail on Greenlight');
  const path = linkIn(m.text)!;
  expect(new URL(res.body.sign_in_url).pathname).toBe(path);
  // The emailed link only asks to continue: fetching it (a mail scanner, a preview) spends nothing.
  expect(m.text).toContain(`Sign in: https://greenlight.example.test${path}/continue`);
  expect(m.html).toContain(`href="https://greenlight.example.test${path}/continue"`);
  for (let i = 0; i < 3; i++) {
    const page = await supertest(server.url).get(`${path}/continue`).expect(200);
    expect(page.text).toContain(`<form method="post" action="${path}/continue">`);
    expect(page.headers['set-cookie']).toBeUndefined();
    await supertest(server.url).head(`${path}/continue`).expect(200);
  }
  // Its button works: it signs the new member in and asks for a password; once.
  const opened = await supertest(server.url).post(`${path}/continue`).expect(303);
  expect(opened.headers.location).toBe('/account/password');
  expect(opened.headers['set-cookie']).toBeDefined();
  await supertest(server.url).post(`${path}/continue`).expect(410);
});

it('an account of another org gets an invitation by email', async () => {
  const other = await seedOrg(server.db);
  const person = await other.addUser('approver');
  const seed = await seedOrg(server.db, 'Second Org');
  const admin = await signedIn(server, seed);
  await admin.http().post('/api/v1/members').send({ email: person.email, role: 'viewer' }).expect(201);
  await smtp.until(() => smtp.to(person.email).length === 1);
  const m = smtp.to(person.email)[0]!;
  expect(m.subject).toBe('You are invited to Second Org on Greenlight');
  expect(m.text).toContain('Accept the invitation: https://greenlight.example.test/sign-in/');
});

it('greenlight-admin user sign-in-link emails the recovery link too', async () => {
  const seed = await seedOrg(server.db);
  const member = await seed.addUser('approver');
  const result = await runCli(['user', 'sign-in-link', '--org', seed.org.slug, '--email', member.email], {
    config: server.deps.config,
    withDatabase: (fn) => fn(server.db),
  });
  expect(result.exitCode).toBe(0);
  expect(result.stdout).toContain(`It is also being emailed to ${member.email}.`);
  await smtp.until(() => smtp.to(member.email).length === 1);
  const printed = /\/sign-in\/[A-Za-z0-9_-]{43}/.exec(result.stdout)![0];
  expect(linkIn(smtp.to(member.email)[0]!.text)).toBe(printed);
});
