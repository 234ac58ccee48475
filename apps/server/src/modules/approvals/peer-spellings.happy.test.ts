/**
 * The peer APIs' spellings of fields Greenlight already has: `payload` for `metadata`, `decision_note`
 * for the decision's `comment`, `decided_by_id` for `decided_by`, and an entity-change request's
 * `entity_type` / `entity_id` / `entity_name` / `action` for `resource` and `action_type`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';

let server: TestServer;
let seed: SeededOrg;
let approver: string;
beforeAll(async () => {
  server = await startTestServer();
  seed = await seedOrg(server.db);
  approver = (await seed.newKey({ name: 'approver' })).key;
}, 60_000);
afterAll(() => server.stop(), 60_000);

const create = async (overrides: Record<string, unknown>) =>
  (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody(overrides)).expect(201)).body;

describe('peer spellings on create, decide and list', () => {
  it('stores payload as metadata', async () => {
    const a = await create({ payload: { invoice: 'INV-9', amount: 120 } });
    expect(a.metadata).toEqual({ invoice: 'INV-9', amount: 120 });
  });

  it('stores an entity change as resource + action_type and answers it both ways', async () => {
    const a = await create({ entity_type: 'qualificationRule', entity_id: 'qr_001', entity_name: 'Credit Score Rule', action: 'update' });
    expect(a).toMatchObject({
      resource: { type: 'qualificationRule', id: 'qr_001', name: 'Credit Score Rule' },
      action_type: 'update',
      entity_type: 'qualificationRule',
      entity_id: 'qr_001',
      entity_name: 'Credit Score Rule',
      action: 'update',
    });
    // The other spelling on create gives the same request.
    const b = await create({ resource: { type: 'qualificationRule', id: 'qr_002' }, action_type: 'delete' });
    expect(b).toMatchObject({ entity_type: 'qualificationRule', entity_id: 'qr_002', entity_name: null, action: 'delete' });
    // An action_type that is not an entity action has no `action`.
    expect((await create({ action_type: 'deploy.production' })).action).toBeNull();
  });

  it('filters by entity_type and entity_id', async () => {
    const org = await seedOrg(server.db);
    const make = (body: Record<string, unknown>) => server.http(org.key).post('/api/v1/approvals').send(approvalBody(body)).expect(201);
    const a = (await make({ entity_type: 'rule', entity_id: 'r1', action: 'update' })).body;
    const b = (await make({ entity_type: 'rule', entity_id: 'r2', action: 'delete' })).body;
    await make({ entity_type: 'offer', entity_id: 'r1', action: 'create' });
    await make({});
    const ids = async (q: string) =>
      (await server.http(org.key).get(`/api/v1/approvals?${q}`).expect(200)).body.data.map((x: { id: string }) => x.id);
    expect(await ids('entity_type=rule')).toEqual([b.id, a.id]);
    expect(await ids('entity_type=rule&entity_id=r1')).toEqual([a.id]);
    expect(await ids('entity_id=r2')).toEqual([b.id]);
  });

  it('takes decision_note as the comment and answers decision_note and decided_by_id beside decision_comment and decided_by', async () => {
    const a = await create({});
    const res = await server.http(approver).patch(`/api/v1/approvals/${a.id}`).send({ decision: 'approve', decision_note: 'fine by me' }).expect(200);
    expect(res.body).toMatchObject({ status: 'approved', decision_comment: 'fine by me', decision_note: 'fine by me' });
    expect(res.body.decided_by).toEqual(expect.any(String));
    expect(res.body.decided_by_id).toBe(res.body.decided_by);
    const got = (await server.http(seed.key).get(`/api/v1/approvals/${a.id}`).expect(200)).body;
    expect(got).toMatchObject({ decision_note: 'fine by me', decided_by_id: res.body.decided_by });
  });
});
