import type {
  ApprovalStatus,
  CreatedVia,
  Delivery,
  NotificationKind,
  OnExpiry,
  OperationId,
  PersonChannel,
  Priority,
  Role,
  Routes,
  Scope,
  z,
} from '@greenlight/contract';

/**
 * The few runtime values the dashboard needs from the contract. Importing the contract's modules at
 * run time would ship zod and the OpenAPI generator to every phone (≈ 2/3 of the bundle), so only
 * types are imported and these lists are checked against them by the compiler: a value added to,
 * removed from or renamed in the contract fails `pnpm typecheck` here until the list follows. The
 * long lists of event types come as values from the contract's zod-free module instead.
 */
type Missing<T, L extends readonly unknown[]> = Exclude<T, L[number]>;
const every =
  <T>() =>
  <const L extends readonly T[]>(list: L & ([Missing<T, L>] extends [never] ? unknown : { missing: Missing<T, L> })): L =>
    list;

export const PRIORITIES = every<Priority>()(['low', 'medium', 'high', 'critical']);
export const ON_EXPIRY = every<OnExpiry>()(['expire', 'approve', 'reject']);
export const APPROVAL_STATUSES = every<ApprovalStatus>()(['pending', 'approved', 'rejected', 'cancelled', 'expired']);
export const SCOPES = every<Scope>()(['approvals:read', 'approvals:write', 'comments:write']);
export const ROLES = every<z.infer<typeof Role>>()(['admin', 'approver', 'viewer']);
export const PERSON_CHANNELS = every<PersonChannel>()(['email', 'slack', 'telegram', 'discord', 'msteams', 'webpush']);
export const NOTIFICATION_KINDS = every<NotificationKind>()(['approval_request', 'reminder', 'digest', 'execution_receipt', 'waiter_gone']);
export const GRANT_STATUSES = every<NonNullable<z.input<Routes['listGrants']['request']['query']>['status']>>()(['active', 'revoked', 'expired', 'used_up', 'all']);
export const AUTO_DECISION_WINDOWS = every<NonNullable<z.input<Routes['countAutoDecisions']['request']['query']>['window']>>()(['24h', '7d', '30d']);
export const DELIVERY_STATUSES = every<Delivery['status']>()(['pending', 'delivering', 'delivered', 'failed', 'gone']);
export { AUDIT_EVENT_TYPES, EVENT_TYPES } from '@greenlight/contract/event-types';

/** Which API a request was created through, as the request page says it. */
export const CREATED_VIA_WORDS: Record<CreatedVia, string> = {
  v1: 'Greenlight API',
  'human-approval': 'Human Approval API',
  kaireon: 'KaireonAI approvals API',
  github: 'GitHub deployment protection rule',
};

export const SCOPE_WORDS: Record<Scope, string> = {
  'approvals:read': 'read requests, their steps, comments and audit trail',
  'approvals:write': 'create, approve, reject and cancel requests',
  'comments:write': 'add comments',
};

type Endpoint<Op extends OperationId> = readonly [Routes[Op]['method'], Routes[Op]['path']];
const endpoints = <const E extends { [Op in keyof E]: Op extends OperationId ? Endpoint<Op> : never }>(e: E): E => e;

/**
 * Method and path of each operation the dashboard calls, exactly as the route table has them: the
 * compiler compares both, so a moved or renamed route fails the typecheck, not the browser.
 */
export const ENDPOINTS = endpoints({
  listApprovals: ['get', '/api/v1/approvals'],
  getApproval: ['get', '/api/v1/approvals/{id}'],
  decideApproval: ['patch', '/api/v1/approvals/{id}'],
  batchDecideApprovals: ['post', '/api/v1/approvals/batch-decide'],
  cancelApproval: ['delete', '/api/v1/approvals/{id}'],
  revokeApproval: ['post', '/api/v1/approvals/{id}/revoke'],
  listApprovalEvents: ['get', '/api/v1/approvals/{id}/events'],
  createComment: ['post', '/api/v1/approvals/{id}/comments'],
  listComments: ['get', '/api/v1/approvals/{id}/comments'],
  listSteps: ['get', '/api/v1/approvals/{id}/steps'],
  getMe: ['get', '/api/v1/me'],
  updateOrg: ['patch', '/api/v1/org'],
  getSlackSettings: ['get', '/api/v1/org/slack'],
  updateSlackSettings: ['patch', '/api/v1/org/slack'],
  deleteSlackSettings: ['delete', '/api/v1/org/slack'],
  getTelegramSettings: ['get', '/api/v1/org/telegram'],
  updateTelegramSettings: ['put', '/api/v1/org/telegram'],
  deleteTelegramSettings: ['delete', '/api/v1/org/telegram'],
  getMyTelegramLink: ['get', '/api/v1/me/telegram'],
  createMyTelegramLinkCode: ['post', '/api/v1/me/telegram/code'],
  deleteMyTelegramLink: ['delete', '/api/v1/me/telegram'],
  getDiscordSettings: ['get', '/api/v1/org/discord'],
  updateDiscordSettings: ['put', '/api/v1/org/discord'],
  deleteDiscordSettings: ['delete', '/api/v1/org/discord'],
  getMyDiscordLink: ['get', '/api/v1/me/discord'],
  createMyDiscordLinkCode: ['post', '/api/v1/me/discord/code'],
  deleteMyDiscordLink: ['delete', '/api/v1/me/discord'],
  getMsTeamsSettings: ['get', '/api/v1/org/msteams'],
  updateMsTeamsSettings: ['put', '/api/v1/org/msteams'],
  deleteMsTeamsSettings: ['delete', '/api/v1/org/msteams'],
  getMyMsTeamsLink: ['get', '/api/v1/me/msteams'],
  createMyMsTeamsLinkCode: ['post', '/api/v1/me/msteams/code'],
  deleteMyMsTeamsLink: ['delete', '/api/v1/me/msteams'],
  getMyWebPush: ['get', '/api/v1/me/webpush'],
  createMyWebPushSubscription: ['post', '/api/v1/me/webpush/subscriptions'],
  deleteMyWebPushSubscription: ['delete', '/api/v1/me/webpush/subscriptions/{id}'],
  getScimSettings: ['get', '/api/v1/org/scim'],
  createScimToken: ['post', '/api/v1/org/scim/token'],
  revokeScimToken: ['delete', '/api/v1/org/scim/token'],
  getSsoSettings: ['get', '/api/v1/org/sso'],
  updateSsoSettings: ['patch', '/api/v1/org/sso'],
  deleteSsoSettings: ['delete', '/api/v1/org/sso'],
  getSsoStatus: ['get', '/api/v1/org/sso/status'],
  getGithubSettings: ['get', '/api/v1/org/github'],
  updateGithubSettings: ['put', '/api/v1/org/github'],
  deleteGithubSettings: ['delete', '/api/v1/org/github'],
  getEngineSettings: ['get', '/api/v1/org/engines'],
  updateEngineSettings: ['put', '/api/v1/org/engines'],
  listMembers: ['get', '/api/v1/members'],
  addMember: ['post', '/api/v1/members'],
  updateMember: ['patch', '/api/v1/members/{userId}'],
  removeMember: ['delete', '/api/v1/members/{userId}'],
  listConnections: ['get', '/api/v1/connections'],
  createConnection: ['post', '/api/v1/connections'],
  revokeConnection: ['delete', '/api/v1/connections/{id}'],
  rotateConnection: ['post', '/api/v1/connections/{id}/rotate'],
  listOAuthClients: ['get', '/api/v1/oauth-clients'],
  rotateOAuthClientSecret: ['post', '/api/v1/oauth-clients/{id}/rotate-secret'],
  createWebhook: ['post', '/api/v1/webhooks'],
  listWebhooks: ['get', '/api/v1/webhooks'],
  deleteWebhook: ['delete', '/api/v1/webhooks/{id}'],
  rotateWebhookSecret: ['post', '/api/v1/webhooks/{id}/rotate-secret'],
  listDeliveries: ['get', '/api/v1/deliveries'],
  redeliverDelivery: ['post', '/api/v1/deliveries/{id}/redeliver'],
  listAuditLog: ['get', '/api/v1/audit-log'],
  listTeams: ['get', '/api/v1/teams'],
  createTeam: ['post', '/api/v1/teams'],
  updateTeam: ['patch', '/api/v1/teams/{id}'],
  deleteTeam: ['delete', '/api/v1/teams/{id}'],
  addTeamMember: ['post', '/api/v1/teams/{id}/members'],
  removeTeamMember: ['delete', '/api/v1/teams/{id}/members/{userId}'],
  listFlows: ['get', '/api/v1/flows'],
  getRoutingRules: ['get', '/api/v1/routing-rules'],
  putRoutingRules: ['put', '/api/v1/routing-rules'],
  dryRunRoutingRules: ['post', '/api/v1/routing-rules/dry-run'],
  getPolicies: ['get', '/api/v1/policies'],
  putPolicies: ['put', '/api/v1/policies'],
  replayPolicies: ['post', '/api/v1/policies/replay'],
  listGrants: ['get', '/api/v1/grants'],
  revokeGrant: ['post', '/api/v1/grants/{id}/revoke'],
  countAutoDecisions: ['get', '/api/v1/auto-decisions'],
  getPolicyShadow: ['get', '/api/v1/policies/shadow'],
  createFlow: ['post', '/api/v1/flows'],
  updateFlow: ['patch', '/api/v1/flows/{id}'],
  getMyDelegation: ['get', '/api/v1/me/delegation'],
  setMyDelegation: ['post', '/api/v1/me/delegation'],
  deleteMyDelegation: ['delete', '/api/v1/me/delegation'],
  reassignStep: ['post', '/api/v1/approvals/{id}/steps/{stepId}/reassign'],
  deleteFlow: ['delete', '/api/v1/flows/{id}'],
  listSessions: ['get', '/api/v1/me/sessions'],
  endOtherSessions: ['delete', '/api/v1/me/sessions'],
  getMyNotificationPreferences: ['get', '/api/v1/me/notification-preferences'],
  updateMyNotificationPreferences: ['patch', '/api/v1/me/notification-preferences'],
  getOrgNotificationDefaults: ['get', '/api/v1/org/notification-defaults'],
  updateOrgNotificationDefaults: ['patch', '/api/v1/org/notification-defaults'],
  listPasskeys: ['get', '/api/v1/me/passkeys'],
  beginPasskeyRegistration: ['post', '/api/v1/me/passkeys/registration'],
  finishPasskeyRegistration: ['post', '/api/v1/me/passkeys'],
  deletePasskey: ['delete', '/api/v1/me/passkeys/{id}'],
  beginStepUp: ['post', '/api/v1/me/step-up'],
  finishStepUp: ['post', '/api/v1/me/step-up/assertion'],
  getStepUpSettings: ['get', '/api/v1/org/step-up'],
  updateStepUpSettings: ['put', '/api/v1/org/step-up'],
});

/** Where the audit log's export is downloaded from (a plain link: the browser saves the file). */
export const AUDIT_EXPORT_PATH: Routes['exportAuditLog']['path'] = '/api/v1/audit-log/export';
export type DashboardOp = keyof typeof ENDPOINTS;
