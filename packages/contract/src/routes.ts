import type { ZodObject, ZodType } from 'zod';
import { z } from './zod.ts';
import { IdParams } from './common.ts';
import { ANY_CREDENTIAL, SESSION_ONLY, type Authorization, ADMIN_SESSION, MEMBER_SESSION, READ_APPROVALS } from './authorization.ts';
import { describeRefusalReasons, ErrorEnvelope } from './errors.ts';
import {
  Approval,
  ApprovalList,
  CreateApprovalBody,
  DecideApprovalBody,
  DecisionResult,
  ListApprovalsQuery,
  ReportExecutionBody,
  RevokeApprovalBody,
} from './approvals.ts';
import { BatchDecideBody, BatchDecideResult, BATCH_DECIDE_MAX } from './batch-decide.ts';
import { Comment, CommentList, CreateCommentBody } from './comments.ts';
import { ConfigureStepsBody, Step, StepList, StepParams, VoteStepBody } from './steps.ts';
import { ApprovalEventList } from './events.ts';
import { EVENT_STREAM_HEARTBEAT_SECONDS, EventStreamHeaders, EventStreamQuery, WaitApprovalQuery, WaitResult } from './waiting.ts';
import { WebhookPayload } from './webhooks.ts';
import { CallbackSecret, CreatedWebhook, CreateWebhookBody, DeletedWebhook, RotatedSecret, Webhook, WebhookList } from './webhooks.ts';
import { Delivery, DeliveryList, ListDeliveriesQuery } from './deliveries.ts';
import { Me, Org } from './me.ts';
import {
  AddMemberBody,
  Connection,
  ConnectionCreated,
  ConnectionList,
  CreateConnectionBody,
  ConnectionRotated,
  RotateConnectionBody,
  RotateOAuthClientSecretBody,
  OAuthClientSecretRotated,
  CreateOAuthClientBody,
  Member,
  MemberAdded,
  MemberList,
  OAuthClient,
  OAuthClientCreated,
  OAuthClientList,
  PasswordSet,
  SessionList,
  SessionsEnded,
  SetPasswordBody,
  UpdateMemberBody,
  UpdateOrgBody,
  UserIdParams,
} from './admin.ts';
import { AuditLedger, AuditLogPage, AuditEntry, ExportAuditLedgerQuery, ExportAuditLogQuery, ListAuditLogQuery } from './audit-log.ts';
import { ApprovalDetail, CreateFlowBody, Flow, FlowList, UpdateFlowBody } from './flows.ts';
import {
  MyNotificationPreferences,
  OrgNotificationDefaults,
  UpdateNotificationPreferencesBody,
  UpdateOrgNotificationDefaultsBody,
} from './notification-preferences.ts';
import { DryRunBody, DryRunResult, PutRoutingRulesBody, ROUTING_LIMITS, RoutingRule, RoutingRuleSet } from './routing-rules.ts';
import { AutoDecisionCounts, CountAutoDecisionsQuery, Grant, GrantList, ListGrantsQuery } from './grants.ts';
import { POLICY_LIMITS, POLICY_REPLAY_LIMITS, PolicySchema, PolicySet, PutPoliciesBody, ReplayPoliciesBody, ReplayPoliciesResult, ShadowReport } from './policies.ts';
import { DelegationAnswer, MemberDelegationParams, ReassignStepBody, SetDelegationBody } from './people.ts';
import { AddTeamMemberBody, CreateTeamBody, Team, TeamList, TeamMemberParams, UpdateTeamBody } from './teams.ts';
import { SlackSettings, UpdateSlackSettingsBody } from './slack.ts';
import { TelegramLink, TelegramLinkCode, TelegramSettings, UpdateTelegramSettingsBody } from './telegram.ts';
import { CreateWebPushSubscriptionBody, MyWebPush, WebPushSubscription } from './webpush.ts';
import { DiscordLink, DiscordLinkCode, DiscordSettings, UpdateDiscordSettingsBody } from './discord.ts';
import { MsTeamsLink, MsTeamsLinkCode, MsTeamsSettings, UpdateMsTeamsSettingsBody } from './msteams.ts';
import { githubRoutes } from './github.ts';
import { engineRoutes } from './engines.ts';
import { CreateScimTokenBody, ScimSettings, ScimTokenCreated } from './scim.ts';
import { SsoSettings, SsoStatus, UpdateSsoSettingsBody } from './sso.ts';
import { FinishPasskeyRegistrationBody, FinishStepUpBody, Passkey, PasskeyList, PasskeyOptions, StepUpSettings, StepUpStatus } from './passkeys.ts';
import {
  ApprovalRun,
  ApprovalRunPage,
  ApprovalRunParams,
  ApprovalRunsParams,
  ApprovalRunsQuery,
  HumanApprovalCreateBody,
  HumanApprovalRequest,
  KAIREON_LIST_MAX,
  KaireonApproval,
  KaireonApprovalList,
  KaireonCreateBody,
  KaireonHeaders,
  KaireonListQuery,
  KaireonResolution,
  KaireonResolveBody,
  DIALECTS,
  type DialectId,
} from './dialects.ts';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface ResponseDef {
  description: string;
  schema: ZodType;
  /**
   * Default JSON. `text/event-stream`: a stream of Server-Sent Events whose `data:` lines each hold one `schema`.
   * `application/jsonl`: one `schema` per line. Both are written by the handler as a stream.
   */
  contentType?: 'text/event-stream' | 'application/jsonl';
  /** Other media types the same answer can take (the route's query chooses), described in words: CSV has no schema. */
  alternatives?: Partial<Record<'text/csv', string>>;
}

export interface RouteDef {
  operationId: string;
  method: HttpMethod;
  /** OpenAPI path syntax (`{id}`); the server converts it to Express syntax. */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  /** Who may call it (authorization.ts); the router enforces exactly this. */
  authorization: Authorization;
  request: {
    params?: ZodObject;
    query?: ZodObject;
    body?: ZodType;
    headers?: ZodObject;
  };
  responses: Record<number, ResponseDef>;
  /** Error statuses this route can answer, besides 401, 429 and 500 which every route can. */
  errors: number[];
  /**
   * A route of a peer API (dialects.ts): its paths, fields and error body are that API's, and it
   * `translates` onto these v1 operations, whose authorization it keeps (a dialect may only be stricter).
   */
  dialect?: { id: DialectId; translates: readonly string[] };
  /** Top-level body fields that may hold up to INPUT_LIMITS.longTextMax characters instead of jsonStringMax. */
  longText?: readonly string[];
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
    authorization: { principals: ANY_CREDENTIAL, role: 'approver', scope: 'approvals:write', emergencyStop: 'refused' },
    request: { body: CreateApprovalBody, headers: IdempotencyHeaders },
    responses: {
      201: { description: 'Created, with its run as `GET /approvals/{id}` shows it (null without steps)', schema: ApprovalDetail },
      200: { description: 'The existing request for this idempotency key, as it is now, with its run', schema: ApprovalDetail },
    },
    errors: [400, 403, 409, 413, 503],
  }),
  listApprovals: defineRoute({
    operationId: 'listApprovals',
    method: 'get',
    path: '/api/v1/approvals',
    tag: 'Approvals',
    summary: 'List approval requests',
    description:
      'Newest first by default. Page numbers and a cursor (`page_token` → `next_page_token`) both work. `assigned=me` is the reviewer\'s ' +
      'inbox: what waits for the caller (see AssignedFilter).',
    authorization: READ_APPROVALS,
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
    authorization: READ_APPROVALS,
    request: { params: IdParams },
    responses: { 200: { description: 'The request, with its run (steps and where they stand) and every reviewer\'s result', schema: ApprovalDetail } },
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
      'The principal that created the request cannot approve it. With steps configured, the vote goes to the first pending step the caller may decide: ' +
      'a step is decided by the people it asks (named, or members of a team it names); admins and API keys only when the organization allows the admin ' +
      "override (each use is recorded on the request's events and in the audit log); with `resolve_policy: admin_only`, by admins only. " +
      'With `grant`, an approval by a person also gives a standing grant (GiveGrant), in the same transaction; refused with 400 when the ' +
      'request was not asked by a connection, is of a class of `never_without_person`, or the decision is not the approval that completes it, ' +
      'and with 403 for an API key (a grant is a person\'s). ' +
      `Every refusal names its reason in \`error.details.reason\`: ${describeRefusalReasons()}.`,
    authorization: { principals: ANY_CREDENTIAL, role: 'approver', scope: 'approvals:write', emergencyStop: 'refused', refusal: 'approve or reject requests' },
    request: { params: IdParams, body: DecideApprovalBody },
    responses: { 200: { description: 'The request after the vote', schema: DecisionResult } },
    errors: [400, 403, 404, 409, 503],
  }),
  batchDecideApprovals: defineRoute({
    operationId: 'batchDecideApprovals',
    method: 'post',
    path: '/api/v1/approvals/batch-decide',
    tag: 'Approvals',
    summary: 'Approve or reject several pending requests',
    description:
      `One decision (and comment) on 1 to ${BATCH_DECIDE_MAX} requests. Each is decided on its own, in its own transaction, by ` +
      'exactly the rules of `PATCH /api/v1/approvals/{id}`, in the order given; a refusal of one leaves it unchanged and does not ' +
      'stop the others. The answer is 200 with one result per distinct id: `recorded` with the request after the vote, or `refused` ' +
      'with the status, code, message and details the single decision would have answered (an unknown id and another organization’s ' +
      'both answer NOT_FOUND). Callbacks of the decisions are delivered by the delivery worker (no inline first attempt). ' +
      'The call counts once against the rate limit.',
    authorization: { principals: ANY_CREDENTIAL, role: 'approver', scope: 'approvals:write', emergencyStop: 'refused', refusal: 'approve or reject requests' },
    request: { body: BatchDecideBody },
    responses: { 200: { description: 'One result per distinct id, in order', schema: BatchDecideResult } },
    errors: [400, 403, 413, 503],
  }),
  cancelApproval: defineRoute({
    operationId: 'cancelApproval',
    method: 'delete',
    path: '/api/v1/approvals/{id}',
    tag: 'Approvals',
    summary: 'Cancel a pending request',
    authorization: { principals: ANY_CREDENTIAL, role: 'approver', scope: 'approvals:write', emergencyStop: 'refused', owner: { resource: 'approval', rule: 'requester', checkedBy: { viewerCan: 'cancel' } } },
    request: { params: IdParams },
    responses: { 200: { description: 'The cancelled request', schema: Approval } },
    errors: [403, 404, 409, 503],
  }),
  reportExecution: defineRoute({
    operationId: 'reportExecution',
    method: 'post',
    path: '/api/v1/approvals/{id}/execution',
    tag: 'Approvals',
    summary: 'Report what the automation did with an approval',
    description:
      'An execution receipt: `started`, then `succeeded` or `failed` (either may also be reported without `started`). Only on an ' +
      'approved request; after `succeeded` or `failed` the receipt is final (409). Each report is an `approval.execution_reported` ' +
      'event, shown on the request page and delivered to subscriptions that chose it. Allowed during an emergency stop: it reports ' +
      'what already happened.',
    authorization: { principals: ANY_CREDENTIAL, role: 'approver', scope: 'approvals:write', emergencyStop: 'allowed', owner: { resource: 'approval', rule: 'requester' } },
    request: { params: IdParams, body: ReportExecutionBody },
    responses: { 200: { description: 'The request with its receipt', schema: Approval } },
    errors: [400, 403, 404, 409],
  }),
  revokeApproval: defineRoute({
    operationId: 'revokeApproval',
    method: 'post',
    path: '/api/v1/approvals/{id}/revoke',
    tag: 'Approvals',
    summary: 'Rescind an approval within its revoke window',
    description:
      'Only for a request created with `revocable_for_seconds`, within that window after its approval, and before any execution was ' +
      'reported: then 409 INVALID_STATUS with `details.reason` (`not_approved`, `not_revocable`, `window_closed`, `execution_started`). ' +
      'Only an approver who approved the request (any approving vote it rests on, not only the one that completed it: `decided_by`), ' +
      'or an admin: anyone else gets 403 FORBIDDEN; `viewer_can.revoke` says beforehand. Every refusal carries the words of ' +
      '`viewer_can.revoke.reason` as `details.text`. The request becomes `rejected` with ' +
      '`revoked_at`, `revoked_by` and `revocation_reason`, and an `approval.revoked` event goes to its callback and to subscriptions ' +
      'that chose it. Allowed during an emergency stop: stopping is what it is for.',
    authorization: { principals: ANY_CREDENTIAL, role: 'approver', scope: 'approvals:write', emergencyStop: 'allowed', refusal: 'revoke approvals' },
    request: { params: IdParams, body: RevokeApprovalBody },
    responses: { 200: { description: 'The revoked request', schema: Approval } },
    errors: [400, 403, 404, 409],
  }),
  listApprovalEvents: defineRoute({
    operationId: 'listApprovalEvents',
    method: 'get',
    path: '/api/v1/approvals/{id}/events',
    tag: 'Approvals',
    summary: 'The audit trail of a request',
    description: 'Every state change, oldest first. Events are immutable.',
    authorization: READ_APPROVALS,
    request: { params: IdParams },
    responses: { 200: { description: 'Events, oldest first', schema: ApprovalEventList } },
    errors: [403, 404],
  }),
  waitForApproval: defineRoute({
    operationId: 'waitForApproval',
    method: 'get',
    path: '/api/v1/approvals/{id}/wait',
    tag: 'Approvals',
    summary: 'Wait for a decision (long poll)',
    description:
      'Answers as soon as the request leaves `pending` (at once if it already has), or after `timeout` seconds with the request ' +
      'still pending and `timed_out: true`: call again to keep waiting. The answer follows the decision within milliseconds, ' +
      'whichever server process recorded it. One call counts as one request against the rate limit. Like every answer, it ' +
      'carries `viewer_can`: what the caller may do with the request now.',
    authorization: READ_APPROVALS,
    request: { params: IdParams, query: WaitApprovalQuery },
    responses: { 200: { description: 'The request, decided or still pending at the timeout', schema: WaitResult } },
    errors: [400, 403, 404],
  }),
  streamEvents: defineRoute({
    operationId: 'streamEvents',
    method: 'get',
    path: '/api/v1/events',
    tag: 'Events',
    summary: "Stream the organization's events (Server-Sent Events)",
    description:
      'Every event of your organization, live, as Server-Sent Events: `id: <event id>`, `event: <event type>`, ' +
      '`data: <one line of JSON>`; the JSON is the same `WebhookPayload` that subscriptions receive, its `approval` being the ' +
      'request as it is when the event is sent, with `viewer_can`: what the stream\'s holder may do with it then. Without a cursor the stream starts now. To resume, send the last id received ' +
      'as the `Last-Event-ID` header (EventSource does so when it reconnects) or as `last_event_id`: every event after it is ' +
      'replayed, then the stream goes live; no event is skipped or repeated, even when concurrent transactions commit out of ' +
      'order. Events come in the order their transactions wrote them, which is id order except between concurrent ' +
      'transactions, so resume with the last id received rather than the highest; an event is sent once every transaction ' +
      `older than its own has ended. A comment line (\`: keep-alive\`) is sent every ${EVENT_STREAM_HEARTBEAT_SECONDS} s ` +
      'so proxies keep the connection open. Decision events (`approval.vote_recorded`, `step.decided`, `approval.approved`, ' +
      '`approval.rejected`) carry `approved_content_sha256` in `details`; automatic decisions on expiry carry `reason: "expired"`.',
    authorization: READ_APPROVALS,
    request: { query: EventStreamQuery, headers: EventStreamHeaders },
    responses: {
      200: { description: 'A stream of events; each `data:` line is one WebhookPayload', schema: WebhookPayload, contentType: 'text/event-stream' },
    },
    errors: [400, 403],
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
    authorization: { principals: ANY_CREDENTIAL, role: 'viewer', scope: 'comments:write', emergencyStop: 'refused' },
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
    authorization: READ_APPROVALS,
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
    authorization: READ_APPROVALS,
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
    description:
      'Replaces any existing configuration. Refused (409 STEPS_LOCKED) once a vote has been cast, and for the run of a flow the request named. ' +
      'A routed request takes the steps given instead of its rule\'s (or its rule\'s flow run) and is no longer routed (`routing` becomes null; ' +
      'the `steps.configured` event names the rule in `unrouted`).',
    authorization: { principals: ANY_CREDENTIAL, role: 'approver', scope: 'approvals:write', emergencyStop: 'refused', owner: { resource: 'approval', rule: 'requester' } },
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
      'The step must be pending and must ask the caller (named, or as a member of a team it names); an admin or an API key decides it only when ' +
      "the organization allows the admin override (recorded), and under `resolve_policy: admin_only` only admins decide. With `is_sequential` (every flow run), " +
      `earlier steps must be approved first. A step completes once its quorum approved; one rejection rejects it. Refusals name their reason in \`error.details.reason\`: ${describeRefusalReasons()}.`,
    authorization: { principals: ANY_CREDENTIAL, role: 'approver', scope: 'approvals:write', emergencyStop: 'refused', refusal: 'approve or reject requests' },
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
    authorization: { principals: ANY_CREDENTIAL, role: 'viewer', scope: null, emergencyStop: 'allowed' },
    request: {},
    responses: { 200: { description: 'The caller', schema: Me } },
    errors: [403],
  }),
  // Organization administration and account routes: people signed in to the dashboard only (a
  // session; API keys and OAuth tokens get 403), so no scope. The stop does not refuse them: they
  // change the org, its members and credentials, never an approval request or what automations
  // receive, and must keep working during the stop (turning it off, revoking a leaked key).
  updateOrg: defineRoute({
    operationId: 'updateOrg',
    method: 'patch',
    path: '/api/v1/org',
    tag: 'Organization',
    summary: 'Turn the emergency stop on or off; who may decide',
    description:
      'Admins only, signed in to the dashboard (session cookie + X-CSRF-Token). API keys and OAuth tokens get 403. ' +
      '`admin_override` (default false) lets admins and API keys decide steps that do not ask them; `resolve_policy: admin_only` makes only admins decide. ' +
      'Changes of either are in the audit log.',
    authorization: ADMIN_SESSION,
    request: { body: UpdateOrgBody },
    responses: { 200: { description: 'The organization', schema: Org } },
    errors: [400, 403],
  }),
  createOAuthClient: defineRoute({
    operationId: 'createOAuthClient',
    method: 'post',
    path: '/api/v1/oauth-clients',
    tag: 'OAuth clients',
    summary: 'Register an OAuth client',
    description: 'Admins only (dashboard session). The client secret is in this response only.',
    authorization: ADMIN_SESSION,
    request: { body: CreateOAuthClientBody },
    responses: { 201: { description: 'Registered', schema: OAuthClientCreated } },
    errors: [400, 403],
  }),
  listOAuthClients: defineRoute({
    operationId: 'listOAuthClients',
    method: 'get',
    path: '/api/v1/oauth-clients',
    tag: 'OAuth clients',
    summary: 'List the OAuth clients of the organization',
    description: 'Admins only (dashboard session). The clients admins registered, and the ones that registered themselves and that members have authorized.',
    authorization: ADMIN_SESSION,
    request: {},
    responses: { 200: { description: 'Clients, newest first', schema: OAuthClientList } },
    errors: [403],
  }),
  revokeOAuthClient: defineRoute({
    operationId: 'revokeOAuthClient',
    method: 'delete',
    path: '/api/v1/oauth-clients/{id}',
    tag: 'OAuth clients',
    summary: 'Revoke an OAuth client and every grant it holds',
    description:
      'Admins only (dashboard session). Its tokens stop working at once. A client that registered itself is revoked in this organization: its grants here end and members can no longer authorize it.',
    authorization: ADMIN_SESSION,
    request: { params: IdParams },
    responses: { 200: { description: 'The revoked client', schema: OAuthClient } },
    errors: [403, 404],
  }),
  rotateOAuthClientSecret: defineRoute({
    operationId: 'rotateOAuthClientSecret',
    method: 'post',
    path: '/api/v1/oauth-clients/{id}/rotate-secret',
    tag: 'OAuth clients',
    summary: "Rotate an OAuth client's secret",
    description:
      'Admins only (dashboard session). Issues a new client secret (in this response only); the previous one keeps working for ' +
      '`overlap_seconds` (default a day), so the application can be given the new one without an outage, then stops. A rotation during ' +
      'an overlap ends the secret before the previous one at once. Its creator is warned before the previous secret stops. ' +
      'Clients that registered themselves (public, no secret), revoked or expired clients and other organizations\' clients are not found (404).',
    authorization: ADMIN_SESSION,
    request: { params: IdParams, body: RotateOAuthClientSecretBody },
    responses: { 201: { description: 'The client with its new secret', schema: OAuthClientSecretRotated } },
    errors: [400, 403, 404],
  }),
  listMembers: defineRoute({
    operationId: 'listMembers',
    method: 'get',
    path: '/api/v1/members',
    tag: 'Members',
    summary: 'List the members of the organization and their roles',
    description: 'Admins only (dashboard session).',
    authorization: ADMIN_SESSION,
    request: {},
    responses: { 200: { description: 'Members, oldest first', schema: MemberList } },
    errors: [403],
  }),
  addMember: defineRoute({
    operationId: 'addMember',
    method: 'post',
    path: '/api/v1/members',
    tag: 'Members',
    summary: 'Add a member',
    description:
      'Admins only (dashboard session). A new account gets a one-time sign-in link (in this response only, valid for an hour) ' +
      'after which the member sets a password. An account of another organization is invited instead: the link asks the person, ' +
      'signed in, to accept; the answer does not say which happened. 409 ALREADY_MEMBER when the email is already a member.',
    authorization: ADMIN_SESSION,
    request: { body: AddMemberBody },
    responses: { 201: { description: 'Added', schema: MemberAdded } },
    errors: [400, 403, 409],
  }),
  updateMember: defineRoute({
    operationId: 'updateMember',
    method: 'patch',
    path: '/api/v1/members/{userId}',
    tag: 'Members',
    summary: "Change a member's role or sensitive-field permission",
    description:
      'Admins only (dashboard session). The last admin cannot be demoted (409 LAST_ADMIN). `see_sensitive` grants or withdraws the ' +
      'permission to see fields marked sensitive unmasked (admins have it by their role). Applies at once, to sessions and OAuth grants; ' +
      'written to the audit log.',
    authorization: ADMIN_SESSION,
    request: { params: UserIdParams, body: UpdateMemberBody },
    responses: { 200: { description: 'The member', schema: Member } },
    errors: [400, 403, 404, 409],
  }),
  removeMember: defineRoute({
    operationId: 'removeMember',
    method: 'delete',
    path: '/api/v1/members/{userId}',
    tag: 'Members',
    summary: 'Remove a member',
    description:
      'Admins only (dashboard session). Ends their sessions and revokes their OAuth grants in this organization. ' +
      'The last admin cannot be removed (409 LAST_ADMIN).',
    authorization: ADMIN_SESSION,
    request: { params: UserIdParams },
    responses: { 200: { description: 'The removed member', schema: Member } },
    errors: [403, 404, 409],
  }),
  listConnections: defineRoute({
    operationId: 'listConnections',
    method: 'get',
    path: '/api/v1/connections',
    tag: 'Connections',
    summary: 'List active connections',
    description: "Dashboard session. Admins see every API key and OAuth grant of the organization; others see their own OAuth grants.",
    authorization: { principals: SESSION_ONLY, role: 'viewer', scope: null, emergencyStop: 'allowed', owner: { resource: 'connection', rule: 'holder', others: 'hidden' } },
    request: {},
    responses: { 200: { description: 'Connections, newest first', schema: ConnectionList } },
    errors: [403],
  }),
  createConnection: defineRoute({
    operationId: 'createConnection',
    method: 'post',
    path: '/api/v1/connections',
    tag: 'Connections',
    summary: 'Create an API-key connection',
    description: 'Admins only (dashboard session). The API key is in this response only.',
    authorization: ADMIN_SESSION,
    request: { body: CreateConnectionBody },
    responses: { 201: { description: 'Created', schema: ConnectionCreated } },
    errors: [400, 403],
  }),
  revokeConnection: defineRoute({
    operationId: 'revokeConnection',
    method: 'delete',
    path: '/api/v1/connections/{id}',
    tag: 'Connections',
    summary: 'Revoke a connection',
    description:
      "Dashboard session. Anyone may revoke their own OAuth grants; only admins may revoke others' connections " +
      '(to anyone else they answer 404). The credential fails from the next request on.',
    authorization: { principals: SESSION_ONLY, role: 'viewer', scope: null, emergencyStop: 'allowed', owner: { resource: 'connection', rule: 'holder', others: 'hidden' } },
    request: { params: IdParams },
    responses: { 200: { description: 'The revoked connection', schema: Connection } },
    errors: [403, 404],
  }),
  rotateConnection: defineRoute({
    operationId: 'rotateConnection',
    method: 'post',
    path: '/api/v1/connections/{id}/rotate',
    tag: 'Connections',
    summary: 'Rotate an API key',
    description:
      'Admins only (dashboard session). Issues a new API key with the same name, scopes and limits (its key is in this response only) ' +
      'and sets the old key to stop working after `overlap_seconds`, so both work while the new one is put in place. ' +
      'OAuth grants and revoked keys are not found (404).',
    authorization: ADMIN_SESSION,
    request: { params: IdParams, body: RotateConnectionBody },
    responses: { 201: { description: 'The new key and the old one with its new expiry', schema: ConnectionRotated } },
    errors: [400, 403, 404],
  }),
  setPassword: defineRoute({
    operationId: 'setPassword',
    method: 'post',
    path: '/api/v1/me/password',
    tag: 'Account',
    summary: 'Set or change your password',
    description:
      'Dashboard session only. `current_password` is required when a password is already set. Your other sessions are signed out. ' +
      'Limited to 10 attempts per hour.',
    authorization: MEMBER_SESSION,
    request: { body: SetPasswordBody },
    responses: { 200: { description: 'The password is set', schema: PasswordSet } },
    errors: [400, 403],
  }),
  listSessions: defineRoute({
    operationId: 'listSessions',
    method: 'get',
    path: '/api/v1/me/sessions',
    tag: 'Account',
    summary: 'Your signed-in sessions',
    description: 'Dashboard session only. Every live session of yours in this organization, newest first. `POST /sign-out` ends the current one.',
    authorization: MEMBER_SESSION,
    request: {},
    responses: { 200: { description: 'Sessions, newest first', schema: SessionList } },
    errors: [403],
  }),
  endOtherSessions: defineRoute({
    operationId: 'endOtherSessions',
    method: 'delete',
    path: '/api/v1/me/sessions',
    tag: 'Account',
    summary: 'Sign out everywhere else',
    description:
      'Dashboard session only. Ends every session of yours but this one, in every organization you belong to; an event stream ' +
      'opened with one of them ends too (then `POST /sign-out` ends this one).',
    authorization: MEMBER_SESSION,
    request: {},
    responses: { 200: { description: 'How many were ended', schema: SessionsEnded } },
    errors: [403],
  }),
  // Passkeys: a person's second factor. Dashboard session only; the challenge lives server-side on the session.
  listPasskeys: defineRoute({
    operationId: 'listPasskeys',
    method: 'get',
    path: '/api/v1/me/passkeys',
    tag: 'Account',
    summary: 'Your passkeys',
    description: 'Dashboard session only. The passkeys you registered, oldest first.',
    authorization: MEMBER_SESSION,
    request: {},
    responses: { 200: { description: 'Passkeys', schema: PasskeyList } },
    errors: [403],
  }),
  beginPasskeyRegistration: defineRoute({
    operationId: 'beginPasskeyRegistration',
    method: 'post',
    path: '/api/v1/me/passkeys/registration',
    tag: 'Account',
    summary: 'Start registering a passkey',
    description: 'Dashboard session only. Options for navigator.credentials.create(); the challenge works once, for five minutes, in this session.',
    authorization: MEMBER_SESSION,
    request: {},
    responses: { 200: { description: 'Registration options', schema: PasskeyOptions } },
    errors: [403],
  }),
  finishPasskeyRegistration: defineRoute({
    operationId: 'finishPasskeyRegistration',
    method: 'post',
    path: '/api/v1/me/passkeys',
    tag: 'Account',
    summary: 'Register a passkey',
    description:
      "Dashboard session only. Verifies the authenticator's attestation against this session's challenge (consumed whether or not it verifies), " +
      "this server's origin and relying-party id; 400 when it does not verify or there is no live challenge, 409 IN_USE for a credential already registered.",
    authorization: MEMBER_SESSION,
    request: { body: FinishPasskeyRegistrationBody },
    responses: { 201: { description: 'The passkey', schema: Passkey } },
    errors: [400, 403, 409],
  }),
  deletePasskey: defineRoute({
    operationId: 'deletePasskey',
    method: 'delete',
    path: '/api/v1/me/passkeys/{id}',
    tag: 'Account',
    summary: 'Remove a passkey',
    description: 'Dashboard session only. Removes one of your passkeys (404 for any other id).',
    authorization: MEMBER_SESSION,
    request: { params: IdParams },
    responses: { 200: { description: 'Your passkeys left', schema: PasskeyList } },
    errors: [403, 404],
  }),
  beginStepUp: defineRoute({
    operationId: 'beginStepUp',
    method: 'post',
    path: '/api/v1/me/step-up',
    tag: 'Account',
    summary: 'Start confirming with a passkey',
    description:
      'Dashboard session only. Options for navigator.credentials.get() allowing your passkeys; the challenge works once, for five minutes, in this session. ' +
      '400 when you have no passkey (register one on the account page first).',
    authorization: MEMBER_SESSION,
    request: {},
    responses: { 200: { description: 'Authentication options', schema: PasskeyOptions } },
    errors: [400, 403],
  }),
  finishStepUp: defineRoute({
    operationId: 'finishStepUp',
    method: 'post',
    path: '/api/v1/me/step-up/assertion',
    tag: 'Account',
    summary: 'Confirm with a passkey',
    description:
      "Dashboard session only. Verifies the assertion of one of your passkeys against this session's challenge (consumed whether or not it verifies), " +
      "origin, relying-party id and signature counter; the session then counts as stepped up for five minutes. 400 when it does not verify.",
    authorization: MEMBER_SESSION,
    request: { body: FinishStepUpBody },
    responses: { 200: { description: 'Until when the session is stepped up', schema: StepUpStatus } },
    errors: [400, 403],
  }),
  getStepUpSettings: defineRoute({
    operationId: 'getStepUpSettings',
    method: 'get',
    path: '/api/v1/org/step-up',
    tag: 'Organization',
    summary: 'Which requests need a passkey confirmation',
    description: 'Admins only (dashboard session). The priorities and action-type globs whose requests are decided only from a passkey-confirmed session.',
    authorization: ADMIN_SESSION,
    request: {},
    responses: { 200: { description: 'The step-up setting', schema: StepUpSettings } },
    errors: [403],
  }),
  updateStepUpSettings: defineRoute({
    operationId: 'updateStepUpSettings',
    method: 'put',
    path: '/api/v1/org/step-up',
    tag: 'Organization',
    summary: 'Require a passkey confirmation for some requests',
    description:
      'Admins only (dashboard session). Replaces the setting: requests of these priorities, or whose `action_type` matches one of these globs, ' +
      'are decided only by a person whose dashboard session was confirmed with a passkey in the last five minutes; every other credential and channel ' +
      'gets 403 STEP_UP_REQUIRED. 400 for a glob that does not compile. Recorded in the audit log.',
    authorization: ADMIN_SESSION,
    request: { body: StepUpSettings },
    responses: { 200: { description: 'The step-up setting', schema: StepUpSettings } },
    errors: [400, 403],
  }),
  // Outgoing webhooks (webhooks.ts documents the format). All take approvals:write and at least the
  // approver role: subscription URLs often embed the receiving platform's credentials, and the delivery
  // log shows both kinds of URL. The callback secret lets its holder forge decisions to every receiver:
  // admins only (and API keys, which only admins issue). During the emergency stop nothing that changes
  // what automations receive goes through. The callback secret lives outside /webhooks/{id}, so no
  // literal segment competes with an id there.
  getCallbackSecret: defineRoute({
    operationId: 'getCallbackSecret',
    method: 'get',
    path: '/api/v1/callback-secret',
    tag: 'Webhooks',
    summary: 'The secret that signs callback_url deliveries',
    description:
      'Every `callback_url` delivery of the organization is signed (Standard Webhooks) with this secret; created on first read. ' +
      'Verify `webhook-signature` over `<webhook-id>.<webhook-timestamp>.<raw body>` with it.',
    authorization: { principals: ANY_CREDENTIAL, role: 'admin', scope: 'approvals:write', emergencyStop: 'allowed' },
    request: {},
    responses: { 200: { description: 'The current secret', schema: CallbackSecret } },
    errors: [403],
  }),
  rotateCallbackSecret: defineRoute({
    operationId: 'rotateCallbackSecret',
    method: 'post',
    path: '/api/v1/callback-secret/rotate',
    tag: 'Webhooks',
    summary: 'Rotate the callback signing secret',
    description: 'The previous secret keeps signing, as a second signature, for 24 hours.',
    authorization: { principals: ANY_CREDENTIAL, role: 'admin', scope: 'approvals:write', emergencyStop: 'refused' },
    request: {},
    responses: { 200: { description: 'The new secret', schema: CallbackSecret } },
    errors: [403, 503],
  }),
  createWebhook: defineRoute({
    operationId: 'createWebhook',
    method: 'post',
    path: '/api/v1/webhooks',
    tag: 'Webhooks',
    summary: 'Subscribe to events (REST hook)',
    description:
      'The subscribe call of the Zapier, n8n and Make triggers. Answers the stable `id` to unsubscribe with and the signing `secret`, ' +
      'shown only here. The URL must resolve to a public address. At most 50 subscriptions per organization (409 LIMIT_REACHED).',
    authorization: { principals: ANY_CREDENTIAL, role: 'approver', scope: 'approvals:write', emergencyStop: 'refused' },
    request: { body: CreateWebhookBody },
    responses: { 201: { description: 'Subscribed', schema: CreatedWebhook } },
    errors: [400, 403, 409, 413, 503],
  }),
  listWebhooks: defineRoute({
    operationId: 'listWebhooks',
    method: 'get',
    path: '/api/v1/webhooks',
    tag: 'Webhooks',
    summary: 'List webhook subscriptions',
    authorization: { principals: ANY_CREDENTIAL, role: 'approver', scope: 'approvals:write', emergencyStop: 'allowed' },
    request: {},
    responses: { 200: { description: 'Subscriptions, oldest first', schema: WebhookList } },
    errors: [403],
  }),
  getWebhook: defineRoute({
    operationId: 'getWebhook',
    method: 'get',
    path: '/api/v1/webhooks/{id}',
    tag: 'Webhooks',
    summary: 'Get a webhook subscription',
    authorization: { principals: ANY_CREDENTIAL, role: 'approver', scope: 'approvals:write', emergencyStop: 'allowed' },
    request: { params: IdParams },
    responses: { 200: { description: 'The subscription (without its secret)', schema: Webhook } },
    errors: [403, 404],
  }),
  deleteWebhook: defineRoute({
    operationId: 'deleteWebhook',
    method: 'delete',
    path: '/api/v1/webhooks/{id}',
    tag: 'Webhooks',
    summary: 'Unsubscribe (REST hook)',
    description: 'Already deleted or unknown → 404 NOT_FOUND, which integrations treat as success.',
    authorization: { principals: ANY_CREDENTIAL, role: 'approver', scope: 'approvals:write', emergencyStop: 'refused', owner: { resource: 'subscription', rule: 'creator' } },
    request: { params: IdParams },
    responses: { 200: { description: 'Deleted', schema: DeletedWebhook } },
    errors: [403, 404, 503],
  }),
  rotateWebhookSecret: defineRoute({
    operationId: 'rotateWebhookSecret',
    method: 'post',
    path: '/api/v1/webhooks/{id}/rotate-secret',
    tag: 'Webhooks',
    summary: "Rotate a subscription's signing secret",
    description: 'Answers the new secret; the previous one keeps signing, as a second signature, for 24 hours.',
    authorization: { principals: ANY_CREDENTIAL, role: 'approver', scope: 'approvals:write', emergencyStop: 'refused', owner: { resource: 'subscription', rule: 'creator' } },
    request: { params: IdParams },
    responses: { 200: { description: 'The new secret', schema: RotatedSecret } },
    errors: [403, 404, 503],
  }),
  listDeliveries: defineRoute({
    operationId: 'listDeliveries',
    method: 'get',
    path: '/api/v1/deliveries',
    tag: 'Webhooks',
    summary: 'The delivery log',
    description: 'Callback and subscription deliveries of the organization, newest first, each with every attempt (status code, duration, error).',
    authorization: { principals: ANY_CREDENTIAL, role: 'approver', scope: 'approvals:write', emergencyStop: 'allowed' },
    request: { query: ListDeliveriesQuery },
    responses: { 200: { description: 'A page of deliveries', schema: DeliveryList } },
    errors: [400, 403],
  }),
  redeliverDelivery: defineRoute({
    operationId: 'redeliverDelivery',
    method: 'post',
    path: '/api/v1/deliveries/{id}/redeliver',
    tag: 'Webhooks',
    summary: 'Deliver again',
    description:
      'Queues a delivered, failed or gone delivery for a new attempt now, with the same `webhook-id` and a fresh retry schedule. ' +
      '409 INVALID_STATUS while it is still queued, or when its subscription was deleted or disabled.',
    authorization: { principals: ANY_CREDENTIAL, role: 'approver', scope: 'approvals:write', emergencyStop: 'refused' },
    request: { params: IdParams },
    responses: { 202: { description: 'Queued', schema: Delivery } },
    errors: [403, 404, 409, 503],
  }),
  listAuditLog: defineRoute({
    operationId: 'listAuditLog',
    method: 'get',
    path: '/api/v1/audit-log',
    tag: 'Organization',
    summary: 'The org audit log',
    description:
      'Every admin action, newest first: members added, invited, changed and removed, keys and OAuth clients created and revoked, ' +
      'the emergency stop, secret rotations, subscriptions created, deleted and disabled. Entries are never changed or removed. ' +
      'Admins only (dashboard session).',
    authorization: ADMIN_SESSION,
    request: { query: ListAuditLogQuery },
    responses: { 200: { description: 'A page of entries, newest first', schema: AuditLogPage } },
    errors: [400, 403],
  }),
  exportAuditLog: defineRoute({
    operationId: 'exportAuditLog',
    method: 'get',
    path: '/api/v1/audit-log/export',
    tag: 'Organization',
    summary: 'Export the org audit log',
    description: 'Every entry matching the filters, oldest first, as JSON Lines (`format=jsonl`) or CSV (`format=csv`). Admins only (dashboard session).',
    authorization: ADMIN_SESSION,
    request: { query: ExportAuditLogQuery },
    responses: {
      200: {
        description: 'The entries, oldest first',
        schema: AuditEntry,
        contentType: 'application/jsonl',
        alternatives: { 'text/csv': 'With `format=csv`: a header row, then one row per entry; `details` as JSON' },
      },
    },
    errors: [400, 403],
  }),
  exportAuditLedger: defineRoute({
    operationId: 'exportAuditLedger',
    method: 'get',
    path: '/api/v1/audit-log/ledger',
    tag: 'Organization',
    summary: 'Export the org audit log as a signed hash chain',
    description:
      'The org\'s audit entries (`kind: audit`) and the decisions on its requests (`kind: decision`: votes, final decisions by people, keys, ' +
      'policies and grants, revocations), interleaved in commit order, each with its `seq`, `prev_hash` and `hash`, ' +
      'and an Ed25519 signature over the org, the range and its end hashes, by a key published at `/.well-known/greenlight-audit-keys.json`. ' +
      '`greenlight audit verify FILE` checks it offline and names the first entry altered, removed or reordered. ' +
      '400 VALIDATION_ERROR when `to_seq` is before `from_seq` or the range is longer than the most one export carries. Admins only (dashboard session).',
    authorization: ADMIN_SESSION,
    request: { query: ExportAuditLedgerQuery },
    responses: { 200: { description: 'The entries of the range and the signature', schema: AuditLedger } },
    errors: [400, 403],
  }),
  // Teams: anyone in the org may read them (the names on a request's steps); only admins change them.
  listTeams: defineRoute({
    operationId: 'listTeams',
    method: 'get',
    path: '/api/v1/teams',
    tag: 'Teams',
    summary: 'List the teams of the organization',
    description: 'Every team with its members, by name.',
    authorization: READ_APPROVALS,
    request: {},
    responses: { 200: { description: 'Teams, by name', schema: TeamList } },
    errors: [403],
  }),
  getTeam: defineRoute({
    operationId: 'getTeam',
    method: 'get',
    path: '/api/v1/teams/{id}',
    tag: 'Teams',
    summary: 'Get a team',
    authorization: READ_APPROVALS,
    request: { params: IdParams },
    responses: { 200: { description: 'The team', schema: Team } },
    errors: [403, 404],
  }),
  createTeam: defineRoute({
    operationId: 'createTeam',
    method: 'post',
    path: '/api/v1/teams',
    tag: 'Teams',
    summary: 'Create a team',
    description:
      'Admins only (dashboard session). Names are unique in the organization, ignoring case (409 NAME_TAKEN). ' +
      '`member_ids` must be members of the organization. At most 200 teams per organization (409 LIMIT_REACHED).',
    authorization: ADMIN_SESSION,
    request: { body: CreateTeamBody },
    responses: { 201: { description: 'Created', schema: Team } },
    errors: [400, 403, 409],
  }),
  updateTeam: defineRoute({
    operationId: 'updateTeam',
    method: 'patch',
    path: '/api/v1/teams/{id}',
    tag: 'Teams',
    summary: 'Rename a team',
    description: 'Admins only (dashboard session). 409 NAME_TAKEN when another team has the name.',
    authorization: ADMIN_SESSION,
    request: { params: IdParams, body: UpdateTeamBody },
    responses: { 200: { description: 'The team', schema: Team } },
    errors: [400, 403, 404, 409],
  }),
  deleteTeam: defineRoute({
    operationId: 'deleteTeam',
    method: 'delete',
    path: '/api/v1/teams/{id}',
    tag: 'Teams',
    summary: 'Delete a team',
    description:
      'Admins only (dashboard session). Refused with 409 IN_USE while a flow, a routing rule or a step of a pending request names the team ' +
      '(`details` says which), so nobody is left waiting on a team that no longer exists.',
    authorization: ADMIN_SESSION,
    request: { params: IdParams },
    responses: { 200: { description: 'The deleted team', schema: Team } },
    errors: [403, 404, 409],
  }),
  addTeamMember: defineRoute({
    operationId: 'addTeamMember',
    method: 'post',
    path: '/api/v1/teams/{id}/members',
    tag: 'Teams',
    summary: 'Add a member to a team',
    description:
      'Admins only (dashboard session). The person must be a member of the organization (400); already in the team: 409 ALREADY_MEMBER. ' +
      'A team member may decide the pending steps that name the team from then on.',
    authorization: ADMIN_SESSION,
    request: { params: IdParams, body: AddTeamMemberBody },
    responses: { 200: { description: 'The team', schema: Team } },
    errors: [400, 403, 404, 409],
  }),
  removeTeamMember: defineRoute({
    operationId: 'removeTeamMember',
    method: 'delete',
    path: '/api/v1/teams/{id}/members/{userId}',
    tag: 'Teams',
    summary: 'Remove a member from a team',
    description: 'Admins only (dashboard session). 404 when the person is not in the team. Votes already cast stay.',
    authorization: ADMIN_SESSION,
    request: { params: TeamMemberParams },
    responses: { 200: { description: 'The team', schema: Team } },
    errors: [403, 404],
  }),
  // Approval flows: read by anyone in the org (automations name them in `flow_id`); changed by admins.
  listFlows: defineRoute({
    operationId: 'listFlows',
    method: 'get',
    path: '/api/v1/flows',
    tag: 'Flows',
    summary: 'List the approval flows of the organization',
    description: 'Every flow in its current version, by name.',
    authorization: READ_APPROVALS,
    request: {},
    responses: { 200: { description: 'Flows, by name', schema: FlowList } },
    errors: [403],
  }),
  getFlow: defineRoute({
    operationId: 'getFlow',
    method: 'get',
    path: '/api/v1/flows/{id}',
    tag: 'Flows',
    summary: 'Get an approval flow',
    authorization: READ_APPROVALS,
    request: { params: IdParams },
    responses: { 200: { description: 'The flow in its current version', schema: Flow } },
    errors: [403, 404],
  }),
  createFlow: defineRoute({
    operationId: 'createFlow',
    method: 'post',
    path: '/api/v1/flows',
    tag: 'Flows',
    summary: 'Create an approval flow',
    description:
      'Admins only (dashboard session). Ordered steps, each asking people and/or teams with a quorum (`1`, a number, or `all`) and an ' +
      'optional time limit; the run\'s expiry and `on_expiry`. Names are unique ignoring case (409 NAME_TAKEN).',
    authorization: ADMIN_SESSION,
    request: { body: CreateFlowBody },
    responses: { 201: { description: 'Created (version 1)', schema: Flow } },
    errors: [400, 403, 409],
  }),
  updateFlow: defineRoute({
    operationId: 'updateFlow',
    method: 'patch',
    path: '/api/v1/flows/{id}',
    tag: 'Flows',
    summary: 'Change an approval flow',
    description: 'Admins only (dashboard session). Makes a new version; runs already started keep the version they began with.',
    authorization: ADMIN_SESSION,
    request: { params: IdParams, body: UpdateFlowBody },
    responses: { 200: { description: 'The flow in its new version', schema: Flow } },
    errors: [400, 403, 404, 409],
  }),
  deleteFlow: defineRoute({
    operationId: 'deleteFlow',
    method: 'delete',
    path: '/api/v1/flows/{id}',
    tag: 'Flows',
    summary: 'Delete an approval flow',
    description:
      'Admins only (dashboard session). New requests can no longer name it; runs already started go on. Refused with 409 IN_USE while a ' +
      'routing rule starts runs of it (`details.routing_rule_ids`).',
    authorization: ADMIN_SESSION,
    request: { params: IdParams },
    responses: { 200: { description: 'The deleted flow', schema: Flow } },
    errors: [403, 404, 409],
  }),
  // Routing rules: read by anyone in the org (they say who is asked); changed and replayed by admins.
  getRoutingRules: defineRoute({
    operationId: 'getRoutingRules',
    method: 'get',
    path: '/api/v1/routing-rules',
    tag: 'Routing rules',
    summary: 'Get the routing rule set',
    description:
      'The ordered rules of the organization. A new request that names no `flow_id` is routed by the first enabled rule that matches it ' +
      '(`action_type` and `source` globs, priorities, tags, the connection asking): the rule starts a run of its flow, or a one-step run ' +
      'asking its approvers with its quorum, and may set the expiry and `on_expiry`. `required_approvals` and `is_sequential` on create do ' +
      'not opt out of routing (they come from the run, as with `flow_id`). The request records the rule in `routing`, and its ' +
      '`approval.created` event says so. A request no rule matches is asked of every approver and admin, as without rules.',
    authorization: READ_APPROVALS,
    request: {},
    responses: { 200: { description: 'The rule set in order, with its version', schema: RoutingRuleSet } },
    errors: [403],
  }),
  putRoutingRules: defineRoute({
    operationId: 'putRoutingRules',
    method: 'put',
    path: '/api/v1/routing-rules',
    tag: 'Routing rules',
    summary: 'Replace the routing rule set',
    description:
      `Admins only (dashboard session). The whole ordered set at once (at most ${ROUTING_LIMITS.rulesMax} rules), in one transaction: ` +
      'a rule sent with its `id` keeps it, a rule left out is removed. Makes a new version, recorded in the audit log with the set. ' +
      'Refused with 400 when a flow, team, person or connection is not of the organization, a glob is malformed or a quorum is more ' +
      'than the people a step asks; with 409 VERSION_CONFLICT when `expected_version` is not the current version.',
    authorization: ADMIN_SESSION,
    request: { body: PutRoutingRulesBody },
    responses: { 200: { description: 'The rule set in its new version', schema: RoutingRuleSet } },
    errors: [400, 403, 409],
  }),
  dryRunRoutingRules: defineRoute({
    operationId: 'dryRunRoutingRules',
    method: 'post',
    path: '/api/v1/routing-rules/dry-run',
    tag: 'Routing rules',
    summary: 'Replay a candidate rule set against recent requests',
    description:
      `Admins only (dashboard session). Nothing is saved. The organization's latest requests (\`limit\`, default ${ROUTING_LIMITS.dryRunDefault}, ` +
      `at most ${ROUTING_LIMITS.dryRunMax}) are matched against the saved set and against the candidate, by the same matching as create: ` +
      'for each, the rule each set picks and who it would ask first (names; the requester excepted); and a summary of the moves ' +
      '(counts per from → to pair, and sentences). The candidate is validated as `PUT` would (400).',
    authorization: ADMIN_SESSION,
    request: { body: DryRunBody },
    responses: { 200: { description: 'What would change', schema: DryRunResult } },
    errors: [400, 403],
  }),
  getRoutingRule: defineRoute({
    operationId: 'getRoutingRule',
    method: 'get',
    path: '/api/v1/routing-rules/{id}',
    tag: 'Routing rules',
    summary: 'Get a routing rule',
    authorization: READ_APPROVALS,
    request: { params: IdParams },
    responses: { 200: { description: 'The rule, with its position', schema: RoutingRule } },
    errors: [403, 404],
  }),
  deleteRoutingRule: defineRoute({
    operationId: 'deleteRoutingRule',
    method: 'delete',
    path: '/api/v1/routing-rules/{id}',
    tag: 'Routing rules',
    summary: 'Remove a routing rule',
    description: 'Admins only (dashboard session). The rules after it move up; makes a new version of the set, recorded in the audit log.',
    authorization: ADMIN_SESSION,
    request: { params: IdParams },
    responses: { 200: { description: 'The rule set in its new version', schema: RoutingRuleSet } },
    errors: [403, 404],
  }),
  // Policies: read by anyone in the org (they say what is decided without a person); changed by admins.
  getPolicies: defineRoute({
    operationId: 'getPolicies',
    method: 'get',
    path: '/api/v1/policies',
    tag: 'Policies',
    summary: 'Get the policy set',
    description:
      "The organization's policies, in Cedar, with their version. Each new request is evaluated against them when it is created: a " +
      '`forbid` that holds rejects it at once (its `@reason` is the comment), else a `permit` that holds approves it at once, else people ' +
      'are asked as routed. A request of a class in `never_without_person` (by default: critical priority) is never approved by a policy. ' +
      'An auto-decision is a decision like a person\'s (events, callbacks, waits, receipts, revoke window, audit) with `decided_by_type: ' +
      '"policy"` and `decided_by_policy` naming the policy. What a policy can read: `GET /api/v1/policies/schema`.',
    authorization: READ_APPROVALS,
    request: {},
    responses: { 200: { description: 'The policy set, with its version', schema: PolicySet } },
    errors: [403],
  }),
  putPolicies: defineRoute({
    operationId: 'putPolicies',
    method: 'put',
    path: '/api/v1/policies',
    tag: 'Policies',
    summary: 'Replace the policy set',
    description:
      `Admins only (dashboard session). The whole set at once (at most ${POLICY_LIMITS.policiesMax} policies), in one transaction; a new version, ` +
      'recorded in the audit log with the text. Refused with 400 VALIDATION_ERROR when the text does not parse, does not match the schema, ' +
      'a policy lacks a unique `@id`, or a permit names a class of `never_without_person` outright; each issue names its `line` and `column` ' +
      '(from 1) and the saved set is untouched. 409 VERSION_CONFLICT when `expected_version` is not the current version. ' +
      '409 CONFIRMATION_REQUIRED when the set, replayed against the latest decided requests, would approve one a person rejected ' +
      '(`details.disagreements` lists them, `details.approves_rejected` counts them), unless `confirm_approves_rejected` is true.',
    authorization: ADMIN_SESSION,
    request: { body: PutPoliciesBody },
    longText: ['source'],
    responses: { 200: { description: 'The policy set in its new version', schema: PolicySet } },
    errors: [400, 403, 409],
  }),
  replayPolicies: defineRoute({
    operationId: 'replayPolicies',
    method: 'post',
    path: '/api/v1/policies/replay',
    tag: 'Policies',
    summary: 'Replay a candidate policy set against recent decisions',
    description:
      `Admins only (dashboard session). Nothing is saved. The organization's latest decided requests (\`limit\`, default ${POLICY_REPLAY_LIMITS.default}, ` +
      `at most ${POLICY_REPLAY_LIMITS.max}) are evaluated by the candidate as they were created (their fields, who asked, the time): how many it ` +
      'would approve, reject or leave to people, and every request it would decide otherwise than it was decided, by id and title. ' +
      'The candidate is validated as `PUT` would (400).',
    authorization: ADMIN_SESSION,
    request: { body: ReplayPoliciesBody },
    longText: ['source'],
    responses: { 200: { description: 'What the candidate would have decided', schema: ReplayPoliciesResult } },
    errors: [400, 403],
  }),
  getPolicyShadow: defineRoute({
    operationId: 'getPolicyShadow',
    method: 'get',
    path: '/api/v1/policies/shadow',
    tag: 'Policies',
    summary: 'What shadow policies would have decided, and their agreement with people',
    description:
      'A policy annotated `@shadow` decides nothing: for each new request it is evaluated alone and what it would have decided is recorded. ' +
      'Here, per policy: how many requests it would have approved or rejected, and of those decided since, how many were decided as it would have.',
    authorization: READ_APPROVALS,
    request: {},
    responses: { 200: { description: 'Each shadow policy\'s record', schema: ShadowReport } },
    errors: [403],
  }),
  getPolicySchema: defineRoute({
    operationId: 'getPolicySchema',
    method: 'get',
    path: '/api/v1/policies/schema',
    tag: 'Policies',
    summary: 'What a policy can read of a request',
    description: 'The Cedar schema every policy set is validated against, and each type\'s fields in words.',
    authorization: READ_APPROVALS,
    request: {},
    responses: { 200: { description: 'The schema', schema: PolicySchema } },
    errors: [403],
  }),
  // Standing grants: given with an approval (PATCH /approvals/{id} with `grant`); seen and revoked here.
  listGrants: defineRoute({
    operationId: 'listGrants',
    method: 'get',
    path: '/api/v1/grants',
    tag: 'Grants',
    summary: 'List standing grants',
    description:
      'The standing grants the caller may see, newest first: an admin every grant of the organization; a person the grants they gave and ' +
      'those to connections they own (their OAuth grants, the API keys they created); an API key or OAuth grant the grants to itself. ' +
      'Each says whether the caller may revoke it (`viewer_can.revoke`). By pages (`page_token` → `next_page_token`); a page_token this list did not ' +
      'answer is 400 INVALID_PAGE_TOKEN.',
    authorization: READ_APPROVALS,
    request: { query: ListGrantsQuery },
    responses: { 200: { description: 'A page of the grants', schema: GrantList } },
    errors: [400, 403],
  }),
  countAutoDecisions: defineRoute({
    operationId: 'countAutoDecisions',
    method: 'get',
    path: '/api/v1/auto-decisions',
    tag: 'Grants',
    summary: 'Prompts avoided: decisions per policy and per grant',
    description:
      'How many requests each policy and each standing grant decided over the last 24 hours, 7 days or 30 days, from the stored decisions ' +
      '(`decided_by_policy`, `decided_by_grant`). Policies are the organization\'s and counted for everyone who may read requests; grants ' +
      'only those the caller may see (`GET /api/v1/grants`: an admin every one).',
    authorization: READ_APPROVALS,
    request: { query: CountAutoDecisionsQuery },
    responses: { 200: { description: 'The counts', schema: AutoDecisionCounts } },
    errors: [400, 403],
  }),
  revokeGrant: defineRoute({
    operationId: 'revokeGrant',
    method: 'post',
    path: '/api/v1/grants/{id}/revoke',
    tag: 'Grants',
    summary: 'Revoke a standing grant',
    description:
      'Its giver, an admin, or the owner of the connection it is for (the person of an OAuth grant, the creator of an API key); the ' +
      'connection itself too. It stops at once, on every server: the next request is asked of people. Recorded in the audit log ' +
      '(`grant.revoked`). A grant the caller may not see is 404; one already revoked is 409 INVALID_STATUS. Allowed during the emergency stop.',
    authorization: { principals: ANY_CREDENTIAL, role: 'viewer', scope: 'approvals:write', emergencyStop: 'allowed' },
    request: { params: IdParams },
    responses: { 200: { description: 'The grant, revoked', schema: Grant } },
    errors: [403, 404, 409],
  }),
  // Notification preferences: each person's own (any role, dashboard session), and the org's defaults (admins change them).
  getMyNotificationPreferences: defineRoute({
    operationId: 'getMyNotificationPreferences',
    method: 'get',
    path: '/api/v1/me/notification-preferences',
    tag: 'Account',
    summary: 'Your notification preferences',
    description: 'Dashboard session. What applies to you in this organization: your own choices, or the org defaults.',
    authorization: MEMBER_SESSION,
    request: {},
    responses: { 200: { description: 'Your preferences', schema: MyNotificationPreferences } },
    errors: [403],
  }),
  updateMyNotificationPreferences: defineRoute({
    operationId: 'updateMyNotificationPreferences',
    method: 'patch',
    path: '/api/v1/me/notification-preferences',
    tag: 'Account',
    summary: 'Change your notification preferences',
    description:
      'Dashboard session. Channels (`email`, `slack`, `both`, `digest_only`), quiet hours in your time zone (what falls in them is sent when they end) ' +
      'and the hour of a daily digest. Fields left out keep their value (starting from the org defaults); `use_org_defaults: true` forgets your own. Audit logged.',
    authorization: MEMBER_SESSION,
    request: { body: UpdateNotificationPreferencesBody },
    responses: { 200: { description: 'Your preferences', schema: MyNotificationPreferences } },
    errors: [400, 403],
  }),
  getOrgNotificationDefaults: defineRoute({
    operationId: 'getOrgNotificationDefaults',
    method: 'get',
    path: '/api/v1/org/notification-defaults',
    tag: 'Organization',
    summary: 'Notification defaults and the default reminder policy',
    description: 'Admins only (dashboard session).',
    authorization: ADMIN_SESSION,
    request: {},
    responses: { 200: { description: 'The defaults', schema: OrgNotificationDefaults } },
    errors: [403],
  }),
  updateOrgNotificationDefaults: defineRoute({
    operationId: 'updateOrgNotificationDefaults',
    method: 'patch',
    path: '/api/v1/org/notification-defaults',
    tag: 'Organization',
    summary: 'Change the notification defaults and the default reminder policy',
    description:
      'Admins only (dashboard session). `preferences` apply to members who chose none of their own; `reminder_policy` to steps without one ' +
      '(null: none). Changes are in the audit log.',
    authorization: ADMIN_SESSION,
    request: { body: UpdateOrgNotificationDefaultsBody },
    responses: { 200: { description: 'The defaults', schema: OrgNotificationDefaults } },
    errors: [400, 403],
  }),
  // Out of office and reassignment: who is asked instead of whom (people.ts).
  getMyDelegation: defineRoute({
    operationId: 'getMyDelegation',
    method: 'get',
    path: '/api/v1/me/delegation',
    tag: 'Account',
    summary: 'Your out-of-office delegation',
    description: 'Dashboard session only. Your delegation, current or upcoming; null when none is set or it has ended.',
    authorization: MEMBER_SESSION,
    request: {},
    responses: { 200: { description: 'Your delegation, or null', schema: DelegationAnswer } },
    errors: [403],
  }),
  setMyDelegation: defineRoute({
    operationId: 'setMyDelegation',
    method: 'post',
    path: '/api/v1/me/delegation',
    tag: 'Account',
    summary: 'Set your out-of-office delegate',
    description:
      'Dashboard session only; replaces any delegation you had. From `starts_at` (default now) until `ends_at`, whatever asks you ' +
      '(steps naming you or a team of yours, pending or new) asks the delegate instead, who decides for you (their votes are recorded ' +
      '"delegate for you": `on_behalf_of`). The delegate must be another member who may decide; a delegate who is away too does not ' +
      'pass it on (one hop: the assignment stays with you). Nobody approves what they asked for, by delegation neither. Audited.',
    authorization: { principals: SESSION_ONLY, role: 'approver', scope: null, emergencyStop: 'allowed' },
    request: { body: SetDelegationBody },
    responses: { 200: { description: 'The delegation', schema: DelegationAnswer } },
    errors: [400, 403],
  }),
  deleteMyDelegation: defineRoute({
    operationId: 'deleteMyDelegation',
    method: 'delete',
    path: '/api/v1/me/delegation',
    tag: 'Account',
    summary: 'End your out-of-office delegation',
    description: 'Dashboard session only. What asked your delegate for you asks you again. Audited; answers null even when none was set.',
    authorization: MEMBER_SESSION,
    request: {},
    responses: { 200: { description: 'No delegation', schema: DelegationAnswer } },
    errors: [403],
  }),
  getMemberDelegation: defineRoute({
    operationId: 'getMemberDelegation',
    method: 'get',
    path: '/api/v1/members/{userId}/delegation',
    tag: 'Organization',
    summary: "A member's out-of-office delegation",
    authorization: ADMIN_SESSION,
    request: { params: MemberDelegationParams },
    responses: { 200: { description: 'The delegation, or null', schema: DelegationAnswer } },
    errors: [403, 404],
  }),
  setMemberDelegation: defineRoute({
    operationId: 'setMemberDelegation',
    method: 'post',
    path: '/api/v1/members/{userId}/delegation',
    tag: 'Organization',
    summary: "Set a member's out-of-office delegate",
    description: 'Admins only (dashboard session): as `POST /me/delegation`, for a member who could not set it themselves. Audited.',
    authorization: ADMIN_SESSION,
    request: { params: MemberDelegationParams, body: SetDelegationBody },
    responses: { 200: { description: 'The delegation', schema: DelegationAnswer } },
    errors: [400, 403, 404],
  }),
  deleteMemberDelegation: defineRoute({
    operationId: 'deleteMemberDelegation',
    method: 'delete',
    path: '/api/v1/members/{userId}/delegation',
    tag: 'Organization',
    summary: "End a member's out-of-office delegation",
    authorization: ADMIN_SESSION,
    request: { params: MemberDelegationParams },
    responses: { 200: { description: 'No delegation', schema: DelegationAnswer } },
    errors: [403, 404],
  }),
  reassignStep: defineRoute({
    operationId: 'reassignStep',
    method: 'post',
    path: '/api/v1/approvals/{id}/steps/{stepId}/reassign',
    tag: 'Steps',
    summary: 'Reassign a pending step to other people or teams',
    description:
      'The requester or an admin (others: 403). The step must be pending (409 INVALID_STATUS). It asks the people and teams given from ' +
      'then on, with `quorum` (default: its current one); votes already cast on it stay and count, so a quorum they already meet is refused. ' +
      'A step of a flow run can be reassigned too (the flow itself is unchanged). One transaction: a `step.reassigned` event and an audit entry.',
    authorization: {
      principals: ANY_CREDENTIAL,
      role: 'approver',
      scope: 'approvals:write',
      emergencyStop: 'refused',
      owner: { resource: 'approval', rule: 'requester', checkedBy: { viewerCan: 'reassign' } },
    },
    request: { params: StepParams, body: ReassignStepBody },
    responses: { 200: { description: 'The step as it is now', schema: Step } },
    errors: [400, 403, 404, 409, 503],
  }),
  getSlackSettings: defineRoute({
    operationId: 'getSlackSettings',
    method: 'get',
    path: '/api/v1/org/slack',
    tag: 'Organization',
    summary: "The organization's Slack app",
    description: 'Admins only (dashboard session). Whether Slack is configured, the channel and the direct-message switch; never the bot token or signing secret.',
    authorization: ADMIN_SESSION,
    request: {},
    responses: { 200: { description: 'The Slack settings', schema: SlackSettings } },
    errors: [403],
  }),
  updateSlackSettings: defineRoute({
    operationId: 'updateSlackSettings',
    method: 'patch',
    path: '/api/v1/org/slack',
    tag: 'Organization',
    summary: 'Configure Slack',
    description:
      'Admins only (dashboard session). Sets the bot token and signing secret (stored encrypted, never shown again), the channel requests are posted to, ' +
      'and whether the people asked get a direct message. The first configuration needs both secrets (400 otherwise). Recorded in the audit log.',
    authorization: ADMIN_SESSION,
    request: { body: UpdateSlackSettingsBody },
    responses: { 200: { description: 'The Slack settings', schema: SlackSettings } },
    errors: [400, 403],
  }),
  deleteSlackSettings: defineRoute({
    operationId: 'deleteSlackSettings',
    method: 'delete',
    path: '/api/v1/org/slack',
    tag: 'Organization',
    summary: 'Turn Slack off',
    description:
      'Admins only (dashboard session). Forgets the bot token and signing secret: nothing more is posted, and buttons of messages already posted are refused. Recorded in the audit log.',
    authorization: ADMIN_SESSION,
    request: {},
    responses: { 200: { description: 'The Slack settings, now not configured', schema: SlackSettings } },
    errors: [403],
  }),
  getTelegramSettings: defineRoute({
    operationId: 'getTelegramSettings',
    method: 'get',
    path: '/api/v1/org/telegram',
    tag: 'Organization',
    summary: "The organization's Telegram bot",
    description: 'Admins only (dashboard session). Whether a bot is connected, its username and webhook URL; never the bot token or the webhook secret.',
    authorization: ADMIN_SESSION,
    request: {},
    responses: { 200: { description: 'The Telegram settings', schema: TelegramSettings } },
    errors: [403],
  }),
  updateTelegramSettings: defineRoute({
    operationId: 'updateTelegramSettings',
    method: 'put',
    path: '/api/v1/org/telegram',
    tag: 'Organization',
    summary: 'Connect a Telegram bot',
    description:
      'Admins only (dashboard session). Stores the bot token (encrypted, never shown again), generates a new webhook secret and asks Telegram (setWebhook) to post the ' +
      "bot's updates to Greenlight with it. 400 when Telegram refuses the token. Recorded in the audit log.",
    authorization: ADMIN_SESSION,
    request: { body: UpdateTelegramSettingsBody },
    responses: { 200: { description: 'The Telegram settings', schema: TelegramSettings } },
    errors: [400, 403],
  }),
  deleteTelegramSettings: defineRoute({
    operationId: 'deleteTelegramSettings',
    method: 'delete',
    path: '/api/v1/org/telegram',
    tag: 'Organization',
    summary: 'Turn Telegram off',
    description: 'Admins only (dashboard session). Forgets the bot token and webhook secret: nothing more is sent, and updates Telegram posts are refused. Recorded in the audit log.',
    authorization: ADMIN_SESSION,
    request: {},
    responses: { 200: { description: 'The Telegram settings, now not configured', schema: TelegramSettings } },
    errors: [403],
  }),
  getMyTelegramLink: defineRoute({
    operationId: 'getMyTelegramLink',
    method: 'get',
    path: '/api/v1/me/telegram',
    tag: 'Account',
    summary: 'Your Telegram account in this organization',
    description: 'Dashboard session. Whether a Telegram account is linked to you in this organization.',
    authorization: MEMBER_SESSION,
    request: {},
    responses: { 200: { description: 'The link', schema: TelegramLink } },
    errors: [403],
  }),
  createMyTelegramLinkCode: defineRoute({
    operationId: 'createMyTelegramLinkCode',
    method: 'post',
    path: '/api/v1/me/telegram/code',
    tag: 'Account',
    summary: 'A one-time code to link your Telegram account',
    description:
      'Dashboard session. A code valid for 10 minutes and once: send `/start <code>` to the org\'s bot (or open the link) and that Telegram account becomes yours ' +
      'here, replacing any earlier one. 409 when the org has no Telegram bot.',
    authorization: MEMBER_SESSION,
    request: {},
    responses: { 201: { description: 'The code', schema: TelegramLinkCode } },
    errors: [403, 409],
  }),
  deleteMyTelegramLink: defineRoute({
    operationId: 'deleteMyTelegramLink',
    method: 'delete',
    path: '/api/v1/me/telegram',
    tag: 'Account',
    summary: 'Unlink your Telegram account',
    description: 'Dashboard session. The Telegram account decides nothing more for you; its buttons are refused.',
    authorization: MEMBER_SESSION,
    request: {},
    responses: { 200: { description: 'The link, now none', schema: TelegramLink } },
    errors: [403],
  }),
  getDiscordSettings: defineRoute({
    operationId: 'getDiscordSettings',
    method: 'get',
    path: '/api/v1/org/discord',
    tag: 'Organization',
    summary: "The organization's Discord application",
    description: 'Admins only (dashboard session). Whether an application is connected, its channel and Interactions Endpoint URL; never the bot token.',
    authorization: ADMIN_SESSION,
    request: {},
    responses: { 200: { description: 'The Discord settings', schema: DiscordSettings } },
    errors: [403],
  }),
  updateDiscordSettings: defineRoute({
    operationId: 'updateDiscordSettings',
    method: 'put',
    path: '/api/v1/org/discord',
    tag: 'Organization',
    summary: 'Connect a Discord application',
    description:
      'Admins only (dashboard session). Discord confirms the bot token (it must be the application\'s), the `/link` command is registered, and the token and public key ' +
      'are stored encrypted. 400 when Discord refuses the token or the token is another application\'s. Recorded in the audit log.',
    authorization: ADMIN_SESSION,
    request: { body: UpdateDiscordSettingsBody },
    responses: { 200: { description: 'The Discord settings', schema: DiscordSettings } },
    errors: [400, 403],
  }),
  deleteDiscordSettings: defineRoute({
    operationId: 'deleteDiscordSettings',
    method: 'delete',
    path: '/api/v1/org/discord',
    tag: 'Organization',
    summary: 'Turn Discord off',
    description: 'Admins only (dashboard session). Forgets the application: nothing more is sent, and interactions Discord posts are refused. Recorded in the audit log.',
    authorization: ADMIN_SESSION,
    request: {},
    responses: { 200: { description: 'The Discord settings, now not configured', schema: DiscordSettings } },
    errors: [403],
  }),
  getMyDiscordLink: defineRoute({
    operationId: 'getMyDiscordLink',
    method: 'get',
    path: '/api/v1/me/discord',
    tag: 'Account',
    summary: 'Your Discord account in this organization',
    description: 'Dashboard session. Whether a Discord account is linked to you in this organization.',
    authorization: MEMBER_SESSION,
    request: {},
    responses: { 200: { description: 'The link', schema: DiscordLink } },
    errors: [403],
  }),
  createMyDiscordLinkCode: defineRoute({
    operationId: 'createMyDiscordLinkCode',
    method: 'post',
    path: '/api/v1/me/discord/code',
    tag: 'Account',
    summary: 'A one-time code to link your Discord account',
    description:
      "Dashboard session. A code valid for 10 minutes and once: run the org's app's `/link` command with it in Discord and that Discord account becomes yours " +
      'here, replacing any earlier one. 409 when the org has no Discord application.',
    authorization: MEMBER_SESSION,
    request: {},
    responses: { 201: { description: 'The code', schema: DiscordLinkCode } },
    errors: [403, 409],
  }),
  deleteMyDiscordLink: defineRoute({
    operationId: 'deleteMyDiscordLink',
    method: 'delete',
    path: '/api/v1/me/discord',
    tag: 'Account',
    summary: 'Unlink your Discord account',
    description: 'Dashboard session. The Discord account decides nothing more for you; its buttons are refused.',
    authorization: MEMBER_SESSION,
    request: {},
    responses: { 200: { description: 'The link, now none', schema: DiscordLink } },
    errors: [403],
  }),
  getMsTeamsSettings: defineRoute({
    operationId: 'getMsTeamsSettings',
    method: 'get',
    path: '/api/v1/org/msteams',
    tag: 'Organization',
    summary: "The organization's Microsoft Teams bot",
    description: 'Admins only (dashboard session). Whether a bot is connected, its app id, tenant, channel and messaging endpoint; never the client secret.',
    authorization: ADMIN_SESSION,
    request: {},
    responses: { 200: { description: 'The Teams settings', schema: MsTeamsSettings } },
    errors: [403],
  }),
  updateMsTeamsSettings: defineRoute({
    operationId: 'updateMsTeamsSettings',
    method: 'put',
    path: '/api/v1/org/msteams',
    tag: 'Organization',
    summary: 'Connect a Microsoft Teams bot',
    description:
      'Admins only (dashboard session). Stores the Azure Bot\'s app id and client secret (encrypted, never shown again) once Microsoft Entra issues a Bot Framework ' +
      'token for them. 400 when it does not. Recorded in the audit log. Set the answer\'s `messaging_endpoint` as the bot\'s messaging endpoint in Azure.',
    authorization: ADMIN_SESSION,
    request: { body: UpdateMsTeamsSettingsBody },
    responses: { 200: { description: 'The Teams settings', schema: MsTeamsSettings } },
    errors: [400, 403],
  }),
  deleteMsTeamsSettings: defineRoute({
    operationId: 'deleteMsTeamsSettings',
    method: 'delete',
    path: '/api/v1/org/msteams',
    tag: 'Organization',
    summary: 'Turn Microsoft Teams off',
    description: 'Admins only (dashboard session). Forgets the bot: nothing more is sent, and activities Teams posts are refused. Recorded in the audit log.',
    authorization: ADMIN_SESSION,
    request: {},
    responses: { 200: { description: 'The Teams settings, now not configured', schema: MsTeamsSettings } },
    errors: [403],
  }),
  getMyMsTeamsLink: defineRoute({
    operationId: 'getMyMsTeamsLink',
    method: 'get',
    path: '/api/v1/me/msteams',
    tag: 'Account',
    summary: 'Your Microsoft Teams account in this organization',
    description: 'Dashboard session. Whether a Teams account is linked to you in this organization.',
    authorization: MEMBER_SESSION,
    request: {},
    responses: { 200: { description: 'The link', schema: MsTeamsLink } },
    errors: [403],
  }),
  createMyMsTeamsLinkCode: defineRoute({
    operationId: 'createMyMsTeamsLinkCode',
    method: 'post',
    path: '/api/v1/me/msteams/code',
    tag: 'Account',
    summary: 'A one-time code to link your Microsoft Teams account',
    description:
      "Dashboard session. A code valid for 10 minutes and once: send `link <code>` to the org's bot in a personal chat in Teams and that Teams account becomes yours " +
      'here, replacing any earlier one. 409 when the org has no Teams bot.',
    authorization: MEMBER_SESSION,
    request: {},
    responses: { 201: { description: 'The code', schema: MsTeamsLinkCode } },
    errors: [403, 409],
  }),
  deleteMyMsTeamsLink: defineRoute({
    operationId: 'deleteMyMsTeamsLink',
    method: 'delete',
    path: '/api/v1/me/msteams',
    tag: 'Account',
    summary: 'Unlink your Microsoft Teams account',
    description: 'Dashboard session. The Teams account decides nothing more for you; its card actions are refused.',
    authorization: MEMBER_SESSION,
    request: {},
    responses: { 200: { description: 'The link, now none', schema: MsTeamsLink } },
    errors: [403],
  }),
  getMyWebPush: defineRoute({
    operationId: 'getMyWebPush',
    method: 'get',
    path: '/api/v1/me/webpush',
    tag: 'Account',
    summary: 'Your devices that get push notifications',
    description:
      "Dashboard session. The server's VAPID public key (made on first use and kept) to subscribe a device with, and your devices subscribed in this organization.",
    authorization: MEMBER_SESSION,
    request: {},
    responses: { 200: { description: 'The key and your devices', schema: MyWebPush } },
    errors: [403],
  }),
  createMyWebPushSubscription: defineRoute({
    operationId: 'createMyWebPushSubscription',
    method: 'post',
    path: '/api/v1/me/webpush/subscriptions',
    tag: 'Account',
    summary: 'Subscribe this device to push notifications',
    description:
      'Dashboard session. The browser\'s PushSubscription (as `toJSON()` gives it): each request you are asked to decide is then pushed to it, with Approve / Reject actions ' +
      'where the platform shows them. The same endpoint subscribed again replaces the earlier subscription (whoever made it). At most 20 devices per person (409 LIMIT_REACHED).',
    authorization: MEMBER_SESSION,
    request: { body: CreateWebPushSubscriptionBody },
    responses: { 201: { description: 'The device', schema: WebPushSubscription } },
    errors: [400, 403, 409],
  }),
  deleteMyWebPushSubscription: defineRoute({
    operationId: 'deleteMyWebPushSubscription',
    method: 'delete',
    path: '/api/v1/me/webpush/subscriptions/{id}',
    tag: 'Account',
    summary: 'Stop push notifications to one of your devices',
    description: 'Dashboard session. Nothing more is pushed to the device. Another person\'s device is not found (404).',
    authorization: MEMBER_SESSION,
    request: { params: IdParams },
    responses: { 200: { description: 'The device removed', schema: WebPushSubscription } },
    errors: [403, 404],
  }),
  getScimSettings: defineRoute({
    operationId: 'getScimSettings',
    method: 'get',
    path: '/api/v1/org/scim',
    tag: 'Organization',
    summary: "The organization's SCIM provisioning",
    description: 'Admins only (dashboard session). Whether a SCIM token is live, its prefix and when it was last used, and the base URL to give the identity provider; never the token.',
    authorization: ADMIN_SESSION,
    request: {},
    responses: { 200: { description: 'The SCIM settings', schema: ScimSettings } },
    errors: [403],
  }),
  createScimToken: defineRoute({
    operationId: 'createScimToken',
    method: 'post',
    path: '/api/v1/org/scim/token',
    tag: 'Organization',
    summary: 'Create or rotate the SCIM token',
    description:
      'Admins only (dashboard session). Issues the bearer token the identity provider provisions with, shown once (only its SHA-256 is stored). ' +
      'A live token is replaced in the same transaction: the old one is refused from then on. Recorded in the audit log.',
    authorization: ADMIN_SESSION,
    request: { body: CreateScimTokenBody },
    responses: { 201: { description: 'The new token, shown once', schema: ScimTokenCreated } },
    errors: [400, 403],
  }),
  revokeScimToken: defineRoute({
    operationId: 'revokeScimToken',
    method: 'delete',
    path: '/api/v1/org/scim/token',
    tag: 'Organization',
    summary: 'Revoke the SCIM token',
    description: 'Admins only (dashboard session). The identity provider is refused (401) from now on; members it provisioned stay as they are. Recorded in the audit log.',
    authorization: ADMIN_SESSION,
    request: {},
    responses: { 200: { description: 'The SCIM settings, now without a token', schema: ScimSettings } },
    errors: [403],
  }),
  getSsoSettings: defineRoute({
    operationId: 'getSsoSettings',
    method: 'get',
    path: '/api/v1/org/sso',
    tag: 'Organization',
    summary: "The organization's single sign-on (OpenID Connect)",
    description: 'Admins only (dashboard session). The identity provider, whether SSO is required, the role and group mapping of people who join; never the client secret.',
    authorization: ADMIN_SESSION,
    request: {},
    responses: { 200: { description: 'The SSO settings', schema: SsoSettings } },
    errors: [403],
  }),
  updateSsoSettings: defineRoute({
    operationId: 'updateSsoSettings',
    method: 'patch',
    path: '/api/v1/org/sso',
    tag: 'Organization',
    summary: 'Configure single sign-on',
    description:
      'Admins only (dashboard session). Sets the OpenID Connect provider (issuer, client id, client secret: stored encrypted, never shown again), ' +
      'whether members must sign in with it, the role of people who join by signing in, and the email domains that lead to it. ' +
      '400 for a configuration that cannot work (the first one without issuer, client_id and client_secret; an http issuer the server does not allow; ' +
      'require_sso by an admin who has not signed in with this SSO); 409 IN_USE for an email domain another organization has. Recorded in the audit log.',
    authorization: ADMIN_SESSION,
    request: { body: UpdateSsoSettingsBody },
    responses: { 200: { description: 'The SSO settings', schema: SsoSettings } },
    errors: [400, 403, 409],
  }),
  deleteSsoSettings: defineRoute({
    operationId: 'deleteSsoSettings',
    method: 'delete',
    path: '/api/v1/org/sso',
    tag: 'Organization',
    summary: 'Turn single sign-on off',
    description:
      'Admins only (dashboard session). Forgets the provider and its secret: nobody signs in with SSO any more, and members sign in with a password again. ' +
      'Sessions already open stay open. Recorded in the audit log.',
    authorization: ADMIN_SESSION,
    request: {},
    responses: { 200: { description: 'The SSO settings, now not configured', schema: SsoSettings } },
    errors: [403],
  }),
  getSsoStatus: defineRoute({
    operationId: 'getSsoStatus',
    method: 'get',
    path: '/api/v1/org/sso/status',
    tag: 'Organization',
    summary: 'Whether single sign-on is on',
    description: 'Any member (dashboard session): whether the organization signs in with SSO, and whether it is the only way in.',
    authorization: MEMBER_SESSION,
    request: {},
    responses: { 200: { description: 'Whether SSO is on', schema: SsoStatus } },
    errors: [403],
  }),
  // The peer APIs (dialects.ts; docs/compatibility.md): each route translates onto the v1 operations it
  // names and keeps their authorization. Their handlers are the server's dialects/<id>/.
  createHumanApprovalRequest: defineRoute({
    operationId: 'createHumanApprovalRequest',
    method: 'post',
    path: '/human-approval/api/v1/requests',
    tag: DIALECTS['human-approval'].tag,
    summary: 'Submit a request for human approval',
    description:
      'Human Approval\'s `POST /requests`: a pending request, as `POST /api/v1/approvals` creates it (routing, notifications, ' +
      'subscriptions), with `payload` as its metadata, priority `medium`, and the title "Approval request" when none is given. ' +
      'Refusals answer `{error, errors}`; an `external_id` already used in the organization is refused (400, `errors.external_id`).',
    authorization: { principals: ANY_CREDENTIAL, role: 'approver', scope: 'approvals:write', emergencyStop: 'refused' },
    request: { body: HumanApprovalCreateBody },
    responses: { 201: { description: 'Created', schema: HumanApprovalRequest } },
    errors: [400, 403, 413, 503],
    dialect: { id: 'human-approval', translates: ['createApproval'] },
  }),
  getHumanApprovalRequest: defineRoute({
    operationId: 'getHumanApprovalRequest',
    method: 'get',
    path: '/human-approval/api/v1/requests/{id}',
    tag: DIALECTS['human-approval'].tag,
    summary: 'Check the status of a request',
    description: 'Any request of the organization, whichever API created it.',
    authorization: READ_APPROVALS,
    request: { params: IdParams },
    responses: { 200: { description: 'The request', schema: HumanApprovalRequest } },
    errors: [403, 404],
    dialect: { id: 'human-approval', translates: ['getApproval'] },
  }),
  listKaireonApprovals: defineRoute({
    operationId: 'listKaireonApprovals',
    method: 'get',
    path: '/kaireon/api/v1/approvals',
    tag: DIALECTS.kaireon.tag,
    summary: 'List approval requests filtered by status',
    description: `A bare array, newest first, of at most ${KAIREON_LIST_MAX} requests of the organization (whichever API created them) with the status asked (default \`pending\`).`,
    authorization: READ_APPROVALS,
    request: { query: KaireonListQuery, headers: KaireonHeaders },
    responses: { 200: { description: 'The requests', schema: KaireonApprovalList } },
    errors: [400, 403],
    dialect: { id: 'kaireon', translates: ['listApprovals'] },
  }),
  createKaireonApproval: defineRoute({
    operationId: 'createKaireonApproval',
    method: 'post',
    path: '/kaireon/api/v1/approvals',
    tag: DIALECTS.kaireon.tag,
    summary: 'Create a new approval request',
    description:
      'A pending request about the entity, as `POST /api/v1/approvals` creates it with `entity_type`, `entity_id`, `entity_name`, `action` and ' +
      '`payload` (its metadata): titled "<action> <entityType> <entityName>", priority `medium`. Greenlight applies nothing to the entity on approval: ' +
      'your automation does, once it learns the decision.',
    authorization: { principals: ANY_CREDENTIAL, role: 'approver', scope: 'approvals:write', emergencyStop: 'refused' },
    request: { body: KaireonCreateBody, headers: KaireonHeaders },
    responses: { 201: { description: 'Created', schema: KaireonApproval } },
    errors: [400, 403, 413, 503],
    dialect: { id: 'kaireon', translates: ['createApproval'] },
  }),
  getKaireonApproval: defineRoute({
    operationId: 'getKaireonApproval',
    method: 'get',
    path: '/kaireon/api/v1/approvals/{id}',
    tag: DIALECTS.kaireon.tag,
    summary: 'Get a single approval request',
    authorization: READ_APPROVALS,
    request: { params: IdParams, headers: KaireonHeaders },
    responses: { 200: { description: 'The request', schema: KaireonApproval } },
    errors: [403, 404],
    dialect: { id: 'kaireon', translates: ['getApproval'] },
  }),
  resolveKaireonApproval: defineRoute({
    operationId: 'resolveKaireonApproval',
    method: 'post',
    path: '/kaireon/api/v1/approvals/{id}',
    tag: DIALECTS.kaireon.tag,
    summary: 'Resolve an approval request (approve or reject)',
    description:
      'Admins only (and API keys, which only admins issue): one vote, exactly as `PATCH /api/v1/approvals/{id}` records it, so the ' +
      "request's steps, quorum, four-eyes and resolve policy apply, and its callback and subscriptions are delivered. Refusals name " +
      `their reason in \`error.details.reason\`: ${describeRefusalReasons()}.`,
    authorization: { principals: ANY_CREDENTIAL, role: 'admin', scope: 'approvals:write', emergencyStop: 'refused' },
    request: { params: IdParams, body: KaireonResolveBody, headers: KaireonHeaders },
    responses: { 200: { description: 'The request after the vote', schema: KaireonResolution } },
    errors: [400, 403, 404, 409, 503],
    dialect: { id: 'kaireon', translates: ['decideApproval', 'getApproval'] },
  }),
  listApprovalRuns: defineRoute({
    operationId: 'listApprovalRuns',
    method: 'get',
    path: '/organizations/{organizationId}/approvals/{approvalId}/runs',
    tag: DIALECTS['approval-runs'].tag,
    summary: 'List the runs of an approval',
    description:
      'The runs of an approval flow (the requests started from it, newest first; `reverse=true` for oldest first), or the one run of a ' +
      "single request. `organizationId` is the caller's organization (its id or slug); any other answers 404.",
    authorization: READ_APPROVALS,
    request: { params: ApprovalRunsParams, query: ApprovalRunsQuery },
    responses: { 200: { description: 'A page of runs', schema: ApprovalRunPage } },
    errors: [400, 403, 404],
    dialect: { id: 'approval-runs', translates: ['getApproval'] },
  }),
  getApprovalRun: defineRoute({
    operationId: 'getApprovalRun',
    method: 'get',
    path: '/organizations/{organizationId}/approvals/{approvalId}/runs/{approvalRunId}',
    tag: DIALECTS['approval-runs'].tag,
    summary: 'Get a run of an approval',
    authorization: READ_APPROVALS,
    request: { params: ApprovalRunParams },
    responses: { 200: { description: 'The run', schema: ApprovalRun } },
    errors: [403, 404],
    dialect: { id: 'approval-runs', translates: ['getApproval'] },
  }),
  ...githubRoutes,
  ...engineRoutes,
} as const satisfies Record<string, RouteDef>;

export type Routes = typeof routes;
export type OperationId = keyof Routes;
/** The operations of the peer APIs (a `dialect` in the table), served by the server's dialects/. */
export type DialectOperationId = { [K in OperationId]: Routes[K] extends { dialect: object } ? K : never }[OperationId];
export const ROUTE_LIST: RouteDef[] = Object.values(routes);

/** The body of a route's error answers: its peer API's own when its document defines one, else the envelope. */
export const errorBodyOf = (route: RouteDef): ZodType => (route.dialect && DIALECTS[route.dialect.id].errorBody) || ErrorEnvelope;

export { ErrorEnvelope };
