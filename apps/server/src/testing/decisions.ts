/**
 * Test fixtures shared by the decision tests (approvals/decide-*.test.ts and steps/*.test.ts).
 * Requests are always created through the real API, so the tests exercise what clients send.
 */
import { expect } from 'vitest';
import { approvalBody, seedOrg, type TestServer } from './harness.ts';
import type { AuthContext } from '../context.ts';

export async function createRequest(server: TestServer, key: string, overrides: Record<string, unknown> = {}) {
  const res = await server.http(key).post('/api/v1/approvals').send(approvalBody(overrides));
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; status: string; requested_by: { id: string } };
}

export async function eventsOf(server: TestServer, approvalId: string) {
  const { rows } = await server.db.query<{ type: string; actor_type: string; actor_id: string | null; from_status: string | null; to_status: string | null; data: Record<string, unknown> }>(
    'SELECT type, actor_type, actor_id, from_status, to_status, data FROM events WHERE approval_id = $1 ORDER BY id',
    [approvalId],
  );
  return rows;
}

export async function votesOf(server: TestServer, approvalId: string) {
  const { rows } = await server.db.query<{ step_order: number; voter_type: string; voter_id: string; decision: string; comment: string | null }>(
    'SELECT step_order, voter_type, voter_id, decision, comment FROM approval_votes WHERE approval_id = $1 ORDER BY created_at, voter_id',
    [approvalId],
  );
  return rows;
}

export async function approvalRow(server: TestServer, approvalId: string) {
  const { rows } = await server.db.query<{ status: string; current_approvals: number; decided_at: Date | null; decided_by: string | null; org_id: string; decision_comment: string | null }>(
    'SELECT status, current_approvals, decided_at, decided_by, org_id, decision_comment FROM approvals WHERE id = $1',
    [approvalId],
  );
  return rows[0]!;
}

/** A stable snapshot of everything a decision could write, to show that a refused one wrote nothing. */
export async function snapshot(server: TestServer, approvalId: string) {
  return {
    approval: await server.db.query('SELECT * FROM approvals WHERE id = $1', [approvalId]).then((r) => r.rows),
    votes: await votesOf(server, approvalId),
    events: await eventsOf(server, approvalId),
    steps: await server.db.query('SELECT * FROM approval_steps WHERE approval_id = $1 ORDER BY step_order', [approvalId]).then((r) => r.rows),
  };
}

/**
 * The auth context of a signed-in person. People reach the API through dashboard sessions, which are not
 * built yet; tests of the person-specific rules call the decision functions with this context directly.
 */
export function userAuth(
  seed: { org: { id: string; slug: string; name: string } },
  user: { id: string; email: string },
  role: 'admin' | 'approver' | 'viewer',
): AuthContext {
  return {
    org: { ...seed.org, emergency_stop: false },
    principal: { type: 'user', id: user.id, name: user.email },
    connection: null,
    user: { id: user.id, email: user.email, name: null, role },
    scopes: ['approvals:read', 'approvals:write'],
    rateLimitKey: `user:${user.id}`,
    rateLimit: 10_000,
    rateLimitWindowSeconds: 3600,
  };
}

/** Configures steps through the API and returns them in order. */
export async function configure(server: TestServer, key: string, approvalId: string, approverIds: string[]) {
  const res = await server
    .http(key)
    .post(`/api/v1/approvals/${approvalId}/steps`)
    .send({ steps: approverIds.map((approver_id, i) => ({ approver_id, step_order: i + 1 })) });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data as { id: string; step_order: number; approver_id: string; status: string }[];
}

/** A request made with `key` whose one step asks `userId`: the request's id and the step's. */
export async function requestAsking(server: TestServer, key: string, userId: string): Promise<{ id: string; stepId: string }> {
  const created = await createRequest(server, key);
  const [step] = await configure(server, key, created.id, [userId]);
  return { id: created.id, stepId: step!.id };
}

/** A fresh org with two approvers, Bob and Carl, and a request (by the org's key) whose one step asks Bob. */
export async function stepAskingBob(server: TestServer) {
  const seed = await seedOrg(server.db);
  const [bob, carl] = [await seed.addUser('approver'), await seed.addUser('approver')];
  return { seed, bob, carl, created: await requestAsking(server, seed.key, bob.id) };
}

/**
 * Lets admins and API keys decide steps that do not ask them (the org's admin override), for the tests
 * whose subject is the step mechanics rather than who was asked (those are in flows/ and teams/).
 */
export async function allowAdminOverride(server: TestServer, orgId: string) {
  await server.db.query('UPDATE orgs SET admin_override = true WHERE id = $1', [orgId]);
}
