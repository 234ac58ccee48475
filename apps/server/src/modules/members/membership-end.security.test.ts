/**
 * An admin's Remove and the identity provider's deactivation end a membership through one function
 * (members.ts endMembership, membership-end.ts): removal takes the person off pending steps too, and
 * a failure part-way leaves everything as it was.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { sessionOf, signedIn } from '../../testing/session.ts';
import { createConnection } from '../connections/connections.ts';
import { endMembership } from './members.ts';
import { SYSTEM_ACTOR } from '../../core/audit.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ config: { GREENLIGHT_DELIVERY_WORKER: 'false' } });
});
afterAll(() => server.stop());

describe('the end of a membership', () => {
  it("an admin's Remove ends the session, revokes the keys issued, and takes the person off pending steps", async () => {
    const seed = await seedOrg(server.db);
    const person = await seed.addUser('approver');
    const session = await sessionOf(server, seed, person);
    const issued = await createConnection(server.db, { orgId: seed.org.id, name: 'theirs', createdByUserId: person.id });
    const approval = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201)).body;
    await server.http(seed.key).post(`/api/v1/approvals/${approval.id}/steps`).send({ steps: [{ step_order: 1, approver_id: person.id }] }).expect(201);

    await (await signedIn(server, seed)).http().delete(`/api/v1/members/${person.id}`).expect(200);

    await session.http().get('/api/v1/me').expect(401);
    await server.http(issued.apiKey).get('/api/v1/approvals').expect(401);
    const steps = await server.db.query<{ approver_ids: string[] }>('SELECT approver_ids FROM approval_steps WHERE approval_id = $1', [approval.id]);
    expect(steps.rows).toEqual([{ approver_ids: [seed.admin.id] }]);
    const audit = await server.db.query<{ type: string }>("SELECT type FROM audit_log WHERE org_id = $1 AND type IN ('member.removed', 'approval.step_person_removed') ORDER BY created_at, id", [
      seed.org.id,
    ]);
    expect(audit.rows.map((r) => r.type)).toEqual(['member.removed', 'approval.step_person_removed']);
  });

  it('fails as a whole: an ending that throws leaves the membership, the session and the steps as they were', async () => {
    const seed = await seedOrg(server.db);
    const person = await seed.addUser('approver');
    const session = await sessionOf(server, seed, person);
    const approval = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201)).body;
    await server.http(seed.key).post(`/api/v1/approvals/${approval.id}/steps`).send({ steps: [{ step_order: 1, approver_id: person.id }] }).expect(201);

    await expect(
      server.db.transaction(async (tx) => {
        await endMembership(tx, seed.org.id, person.id, SYSTEM_ACTOR, 'deactivated');
        throw new Error('a later statement of the same transaction failed');
      }),
    ).rejects.toThrow(/later statement/);

    await session.http().get('/api/v1/me').expect(200);
    const steps = await server.db.query<{ approver_ids: string[] }>('SELECT approver_ids FROM approval_steps WHERE approval_id = $1', [approval.id]);
    expect(steps.rows).toEqual([{ approver_ids: [person.id] }]);
  });
});
