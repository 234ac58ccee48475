/**
 * Dead-waiter detection, end to end on a real server with its probe job running (short intervals):
 * a callback target that answers 410 to the probe's HEAD, or refuses connections past the threshold,
 * flags the pending request (`waiter.state: gone` in the API), delivers `approval.waiter_gone` to a
 * subscription (verified with the standardwebhooks package) and emails the requester (a real SMTP
 * server); one that answers is never flagged; one that comes back clears the flag; the request is
 * then cancelled in one call; a decision's callback answered 410 is recorded on the request too.
 */
import { Webhook } from 'standardwebhooks';
import { afterAll, describe, expect, it } from 'vitest';
import { Approval, WebhookPayload } from '@greenlight/contract';
import { approvalBody, seedOrg, type SeededOrg, type TestServer } from '../testing/harness.ts';
import { notificationsSettled, useMailServer } from '../testing/mail-world.ts';
import { receiverPool, startReceiver, type TestReceiver } from '../testing/receiver.ts';
import { sessionOf } from '../testing/session.ts';
import type { TestSmtpServer } from '../testing/smtp.ts';
import { createConnection } from '../modules/connections/connections.ts';
import { until } from '../testing/until.ts';

let server: TestServer;
let smtp: TestSmtpServer;
const { receiver, closeReceivers } = receiverPool();

const GONE_AFTER_MS = 1500;
useMailServer((s, m) => ([server, smtp] = [s, m]), {
  GREENLIGHT_CALLBACK_ALLOW_CIDRS: '127.0.0.0/8',
  GREENLIGHT_WAITER_PROBE_AFTER_MS: '150',
  GREENLIGHT_WAITER_PROBE_MAX_MS: '300',
  GREENLIGHT_WAITER_GONE_AFTER_MS: String(GONE_AFTER_MS),
  GREENLIGHT_WAITER_POLL_MS: '50',
  GREENLIGHT_DELIVERY_TIMEOUT_MS: '1000',
});
afterAll(async () => {
  await closeReceivers();
});


/** An org whose automation's key was issued by Dana (an admin): she is the person behind its requests. */
async function orgWithRequester(): Promise<{ seed: SeededOrg; dana: { id: string; email: string }; key: string }> {
  const seed = await seedOrg(server.db, 'Waiters Inc');
  const dana = await seed.addUser('admin');
  const { apiKey } = await createConnection(server.db, { orgId: seed.org.id, name: 'nightly-job', rateLimit: 10_000, createdByUserId: dana.id });
  return { seed, dana, key: apiKey };
}

const getApproval = async (key: string, id: string) => Approval.parse((await server.http(key).get(`/api/v1/approvals/${id}`).expect(200)).body);
const waiterOf = async (key: string, id: string) => (await getApproval(key, id)).waiter;
const goneMail = (address: string) => smtp.to(address).filter((m) => m.subject.startsWith('Nobody is waiting for this answer'));

describe('a pending request whose waiter is gone', () => {
  it('410 to the probe: flagged at once, the event signed to a subscription, the requester emailed; cancelled in one call', async () => {
    const { seed, dana, key } = await orgWithRequester();
    const hooks = await receiver();
    const sub = await server.http(seed.key).post('/api/v1/webhooks').send({ url: `${hooks.url}/hooks`, events: ['approval.waiter_gone'] }).expect(201);
    const target = await receiver(() => ({ status: 410 }));
    const created = await server
      .http(key)
      .post('/api/v1/approvals')
      .send(approvalBody({ title: 'Rotate <prod> keys', callback_url: `${target.url}/resume/42`, callback_headers: { 'X-Resume-Token': 'tok-1' } }))
      .expect(201);
    const id = created.body.id as string;
    expect(created.body.waiter).toEqual({ state: 'unknown', reason: null, since: null, checked_at: null });

    const waiter = await until(async () => {
      const w = await waiterOf(key, id);
      return w?.state === 'gone' ? w : undefined;
    });
    expect(waiter.reason).toBe('the callback target answered 410 Gone');
    expect(Date.parse(waiter.since!)).toBeGreaterThan(Date.parse(created.body.created_at));
    expect(waiter.checked_at).not.toBeNull();
    // The probe was a HEAD to the callback URL with the callback headers; nothing was POSTed.
    expect(target.received.length).toBeGreaterThanOrEqual(1);
    expect(target.received.every((r) => r.method === 'HEAD')).toBe(true);
    expect(target.received[0]!.headers['x-resume-token']).toBe('tok-1');

    // The subscription gets approval.waiter_gone, signed like every event.
    const got = await until(() => hooks.received.find((r) => r.body.includes(id)));
    const payload = WebhookPayload.parse(new Webhook(sub.body.secret).verify(got.body, got.headers as Record<string, string>));
    expect(payload.type).toBe('approval.waiter_gone');
    expect(payload.data.approval).toMatchObject({ id, status: 'pending', waiter: { state: 'gone', reason: 'the callback target answered 410 Gone' } });

    // Dana, behind the key that asked, is told; the org's first admin is not.
    await smtp.until(() => goneMail(dana.email).length === 1);
    await notificationsSettled(server, id);
    const mail = goneMail(dana.email)[0]!;
    expect(mail.subject).toBe('Nobody is waiting for this answer: Rotate <prod> keys');
    expect(mail.text).toContain('no longer waits for its answer: the callback target answered 410 Gone.');
    expect(mail.text).toContain(`Open (and cancel) in Greenlight: https://greenlight.example.test/requests/${id}`);
    expect(mail.html).toContain('Rotate &lt;prod&gt; keys');
    expect(goneMail(seed.admin.email)).toHaveLength(0);

    // The audit trail says so, and the flag is told once however many probes follow.
    await new Promise((r) => setTimeout(r, 700));
    const events = (await server.http(key).get(`/api/v1/approvals/${id}/events`).expect(200)).body.data as { type: string; actor: { type: string } }[];
    expect(events.filter((e) => e.type === 'approval.waiter_gone')).toHaveLength(1);
    expect(goneMail(dana.email)).toHaveLength(1);

    // One click on the page is the existing cancel, by Dana signed in (an admin of the org).
    const danaSession = await sessionOf(server, seed, dana);
    const cancelled = await danaSession.http().delete(`/api/v1/approvals/${id}`).expect(200);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', waiter: { state: 'gone' } });
    // No probe after the request left pending.
    const probesThen = target.received.filter((r) => r.method === 'HEAD').length;
    await new Promise((r) => setTimeout(r, 700));
    expect(target.received.filter((r) => r.method === 'HEAD').length).toBeLessThanOrEqual(probesThen + 1);
    const { rows } = await server.db.query<{ done: boolean }>('SELECT done_at IS NOT NULL AS done FROM waiter_probes WHERE approval_id = $1', [id]);
    expect(rows[0]!.done).toBe(true);
  });

  it('a target refusing connections is flagged only once it has been unreachable past the threshold, "since" its first silence', async () => {
    const { key, dana } = await orgWithRequester();
    const closed = await startReceiver();
    const url = `${closed.url}/hook`;
    await closed.close(); // nothing listens there any more: connection refused
    const t0 = Date.now();
    const id = (await server.http(key).post('/api/v1/approvals').send(approvalBody({ callback_url: url })).expect(201)).body.id as string;

    // Probed, refused, but not yet gone.
    await until(async () => {
      const { rows } = await server.db.query<{ n: number }>('SELECT probes AS n FROM waiter_probes WHERE approval_id = $1 AND unreachable_since IS NOT NULL', [id]);
      return rows[0] && rows[0].n >= 1 ? true : undefined;
    });
    if (Date.now() - t0 < GONE_AFTER_MS - 300) expect((await waiterOf(key, id))?.state).toBe('unknown');

    const waiter = await until(async () => {
      const w = await waiterOf(key, id);
      return w?.state === 'gone' ? w : undefined;
    });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(GONE_AFTER_MS);
    expect(waiter.reason).toMatch(/^the callback target has not answered since \S+ \(connection refused\)$/);
    const { rows } = await server.db.query<{ since: Date }>('SELECT unreachable_since AS since FROM waiter_probes WHERE approval_id = $1', [id]);
    expect(Date.parse(waiter.since!)).toBe(rows[0]!.since.getTime());
    await smtp.until(() => goneMail(dana.email).some((m) => m.text.includes('has not answered since')));
  });

  it('a target that answers (405 to HEAD, 200, 500) is someone there: never flagged, never POSTed to', async () => {
    const { key } = await orgWithRequester();
    const answers = [405, 200, 500];
    const ids: string[] = [];
    const targets: TestReceiver[] = [];
    for (const status of answers) {
      const t = await receiver(() => ({ status }));
      targets.push(t);
      ids.push((await server.http(key).post('/api/v1/approvals').send(approvalBody({ callback_url: `${t.url}/wait` })).expect(201)).body.id as string);
    }
    await until(() => (targets.every((t) => t.received.length >= 3) ? true : undefined));
    for (const [i, id] of ids.entries()) {
      const w = await waiterOf(key, id);
      expect(w).toMatchObject({ state: 'present', reason: `the callback target answered ${answers[i]}` });
      expect(targets[i]!.received.every((r) => r.method === 'HEAD')).toBe(true);
    }
    const events = (await server.http(key).get(`/api/v1/approvals/${ids[0]}/events`).expect(200)).body.data as { type: string }[];
    expect(events.map((e) => e.type)).toEqual(['approval.created']);
  });

  it('a waiter that answers again clears the flag (approval.waiter_returned)', async () => {
    const { key } = await orgWithRequester();
    let status = 404;
    const t = await receiver(() => ({ status }));
    const id = (await server.http(key).post('/api/v1/approvals').send(approvalBody({ callback_url: `${t.url}/callbacks/7` })).expect(201)).body.id as string;
    const gone = await until(async () => {
      const w = await waiterOf(key, id);
      return w?.state === 'gone' ? w : undefined;
    });
    expect(gone.reason).toBe('the callback target answered 404 Not Found');
    status = 204;
    const back = await until(async () => {
      const w = await waiterOf(key, id);
      return w?.state === 'present' ? w : undefined;
    });
    expect(back.reason).toBe('the callback target answered 204');
    const list = (await server.http(key).get(`/api/v1/approvals?status=pending`).expect(200)).body.data as Approval[];
    expect(list.find((a) => a.id === id)?.waiter?.state).toBe('present');
    const events = (await server.http(key).get(`/api/v1/approvals/${id}/events`).expect(200)).body.data as { type: string }[];
    expect(events.map((e) => e.type)).toEqual(['approval.created', 'approval.waiter_gone', 'approval.waiter_returned']);
  });

  it('without a callback, waited on by long poll: flagged once nobody has waited past the threshold; a wait that comes back clears it', async () => {
    const { key, dana } = await orgWithRequester();
    const id = (await server.http(key).post('/api/v1/approvals').send(approvalBody({ title: 'Run the migration' })).expect(201)).body.id as string;
    expect(await waiterOf(key, id)).toBeNull();
    const waited = await server.http(key).get(`/api/v1/approvals/${id}/wait?timeout=1`).expect(200);
    expect(waited.body).toMatchObject({ timed_out: true, waiter: { state: 'present', reason: 'waited on by long poll' } });
    const left = Date.now();

    const gone = await until(async () => {
      const w = await waiterOf(key, id);
      return w?.state === 'gone' ? w : undefined;
    });
    expect(Date.now() - left).toBeGreaterThanOrEqual(GONE_AFTER_MS - 100);
    expect(gone.reason).toMatch(/^nobody has waited for the answer by long poll since \S+$/);
    await smtp.until(() => goneMail(dana.email).some((m) => m.subject === 'Nobody is waiting for this answer: Run the migration'));

    // The script comes back and waits again: the flag is cleared.
    const again = await server.http(key).get(`/api/v1/approvals/${id}/wait?timeout=1`).expect(200);
    expect(again.body.waiter).toMatchObject({ state: 'present' });
    const events = (await server.http(key).get(`/api/v1/approvals/${id}/events`).expect(200)).body.data as { type: string }[];
    expect(events.map((e) => e.type)).toEqual(['approval.created', 'approval.waiter_gone', 'approval.waiter_returned']);
  });

  it("a decision's callback answered 410 says on the request that nobody was waiting (no email: it is decided)", async () => {
    const { seed, key, dana } = await orgWithRequester();
    const t = await receiver((r) => ({ status: r.method === 'POST' ? 410 : 200 }));
    const id = (await server.http(key).post('/api/v1/approvals').send(approvalBody({ callback_url: `${t.url}/cb` })).expect(201)).body.id as string;
    await server.http(seed.key).patch(`/api/v1/approvals/${id}`).send({ decision: 'approve' }).expect(200);
    const w = await until(async () => {
      const x = await waiterOf(key, id);
      return x?.state === 'gone' ? x : undefined;
    });
    expect(w.reason).toBe('the callback target answered 410 Gone to the approval.approved callback');
    expect(t.received.filter((r) => r.method === 'POST')).toHaveLength(1);
    await notificationsSettled(server, id);
    expect(goneMail(dana.email).filter((m) => m.text.includes(id))).toHaveLength(0);
  });
});
