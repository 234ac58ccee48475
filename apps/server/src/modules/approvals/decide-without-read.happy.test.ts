/**
 * A vote that carries no input goes to greenlight_decide without a read of the request first: what it
 * approves is the content hash recorded at create. It stands only for a request that asks for no input
 * in an org with no step-up setting; any other vote reads the request first, as before, and decides
 * exactly as it would have.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { statementsDuring } from '../../testing/statements.ts';
import { APPROVAL_COLUMNS, contentSha256, type ApprovalRow } from '../../core/approval-record.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
}, 60_000);
afterAll(() => server.stop(), 60_000);

/** The decision's read of the request's content (core/approvals/state-machine.ts). */
const CONTENT_READ = 'decision_content_step_up';

/** The names of the prepared statements the server sends while `work` runs. */
async function namesDuring(work: () => Promise<unknown>): Promise<string[]> {
  const { steps } = await statementsDuring(server.db, work);
  return steps.filter((s) => s.step === 'issued').map((s) => s.prepare ?? s.text.slice(0, 40));
}

async function create(seed: SeededOrg, overrides: Record<string, unknown> = {}): Promise<{ id: string; approved_content_sha256: string }> {
  const res = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody(overrides));
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

async function row(id: string): Promise<ApprovalRow> {
  const { rows } = await server.db.query<ApprovalRow>(`SELECT ${APPROVAL_COLUMNS} FROM approvals a WHERE a.id = $1`, [id]);
  return rows[0]!;
}

async function decisionEvent(seed: SeededOrg, id: string) {
  const { data } = (await server.http(seed.key).get(`/api/v1/approvals/${id}/events`).expect(200)).body as { data: { type: string; data: Record<string, unknown> }[] };
  return data.find((e) => ['approval.approved', 'approval.rejected'].includes(e.type))!;
}

const TRICKY = {
  title: 'Ünïcode “title”',
  metadata: { zeta: 1, alpha: { é: 'ü', list: [3, 1.5, 1e21, -0.000001, true, null] }, '€': 'line\u2028separator' },
  changes: { before: { plan: 'pro' }, after: { plan: null } },
};

describe('a vote without input', () => {
  it('on a request that asks for nothing: no read before the decision, and the hash recorded at create is the one its event carries', async () => {
    const seed = await seedOrg(server.db);
    const approver = await seed.newKey();
    for (const [overrides, decision] of [[TRICKY, 'approve'], [{ title: 'plain' }, 'reject']] as const) {
      const a = await create(seed, overrides);
      const stored = await row(a.id);
      // Recorded at create from what was stored: the digest of the row as read back.
      expect(stored.content_sha256).toBe(contentSha256(stored));
      expect(stored.content_sha256).toBe(a.approved_content_sha256);
      const names = await namesDuring(() => server.http(approver.key).patch(`/api/v1/approvals/${a.id}`).send({ decision }).expect(200));
      expect(names).toContain('decide_approval');
      expect(names).not.toContain(CONTENT_READ);
      expect((await decisionEvent(seed, a.id)).data.approved_content_sha256).toBe(contentSha256(stored));
    }
  });

  it('records the hash for requests written together in one statement', async () => {
    const seed = await seedOrg(server.db);
    // Sent at once: the server writes them in one statement (core/approvals/create-batch.ts).
    const batch = await Promise.all(Array.from({ length: 8 }, (_, i) => create(seed, { ...TRICKY, title: `batched ${i}` })));
    for (const a of batch) {
      const stored = await row(a.id);
      expect(stored.content_sha256).toBe(contentSha256(stored));
    }
  });

  it('reads the request first where what it approves is not fixed at create, and decides as before', async () => {
    const seed = await seedOrg(server.db);
    const approver = await seed.newKey();
    // Asks for an answer its defaults give: approved in one tap, the defaults its response.
    const defaults = await create(seed, { response_schema: { type: 'object', properties: { region: { type: 'string', enum: ['eu', 'us'], default: 'eu' } } } });
    expect((await row(defaults.id)).content_sha256).toBeNull();
    const names = await namesDuring(() => server.http(approver.key).patch(`/api/v1/approvals/${defaults.id}`).send({ decision: 'approve' }).expect(200));
    expect(names).toContain(CONTENT_READ);
    expect(await row(defaults.id)).toMatchObject({ status: 'approved', response: { region: 'eu' } });

    // Lets the reviewer edit: the same, and the hash is that of the content as it was.
    const editable = await create(seed, { ...TRICKY, editable: ['metadata.zeta'] });
    expect((await row(editable.id)).content_sha256).toBeNull();
    await server.http(approver.key).patch(`/api/v1/approvals/${editable.id}`).send({ decision: 'approve' }).expect(200);
    expect((await decisionEvent(seed, editable.id)).data.approved_content_sha256).toBe(contentSha256(await row(editable.id)));

    // Written before the hash was recorded: read, and decided with the hash computed from the read.
    const older = await create(seed, TRICKY);
    await server.db.query('UPDATE approvals SET content_sha256 = NULL WHERE id = $1', [older.id]);
    const olderNames = await namesDuring(() => server.http(approver.key).patch(`/api/v1/approvals/${older.id}`).send({ decision: 'approve' }).expect(200));
    expect(olderNames).toContain(CONTENT_READ);
    expect((await decisionEvent(seed, older.id)).data.approved_content_sha256).toBe(older.approved_content_sha256);
  });

  it('in an org with a step-up setting: read first, and the setting refuses an API key as before, writing nothing', async () => {
    const seed = await seedOrg(server.db);
    const approver = await seed.newKey();
    await server.db.query(`UPDATE orgs SET step_up_priorities = '{critical}' WHERE id = $1`, [seed.org.id]);
    const covered = await create(seed, { priority: 'critical' });
    const refused = await server.http(approver.key).patch(`/api/v1/approvals/${covered.id}`).send({ decision: 'approve' }).expect(403);
    expect(refused.body.error.code).toBe('STEP_UP_REQUIRED');
    expect(await row(covered.id)).toMatchObject({ status: 'pending', current_approvals: 0 });
    const { rows } = await server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM approval_votes WHERE approval_id = $1', [covered.id]);
    expect(rows[0]!.n).toBe(0);
    // Not covered by the setting: decided, after the read the setting asks for.
    const other = await create(seed, { priority: 'low' });
    const names = await namesDuring(() => server.http(approver.key).patch(`/api/v1/approvals/${other.id}`).send({ decision: 'approve' }).expect(200));
    expect(names).toContain(CONTENT_READ);
  });

  it('answers a refusal the statement makes before it would read, exactly as a vote that read first', async () => {
    const seed = await seedOrg(server.db);
    const a = await create(seed);
    // The requester's own approval: four-eyes, before anything about content.
    const own = await server.http(seed.key).patch(`/api/v1/approvals/${a.id}`).send({ decision: 'approve' }).expect(403);
    expect(own.body.error.code).toBe('SELF_APPROVAL_FORBIDDEN');
    const other = await seedOrg(server.db, 'Other');
    const missing = await server.http(other.key).patch(`/api/v1/approvals/${a.id}`).send({ decision: 'approve' }).expect(404);
    expect(missing.body.error).toMatchObject({ code: 'NOT_FOUND', message: 'approval request not found' });
  });
});
