/**
 * Reminder and escalation timers on two real server processes sharing one Postgres, with a shortened
 * clock (policies in seconds, each process polling its timers every 100 ms), against a real SMTP
 * server: every timer fires once (each reminder and escalation reaches the mailbox once), none fires
 * for a request decided first, and a timer that came due while every server was down (SIGKILL) fires
 * once when one starts again. Postgres only (PGlite is one process by design): runs when
 * GREENLIGHT_TEST_DATABASE_URL is set.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, openTestDatabase, seedOrg, TEST_DATABASE_URL, TEST_SECRET_KEY, type TestDatabase, type TestServer } from '../testing/harness.ts';
import { spawnServer, type SpawnedServer } from '../testing/spawn-server.ts';
import { startSmtpServer, type TestSmtpServer } from '../testing/smtp.ts';
import { sessionFor, type SignedIn } from '../testing/session.ts';
import { createSession } from '../modules/users/sessions.ts';
import { until } from '../testing/until.ts';

const WAITING = 10;
const DECIDED = 4;

describe.skipIf(!TEST_DATABASE_URL)('timers on two processes sharing one Postgres', () => {
  let postgres: TestDatabase;
  let smtp: TestSmtpServer;
  let dataDir: string;
  const processes: SpawnedServer[] = [];

  const env = () => ({
    DATABASE_URL: postgres.url!,
    GREENLIGHT_DATA_DIR: dataDir,
    GREENLIGHT_SECRET_KEY: TEST_SECRET_KEY,
    GREENLIGHT_SMTP_URL: smtp.url,
    GREENLIGHT_MAIL_FROM: 'greenlight@timers.test',
    GREENLIGHT_PUBLIC_URL: 'https://greenlight.example.test',
    GREENLIGHT_TIMER_POLL_MS: '100',
    GREENLIGHT_DELIVERY_SWEEP_MS: '200',
    GREENLIGHT_DELIVERY_SCHEDULE: '0,200ms,200ms',
  });

  beforeAll(async () => {
    smtp = await startSmtpServer();
    postgres = await openTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'greenlight-timers-'));
    processes.push(...(await Promise.all([spawnServer(env()), spawnServer(env())])));
  }, 90_000);

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.kill()));
    await smtp?.close();
    await postgres?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  /** A member's session against one process (sessions live in the shared database). */
  const sessionAt = async (p: SpawnedServer, orgId: string, user: { id: string; email: string }): Promise<SignedIn> =>
    sessionFor({ url: p.url } as TestServer, user, await createSession(postgres.db, user.id, orgId));

  const mails = (address: string, title: string, kind: 'request' | 'reminder') =>
    smtp.to(address).filter((m) => m.subject.endsWith(`: ${title}`) && m.subject.includes('Reminder') === (kind === 'reminder'));

  async function timersOf(approvalId: string) {
    const { rows } = await postgres.db.query<{ kind: string; seq: number; fired: boolean; cancelled: boolean }>(
      `SELECT kind, seq, fired_at IS NOT NULL AS fired, cancelled_at IS NOT NULL AS cancelled FROM timers WHERE approval_id = $1 ORDER BY kind, seq`,
      [approvalId],
    );
    return rows;
  }

  it('each reminder and escalation fires once across both processes, none after a decision; one due while every server was down fires once on the next start', async () => {
    const seed = await seedOrg(postgres.db, 'Timers');
    const alice = await seed.addUser('approver');
    const bob = await seed.addUser('approver');
    const [one, two] = processes as [SpawnedServer, SpawnedServer];
    const admin = await sessionAt(one, seed.org.id, seed.admin);
    const flow = async (reminders: object) =>
      (await admin.http().post('/api/v1/flows').send({ name: `Flow ${Math.random()}`, steps: [{ approvers: { user_ids: [alice.id] }, reminders }] }).expect(201)).body.id as string;
    const remindAndEscalate = await flow({ remind: { after: '1s', every: '1s', max: 2 }, escalate: { after: '3s', to: { user_id: bob.id } } });
    // The requests decided at once have the same timers later: under a loaded machine a create and a
    // decision can take over a second, and a reminder due before the decision is rightly sent.
    const DECIDED_AFTER_S = 6;
    const remindAndEscalateLater = await flow({ remind: { after: `${DECIDED_AFTER_S}s`, every: '1s', max: 2 }, escalate: { after: `${DECIDED_AFTER_S + 2}s`, to: { user_id: bob.id } } });
    // Requests made through either process, alternately.
    const create = async (i: number, title: string, flowId: string) =>
      (await supertest((i % 2 === 0 ? one : two).url).post('/api/v1/approvals').set('Authorization', `Bearer ${seed.key}`).send(approvalBody({ title, flow_id: flowId })).expect(201)).body
        .id as string;

    const waiting: { id: string; title: string }[] = [];
    const decided: { id: string; title: string }[] = [];
    const asAlice = await sessionAt(two, seed.org.id, alice);
    for (let i = 0; i < WAITING + DECIDED; i++) {
      const title = `Timer request #${String(i).padStart(2, '0')}`;
      const id = await create(i, title, i < DECIDED ? remindAndEscalateLater : remindAndEscalate);
      if (i < DECIDED) {
        // Decided at once: before its timers were written, or after (then cancelled with the decision).
        await asAlice.http().patch(`/api/v1/approvals/${id}`).send({ decision: 'approve' }).expect(200);
        decided.push({ id, title });
      } else {
        waiting.push({ id, title });
      }
    }

    await until(() => waiting.every((r) => mails(alice.email, r.title, 'reminder').length === 2 && mails(bob.email, r.title, 'request').length === 1), 30_000);
    await until(async () => {
      for (const r of waiting) if ((await timersOf(r.id)).filter((t) => t.fired).length < 3) return false;
      return true;
    }, 30_000);
    // Each decided request was decided before its first timer was due, so none may fire.
    const { rows: decidedTimes } = await postgres.db.query<{ early: boolean; past_ms: number }>(
      `SELECT decided_at < created_at + make_interval(secs => $2) AS early,
              (extract(epoch FROM created_at + make_interval(secs => $2 + 2) - now()) * 1000)::int AS past_ms
         FROM approvals WHERE id = ANY($1::uuid[])`,
      [decided.map((r) => r.id), DECIDED_AFTER_S],
    );
    expect(decidedTimes.map((r) => r.early)).toEqual(decided.map(() => true));
    // Past every timer's time (the decided requests' escalation too), both processes still polling: nothing more.
    await new Promise((r) => setTimeout(r, Math.max(2000, ...decidedTimes.map((r) => r.past_ms + 1000))));
    for (const r of waiting) {
      expect(mails(alice.email, r.title, 'request')).toHaveLength(1);
      expect(mails(alice.email, r.title, 'reminder')).toHaveLength(2);
      expect(mails(bob.email, r.title, 'request')).toHaveLength(1);
      expect(mails(bob.email, r.title, 'reminder')).toHaveLength(0);
      expect(await timersOf(r.id)).toEqual([
        { kind: 'escalate', seq: 1, fired: true, cancelled: false },
        { kind: 'remind', seq: 1, fired: true, cancelled: false },
        { kind: 'remind', seq: 2, fired: true, cancelled: false },
      ]);
    }
    for (const r of decided) {
      expect(mails(alice.email, r.title, 'reminder')).toHaveLength(0);
      expect(smtp.to(bob.email).filter((m) => m.subject.endsWith(`: ${r.title}`))).toHaveLength(0);
      expect((await timersOf(r.id)).some((t) => t.fired)).toBe(false);
    }
    // No message went out twice, and both processes sent some of them.
    expect(new Set(smtp.received.map((m) => m.messageId)).size).toBe(smtp.received.length);
    const { rows: workers } = await postgres.db.query<{ worker: string }>(
      `SELECT DISTINCT t.worker FROM delivery_attempts t JOIN deliveries d ON d.id = t.delivery_id WHERE d.org_id = $1 AND d.channel = 'email'`,
      [seed.org.id],
    );
    expect(workers.map((w) => Number(w.worker.split(':').pop())).sort()).toEqual(processes.map((p) => p.child.pid!).sort());

    // Due while every server is down: a reminder in 3 s, both processes killed before it.
    const later = await flow({ remind: { after: '3s' } });
    const titles = ['Down #1', 'Down #2', 'Down #3'];
    const downIds = await Promise.all(titles.map((t, i) => create(i, t, later)));
    await until(() => titles.every((t) => mails(alice.email, t, 'request').length === 1), 30_000);
    await until(async () => {
      for (const id of downIds) if ((await timersOf(id)).length !== 1) return false;
      return true;
    }, 30_000);
    await Promise.all(processes.map((p) => p.kill()));
    const { rows: due } = await postgres.db.query<{ ms: number }>(`SELECT (extract(epoch FROM max(fire_at) - now()) * 1000)::int AS ms FROM timers WHERE approval_id = ANY($1::uuid[])`, [downIds]);
    await new Promise((r) => setTimeout(r, Math.max(0, due[0]!.ms) + 500));
    expect(titles.every((t) => mails(alice.email, t, 'reminder').length === 0)).toBe(true);

    const restarted = await spawnServer(env());
    processes.push(restarted);
    await until(() => titles.every((t) => mails(alice.email, t, 'reminder').length === 1), 30_000);
    await new Promise((r) => setTimeout(r, 1500));
    for (const [i, t] of titles.entries()) {
      expect(mails(alice.email, t, 'reminder')).toHaveLength(1);
      expect(await timersOf(downIds[i]!)).toEqual([{ kind: 'remind', seq: 1, fired: true, cancelled: false }]);
    }
  }, 180_000);
});
