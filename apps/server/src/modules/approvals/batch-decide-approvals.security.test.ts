import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { createRequest, snapshot } from '../../testing/decisions.ts';
import { signedIn } from '../../testing/session.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

describe('POST /approvals/batch-decide — who may call it', () => {
  it('a viewer → 403, an approvals:read key → 403 INSUFFICIENT_SCOPE, a session without the CSRF token → 403; nothing decided', async () => {
    const seed = await seedOrg(server.db);
    const a = await createRequest(server, seed.key);
    const before = await snapshot(server, a.id);
    const body = { ids: [a.id], decision: 'approve' };

    const viewer = await signedIn(server, seed, 'viewer');
    const v = await viewer.http().post('/api/v1/approvals/batch-decide').send(body).expect(403);
    expect(v.body.error).toMatchObject({ code: 'FORBIDDEN', message: 'viewers cannot approve or reject requests' });

    const reader = await seed.newKey({ scopes: ['approvals:read'] });
    const r = await server.http(reader.key).post('/api/v1/approvals/batch-decide').send(body).expect(403);
    expect(r.body.error.code).toBe('INSUFFICIENT_SCOPE');

    const approver = await signedIn(server, seed, 'approver');
    await approver.http({ csrf: false }).post('/api/v1/approvals/batch-decide').send(body).expect(403);

    await server.http().post('/api/v1/approvals/batch-decide').send(body).expect(401);
    expect(await snapshot(server, a.id)).toEqual(before);
  });

  it("another org's ids answer exactly as unknown ids do (no existence oracle), and are not touched", async () => {
    const mine = await seedOrg(server.db);
    const theirs = await seedOrg(server.db, 'Theirs');
    const foreign = await createRequest(server, theirs.key);
    const decided = await createRequest(server, theirs.key);
    await server.http((await theirs.newKey()).key).patch(`/api/v1/approvals/${decided.id}`).send({ decision: 'approve' }).expect(200);
    const befores = [await snapshot(server, foreign.id), await snapshot(server, decided.id)];
    const unknown = randomUUID();

    const res = await server.http(mine.key).post('/api/v1/approvals/batch-decide').send({ ids: [foreign.id, decided.id, unknown], decision: 'reject' }).expect(200);
    const strip = ({ id: _, ...rest }: { id: string }) => rest;
    expect(res.body.data.map(strip)).toEqual([0, 1, 2].map(() => strip(res.body.data[2])));
    expect(res.body.data[2]).toEqual({ id: unknown, outcome: 'refused', status: 404, error: { code: 'NOT_FOUND', message: 'approval request not found' } });
    expect([await snapshot(server, foreign.id), await snapshot(server, decided.id)]).toEqual(befores);
  });
});
