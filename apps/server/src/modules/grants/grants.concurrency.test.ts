/**
 * A grant's uses are counted exactly under concurrency. On Postgres (GREENLIGHT_TEST_DATABASE_URL) the
 * creates really race on separate connections, each taking its use in its own create transaction; on
 * PGlite transactions run one at a time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { signedIn } from '../../testing/session.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
}, 60_000);
afterAll(() => server.stop(), 60_000);

describe('a grant of 10 uses', () => {
  it('50 parallel creates: exactly 10 approved by it, 40 asked of people, uses = 10', async () => {
    const seed = await seedOrg(server.db);
    const approver = await signedIn(server, seed, 'approver');
    const body = approvalBody({ action_type: 'deploy.staging', priority: 'medium' });
    const first = (await server.http(seed.key).post('/api/v1/approvals').send(body).expect(201)).body;
    await approver.http().patch(`/api/v1/approvals/${first.id}`).send({ decision: 'approve', grant: { max_uses: 10 } }).expect(200);

    const answers = await Promise.all(Array.from({ length: 50 }, () => server.http(seed.key).post('/api/v1/approvals').send(body)));
    expect(answers.map((r) => r.status)).toEqual(Array(50).fill(201));
    const byGrant = answers.filter((r) => r.body.decided_by_type === 'grant');
    expect(byGrant).toHaveLength(10);
    expect(answers.filter((r) => r.body.status === 'pending')).toHaveLength(40);
    expect(byGrant.map((r) => r.body.decided_by_grant.use).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const { rows } = await server.db.query<{ uses: number }>('SELECT uses FROM grants WHERE given_on = $1', [first.id]);
    expect(rows).toEqual([{ uses: 10 }]);
  }, 60_000);
});
