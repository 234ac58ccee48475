import type { Handlers } from '../context.ts';
import { createApproval } from './approvals/create-approval.ts';
import { listApprovals } from './approvals/list-approvals.ts';
import { getApproval } from './approvals/get-approval.ts';
import { decideApproval } from './approvals/decide-approval.ts';
import { cancelApproval } from './approvals/cancel-approval.ts';
import { batchDecideApprovals } from './approvals/batch-decide-approvals.ts';
import { listApprovalEvents } from './approvals/list-approval-events.ts';
import { reportExecution } from './approvals/report-execution.ts';
import { revokeApproval } from './approvals/revoke-approval.ts';
import { createComment } from './comments/create-comment.ts';
import { listComments } from './comments/list-comments.ts';
import { listSteps } from './steps/list-steps.ts';
import { configureSteps } from './steps/configure-steps.ts';
import { voteStep } from './steps/vote-step.ts';
import { getMe } from './me/get-me.ts';
import { waitForApproval } from './stream/wait-approval.ts';
import { streamEvents } from './stream/stream-events.ts';
import { updateOrg } from './orgs/update-org.ts';
import { createOAuthClient, listOAuthClients, revokeOAuthClient } from './oauth/admin-clients.ts';
import { addMember, listMembers, removeMember, updateMember } from './members/member-handlers.ts';
import { createConnection, listConnections, revokeConnection } from './connections/connection-handlers.ts';
import { setPassword } from './users/set-password.ts';
import { getCallbackSecret } from './webhooks/get-callback-secret.ts';
import { rotateCallbackSecret } from './webhooks/rotate-callback-secret.ts';
import { createWebhook } from './webhooks/create-webhook.ts';
import { listWebhooks } from './webhooks/list-webhooks.ts';
import { getWebhook } from './webhooks/get-webhook.ts';
import { deleteWebhook } from './webhooks/delete-webhook.ts';
import { rotateWebhookSecret } from './webhooks/rotate-webhook-secret.ts';
import { listDeliveries } from './deliveries/list-deliveries.ts';
import { redeliverDelivery } from './deliveries/redeliver-delivery.ts';
import { listAuditLog } from './audit/list-audit-log.ts';
import { exportAuditLog } from './audit/export-audit-log.ts';
import { endOtherSessions, listSessions } from './me/own-sessions.ts';
import { createFlow, deleteFlow, getFlow, listFlows, updateFlow } from './flows/flow-handlers.ts';
import {
  getMyNotificationPreferences,
  getOrgNotificationDefaults,
  updateMyNotificationPreferences,
  updateOrgNotificationDefaults,
} from './notification-preferences/notification-preference-handlers.ts';
import { deleteRoutingRule, dryRunRoutingRules, getRoutingRule, getRoutingRules, putRoutingRules } from './routing/routing-handlers.ts';
import { deleteMemberDelegation, deleteMyDelegation, getMemberDelegation, getMyDelegation, setMemberDelegation, setMyDelegation } from './people/delegation-handlers.ts';
import { reassignStep } from './people/reassign-step.ts';
import { deleteSlackSettings, getSlackSettings, updateSlackSettings } from './slack/slack-settings-handlers.ts';
import { addTeamMember, createTeam, deleteTeam, getTeam, listTeams, removeTeamMember, updateTeam } from './teams/team-handlers.ts';

/** operationId → handler. Adding a route to the contract without a handler here fails the type check. */
export const handlers: Handlers = {
  createApproval,
  listApprovals,
  getApproval,
  decideApproval,
  batchDecideApprovals,
  cancelApproval,
  listApprovalEvents,
  reportExecution,
  revokeApproval,
  waitForApproval,
  streamEvents,
  createComment,
  listComments,
  listSteps,
  configureSteps,
  voteStep,
  getMe,
  updateOrg,
  createOAuthClient,
  listOAuthClients,
  revokeOAuthClient,
  listMembers,
  addMember,
  updateMember,
  removeMember,
  listConnections,
  createConnection,
  revokeConnection,
  setPassword,
  getCallbackSecret,
  rotateCallbackSecret,
  createWebhook,
  listWebhooks,
  getWebhook,
  deleteWebhook,
  rotateWebhookSecret,
  listDeliveries,
  redeliverDelivery,
  listAuditLog,
  exportAuditLog,
  listSessions,
  endOtherSessions,
  listTeams,
  getTeam,
  createTeam,
  updateTeam,
  deleteTeam,
  addTeamMember,
  removeTeamMember,
  listFlows,
  getFlow,
  createFlow,
  updateFlow,
  deleteFlow,
  getMyNotificationPreferences,
  updateMyNotificationPreferences,
  getOrgNotificationDefaults,
  updateOrgNotificationDefaults,
  getRoutingRules,
  putRoutingRules,
  dryRunRoutingRules,
  getRoutingRule,
  deleteRoutingRule,
  getMyDelegation,
  setMyDelegation,
  deleteMyDelegation,
  getMemberDelegation,
  setMemberDelegation,
  deleteMemberDelegation,
  reassignStep,
  getSlackSettings,
  updateSlackSettings,
  deleteSlackSettings,
};
