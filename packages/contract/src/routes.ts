import type { ZodObject, ZodType } from 'zod';
import { z } from './zod.ts';
import { IdParams } from './common.ts';
import type { Scope } from './scopes.ts';
import { ErrorEnvelope } from './errors.ts';
import {
  Approval,
  ApprovalList,
  CreateApprovalBody,
  DecideApprovalBody,
  DecisionResult,
  ListApprovalsQuery,
} from './approvals.ts';
import { Comment, CommentList, CreateCommentBody } from './comments.ts';
import { ConfigureStepsBody, Step, StepList, StepParams, VoteStepBody } from './steps.ts';
import { ApprovalEventList } from './events.ts';
import { Me } from './me.ts';

export type HttpMethod = 'get' | 'post' | 'patch' | 'delete';

export interface ResponseDef {
  description: string;
  schema: ZodType;
}

export interface RouteDef {
  operationId: string;
  method: HttpMethod;
  /** OpenAPI path syntax (`{id}`); the server converts it to Express syntax. */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  /** Scope the caller must hold; null means any authenticated caller. */
  scope: Scope | null;
  /** Refused with 503 EMERGENCY_STOP while the org's emergency stop is on. */
  mutating: boolean;
  request: {
    params?: ZodObject;
    query?: ZodObject;
    body?: ZodType;
    headers?: ZodObject;
  };
  responses: Record<number, ResponseDef>;
  /** Error statuses this route can answer, besides 401, 429 and 500 which every route can. */
  errors: number[];
}

const defineRoute = <const R extends RouteDef>(route: R): R => route;

const IdempotencyHeaders = z.object({
  'idempotency-key': z.string().min(1).max(255).optional().openapi({
    description: 'Alternative to the `idempotency_key` body field (the body field wins when both are sent)',
  }),
});

export const routes = {
  createApproval: defineRoute({
    operationId: 'createApproval',
    method: 'post',
    path: '/api/v1/approvals',
    tag: 'Approvals',
    summary: 'Create an approval request',
    description:
      'Creates a pending request, visible to approvers at once. With an idempotency key already used in your organization ' +
      'and the same body, answers 200 with the existing request instead of creating a duplicate; with a different body, 409 IDEMPOTENCY_KEY_REUSED.',
    scope: 'approvals:write',
    mutating: true,
    request: { body: CreateApprovalBody, headers: IdempotencyHeaders },
    responses: {
      201: { description: 'Created', schema: Approval },
      200: { description: 'The existing request for this idempotency key', schema: Approval },
    },
    errors: [400, 403, 409, 413, 503],
  }),
  listApprovals: defineRoute({
    operationId: 'listApprovals',
    method: 'get',
    path: '/api/v1/approvals',
    tag: 'Approvals',
    summary: 'List approval requests',
    description: 'Newest first by default. Page numbers and a cursor (`page_token` → `next_page_token`) both work.',
    scope: 'approvals:read',
    mutating: false,
    request: { query: ListApprovalsQuery },
    responses: { 200: { description: 'A page of requests', schema: ApprovalList } },
    errors: [400, 403],
  }),
  getApproval: defineRoute({
    operationId: 'getApproval',
    method: 'get',
    path: '/api/v1/approvals/{id}',
    tag: 'Approvals',
    summary: 'Get an approval request',
    scope: 'approvals:read',
    mutating: false,
    request: { params: IdParams },
    responses: { 200: { description: 'The request', schema: Approval } },
    errors: [403, 404],
  }),
  decideApproval: defineRoute({
    operationId: 'decideApproval',
    method: 'patch',
    path: '/api/v1/approvals/{id}',
    tag: 'Approvals',
    summary: 'Approve or reject a pending request',
    description:
      'Records one vote. A rejection rejects the request; approvals count distinct approvers until `required_approvals` is reached. ' +
      'The principal that created the request cannot approve it. With steps configured, the vote goes to the first pending step the caller may decide.',
    scope: 'approvals:write',
    mutating: true,
    request: { params: IdParams, body: DecideApprovalBody },
    responses: { 200: { description: 'The request after the vote', schema: DecisionResult } },
    errors: [400, 403, 404, 409, 503],
  }),
  cancelApproval: defineRoute({
    operationId: 'cancelApproval',
    method: 'delete',
    path: '/api/v1/approvals/{id}',
    tag: 'Approvals',
    summary: 'Cancel a pending request',
    scope: 'approvals:write',
    mutating: true,
    request: { params: IdParams },
    responses: { 200: { description: 'The cancelled request', schema: Approval } },
    errors: [403, 404, 409, 503],
  }),
  listApprovalEvents: defineRoute({
    operationId: 'listApprovalEvents',
    method: 'get',
    path: '/api/v1/approvals/{id}/events',
    tag: 'Approvals',
    summary: 'The audit trail of a request',
    description: 'Every state change, oldest first. Events are immutable.',
    scope: 'approvals:read',
    mutating: false,
    request: { params: IdParams },
    responses: { 200: { description: 'Events, oldest first', schema: ApprovalEventList } },
    errors: [403, 404],
  }),
  createComment: defineRoute({
    operationId: 'createComment',
    method: 'post',
    path: '/api/v1/approvals/{id}/comments',
    tag: 'Comments',
    summary: 'Add a comment',
    description:
      'Allowed on pending and decided requests alike; appends a `comment.created` event. ' +
      'A request holds at most 1000 comments; the next one is refused with 409 LIMIT_REACHED.',
    scope: 'comments:write',
    mutating: true,
    request: { params: IdParams, body: CreateCommentBody },
    responses: { 201: { description: 'Created', schema: Comment } },
    errors: [400, 403, 404, 409, 413, 503],
  }),
  listComments: defineRoute({
    operationId: 'listComments',
    method: 'get',
    path: '/api/v1/approvals/{id}/comments',
    tag: 'Comments',
    summary: 'List comments, oldest first',
    scope: 'approvals:read',
    mutating: false,
    request: { params: IdParams },
    responses: { 200: { description: 'Comments', schema: CommentList } },
    errors: [403, 404],
  }),
  listSteps: defineRoute({
    operationId: 'listSteps',
    method: 'get',
    path: '/api/v1/approvals/{id}/steps',
    tag: 'Steps',
    summary: 'List the approval steps of a request, in order',
    scope: 'approvals:read',
    mutating: false,
    request: { params: IdParams },
    responses: { 200: { description: 'Steps in order', schema: StepList } },
    errors: [403, 404],
  }),
  configureSteps: defineRoute({
    operationId: 'configureSteps',
    method: 'post',
    path: '/api/v1/approvals/{id}/steps',
    tag: 'Steps',
    summary: 'Configure the approval steps of a pending request',
    description: 'Replaces any existing configuration. Refused (409 STEPS_LOCKED) once a vote has been cast.',
    scope: 'approvals:write',
    mutating: true,
    request: { params: IdParams, body: ConfigureStepsBody },
    responses: { 201: { description: 'The new steps', schema: StepList } },
    errors: [400, 403, 404, 409, 503],
  }),
  voteStep: defineRoute({
    operationId: 'voteStep',
    method: 'patch',
    path: '/api/v1/approvals/{id}/steps/{stepId}',
    tag: 'Steps',
    summary: 'Vote on a step',
    description:
      'The step must be pending; the caller must be its approver, an org admin, or a connection with approvals:write. ' +
      'With `is_sequential`, earlier steps must be approved first.',
    scope: 'approvals:write',
    mutating: true,
    request: { params: StepParams, body: VoteStepBody },
    responses: { 200: { description: 'The step after the vote', schema: Step } },
    errors: [400, 403, 404, 409, 503],
  }),
  getMe: defineRoute({
    operationId: 'getMe',
    method: 'get',
    path: '/api/v1/me',
    tag: 'Account',
    summary: 'Who am I',
    description: 'The caller’s org, connection or user, and scopes. Integrations use it to test a connection.',
    scope: null,
    mutating: false,
    request: {},
    responses: { 200: { description: 'The caller', schema: Me } },
    errors: [403],
  }),
} as const satisfies Record<string, RouteDef>;

export type Routes = typeof routes;
export type OperationId = keyof Routes;
export const ROUTE_LIST: RouteDef[] = Object.values(routes);

export { ErrorEnvelope };
