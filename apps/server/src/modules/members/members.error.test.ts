import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { signedIn } from '../../testing/session.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

type Setup = Awaited<ReturnType<typeof setup>>;
async function setup() {
  const seed = await seedOrg(server.db);
  const admin = await signedIn(server, seed);
  const approver = await seed.addUser('approver');
  return { seed, admin, approver };
}

describe('members API errors', () => {
  it.each<[string, (s: Setup) => Promise<import('supertest').Response>, number, string, string]>([
    ['an invalid email', (s) => s.admin.http().post('/api/v1/members').send({ email: 'not-an-email', role: 'viewer' }), 400, 'VALIDATION_ERROR', 'email: must be an email address'],
    ['an unknown role', (s) => s.admin.http().post('/api/v1/members').send({ email: 'x@example.test', role: 'owner' }), 400, 'VALIDATION_ERROR', 'role: Invalid option: expected one of "admin"|"approver"|"viewer"'],
    ['an unknown field', (s) => s.admin.http().post('/api/v1/members').send({ email: 'x@example.test', org_id: randomUUID() }), 400, 'VALIDATION_ERROR', 'unknown field: org_id'],
    ['an existing member (any case)', (s) => s.admin.http().post('/api/v1/members').send({ email: s.approver.email.toUpperCase(), role: 'admin' }), 409, 'ALREADY_MEMBER', ''],
    ['a member change with neither role nor see_sensitive', (s) => s.admin.http().patch(`/api/v1/members/${s.approver.id}`).send({}), 400, 'VALIDATION_ERROR', 'send role, see_sensitive or both'],
    ['a role change of a non-member', (s) => s.admin.http().patch(`/api/v1/members/${randomUUID()}`).send({ role: 'viewer' }), 404, 'NOT_FOUND', 'member not found'],
    ['removing a non-member', (s) => s.admin.http().delete(`/api/v1/members/${randomUUID()}`), 404, 'NOT_FOUND', 'member not found'],
    ['a malformed user id', (s) => s.admin.http().delete('/api/v1/members/not-a-uuid'), 404, 'NOT_FOUND', 'resource not found'],
    ['demoting the last admin', (s) => s.admin.http().patch(`/api/v1/members/${s.seed.admin.id}`).send({ role: 'approver' }), 409, 'LAST_ADMIN', 'the last admin cannot be demoted; make another member admin first'],
    ['removing the last admin', (s) => s.admin.http().delete(`/api/v1/members/${s.seed.admin.id}`), 409, 'LAST_ADMIN', 'the last admin cannot be removed; make another member admin first'],
  ])('%s → %i %s', async (_case, call, status, code, message) => {
    const s = await setup();
    const res = await call(s);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.message).toBe(message || `${s.approver.email.toUpperCase()} is already a member of this organization`);
  });

  it('the refused last admin is still admin, and the existing member kept their role', async () => {
    const s = await setup();
    await s.admin.http().patch(`/api/v1/members/${s.seed.admin.id}`).send({ role: 'viewer' }).expect(409);
    await s.admin.http().post('/api/v1/members').send({ email: s.approver.email, role: 'admin' }).expect(409);
    const roles = Object.fromEntries((await s.admin.http().get('/api/v1/members').expect(200)).body.data.map((m: { user_id: string; role: string }) => [m.user_id, m.role]));
    expect(roles).toEqual({ [s.seed.admin.id]: 'admin', [s.approver.id]: 'approver' });
  });
});
