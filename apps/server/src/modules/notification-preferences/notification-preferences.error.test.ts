/** Bad preferences and policies get a 400 naming the field; who may change what is in the security test. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { signedIn, type SignedIn } from '../../testing/session.ts';

let server: TestServer;
let seed: SeededOrg;
let admin: SignedIn;

beforeAll(async () => {
  server = await startTestServer();
  seed = await seedOrg(server.db);
  admin = await signedIn(server, seed);
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

describe('PATCH /me/notification-preferences', () => {
  it.each([
    [{}, 'nothing to change'],
    [{ channels: 'pigeon' }, 'channels'],
    [{ time_zone: 'Mars/Olympus' }, 'an IANA time zone such as Europe/Berlin or UTC'],
    [{ quiet_hours: { start: '25:00', end: '07:00' } }, 'a time of day as HH:MM (24 h)'],
    [{ quiet_hours: { start: '07:00', end: '07:00' } }, 'start and end must differ'],
    [{ digest_hour: 24 }, 'digest_hour'],
    [{ use_org_defaults: true, channels: 'email' }, 'use_org_defaults comes alone'],
    [{ status: 'x' }, 'status'],
    [{ by_kind: { reminder: ['pigeon'] } }, 'by_kind.reminder.0'],
    [{ by_kind: { reminder: ['email', 'email'] } }, 'each channel at most once'],
    [{ by_kind: { smoke_signal: ['email'] } }, 'smoke_signal'],
    [{ by_kind: { digest: 'email' } }, 'by_kind.digest'],
  ])('%j → 400', async (body, words) => {
    const res = await admin.http().patch('/api/v1/me/notification-preferences').send(body);
    expect(res.status, res.text).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
    expect(JSON.stringify(res.body.error)).toContain(words);
  });

  it('nothing is stored by a refused change', async () => {
    await admin.http().patch('/api/v1/me/notification-preferences').send({ time_zone: 'Nowhere/Land' }).expect(400);
    expect((await admin.http().get('/api/v1/me/notification-preferences').expect(200)).body.own).toBe(false);
  });
});

describe('PATCH /org/notification-defaults', () => {
  it.each([
    [{ reminder_policy: { remind: { after: '0s' } } }, 'a duration such as 90s, 30m, 4h or 2d'],
    [{ reminder_policy: { remind: { after: '5w' } } }, 'a duration such as 90s, 30m, 4h or 2d'],
    [{ reminder_policy: { remind: { after: '91d' } } }, 'at most 90 days'],
    [{ reminder_policy: { remind: { after: '1h', max: 21 } } }, 'max'],
    [{ reminder_policy: { escalate: { after: '1h', to: 'the boss' } } }, 'to'],
    [{ reminder_policy: { escalate: { after: '1h', to: { user_id: randomUUID() } } } }, 'reminder_policy.escalate.to.approver_id: approver_id'],
    [{ reminder_policy: { escalate: { after: '1h', to: { team_id: randomUUID() } } } }, 'reminder_policy.escalate.to.team_id: team_id'],
    [{ preferences: { channels: 'fax' } }, 'channels'],
  ])('%j → 400', async (body, words) => {
    const res = await admin.http().patch('/api/v1/org/notification-defaults').send(body);
    expect(res.status, res.text).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
    expect(JSON.stringify(res.body.error)).toContain(words);
  });

  it("another org's member is not an escalation target", async () => {
    const other = await seedOrg(server.db);
    const res = await admin
      .http()
      .patch('/api/v1/org/notification-defaults')
      .send({ reminder_policy: { escalate: { after: '1h', to: { user_id: other.admin.id } } } });
    expect(res.status).toBe(400);
    expect((await admin.http().get('/api/v1/org/notification-defaults').expect(200)).body.reminder_policy).toBeNull();
  });
});

describe('flow steps', () => {
  it('a bad policy or an escalation target outside the org is refused, naming the step', async () => {
    const alice = await seed.addUser('approver');
    const other = await seedOrg(server.db);
    const bad = await admin
      .http()
      .post('/api/v1/flows')
      .send({ name: 'Bad', steps: [{ approvers: { user_ids: [alice.id] }, reminders: { remind: { after: 'soon' } } }] });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.error)).toContain('steps');
    const outside = await admin
      .http()
      .post('/api/v1/flows')
      .send({ name: 'Outside', steps: [{ approvers: { user_ids: [alice.id] }, reminders: { escalate: { after: '1h', to: { user_id: other.admin.id } } } }] });
    expect(outside.status).toBe(400);
    expect(outside.body.error.message).toContain('steps.0.reminders.escalate.to');
  });
});
