/**
 * Calling any route of the contract's route table with a plausible request, for the tests that
 * iterate the table (auth, emergency stop, contract conformance). Streamed routes (SSE) are read
 * until their status and headers arrive, then closed: their body never ends on its own.
 */
import { randomUUID } from 'node:crypto';
import supertest from 'supertest';
import { expect } from 'vitest';
import type { ErrorCode, OperationId, RouteDef } from '@greenlight/contract';
import { approvalBody } from './harness.ts';
import { ApiError } from '../errors.ts';
import { dialectErrorRenderer } from '../dialects/index.ts';

/** A valid body per operation; a route added later without one here gets `{}`. */
export const SAMPLE_BODIES: Partial<Record<OperationId, object>> = {
  createApproval: approvalBody(),
  decideApproval: { decision: 'approve' },
  reportExecution: { status: 'started' },
  revokeApproval: { reason: 'changed my mind' },
  batchDecideApprovals: { ids: [randomUUID()], decision: 'approve' },
  createComment: { body: 'looks fine' },
  configureSteps: { steps: [{ approver_id: randomUUID(), step_order: 1 }] },
  voteStep: { decision: 'approve' },
  updateOrg: { emergency_stop: false },
  updateSlackSettings: { bot_token: 'xoxb-1111-2222-abcdefghijklmnop', signing_secret: 'abcdefghijklmnop1234', default_channel: '#approvals' },
  finishPasskeyRegistration: { name: 'laptop', response: { id: 'AAAA' } },
  finishStepUp: { response: { id: 'AAAA' } },
  updateStepUpSettings: { priorities: [], action_types: [] },
  updateSsoSettings: { issuer: 'https://login.example.com/realms/acme', client_id: 'greenlight', client_secret: 'a client secret', default_role: 'viewer' },
  createOAuthClient: { name: 'Zapier', redirect_uris: ['https://zapier.com/dashboard/auth/oauth/return/App1/'] },
  addMember: { email: 'new-member@example.test', role: 'viewer' },
  updateMember: { role: 'approver' },
  createConnection: { name: 'ci' },
  setPassword: { new_password: 'a long enough password' },
  createWebhook: { url: 'https://hooks.example.com/greenlight', events: ['approval.approved'] },
  createTeam: { name: 'SRE' },
  updateTeam: { name: 'Platform' },
  addTeamMember: { user_id: randomUUID() },
  createFlow: { name: 'Deploy', steps: [{ approvers: { user_ids: [randomUUID()] } }] },
  updateFlow: { name: 'Deploy v2' },
  updateMyNotificationPreferences: { channels: 'email' },
  updateOrgNotificationDefaults: { reminder_policy: null },
  putRoutingRules: { rules: [] },
  dryRunRoutingRules: { rules: [] },
  putPolicies: { source: '', never_without_person: { priorities: ['critical'], action_types: [] } },
  replayPolicies: { source: '', never_without_person: { priorities: ['critical'], action_types: [] } },
  reassignStep: { user_ids: [randomUUID()] },
  setMyDelegation: { delegate_id: randomUUID(), ends_at: '2999-01-01T00:00:00.000Z' },
  setMemberDelegation: { delegate_id: randomUUID(), ends_at: '2999-01-01T00:00:00.000Z' },
  createHumanApprovalRequest: { payload: { any: 'custom data you need' } },
  createKaireonApproval: { entityType: 'qualificationRule', entityId: 'qr_001', entityName: 'Credit Score Rule', action: 'update' },
  resolveKaireonApproval: { action: 'approve' },
};

/** A query per operation where the default would make the call slow (a long poll waits 30 s). */
export const SAMPLE_QUERIES: Partial<Record<OperationId, string>> = {
  waitForApproval: 'timeout=1',
};

export const isStreamed = (route: RouteDef) => Object.values(route.responses).some((r) => r.contentType === 'text/event-stream');

export interface RouteResponse {
  status: number;
  headers: Record<string, string>;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON of any route
  text: string;
}

export async function callRoute(
  baseUrl: string,
  route: RouteDef,
  options: { authorization?: string; query?: string; path?: string; body?: object; headers?: Record<string, string> } = {},
): Promise<RouteResponse> {
  const query = options.query ?? SAMPLE_QUERIES[route.operationId as OperationId];
  const path = (options.path ?? route.path.replace(/\{(\w+)\}/g, () => randomUUID())) + (query ? `?${query}` : '');
  if (isStreamed(route)) {
    const abort = new AbortController();
    const res = await fetch(baseUrl + path, {
      method: route.method.toUpperCase(),
      headers: { ...options.headers, ...(options.authorization !== undefined ? { authorization: options.authorization } : {}) },
      signal: abort.signal,
    });
    const headers = Object.fromEntries(res.headers);
    if (/^text\/event-stream/.test(headers['content-type'] ?? '')) {
      abort.abort();
      return { status: res.status, headers, body: {}, text: '' };
    }
    const text = await res.text();
    return { status: res.status, headers, body: text ? JSON.parse(text) : {}, text };
  }
  let req = supertest(baseUrl)[route.method](path);
  if (options.authorization !== undefined) req = req.set('Authorization', options.authorization);
  for (const [name, value] of Object.entries(options.headers ?? {})) req = req.set(name, value);
  const res = route.request.body ? await req.send(options.body ?? SAMPLE_BODIES[route.operationId as OperationId] ?? {}) : await req;
  return { status: res.status, headers: res.headers as Record<string, string>, body: res.body, text: res.text };
}

/**
 * The body a route answers an error with: the envelope (any request id), or, for a peer API whose
 * document defines its own error format (dialects/), that format as the server renders it.
 */
export function errorBody(route: RouteDef, code: ErrorCode, message: string, details?: Record<string, unknown>): unknown {
  const render = route.dialect && dialectErrorRenderer(route.dialect.id);
  if (render) return render(new ApiError(code, message, details), '').body;
  return { error: { code, message, ...(details && { details }), request_id: expect.any(String) } };
}

/** Whether a route's errors carry the envelope's code (a peer API's own format may not). */
export const errorsCarryCodes = (route: RouteDef): boolean => !(route.dialect && dialectErrorRenderer(route.dialect.id));
