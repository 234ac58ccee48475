/**
 * The org's step-up setting: a request it covers is decided only from a dashboard session confirmed
 * with a passkey in the last five minutes. Every other credential is refused with 403 STEP_UP_REQUIRED
 * and nothing is written; viewer_can says so beforehand; requests it does not cover are unaffected; only
 * admins change it, each change audited, and one org's setting is no other's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { signedIn, type SignedIn } from '../../testing/session.ts';
import { registerAndStepUp, stepUp } from '../../testing/passkey.ts';
import { relyingParty } from './passkeys.ts';

const PUBLIC_URL = 'https://greenlight.test';
const rp = relyingParty({ publicUrl: PUBLIC_URL });
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ config: { GREENLIGHT_PUBLIC_URL: PUBLIC_URL } });
});
afterAll(() => server.stop());

const create = async (seed: SeededOrg, body: Record<string, unknown> = {}) =>
  ((await server.http(seed.key).post('/api/v1/approvals').send(approvalBody(body)).expect(201)).body as { id: string }).id;

/** Everything a decision could change. */
async function snapshot(id: string) {
  const { rows } = await server.db.query(
    `SELECT a.status, a.current_approvals, a.decided_by, a.updated_at,
            (SELECT count(*)::int FROM approval_votes v WHERE v.approval_id = a.id) AS votes,
            (SELECT count(*)::int FROM events e WHERE e.approval_id = a.id) AS events,
            (SELECT count(*)::int FROM deliveries d WHERE d.approval_id = a.id) AS deliveries
       FROM approvals a WHERE a.id = $1`,
    [id],
  );
  return rows[0];
}

async function coveredOrg() {
  const seed = await seedOrg(server.db);
  const admin = await signedIn(server, seed);
  await admin.http().put('/api/v1/org/step-up').send({ priorities: ['critical'], action_types: ['payments.*'] }).expect(200);
  const alice = await signedIn(server, seed, 'approver');
  return { seed, admin, alice };
}

const decideAs = (me: SignedIn, id: string, decision = 'approve') => me.http().patch(`/api/v1/approvals/${id}`).send({ decision });

describe('a standing grant and a covered request', () => {
  it('a grant given on a request the setting does not cover approves its like, but never a covered one: people are asked', async () => {
    const { seed, admin, alice } = await coveredOrg();
    // High (not critical, which no grant decides anyway) is covered from now on.
    await admin.http().put('/api/v1/org/step-up').send({ priorities: ['high'], action_types: [] }).expect(200);
    const first = await create(seed, { action_type: 'deploy.web', priority: 'medium' });
    await alice.http().patch(`/api/v1/approvals/${first}`).send({ decision: 'approve', grant: { expires_in_seconds: 3600 } }).expect(200);

    const like = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ action_type: 'deploy.web', priority: 'medium' })).expect(201)).body;
    expect(like).toMatchObject({ status: 'approved', decided_by_type: 'grant' });
    const covered = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ action_type: 'deploy.web', priority: 'high' })).expect(201)).body;
    expect(covered.status).toBe('pending');
    expect(await snapshot(covered.id)).toMatchObject({ status: 'pending', votes: 0, decided_by: null });
  });
});

describe('deciding a covered request', () => {
  it('a session that has not stepped up is refused (403 STEP_UP_REQUIRED, nothing written); after a passkey step-up it decides', async () => {
    const { seed, alice } = await coveredOrg();
    const id = await create(seed, { priority: 'critical' });

    const shown = (await alice.http().get(`/api/v1/approvals/${id}`).expect(200)).body;
    expect(shown.viewer_can.decide).toEqual({
      allowed: false,
      reason: 'Confirm with your passkey: this organization requires it to decide such requests',
      reason_code: 'step_up_required',
      steps: [],
      approve: { allowed: false, reason: 'Confirm with your passkey: this organization requires it to decide such requests' },
    });

    const before = await snapshot(id);
    for (const decision of ['approve', 'reject']) {
      const refused = await decideAs(alice, id, decision).expect(403);
      expect(refused.body.error).toMatchObject({ code: 'STEP_UP_REQUIRED', details: { reason: 'step_up_required' } });
    }
    expect(await snapshot(id)).toEqual(before);
    expect(before).toMatchObject({ status: 'pending', votes: 0, current_approvals: 0 });

    await registerAndStepUp(alice, rp);
    const allowed = (await alice.http().get(`/api/v1/approvals/${id}`).expect(200)).body;
    expect(allowed.viewer_can.decide).toMatchObject({ allowed: true, approve: { allowed: true } });
    expect(allowed.viewer_can.decide.reason_code).toBeUndefined();
    const decided = await decideAs(alice, id).expect(200);
    expect(decided.body).toMatchObject({ status: 'approved', decided_by: alice.user.id });
  });

  it('a step-up past its five minutes, or another session of the same person, does not count', async () => {
    const { seed, alice } = await coveredOrg();
    const auth = await registerAndStepUp(alice, rp);
    const id = await create(seed, { priority: 'critical' });
    await server.db.query("UPDATE sessions SET stepped_up_until = now() - interval '1 second' WHERE user_id = $1", [alice.user.id]);
    await decideAs(alice, id).expect(403);
    // A second session of alice, not stepped up, while the first is.
    await stepUp(alice, auth);
    const other = await signedIn(server, seed, 'approver');
    await server.db.query('UPDATE sessions SET user_id = $1 WHERE user_id = $2', [alice.user.id, other.user.id]);
    const r = await decideAs(other, id).expect(403);
    expect(r.body.error.code).toBe('STEP_UP_REQUIRED');
    await decideAs(alice, id).expect(200);
  });

  it('API keys (privileged or not) and a batch decide nothing on a covered request; other refusals keep their own codes', async () => {
    const { seed, alice } = await coveredOrg();
    const id = await create(seed, { action_type: 'payments.refund', priority: 'low' });
    const before = await snapshot(id);
    const other = await seed.newKey();
    const byKey = await server.http(other.key).patch(`/api/v1/approvals/${id}`).send({ decision: 'approve' }).expect(403);
    expect(byKey.body.error.code).toBe('STEP_UP_REQUIRED');
    const keyView = (await server.http(other.key).get(`/api/v1/approvals/${id}`).expect(200)).body;
    expect(keyView.viewer_can.decide.reason_code).toBe('step_up_required');

    const batch = await alice.http().post('/api/v1/approvals/batch-decide').send({ ids: [id], decision: 'reject' }).expect(200);
    expect(batch.body).toMatchObject({ recorded: 0, refused: 1, data: [{ id, outcome: 'refused', status: 403, error: { code: 'STEP_UP_REQUIRED' } }] });
    expect(await snapshot(id)).toEqual(before);

    // The requester's own approval is refused as four-eyes, before the step-up.
    const own = await server.http(seed.key).patch(`/api/v1/approvals/${id}`).send({ decision: 'approve' }).expect(403);
    expect(own.body.error.code).toBe('SELF_APPROVAL_FORBIDDEN');
    // A decided request answers as decided, whoever asks.
    await registerAndStepUp(alice, rp);
    await decideAs(alice, id, 'reject').expect(200);
    const late = await server.http(other.key).patch(`/api/v1/approvals/${id}`).send({ decision: 'approve' }).expect(409);
    expect(late.body.error.code).toBe('INVALID_STATUS');
  });

  it('a vote on a named step of a covered request is refused the same way', async () => {
    const { seed, alice } = await coveredOrg();
    const a = { id: await create(seed, { priority: 'critical' }) };
    const configured = await server.http(seed.key).post(`/api/v1/approvals/${a.id}/steps`).send({ steps: [{ approver_id: alice.user.id, step_order: 1 }] }).expect(201);
    const step = (configured.body as { data: { id: string }[] }).data[0]!.id;
    const r = await alice.http().patch(`/api/v1/approvals/${a.id}/steps/${step}`).send({ decision: 'approve' }).expect(403);
    expect(r.body.error.code).toBe('STEP_UP_REQUIRED');
    expect(await snapshot(a.id)).toMatchObject({ status: 'pending', votes: 0 });
    await registerAndStepUp(alice, rp);
    await alice.http().patch(`/api/v1/approvals/${a.id}/steps/${step}`).send({ decision: 'approve' }).expect(200);
  });
});

describe('requests the setting does not cover', () => {
  it.each([
    ['another priority', { priority: 'high' }],
    ['an action type no glob matches', { priority: 'low', action_type: 'reads.users' }],
    ['no action type', { priority: 'medium' }],
  ])('%s: decided by a session without step-up and by an API key, as before', async (_name, body) => {
    const { seed, alice } = await coveredOrg();
    const id = await create(seed, body);
    expect((await alice.http().get(`/api/v1/approvals/${id}`).expect(200)).body.viewer_can.decide).toMatchObject({ allowed: true });
    await decideAs(alice, id).expect(200);
    const other = await seed.newKey();
    const id2 = await create(seed, body);
    await server.http(other.key).patch(`/api/v1/approvals/${id2}`).send({ decision: 'approve' }).expect(200);
  });
});

describe('the setting', () => {
  it('only admins read or change it; each change is audited; a malformed glob is a 400', async () => {
    const seed = await seedOrg(server.db);
    const admin = await signedIn(server, seed);
    expect((await admin.http().get('/api/v1/org/step-up').expect(200)).body).toEqual({ priorities: [], action_types: [] });
    for (const role of ['approver', 'viewer'] as const) {
      const member = await signedIn(server, seed, role);
      await member.http().get('/api/v1/org/step-up').expect(403);
      const r = await member.http().put('/api/v1/org/step-up').send({ priorities: [], action_types: [] }).expect(403);
      expect(r.body.error.code).toBe('FORBIDDEN');
    }
    await server.http(seed.key).put('/api/v1/org/step-up').send({ priorities: ['critical'], action_types: [] }).expect(403);

    const bad = await admin.http().put('/api/v1/org/step-up').send({ priorities: [], action_types: ['payments.*', '!reads'] }).expect(400);
    expect(bad.body.error).toMatchObject({ code: 'VALIDATION_ERROR', details: { issues: [{ path: 'action_types.1' }] } });
    await admin.http().put('/api/v1/org/step-up').send({ priorities: ['urgent'], action_types: [] }).expect(400);
    await admin.http().put('/api/v1/org/step-up').send({ priorities: [] }).expect(400);

    const saved = await admin.http().put('/api/v1/org/step-up').send({ priorities: ['critical', 'critical'], action_types: ['payments.*'] }).expect(200);
    expect(saved.body).toEqual({ priorities: ['critical'], action_types: ['payments.*'] });
    expect((await admin.http().get('/api/v1/org/step-up').expect(200)).body).toEqual(saved.body);
    // Saving the same again records nothing new.
    await admin.http().put('/api/v1/org/step-up').send({ priorities: ['critical'], action_types: ['payments.*'] }).expect(200);

    const audit = (await admin.http().get('/api/v1/audit-log?type=org.settings_changed').expect(200)).body.data as { details: unknown; actor: { id: string } }[];
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      actor: { id: seed.admin.id },
      details: { from: { step_up: { priorities: [], action_types: [] } }, to: { step_up: { priorities: ['critical'], action_types: ['payments.*'] } } },
    });
  });

  it("one org's setting is its own: another org's admin neither sees nor changes it, and its requests are unaffected", async () => {
    const a = await coveredOrg();
    const b = await seedOrg(server.db, 'Other');
    const bAdmin = await signedIn(server, b);
    expect((await bAdmin.http().get('/api/v1/org/step-up').expect(200)).body).toEqual({ priorities: [], action_types: [] });
    await bAdmin.http().put('/api/v1/org/step-up').send({ priorities: ['high'], action_types: [] }).expect(200);
    expect((await a.admin.http().get('/api/v1/org/step-up').expect(200)).body).toEqual({ priorities: ['critical'], action_types: ['payments.*'] });

    const bApprover = await signedIn(server, b, 'approver');
    const critical = await create(b, { priority: 'critical' });
    await decideAs(bApprover, critical).expect(200);
    const high = await create(b, { priority: 'high' });
    expect((await decideAs(bApprover, high).expect(403)).body.error.code).toBe('STEP_UP_REQUIRED');
    // In org A, high is not covered.
    const aHigh = await create(a.seed, { priority: 'high' });
    await decideAs(a.alice, aHigh).expect(200);
  });
});
