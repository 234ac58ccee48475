/**
 * Who may do what, generated from the contract's authorization table: every route of the table is
 * called as every principal (sessions of each role, another org's admin, an API key per scope, the key
 * that made the resources, OAuth grants, a removed member, a revoked key), and the exact status is the
 * one the table says. Each call gets fresh resources, so what one call changes decides nothing for the next.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTE_LIST, roleAtLeast, SCOPES, type OperationId, type PrincipalKind, type RouteDef, type Scope } from '@greenlight/contract';
import { approvalBody, seedOrg, startTestServer, type SeededOrg, type TestServer } from '../testing/harness.ts';
import { callRoute, errorsCarryCodes, SAMPLE_BODIES, type RouteResponse } from '../testing/route-calls.ts';
import { sessionFor } from '../testing/session.ts';
import { grantAccessToken, memberWithPassword, registerClient, TEST_PASSWORD } from '../testing/oauth.ts';
import { createSession, CSRF_HEADER } from '../modules/users/sessions.ts';
import { revokeConnection } from '../modules/connections/connections.ts';
import { removeMember } from '../modules/members/members.ts';

type Role = 'admin' | 'approver' | 'viewer';

interface Principal {
  name: string;
  kind: PrincipalKind;
  /** The person's role (sessions and OAuth grants). */
  role?: Role;
  /** What a key or grant holds; a session holds every scope. */
  scopes: readonly Scope[];
  /** The principal that made every resource the calls act on. */
  owner?: boolean;
  otherOrg?: boolean;
  /** A removed member or a revoked key: no longer anyone. */
  gone?: boolean;
  headers: Record<string, string>;
}

let server: TestServer;
let org: SeededOrg;
let other: SeededOrg;
/** The API key that creates the requests and subscriptions the calls act on. */
let ownerKey: string;
let approverUser: { id: string };
/** A subscription that stays, for the deliveries redeliver acts on. */
let deliveriesHook: string;
const principals: Principal[] = [];

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function session(seed: SeededOrg, user: { id: string; email: string }): Promise<Record<string, string>> {
  const s = sessionFor(server, user, await createSession(server.db, user.id, seed.org.id));
  return { cookie: s.cookie, [CSRF_HEADER]: s.csrf };
}

beforeAll(async () => {
  // No worker: deliveries stay where the test puts them.
  server = await startTestServer({ config: { GREENLIGHT_DELIVERY_WORKER: 'false' } });
  org = await seedOrg(server.db);
  // The table decides who reaches a step vote; who a step asks is the state machine's (flows/, teams/).
  await server.db.query('UPDATE orgs SET admin_override = true WHERE id = $1', [org.org.id]);
  other = await seedOrg(server.db, 'Other');
  ownerKey = org.key;
  const admin = await memberWithPassword(server, org, 'admin');
  const approver = await memberWithPassword(server, org, 'approver');
  const viewer = await memberWithPassword(server, org, 'viewer');
  approverUser = approver;
  // A member of the other org too, so a flow naming them can be created there as here.
  await server.db.query("INSERT INTO memberships (org_id, user_id, role) VALUES ($1, $2, 'approver')", [other.org.id, approver.id]);
  const otherAdmin = await memberWithPassword(server, other, 'admin');
  const removed = await memberWithPassword(server, org, 'approver');
  const removedHeaders = await session(org, removed);
  await removeMember(server.db, org.org.id, removed.id);
  const revoked = await org.newKey();
  await revokeConnection(server.db, org.org.id, revoked.connectionId);

  principals.push(
    { name: 'admin session', kind: 'session', role: 'admin', scopes: SCOPES, headers: await session(org, admin) },
    { name: 'approver session', kind: 'session', role: 'approver', scopes: SCOPES, headers: await session(org, approver) },
    { name: 'viewer session', kind: 'session', role: 'viewer', scopes: SCOPES, headers: await session(org, viewer) },
    { name: "another org's admin session", kind: 'session', role: 'admin', scopes: SCOPES, otherOrg: true, headers: await session(other, otherAdmin) },
    { name: 'the API key that made the resources', kind: 'api_key', scopes: SCOPES, owner: true, headers: bearer(ownerKey) },
    ...(await Promise.all(
      SCOPES.map(async (scope) => ({
        name: `an API key with only ${scope}`,
        kind: 'api_key' as const,
        scopes: [scope],
        headers: bearer((await org.newKey({ scopes: [scope] })).key),
      })),
    )),
    { name: "an approver's OAuth grant", kind: 'oauth', role: 'approver', scopes: SCOPES, headers: bearer(await grantAccessToken(server, org, approver, SCOPES)) },
    { name: "a viewer's OAuth grant", kind: 'oauth', role: 'viewer', scopes: SCOPES, headers: bearer(await grantAccessToken(server, org, viewer, SCOPES)) },
    { name: 'a removed member', kind: 'session', role: 'approver', scopes: SCOPES, gone: true, headers: removedHeaders },
    { name: 'a revoked API key', kind: 'api_key', scopes: SCOPES, gone: true, headers: bearer(revoked.key) },
  );
  deliveriesHook = (await server.http(ownerKey).post('/api/v1/webhooks').send({ url: 'https://hooks.example.com/deliveries', events: ['approval.created'] }).expect(201)).body.id;
}, 120_000);
afterAll(() => server.stop());

const ROUTES = ROUTE_LIST.map((r) => [`${r.method.toUpperCase()} ${r.path}`, r] as const);
/** The route's success: a create's 201 (not its idempotent replay's 200), else its one 2xx. */
const successOf = (route: RouteDef) => (201 in route.responses ? 201 : Math.min(...Object.keys(route.responses).map(Number)));

/** What the table says a principal gets from a route whose resources the owner key made: status and error code. */
function expected(route: RouteDef, p: Principal): { status: number; code?: string } {
  const a = route.authorization;
  if (p.gone) return { status: 401, code: 'UNAUTHORIZED' };
  if (!a.principals.includes(p.kind)) return { status: 403, code: 'FORBIDDEN' };
  if (p.role && !roleAtLeast(p.role, a.role)) return { status: 403, code: 'FORBIDDEN' };
  if (a.scope && !p.scopes.includes(a.scope)) return { status: 403, code: 'INSUFFICIENT_SCOPE' };
  const onOne = /\{\w+\}/.test(route.path);
  if (p.otherOrg && onOne) return { status: 404, code: 'NOT_FOUND' };
  // The fixture's delegate is a member of the fixture's org: to a caller of another org, nobody it knows.
  if (p.otherOrg && route.operationId === 'setMyDelegation') return { status: 400, code: 'VALIDATION_ERROR' };
  // A list under an ownership rule answers, limited to the caller's own.
  if (a.owner && onOne && p.role !== 'admin' && !p.owner) return a.owner.others === 'hidden' ? { status: 404, code: 'NOT_FOUND' } : { status: 403, code: 'FORBIDDEN' };
  // Revoking: only the principal that approved (here the owner key) or an admin; any other is refused by the state machine.
  if (route.operationId === 'revokeApproval' && p.role !== 'admin' && !p.owner) return { status: 403, code: 'FORBIDDEN' };
  // Connecting Telegram needs a bot token Telegram accepts, and a link code a connected bot: past authorization, this fixture has neither.
  if (route.operationId === 'updateTelegramSettings') return { status: 400, code: 'VALIDATION_ERROR' };
  if (route.operationId === 'createMyTelegramLinkCode') return { status: 409, code: 'INVALID_STATUS' };
  // Likewise Discord: an application Discord accepts, and a link code a connected application.
  if (route.operationId === 'updateDiscordSettings') return { status: 400, code: 'VALIDATION_ERROR' };
  if (route.operationId === 'createMyDiscordLinkCode') return { status: 409, code: 'INVALID_STATUS' };
  // Likewise Teams: an app id and secret Microsoft issues a token for, and a connected bot.
  if (route.operationId === 'updateMsTeamsSettings') return { status: 400, code: 'VALIDATION_ERROR' };
  if (route.operationId === 'createMyMsTeamsLinkCode') return { status: 409, code: 'INVALID_STATUS' };
  // Connecting a GitHub App needs credentials GitHub accepts: past authorization, this fixture sends none.
  if (route.operationId === 'updateGithubSettings') return { status: 400, code: 'VALIDATION_ERROR' };
  // A grant is seen and revoked by its giver, an admin, its connection (here the owner key) or that connection's owner; to anyone else it is not there.
  if (route.operationId === 'revokeGrant' && p.role !== 'admin' && !p.owner) return { status: 404, code: 'NOT_FOUND' };
  // Passkey routes past the gate: a fixture cannot hold a WebAuthn ceremony, so finishing one (or stepping up
  // without a passkey) is refused by the ceremony check, and a passkey id that is not the caller's is not there.
  if (route.operationId === 'finishPasskeyRegistration' || route.operationId === 'finishStepUp' || route.operationId === 'beginStepUp') return { status: 400, code: 'VALIDATION_ERROR' };
  if (route.operationId === 'deletePasskey') return { status: 404, code: 'NOT_FOUND' };
  // A device subscription needs a browser's keys and a push service's endpoint (this fixture sends no body), and a device id that is not the caller's is not there.
  if (route.operationId === 'createMyWebPushSubscription') return { status: 400, code: 'VALIDATION_ERROR' };
  if (route.operationId === 'deleteMyWebPushSubscription') return { status: 404, code: 'NOT_FOUND' };
  return { status: successOf(route) };
}

async function newApproval(): Promise<string> {
  return (await server.http(ownerKey).post('/api/v1/approvals').send(approvalBody()).expect(201)).body.id;
}

/** Fresh resources for one call: the path to call and its body. */
async function fixture(id: OperationId, route: RouteDef): Promise<{ path: string; body?: object; cleanup?: () => Promise<unknown> }> {
  const body = SAMPLE_BODIES[id];
  const steps = { steps: [{ approver_id: approverUser.id, step_order: 1 }] };
  if (route.dialect && route.path.includes('{')) {
    // A peer API's route on a fresh request of the org (for the runs API, the request as an approval with one run).
    const approval = await newApproval();
    const path = route.path.replace('{organizationId}', org.org.id).replace(/\{(id|approvalId|approvalRunId)\}/g, approval);
    // A rejection, as for decideApproval: four-eyes decides nothing here.
    return { path, body: id === 'resolveKaireonApproval' ? { action: 'reject' } : body };
  }
  if (route.path.startsWith('/api/v1/approvals/{id}')) {
    const approval = await newApproval();
    const path = route.path.replace('{id}', approval);
    switch (id) {
      case 'waitForApproval':
        // Decided already, so the long poll answers at once.
        await server.http(ownerKey).delete(`/api/v1/approvals/${approval}`).expect(200);
        return { path };
      case 'decideApproval':
        // A rejection: withdrawing one's own request is allowed, so four-eyes decides nothing here.
        return { path, body: { decision: 'reject' } };
      case 'configureSteps':
        return { path, body: steps };
      case 'revokeApproval': {
        // Requested by a second key and approved by the owner key: who may revoke is whoever approved
        // (or an admin), a rule of the request's votes that the state machine applies (see expected()).
        const requester = await org.newKey();
        const other = (await server.http(requester.key).post('/api/v1/approvals').send(approvalBody({ revocable_for_seconds: 600 })).expect(201)).body.id;
        await server.http(ownerKey).patch(`/api/v1/approvals/${other}`).send({ decision: 'approve' }).expect(200);
        return { path: route.path.replace('{id}', other), body };
      }
      case 'reportExecution': {
        // Only an approved request takes a receipt: approved by a second key (four-eyes).
        const decider = await org.newKey();
        await server.http(decider.key).patch(`/api/v1/approvals/${approval}`).send({ decision: 'approve' }).expect(200);
        return { path, body };
      }
      case 'voteStep': {
        const configured = await server.http(ownerKey).post(`/api/v1/approvals/${approval}/steps`).send(steps).expect(201);
        return { path: path.replace('{stepId}', configured.body.data[0].id), body: { decision: 'reject' } };
      }
      case 'reassignStep': {
        const configured = await server.http(ownerKey).post(`/api/v1/approvals/${approval}/steps`).send(steps).expect(201);
        return { path: path.replace('{stepId}', configured.body.data[0].id), body: { user_ids: [approverUser.id] } };
      }
      default:
        return { path, body };
    }
  }
  if (route.path.startsWith('/api/v1/webhooks/{id}')) {
    const hook = (await server.http(ownerKey).post('/api/v1/webhooks').send({ url: 'https://hooks.example.com/x', events: ['approval.approved'] }).expect(201)).body.id;
    // Deleted afterwards: an org holds at most 50 subscriptions.
    return { path: route.path.replace('{id}', hook), cleanup: () => server.db.query(`UPDATE webhook_subscriptions SET status = 'deleted' WHERE id = $1`, [hook]) };
  }
  if (id === 'redeliverDelivery') {
    const approval = await newApproval();
    const { rows } = await server.db.query<{ id: string }>(
      `UPDATE deliveries SET status = 'failed' WHERE approval_id = $1 AND payload ->> 'subscription_id' = $2 RETURNING id`,
      [approval, deliveriesHook],
    );
    return { path: route.path.replace('{id}', rows[0]!.id) };
  }
  if (route.path.startsWith('/api/v1/teams/{id}')) {
    const member = await org.addUser('approver');
    const { rows } = await server.db.query<{ id: string }>('INSERT INTO teams (org_id, name) VALUES ($1, $2) RETURNING id', [org.org.id, `team-${randomBytes(4).toString('hex')}`]);
    await server.db.query('INSERT INTO team_members (team_id, org_id, user_id) VALUES ($1, $2, $3)', [rows[0]!.id, org.org.id, member.id]);
    const path = route.path.replace('{id}', rows[0]!.id).replace('{userId}', member.id);
    if (id === 'addTeamMember') return { path, body: { user_id: (await org.addUser('approver')).id } };
    return { path, body };
  }
  if (route.path.startsWith('/api/v1/flows/{id}')) {
    const { rows } = await server.db.query<{ id: string }>('INSERT INTO flows (org_id, name) VALUES ($1, $2) RETURNING id', [org.org.id, `flow-${randomBytes(4).toString('hex')}`]);
    const definition = { description: null, expires_in_seconds: null, on_expiry: 'expire', steps: [{ name: null, user_ids: [approverUser.id], team_ids: [], quorum: 1, time_limit_seconds: null }] };
    await server.db.query('INSERT INTO flow_versions (flow_id, version, definition) VALUES ($1, 1, $2)', [rows[0]!.id, JSON.stringify(definition)]);
    return { path: route.path.replace('{id}', rows[0]!.id), ...(id === 'updateFlow' ? { body: { on_expiry: 'reject' } } : {}) };
  }
  if (route.path.startsWith('/api/v1/routing-rules/{id}')) {
    // A rule that matches none of the requests these tests create, so it routes nothing.
    await server.db.query(`INSERT INTO routing_rule_sets (org_id, version, updated_by_type) VALUES ($1, 1, 'system') ON CONFLICT (org_id) DO NOTHING`, [org.org.id]);
    const { rows } = await server.db.query<{ id: string }>(
      `INSERT INTO routing_rules (org_id, position, name, match, action)
       SELECT $1, coalesce(max(position), 0) + 1, 'fixture', '{"action_type": "never.matches"}', $2 FROM routing_rules WHERE org_id = $1 RETURNING id`,
      [org.org.id, JSON.stringify({ approvers: { user_ids: [approverUser.id], team_ids: [] }, quorum: 1 })],
    );
    return { path: route.path.replace('{id}', rows[0]!.id) };
  }
  if (id === 'setMyDelegation' || id === 'setMemberDelegation') {
    // A fresh delegate each call; the delegation is ended afterwards, so nobody stays away for the routes after it.
    const delegate = await org.addUser('approver');
    const path = route.path.replace('{userId}', (await org.addUser('approver')).id);
    return {
      path,
      body: { delegate_id: delegate.id, ends_at: new Date(Date.now() + 3_600_000).toISOString() },
      cleanup: () => server.db.query('DELETE FROM delegations WHERE org_id = $1', [org.org.id]),
    };
  }
  if (id === 'revokeGrant') {
    // A grant to the owner key, given by the org's first admin on one of its requests.
    const approval = await newApproval();
    const { rows } = await server.db.query<{ id: string }>(
      `INSERT INTO grants (id, org_id, given_by, given_on, connection_id, action_type, expires_at)
       VALUES (gen_random_uuid(), $1, $2, $3, $4, 'deploy.*', now() + interval '1 hour') RETURNING id`,
      [org.org.id, org.admin.id, approval, org.connectionId],
    );
    return { path: route.path.replace('{id}', rows[0]!.id) };
  }
  if (id === 'createFlow') return { path: route.path, body: { name: `flow-${randomBytes(4).toString('hex')}`, steps: [{ approvers: { user_ids: [approverUser.id] } }] } };
  if (id === 'createTeam') return { path: route.path, body: { name: `team-${randomBytes(4).toString('hex')}` } };
  if (route.path.includes('{userId}')) return { path: route.path.replace('{userId}', (await org.addUser('viewer')).id), body };
  if (id === 'revokeOAuthClient' || id === 'rotateOAuthClientSecret') return { path: route.path.replace('{id}', (await registerClient(server, org)).id) };
  if (id === 'revokeConnection' || id === 'rotateConnection') return { path: route.path.replace('{id}', (await org.newKey()).connectionId) };
  if (id === 'addMember') return { path: route.path, body: { email: `member-${randomBytes(4).toString('hex')}@example.test`, role: 'viewer' } };
  if (id === 'setPassword') return { path: route.path, body: { current_password: TEST_PASSWORD, new_password: TEST_PASSWORD } };
  return { path: route.path, body };
}

it('walks every route of the table and every kind of principal', () => {
  expect(ROUTES.length).toBe(ROUTE_LIST.length);
  expect(new Set(principals.map((p) => p.kind))).toEqual(new Set(['session', 'api_key', 'oauth']));
  expect(principals.filter((p) => p.kind === 'api_key' && !p.owner && !p.gone).map((p) => p.scopes[0])).toEqual([...SCOPES]);
});

describe.each(ROUTES)('%s', (_name, route) => {
  it('answers each principal exactly what the table says', async () => {
    const failures: string[] = [];
    for (const p of principals) {
      const { path, body, cleanup } = await fixture(route.operationId as OperationId, route);
      const res: RouteResponse = await callRoute(server.url, route, { path, headers: p.headers, ...(body ? { body } : {}) });
      await cleanup?.();
      const want = expected(route, p);
      const got = { status: res.status, ...(res.status >= 400 ? { code: res.body?.error?.code } : {}) };
      // A peer API whose error format has no code (dialects/) is judged by the status alone.
      if (got.status !== want.status || (want.code && errorsCarryCodes(route) && got.code !== want.code)) {
        failures.push(`${p.name}: expected ${want.status} ${want.code ?? ''}, got ${got.status} ${got.code ?? ''} ${res.status >= 400 ? res.text : ''}`);
      }
    }
    expect(failures).toEqual([]);
  });
});
