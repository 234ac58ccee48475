/**
 * Reminders and escalation with a shortened clock (policies in seconds), against a real SMTP server:
 * two timer workers on one database (on Postgres, two connection pools: two replicas' workers) fire
 * each timer once; nothing fires after the decision; the escalation target may decide afterwards.
 * The server's own timer poll is off (harness): the two workers below are the only ones.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type SeededOrg, type TestServer } from '../testing/harness.ts';
import { signedIn, type SignedIn } from '../testing/session.ts';
import { startSmtpServer, type TestSmtpServer } from '../testing/smtp.ts';
import { mailConfig, notificationsSettled } from '../testing/mail-world.ts';
import { openPostgres } from '../storage/postgres.ts';
import type { Database } from '../storage/database.ts';
import { fireDueTimers } from '../jobs/timers.ts';
import { confirmationForm, linkIn } from '../testing/decision-links.ts';
import { until } from '../testing/until.ts';

let server: TestServer;
let smtp: TestSmtpServer;
/** The databases the two timer workers use: separate pools on Postgres; the one PGlite otherwise. */
const replicas: Database[] = [];
let stopWorkers: () => Promise<void>;
/** What each worker fired, so a test can see both took part and no timer fired twice. */
let fired = 0;

beforeAll(async () => {
  smtp = await startSmtpServer();
  server = await startTestServer({ config: mailConfig(smtp) });
  if (server.databaseUrl) {
    for (let i = 0; i < 2; i++) replicas.push(await openPostgres({ connectionString: server.databaseUrl, max: 4 }));
  } else {
    replicas.push(server.db, server.db);
  }
  // Both workers poll every 50 ms, out of step, and race for the same due timers.
  let running = true;
  const loops = replicas.map(async (db, i) => {
    await new Promise((r) => setTimeout(r, i * 25));
    while (running) {
      const n = await fireDueTimers({ db, notify: true });
      fired += n;
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  stopWorkers = async () => {
    running = false;
    await Promise.all(loops);
  };
}, 60_000);

afterAll(async () => {
  await stopWorkers?.();
  if (server?.databaseUrl) await Promise.all(replicas.map((db) => db.close()));
  await server?.stop();
  await smtp?.close();
});

async function flowWith(seed: SeededOrg, admin: SignedIn, approverId: string, reminders: object): Promise<string> {
  const res = await admin
    .http()
    .post('/api/v1/flows')
    .send({ name: `Deploy ${Math.random()}`, steps: [{ approvers: { user_ids: [approverId] }, reminders }] })
    .expect(201);
  expect(res.body.steps[0].reminders).toEqual(reminders);
  return res.body.id as string;
}

async function timersOf(approvalId: string) {
  const { rows } = await server.db.query<{ kind: string; seq: number; fired: boolean; cancelled: boolean; outcome: string | null }>(
    `SELECT kind, seq, fired_at IS NOT NULL AS fired, cancelled_at IS NOT NULL AS cancelled, outcome FROM timers WHERE approval_id = $1 ORDER BY kind, seq`,
    [approvalId],
  );
  return rows;
}

const reminders = (address: string) => smtp.to(address).filter((m) => m.subject.includes('Reminder'));
const requests = (address: string) => smtp.to(address).filter((m) => !m.subject.includes('Reminder'));

it('a waiting step reminds its approver every second at most twice, then escalates; each timer fires once across two workers; the target decides', async () => {
  const seed = await seedOrg(server.db);
  const admin = await signedIn(server, seed);
  const alice = await signedIn(server, seed, 'approver');
  const bob = await signedIn(server, seed, 'approver');
  const flowId = await flowWith(seed, admin, alice.user.id, {
    remind: { after: '1s', every: '1s', max: 2 },
    escalate: { after: '4s', to: { user_id: bob.user.id } },
  });
  const a = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ flow_id: flowId })).expect(201)).body as { id: string };
  // Before the escalation (due 4 s after the create: asked at once, so a slow machine does not reach it),
  // bob is not asked and may not decide.
  const early = await bob.http().patch(`/api/v1/approvals/${a.id}`).send({ decision: 'approve' });
  expect(early.status).toBe(403);
  // A new version of the flow without a policy: the run keeps the version it started with.
  await admin.http().patch(`/api/v1/flows/${flowId}`).send({ steps: [{ approvers: { user_ids: [alice.user.id] } }] }).expect(200);
  await smtp.until(() => requests(alice.user.email).length === 1);

  await until(async () => (await timersOf(a.id)).filter((t) => t.fired).length === 3);
  await smtp.until(() => requests(bob.user.email).length === 1 && reminders(alice.user.email).length === 2);
  // Every timer has fired (a third reminder would be a row below, written when the second fired) and
  // what they queued has been sent: nothing more can come. A timer queues its message under a key of
  // its own, in the transaction that fires it: fired twice, it still queues one.
  await notificationsSettled(server, a.id);
  expect(reminders(alice.user.email)).toHaveLength(2);
  expect(requests(bob.user.email)).toHaveLength(1);
  expect(reminders(bob.user.email)).toHaveLength(0);
  expect(await timersOf(a.id)).toEqual([
    { kind: 'escalate', seq: 1, fired: true, cancelled: false, outcome: 'escalated: 1 people, 0 teams added' },
    { kind: 'remind', seq: 1, fired: true, cancelled: false, outcome: 'reminder queued' },
    { kind: 'remind', seq: 2, fired: true, cancelled: false, outcome: 'reminder queued' },
  ]);
  const m = reminders(alice.user.email)[0]!;
  expect(m.subject).toBe('[high] Reminder: approval still needed: Delete user account #4821');
  expect(m.text).toMatch(/Approve: https:\/\/greenlight\.example\.test\/decide\/[A-Za-z0-9_-]{43}\n/);

  // The escalation is in the request's trail and the org's audit log.
  const events = (await server.http(seed.key).get(`/api/v1/approvals/${a.id}/events`).expect(200)).body.data as { type: string; data: Record<string, unknown> }[];
  const escalated = events.filter((e) => e.type === 'step.escalated');
  expect(escalated).toHaveLength(1);
  expect(escalated[0]!.data).toMatchObject({ step_order: 1, to: { user_id: bob.user.id }, added_user_ids: [bob.user.id] });
  const audit = (await admin.http().get('/api/v1/audit-log?type=approval.escalated').expect(200)).body.data as { target: { id: string }; actor: { name: string } }[];
  expect(audit.map((e) => e.target.id)).toEqual([a.id]);
  expect(audit[0]!.actor.name).toBe('escalation');

  // The escalation target decides.
  const decided = await bob.http().patch(`/api/v1/approvals/${a.id}`).send({ decision: 'approve' }).expect(200);
  expect(decided.body.status).toBe('approved');
  expect(fired).toBeGreaterThanOrEqual(3);
});

it('no reminder or escalation fires after the decision: its timers are cancelled with it', async () => {
  const seed = await seedOrg(server.db);
  const admin = await signedIn(server, seed);
  const alice = await signedIn(server, seed, 'approver');
  const flowId = await flowWith(seed, admin, alice.user.id, { remind: { after: '2s', every: '1s', max: 5 }, escalate: { after: '2s', to: 'next_level' } });
  const a = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ title: 'Decided', flow_id: flowId })).expect(201)).body as { id: string };
  // Created after it on the same flow, left waiting: once its timers fire, the decided one's times have passed.
  const control = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ title: 'Still waiting', flow_id: flowId })).expect(201)).body as { id: string };
  await until(async () => (await timersOf(a.id)).length === 2);
  await alice.http().patch(`/api/v1/approvals/${a.id}`).send({ decision: 'reject' }).expect(200);
  expect(await timersOf(a.id)).toEqual([
    { kind: 'escalate', seq: 1, fired: false, cancelled: true, outcome: expect.stringMatching(/^(step|request) rejected$/) },
    { kind: 'remind', seq: 1, fired: false, cancelled: true, outcome: expect.stringMatching(/^(step|request) rejected$/) },
  ]);
  await until(async () => (await timersOf(control.id)).filter((t) => t.fired).length === 2);
  await notificationsSettled(server, control.id);
  await notificationsSettled(server, a.id);
  expect(reminders(alice.user.email).filter((m) => m.subject.endsWith(': Still waiting')).length).toBeGreaterThanOrEqual(1);
  expect(reminders(alice.user.email).filter((m) => m.subject.endsWith(': Decided'))).toHaveLength(0);
  expect(smtp.to(seed.admin.email).filter((m) => m.subject.endsWith(': Decided'))).toHaveLength(0);
  expect((await timersOf(a.id)).every((t) => !t.fired)).toBe(true);
  await server.http(seed.key).delete(`/api/v1/approvals/${control.id}`).expect(200);
});

it('a cancelled request and one without steps: the org default reminds everyone asked who has not voted, until it is cancelled', async () => {
  const seed = await seedOrg(server.db);
  const admin = await signedIn(server, seed);
  const alice = await seed.addUser('approver');
  await admin
    .http()
    .patch('/api/v1/org/notification-defaults')
    .send({ reminder_policy: { remind: { after: '1s', every: '1s', max: 10 } } })
    .expect(200);
  const a = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ title: 'Cancelled' })).expect(201)).body as { id: string };
  const aboutA = (address: string) => reminders(address).filter((m) => m.subject.endsWith(': Cancelled'));
  await smtp.until(() => aboutA(alice.email).length >= 1 && aboutA(seed.admin.email).length >= 1);
  await server.http(seed.key).delete(`/api/v1/approvals/${a.id}`).expect(200);
  // A message already being handed to the SMTP server when the request was cancelled may still land.
  await notificationsSettled(server, a.id);
  const after = aboutA(alice.email).length;
  const rows = await timersOf(a.id);
  expect(rows.filter((t) => !t.fired).every((t) => t.cancelled && t.outcome === 'request cancelled')).toBe(true);
  // A request created after the cancellation, on the same default: its first reminder comes after the
  // cancelled one's next would have.
  const control = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ title: 'Control' })).expect(201)).body as { id: string };
  await until(async () => (await timersOf(control.id)).some((t) => t.fired));
  await notificationsSettled(server, control.id);
  await notificationsSettled(server, a.id);
  expect(reminders(alice.email).filter((m) => m.subject.endsWith(': Control')).length).toBeGreaterThanOrEqual(1);
  // A reminder queued just before the cancellation is not sent after it (the request is no longer pending).
  expect(aboutA(alice.email).length).toBe(after);
  await server.http(seed.key).delete(`/api/v1/approvals/${control.id}`).expect(200);
});

it("a routed request follows its rule's policy: the rule's reminders for its approvers; a flow step without a policy falls back to the org's default", async () => {
  const seed = await seedOrg(server.db);
  const admin = await signedIn(server, seed);
  const alice = await signedIn(server, seed, 'approver');
  const carol = await signedIn(server, seed, 'approver');
  const flow = await admin
    .http()
    .post('/api/v1/flows')
    .send({ name: `Invoices ${Math.random()}`, steps: [{ approvers: { user_ids: [carol.user.id] } }] })
    .expect(201);
  await admin.http().patch('/api/v1/org/notification-defaults').send({ reminder_policy: { remind: { after: '1s' } } }).expect(200);
  const rules = await admin
    .http()
    .put('/api/v1/routing-rules')
    .send({
      rules: [
        { name: 'Deploys', match: { action_type: 'deploy.*' }, action: { approvers: { user_ids: [alice.user.id] }, reminders: { remind: { after: '1s', every: '1s', max: 2 } } } },
        { name: 'Invoices', match: { action_type: 'invoice.*' }, action: { flow_id: flow.body.id } },
      ],
    })
    .expect(200);
  expect(rules.body.rules[0].action.reminders).toEqual({ remind: { after: '1s', every: '1s', max: 2 } });

  const deploy = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ action_type: 'deploy.production' })).expect(201)).body;
  expect(deploy.routing).toMatchObject({ rule_name: 'Deploys', reminders: { remind: { after: '1s', every: '1s', max: 2 } } });
  const invoice = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ action_type: 'invoice.pay' })).expect(201)).body;
  expect(invoice.routing).toMatchObject({ rule_name: 'Invoices', reminders: null });

  // The rule's policy: two reminders to alice. The flow step has none: the org's one reminder to carol.
  await smtp.until(() => reminders(alice.user.email).length === 2 && reminders(carol.user.email).length === 1);
  // No third reminder to alice nor second to carol is due: a next one is a row written when the last fired.
  expect((await timersOf(deploy.id)).map((t) => t.outcome)).toEqual(['reminder queued', 'reminder queued']);
  expect((await timersOf(invoice.id)).map((t) => t.outcome)).toEqual(['reminder queued']);
  await notificationsSettled(server, deploy.id);
  await notificationsSettled(server, invoice.id);
  expect(reminders(alice.user.email)).toHaveLength(2);
  expect(reminders(carol.user.email)).toHaveLength(1);
});

it('an escalation to a team, or to the next level (the admins): the newly asked are told, may decide, and it is in the trail', async () => {
  const seed = await seedOrg(server.db);
  const admin = await signedIn(server, seed);
  const alice = await signedIn(server, seed, 'approver');
  const bob = await seed.addUser('approver');
  const carol = await seed.addUser('approver');
  const team = (await admin.http().post('/api/v1/teams').send({ name: 'Backup', member_ids: [bob.id, carol.id] }).expect(201)).body as { id: string };
  const toTeam = await flowWith(seed, admin, alice.user.id, { escalate: { after: '1s', to: { team_id: team.id } } });
  const toAdmins = await flowWith(seed, admin, alice.user.id, { escalate: { after: '1s', to: 'next_level' } });
  const a = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ title: 'To the team', flow_id: toTeam })).expect(201)).body as { id: string };
  const b = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ title: 'To the admins', flow_id: toAdmins })).expect(201)).body as { id: string };
  const about = (address: string, title: string) => requests(address).filter((m) => m.subject.endsWith(`: ${title}`));

  await smtp.until(() => about(bob.email, 'To the team').length === 1 && about(carol.email, 'To the team').length === 1 && about(seed.admin.email, 'To the admins').length === 1);
  const firedOnce = async (id: string) => (await timersOf(id)).filter((t) => t.fired).length === 1;
  await until(async () => (await firedOnce(a.id)) && (await firedOnce(b.id)));
  await notificationsSettled(server, a.id);
  await notificationsSettled(server, b.id);
  // Each escalation told only the people it added, once.
  expect(about(bob.email, 'To the team')).toHaveLength(1);
  expect(about(carol.email, 'To the team')).toHaveLength(1);
  expect(about(seed.admin.email, 'To the team')).toHaveLength(0);
  expect(about(seed.admin.email, 'To the admins')).toHaveLength(1);
  expect(about(bob.email, 'To the admins')).toHaveLength(0);

  const trail = async (id: string) =>
    ((await server.http(seed.key).get(`/api/v1/approvals/${id}/events`).expect(200)).body.data as { type: string; data: Record<string, unknown> }[]).filter((e) => e.type === 'step.escalated');
  expect((await trail(a.id)).map((e) => e.data)).toEqual([expect.objectContaining({ to: { team_id: team.id }, added_team_ids: [team.id], added_user_ids: [] })]);
  expect((await trail(b.id)).map((e) => e.data)).toEqual([expect.objectContaining({ to: 'next_level', added_user_ids: [seed.admin.id] })]);
  const audit = (await admin.http().get('/api/v1/audit-log?type=approval.escalated').expect(200)).body.data as { target: { id: string } }[];
  expect(audit.map((e) => e.target.id).sort()).toEqual([a.id, b.id].sort());

  // Carol decides from her email's link; the admin from the dashboard.
  await (await confirmationForm(server.url, linkIn(about(carol.email, 'To the team')[0]!.text, 'Approve'))).submit().expect(303);
  expect((await server.http(seed.key).get(`/api/v1/approvals/${a.id}`).expect(200)).body).toMatchObject({ status: 'approved', decided_by: carol.id });
  await admin.http().patch(`/api/v1/approvals/${b.id}`).send({ decision: 'reject', comment: 'escalated to me' }).expect(200);
  expect((await server.http(seed.key).get(`/api/v1/approvals/${b.id}`).expect(200)).body).toMatchObject({ status: 'rejected', decided_by: seed.admin.id });
});

it('steps named after the create replace what the request waits on: the replaced timers go, the new step is reminded, the people no longer asked are not', async () => {
  const seed = await seedOrg(server.db);
  const admin = await signedIn(server, seed);
  const alice = await seed.addUser('approver');
  const bob = await seed.addUser('approver');
  const carol = await seed.addUser('approver');
  await admin
    .http()
    .patch('/api/v1/org/notification-defaults')
    .send({ reminder_policy: { remind: { after: '1s', every: '1s', max: 20 } } })
    .expect(200);
  const a = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201)).body as { id: string };
  // No steps: everyone who may decide is reminded (step 0).
  await smtp.until(() => reminders(alice.email).length >= 1);

  // Steps named now: bob's step 1. Step 0's timers stop; bob is reminded, alice no longer.
  await server.http(seed.key).post(`/api/v1/approvals/${a.id}/steps`).send({ steps: [{ step_order: 1, approver_id: bob.id }] }).expect(201);
  await smtp.until(() => reminders(bob.email).length >= 2);
  await notificationsSettled(server, a.id);
  const aliceAfterSteps = reminders(alice.email).length;
  const rows = await server.db.query<{ step_order: number; fired: boolean; outcome: string | null }>(
    'SELECT step_order, fired_at IS NOT NULL AS fired, outcome FROM timers WHERE approval_id = $1 AND cancelled_at IS NULL AND fired_at IS NULL',
    [a.id],
  );
  expect(rows.rows.map((t) => t.step_order)).toEqual([1]);

  // Step 1 replaced again, now asking carol: bob's timers (fired ones too) go with his step, carol's step 1 is reminded.
  await server.http(seed.key).post(`/api/v1/approvals/${a.id}/steps`).send({ steps: [{ step_order: 1, approver_id: carol.id }] }).expect(201);
  await smtp.until(() => reminders(carol.email).length >= 2);
  await notificationsSettled(server, a.id);
  const bobAfter = reminders(bob.email).length;
  // Carol's next reminder: a second of bob's every-second reminders would have come by then.
  const carolNow = reminders(carol.email).length;
  await smtp.until(() => reminders(carol.email).length > carolNow);
  await notificationsSettled(server, a.id);
  expect(reminders(bob.email)).toHaveLength(bobAfter);
  expect(reminders(alice.email)).toHaveLength(aliceAfterSteps);
  await server.http(seed.key).delete(`/api/v1/approvals/${a.id}`).expect(200);
});
