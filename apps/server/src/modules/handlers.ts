import type { DialectOperationId } from '@greenlight/contract';
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
import { waitForApproval } from './stream/wait-for-approval.ts';
import { streamEvents } from './stream/stream-events.ts';
import { updateOrg } from './orgs/update-org.ts';
import { createOAuthClient } from './oauth/create-oauth-client.ts';
import { listOAuthClients } from './oauth/list-oauth-clients.ts';
import { revokeOAuthClient } from './oauth/revoke-oauth-client.ts';
import { rotateOAuthClientSecret } from './oauth/rotate-oauth-client-secret.ts';
import { addMember } from './members/add-member.ts';
import { listMembers } from './members/list-members.ts';
import { removeMember } from './members/remove-member.ts';
import { updateMember } from './members/update-member.ts';
import { createConnection } from './connections/create-connection.ts';
import { listConnections } from './connections/list-connections.ts';
import { revokeConnection } from './connections/revoke-connection.ts';
import { rotateConnection } from './connections/rotate-connection.ts';
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
import { exportAuditLedger } from './audit/export-audit-ledger.ts';
import { endOtherSessions } from './me/end-other-sessions.ts';
import { listSessions } from './me/list-sessions.ts';
import { beginPasskeyRegistration } from './passkeys/begin-passkey-registration.ts';
import { beginStepUp } from './passkeys/begin-step-up.ts';
import { deletePasskey } from './passkeys/delete-passkey.ts';
import { finishPasskeyRegistration } from './passkeys/finish-passkey-registration.ts';
import { finishStepUp } from './passkeys/finish-step-up.ts';
import { getStepUpSettings } from './passkeys/get-step-up-settings.ts';
import { updateStepUpSettings } from './passkeys/update-step-up-settings.ts';
import { listPasskeys } from './passkeys/list-passkeys.ts';
import { createFlow } from './flows/create-flow.ts';
import { deleteFlow } from './flows/delete-flow.ts';
import { getFlow } from './flows/get-flow.ts';
import { listFlows } from './flows/list-flows.ts';
import { updateFlow } from './flows/update-flow.ts';
import { getMyNotificationPreferences } from './notification-preferences/get-my-notification-preferences.ts';
import { getOrgNotificationDefaults } from './notification-preferences/get-org-notification-defaults.ts';
import { updateMyNotificationPreferences } from './notification-preferences/update-my-notification-preferences.ts';
import { updateOrgNotificationDefaults } from './notification-preferences/update-org-notification-defaults.ts';
import { deleteRoutingRule } from './routing/delete-routing-rule.ts';
import { dryRunRoutingRules } from './routing/dry-run-routing-rules.ts';
import { getRoutingRule } from './routing/get-routing-rule.ts';
import { getRoutingRules } from './routing/get-routing-rules.ts';
import { putRoutingRules } from './routing/put-routing-rules.ts';
import { getPolicies } from './policies/get-policies.ts';
import { putPolicies } from './policies/put-policies.ts';
import { getPolicySchema } from './policies/get-policy-schema.ts';
import { replayPolicies } from './policies/replay-policies.ts';
import { getPolicyShadow } from './policies/get-policy-shadow.ts';
import { listGrants } from './grants/list-grants.ts';
import { revokeGrant } from './grants/revoke-grant.ts';
import { countAutoDecisions } from './grants/count-auto-decisions.ts';
import { deleteMemberDelegation } from './people/delete-member-delegation.ts';
import { deleteMyDelegation } from './people/delete-my-delegation.ts';
import { getMemberDelegation } from './people/get-member-delegation.ts';
import { getMyDelegation } from './people/get-my-delegation.ts';
import { setMemberDelegation } from './people/set-member-delegation.ts';
import { setMyDelegation } from './people/set-my-delegation.ts';
import { reassignStep } from './people/reassign-step.ts';
import { deleteSlackSettings } from './slack/delete-slack-settings.ts';
import { getSlackSettings } from './slack/get-slack-settings.ts';
import { updateSlackSettings } from './slack/update-slack-settings.ts';
import { createMyDiscordLinkCode } from './discord/create-my-discord-link-code.ts';
import { deleteMyDiscordLink } from './discord/delete-my-discord-link.ts';
import { deleteDiscordSettings } from './discord/delete-discord-settings.ts';
import { getMyDiscordLink } from './discord/get-my-discord-link.ts';
import { getDiscordSettings } from './discord/get-discord-settings.ts';
import { updateDiscordSettings } from './discord/update-discord-settings.ts';
import { createMyTelegramLinkCode } from './telegram/create-my-telegram-link-code.ts';
import { deleteMyTelegramLink } from './telegram/delete-my-telegram-link.ts';
import { deleteTelegramSettings } from './telegram/delete-telegram-settings.ts';
import { getMyTelegramLink } from './telegram/get-my-telegram-link.ts';
import { getTelegramSettings } from './telegram/get-telegram-settings.ts';
import { updateTelegramSettings } from './telegram/update-telegram-settings.ts';
import { createMyMsTeamsLinkCode } from './msteams/create-my-msteams-link-code.ts';
import { deleteMyMsTeamsLink } from './msteams/delete-my-msteams-link.ts';
import { deleteMsTeamsSettings } from './msteams/delete-msteams-settings.ts';
import { getMyMsTeamsLink } from './msteams/get-my-msteams-link.ts';
import { getMsTeamsSettings } from './msteams/get-msteams-settings.ts';
import { updateMsTeamsSettings } from './msteams/update-msteams-settings.ts';
import { createMyWebPushSubscription } from './webpush/create-my-webpush-subscription.ts';
import { deleteMyWebPushSubscription } from './webpush/delete-my-webpush-subscription.ts';
import { getMyWebPush } from './webpush/get-my-webpush.ts';
import { deleteGithubSettings } from './github/delete-github-settings.ts';
import { getGithubSettings } from './github/get-github-settings.ts';
import { updateGithubSettings } from './github/update-github-settings.ts';
import { getEngineSettings } from './engines/get-engine-settings.ts';
import { updateEngineSettings } from './engines/update-engine-settings.ts';
import { getScimSettings } from './scim/get-scim-settings.ts';
import { createScimToken } from './scim/create-scim-token.ts';
import { revokeScimToken } from './scim/revoke-scim-token.ts';
import { deleteSsoSettings } from './sso/delete-sso-settings.ts';
import { getSsoSettings } from './sso/get-sso-settings.ts';
import { getSsoStatus } from './sso/get-sso-status.ts';
import { updateSsoSettings } from './sso/update-sso-settings.ts';
import { addTeamMember } from './teams/add-team-member.ts';
import { createTeam } from './teams/create-team.ts';
import { deleteTeam } from './teams/delete-team.ts';
import { getTeam } from './teams/get-team.ts';
import { listTeams } from './teams/list-teams.ts';
import { removeTeamMember } from './teams/remove-team-member.ts';
import { updateTeam } from './teams/update-team.ts';

/**
 * operationId → handler. Adding a route to the contract without a handler here fails the type check.
 * The peer APIs' operations are the dialects' (dialects/index.ts), a layer above: app.ts joins the two.
 */
export const handlers: Omit<Handlers, DialectOperationId> = {
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
  rotateOAuthClientSecret,
  listMembers,
  addMember,
  updateMember,
  removeMember,
  listConnections,
  createConnection,
  revokeConnection,
  rotateConnection,
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
  exportAuditLedger,
  listSessions,
  endOtherSessions,
  listPasskeys,
  beginPasskeyRegistration,
  finishPasskeyRegistration,
  deletePasskey,
  beginStepUp,
  finishStepUp,
  getStepUpSettings,
  updateStepUpSettings,
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
  getPolicies,
  putPolicies,
  getPolicySchema,
  replayPolicies,
  getPolicyShadow,
  listGrants,
  revokeGrant,
  countAutoDecisions,
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
  getTelegramSettings,
  updateTelegramSettings,
  deleteTelegramSettings,
  getMyTelegramLink,
  createMyTelegramLinkCode,
  deleteMyTelegramLink,
  getDiscordSettings,
  updateDiscordSettings,
  deleteDiscordSettings,
  getMyDiscordLink,
  createMyDiscordLinkCode,
  deleteMyDiscordLink,
  getMsTeamsSettings,
  updateMsTeamsSettings,
  deleteMsTeamsSettings,
  getMyMsTeamsLink,
  createMyMsTeamsLinkCode,
  deleteMyMsTeamsLink,
  getMyWebPush,
  createMyWebPushSubscription,
  deleteMyWebPushSubscription,
  getGithubSettings,
  updateGithubSettings,
  deleteGithubSettings,
  getEngineSettings,
  updateEngineSettings,
  getScimSettings,
  createScimToken,
  revokeScimToken,
  getSsoSettings,
  updateSsoSettings,
  deleteSsoSettings,
  getSsoStatus,
};
