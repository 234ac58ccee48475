/**
 * The hot reads of one request take its row as one JSON value (APPROVAL_JSON, approvalFromJson); a
 * list's page reads it in typed columns (APPROVAL_COLUMNS). Both must give the same request: every
 * column a reader selects, with the same values and types (timestamps as Dates cut to the
 * millisecond, `seq` as text), for requests that set every field the API shows, in every state.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type TestServer } from '../testing/harness.ts';
import { APPROVAL_COLUMNS, approvalInOrg, toApproval, type ApprovalRow } from './approval-record.ts';
import { approvalWithRun } from './run.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ config: { GREENLIGHT_CALLBACK_ALLOW_CIDRS: '127.0.0.0/8' } });
}, 60_000);
afterAll(async () => {
  await server.stop();
}, 60_000);

describe('a request read as one JSON value', () => {
  it('is the request its typed columns give, field by field and as the API shows it', async () => {
    const seed = await seedOrg(server.db);
    const approver = await seed.newKey();
    const full = {
      action_type: 'user.delete',
      priority: 'critical',
      source: 'support-bot',
      metadata: { ticket: 4821, nested: { list: [1, 'two', null], ok: true } },
      tags: { env: 'production', team: 'platform' },
      changes: { before: { plan: 'pro' }, after: { plan: null } },
      resource: { type: 'user', id: 'u-4821', name: 'Ada' },
      external_id: `ext-${Date.now()}`,
      callback_url: 'http://127.0.0.1:9/cb',
      revocable_for_seconds: 300,
      expires_at: new Date(Date.now() + 3_600_000).toISOString(),
      required_approvals: 1,
      response_schema: { type: 'object', properties: { reason: { type: 'string' } } },
    };
    const create = async (extra: Record<string, unknown> = {}) => {
      const r = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ ...extra }));
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      return r.body.id as string;
    };
    const pending = await create({ ...full, external_id: `${full.external_id}-p` });
    const plain = await create();
    const revoked = await create({ ...full, response_schema: undefined });
    await server.http(approver.key).patch(`/api/v1/approvals/${revoked}`).send({ decision: 'approve', comment: 'fine' }).expect(200);
    await server.http(approver.key).post(`/api/v1/approvals/${revoked}/revoke`).send({ reason: 'Wrong customer' }).expect(200);
    const executed = await create({ title: 'Executed' });
    await server.http(approver.key).patch(`/api/v1/approvals/${executed}`).send({ decision: 'approve' }).expect(200);
    await server.http(seed.key).post(`/api/v1/approvals/${executed}/execution`).send({ status: 'failed', message: 'disk full' }).expect(200);
    const cancelled = await create({ title: 'Cancelled' });
    await server.http(seed.key).delete(`/api/v1/approvals/${cancelled}`).expect(200);

    for (const id of [pending, plain, revoked, executed, cancelled]) {
      const { rows } = await server.db.query<ApprovalRow>(`SELECT ${APPROVAL_COLUMNS} FROM approvals a WHERE a.id = $1`, [id]);
      const columns = rows[0]!;
      const json = (await approvalInOrg(server.db, seed.org.id, id))!;
      const withRun = (await approvalWithRun(server.db, seed.org.id, id, { principal: { type: 'connection', id: seed.connectionId }, user: null, scopes: ['approvals:write'] }))!;
      for (const [name, row] of [['approvalInOrg', json], ['approvalWithRun', withRun]] as const) {
        for (const [k, v] of Object.entries(columns)) {
          expect((row as Record<string, unknown>)[k], `${name}: ${k} of ${id}`).toEqual(v);
          if (v instanceof Date) expect((row as Record<string, unknown>)[k], `${name}: ${k} is a Date`).toBeInstanceOf(Date);
        }
        expect(toApproval(row)).toEqual(toApproval(columns));
      }
    }
    // The states above did set what they were meant to: a read that dropped them would pass unseen.
    const revokedRow = (await approvalInOrg(server.db, seed.org.id, revoked))!;
    expect(revokedRow).toMatchObject({ status: 'rejected', revocation_reason: 'Wrong customer', decision_comment: 'fine' });
    expect(revokedRow.revoked_at).toBeInstanceOf(Date);
    expect((await approvalInOrg(server.db, seed.org.id, executed))!).toMatchObject({ execution_status: 'failed', execution_message: 'disk full' });
    expect((await approvalInOrg(server.db, seed.org.id, cancelled))!.cancelled_at).toBeInstanceOf(Date);
    expect(typeof (await approvalInOrg(server.db, seed.org.id, pending))!.seq).toBe('string');
  });

  it('is not read for another org', async () => {
    const [one, other] = await Promise.all([seedOrg(server.db), seedOrg(server.db)]);
    const id = (await server.http(one.key).post('/api/v1/approvals').send(approvalBody()).expect(201)).body.id as string;
    expect(await approvalInOrg(server.db, other.org.id, id)).toBeUndefined();
    expect(await approvalInOrg(server.db, one.org.id, id)).toMatchObject({ id });
  });
});
