/**
 * A standing grant from an email's decision page: offered as a choice of durations only where the
 * holder's `viewer_can.grant` allows it and only on the Approve link; the page's POST approves and gives
 * it through the one grant path, and it then approves the connection's next matching request. A choice
 * forged where it is not offered gives nothing, decides nothing, and leaves the link usable.
 */
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { startSmtpServer, type TestSmtpServer } from '../../testing/smtp.ts';
import { confirmationForm, linkIn } from '../../testing/decision-links.ts';

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

async function mailedRequest(body: Record<string, unknown>): Promise<{ seed: SeededOrg; id: string; alice: { id: string; email: string }; approve: string; reject: string }> {
  const seed = await seedOrg(server.db);
  const alice = await seed.addUser('approver', `alice-${seed.org.slug}@example.test`);
  const a = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody(body)).expect(201)).body as { id: string };
  await smtp.until(() => smtp.to(alice.email).length === 1);
  const text = smtp.to(alice.email)[0]!.text;
  return { seed, id: a.id, alice, approve: linkIn(text, 'Approve'), reject: linkIn(text, 'Reject') };
}

const grantsOn = async (id: string) =>
  (await server.db.query<{ given_by: string; expires_at: Date; created_at: Date }>('SELECT given_by, expires_at, created_at FROM grants WHERE given_on = $1', [id])).rows;
const statusOf = async (seed: SeededOrg, id: string) => (await server.http(seed.key).get(`/api/v1/approvals/${id}`).expect(200)).body.status;

describe('a grant from the email decision page', () => {
  it('the Approve page offers the durations; choosing a day approves and gives the grant, which approves the next request', async () => {
    const m = await mailedRequest({ action_type: 'deploy.staging', priority: 'medium' });
    const page = (await supertest(server.url).get(m.approve).expect(200)).text;
    expect(page).toContain('<select name="grant">');
    for (const d of ['1h', '1d', '1w']) expect(page).toContain(`<option value="${d}">`);
    // The Reject page never offers one.
    expect((await supertest(server.url).get(m.reject).expect(200)).text).not.toContain('name="grant"');

    const form = await confirmationForm(server.url, m.approve);
    await form.submit({ grant: '1d' }).expect(303);
    expect(await statusOf(m.seed, m.id)).toBe('approved');
    const [g] = await grantsOn(m.id);
    expect(g).toMatchObject({ given_by: m.alice.id });
    expect(g!.expires_at.getTime() - g!.created_at.getTime()).toBe(86_400_000);
    const next = (await server.http(m.seed.key).post('/api/v1/approvals').send(approvalBody({ action_type: 'deploy.staging', priority: 'medium' })).expect(201)).body;
    expect(next).toMatchObject({ status: 'approved', decided_by_type: 'grant', decided_by_grant: { given_by: { id: m.alice.id } } });
  });

  it('without a choice: the approval alone, no grant', async () => {
    const m = await mailedRequest({ action_type: 'deploy.staging', priority: 'medium' });
    await (await confirmationForm(server.url, m.approve)).submit({ grant: '' }).expect(303);
    expect(await statusOf(m.seed, m.id)).toBe('approved');
    expect(await grantsOn(m.id)).toEqual([]);
  });

  it('not offered where viewer_can.grant refuses (critical); a forged choice decides nothing and the link still works', async () => {
    const m = await mailedRequest({ action_type: 'deploy.prod', priority: 'critical' });
    const page = (await supertest(server.url).get(m.approve).expect(200)).text;
    expect(page).not.toContain('name="grant"');
    const form = await confirmationForm(server.url, m.approve);
    const forged = await form.submit({ grant: '1h' }).expect(400);
    expect(forged.text).toContain('Nothing was decided');
    expect(forged.text).toContain('never goes without a person');
    expect(await statusOf(m.seed, m.id)).toBe('pending');
    expect(await grantsOn(m.id)).toEqual([]);
    // The link was not used: the approval alone still goes through.
    await form.submit().expect(303);
    expect(await statusOf(m.seed, m.id)).toBe('approved');
  });

  it('a duration that is not offered: 400, nothing decided', async () => {
    const m = await mailedRequest({ action_type: 'deploy.staging', priority: 'medium' });
    await (await confirmationForm(server.url, m.approve)).submit({ grant: '1y' }).expect(400);
    expect(await statusOf(m.seed, m.id)).toBe('pending');
    expect(await grantsOn(m.id)).toEqual([]);
  });
});
