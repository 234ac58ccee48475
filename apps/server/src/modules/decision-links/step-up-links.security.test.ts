/**
 * Decision links on a request the org's step-up setting covers: an email link is no passkey-confirmed
 * session, so neither its confirmation page nor a form already open decides anything; both answer with
 * a link to the request's page on the dashboard. A request the setting does not cover is decided as before.
 */
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { signedIn } from '../../testing/session.ts';
import { startSmtpServer, type TestSmtpServer } from '../../testing/smtp.ts';
import { confirmationForm, linkIn } from '../../testing/decision-links.ts';

const PUBLIC_URL = 'https://greenlight.example.test';
let server: TestServer;
let smtp: TestSmtpServer;

beforeAll(async () => {
  smtp = await startSmtpServer();
  server = await startTestServer({
    config: { GREENLIGHT_SMTP_URL: smtp.url, GREENLIGHT_MAIL_FROM: 'greenlight@example.test', GREENLIGHT_PUBLIC_URL: PUBLIC_URL, GREENLIGHT_DELIVERY_SWEEP_MS: '100' },
  });
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await smtp?.close();
});

async function snapshot(approvalId: string) {
  const { rows } = await server.db.query(
    `SELECT a.status, a.current_approvals, a.updated_at,
            (SELECT count(*)::int FROM approval_votes v WHERE v.approval_id = a.id) AS votes,
            (SELECT count(*)::int FROM events e WHERE e.approval_id = a.id) AS events,
            (SELECT count(*)::int FROM decision_links l WHERE l.approval_id = a.id AND l.used_at IS NOT NULL) AS used_links
       FROM approvals a WHERE a.id = $1`,
    [approvalId],
  );
  return rows[0];
}

async function mailed(priority: string) {
  const seed = await seedOrg(server.db);
  const admin = await signedIn(server, seed);
  await admin.http().put('/api/v1/org/step-up').send({ priorities: ['critical'], action_types: [] }).expect(200);
  const alice = await seed.addUser('approver', `alice-${seed.org.slug}@example.test`);
  const id = ((await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ priority })).expect(201)).body as { id: string }).id;
  await smtp.until(() => smtp.to(alice.email).length === 1);
  const text = smtp.to(alice.email)[0]!.text;
  return { seed, admin, id, approve: linkIn(text, 'Approve'), reject: linkIn(text, 'Reject') };
}

describe('email links on a request that needs a passkey step-up', () => {
  it('the confirmation page offers no button, decides nothing, and links to the request on the dashboard', async () => {
    const m = await mailed('critical');
    const before = await snapshot(m.id);
    for (const path of [m.approve, m.reject]) {
      const page = await supertest(server.url).get(path).expect(200);
      expect(page.text).toContain('Decide on the dashboard');
      expect(page.text).toContain(`href="${PUBLIC_URL}/requests/${m.id}"`);
      expect(page.text).not.toContain('<form');
      await expect(confirmationForm(server.url, path)).rejects.toThrow(/no confirmation form/);
    }
    expect(await snapshot(m.id)).toEqual(before);
    expect(before).toMatchObject({ status: 'pending', votes: 0, used_links: 0 });
  });

  it('a form opened before the setting covered the request decides nothing when pressed, and the link stays unused', async () => {
    const m = await mailed('high');
    const form = await confirmationForm(server.url, m.approve);
    await m.admin.http().put('/api/v1/org/step-up').send({ priorities: ['critical', 'high'], action_types: [] }).expect(200);
    const before = await snapshot(m.id);
    const pressed = await form.submit().expect(403);
    expect(pressed.text).toContain('Nothing was decided');
    expect(pressed.text).toContain(`href="${PUBLIC_URL}/requests/${m.id}"`);
    expect(await snapshot(m.id)).toEqual(before);
    expect(before).toMatchObject({ status: 'pending', votes: 0, used_links: 0 });
  });

  it('a request of another priority is decided by its link as before', async () => {
    const m = await mailed('high');
    const form = await confirmationForm(server.url, m.approve);
    await form.submit().expect(303);
    expect(await snapshot(m.id)).toMatchObject({ status: 'approved', votes: 1, used_links: 1 });
  });
});
