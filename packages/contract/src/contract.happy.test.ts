import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ConfigureStepsBody,
  CreateApprovalBody,
  CreateCommentBody,
  DecideApprovalBody,
  DryRunBody,
  ListApprovalsQuery,
  ROUTE_LIST,
  VoteStepBody,
  buildOpenApiDocument,
  errorBodyOf,
  routes,
  roleAtLeast,
  DIALECT_IDS,
  DIALECTS,
  ErrorEnvelope,
  HumanApprovalError,
  type RouteDef,
} from './index.ts';

// The request examples of the OKRunit v1 API document, as written there.
const SPEC_CREATE = {
  title: 'Delete user account #4821',
  description: 'Permanent deletion requested by user via support ticket',
  priority: 'high',
  action_type: 'user.delete',
  callback_url: 'https://your-app.com/webhooks/okrunit',
  callback_headers: { 'X-Custom-Token': 'your-secret' },
  metadata: { user_id: '4821', ticket_id: 'SUP-1234' },
  expires_at: '2026-03-25T10:00:00.000Z',
  required_approvals: 2,
  is_sequential: false,
  source: 'support-bot',
  idempotency_key: 'del-user-4821-20260324',
};

describe('the contract', () => {
  it('accepts every request example of the spec as written', () => {
    expect(CreateApprovalBody.parse(SPEC_CREATE)).toMatchObject(SPEC_CREATE);
    expect(DecideApprovalBody.parse({ decision: 'approve', comment: 'Verified with the user. Proceeding with deletion.', source: 'dashboard' })).toBeTruthy();
    expect(CreateCommentBody.parse({ body: 'Checked the database — this user has no active subscriptions. Safe to proceed.' })).toBeTruthy();
    expect(
      ConfigureStepsBody.parse({
        steps: [
          { approver_id: '3f1c1a8e-2b7d-4c59-9a11-6f0e2d4b8c01', step_order: 1 },
          { approver_id: '7a2e9c44-5d1b-4e8f-b3a0-19c6d2e7f502', step_order: 2 },
        ],
      }).steps,
    ).toHaveLength(2);
    expect(VoteStepBody.parse({ decision: 'approve', comment: 'LGTM' })).toBeTruthy();
  });

  it('applies the documented defaults', () => {
    const body = CreateApprovalBody.parse({ title: 'Deploy v2.4.0', description: 'Production release', priority: 'high' });
    expect(body.required_approvals).toBe(1);
    expect(body.is_sequential).toBe(false);
    const q = ListApprovalsQuery.parse({});
    expect(q).toMatchObject({ page: 1, page_size: 20, sort: '-created_at' });
    expect(ListApprovalsQuery.parse({ page_size: '500' }).page_size).toBe(100);
    expect(ListApprovalsQuery.parse({ status: 'pending,approved' }).status).toEqual(['pending', 'approved']);
    expect(ListApprovalsQuery.parse({ tags: 'env:prod,team:ops' }).tags).toEqual({ env: 'prod', team: 'ops' });
    // A routing dry run replays the latest 500 requests unless told otherwise.
    expect(DryRunBody.parse({ rules: [] }).limit).toBe(500);
  });

  it('names each route by its key and serves each method+path once', () => {
    for (const [key, route] of Object.entries(routes)) expect(route.operationId).toBe(key);
    const seen = new Set(ROUTE_LIST.map((r) => `${r.method} ${r.path}`));
    expect(seen.size).toBe(ROUTE_LIST.length);
  });

  it('is what openapi.json says (run `pnpm generate` after a change)', () => {
    const committed = JSON.parse(readFileSync(new URL('../openapi.json', import.meta.url), 'utf8'));
    expect(buildOpenApiDocument()).toEqual(committed);
    expect(committed.openapi).toBe('3.1.0');
    for (const route of ROUTE_LIST) {
      const op = committed.paths[route.path]?.[route.method];
      expect(op?.operationId, `${route.method} ${route.path}`).toBe(route.operationId);
    }
  });
});

describe('the peer APIs (dialects)', () => {
  const dialectRoutes = ROUTE_LIST.filter((r) => r.dialect);
  const v1 = (id: string) => (routes as Record<string, RouteDef>)[id]!;

  it('every dialect has routes, under its tag and its mount, and only there', () => {
    for (const id of DIALECT_IDS) {
      const own = dialectRoutes.filter((r) => r.dialect!.id === id);
      expect(own.length, id).toBeGreaterThan(0);
      for (const r of own) {
        expect(r.tag).toBe(DIALECTS[id].tag);
        expect(r.path.startsWith(`${DIALECTS[id].mount}/`), r.path).toBe(true);
      }
    }
    for (const r of ROUTE_LIST.filter((x) => !x.dialect)) {
      for (const id of DIALECT_IDS) expect(r.path.startsWith(`${DIALECTS[id].mount}/`), r.path).toBe(false);
    }
  });

  it('a dialect route keeps the authorization of the v1 operations it translates onto: the same credentials, scope and stop, a role no weaker', () => {
    for (const r of dialectRoutes) {
      expect(r.dialect!.translates.length).toBeGreaterThan(0);
      for (const id of r.dialect!.translates) {
        const a = v1(id).authorization;
        expect(v1(id).dialect, id).toBeUndefined();
        expect(r.authorization.principals, `${r.operationId} → ${id}`).toEqual(a.principals);
        expect(roleAtLeast(r.authorization.role, a.role), `${r.operationId} → ${id}`).toBe(true);
        // An operation that reads first and then changes (resolve: decide, then get) takes the stricter.
        if (r.authorization.scope === a.scope) continue;
        expect(a.scope, `${r.operationId} → ${id}`).toBe('approvals:read');
      }
      const changes = r.dialect!.translates.some((id) => v1(id).authorization.emergencyStop === 'refused');
      expect(r.authorization.emergencyStop, r.operationId).toBe(changes ? 'refused' : 'allowed');
    }
  });

  it("KaireonAI's resolve is admin only, as its document's role table says", () => {
    expect(routes.resolveKaireonApproval.authorization.role).toBe('admin');
  });

  it('errors: Human Approval answers its own format, the others (whose documents define none) the envelope', () => {
    expect(errorBodyOf(routes.getHumanApprovalRequest)).toBe(HumanApprovalError);
    expect(errorBodyOf(routes.getKaireonApproval)).toBe(ErrorEnvelope);
    expect(errorBodyOf(routes.getApprovalRun)).toBe(ErrorEnvelope);
    expect(errorBodyOf(routes.getApproval)).toBe(ErrorEnvelope);
    const doc = buildOpenApiDocument();
    expect(doc.paths?.['/human-approval/api/v1/requests']?.post?.responses?.['400']).toMatchObject({
      content: { 'application/json': { schema: { $ref: '#/components/schemas/HumanApprovalError' } } },
    });
    expect(doc.tags!.map((t) => t.name)).toEqual(expect.arrayContaining(DIALECT_IDS.map((id) => DIALECTS[id].tag)));
  });
});
