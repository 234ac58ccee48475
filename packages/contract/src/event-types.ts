/**
 * The lists of event types as plain values, importing nothing: the dashboard takes them at run time
 * from here (`@greenlight/contract/event-types`) without loading zod and the OpenAPI generator.
 */

/**
 * Every state change of a request appends one immutable event (events.ts): these are their types.
 */
export const EVENT_TYPES = [
  'approval.created',
  'approval.vote_recorded',
  'approval.approved',
  'approval.rejected',
  'approval.cancelled',
  'approval.expired',
  'comment.created',
  'steps.configured',
  'step.decided',
  // An approved request's automation reported what it did (data: status, message, url).
  'approval.execution_reported',
  // An approver (or an admin) rescinded an approval within its window: status approved → rejected
  // (data: reason). Delivered to the callback like a decision, and to subscriptions that chose it.
  'approval.revoked',
  // Nobody waits for the answer of a pending request any more: its callback target answered 404 or 410,
  // or stayed unreachable past the threshold (data: reason, since, status_code, error). Also recorded when
  // the decision's own callback is answered 404 or 410. Never sent to the callback itself.
  'approval.waiter_gone',
  // The callback target of a request flagged waiter_gone answers again (data: status_code).
  'approval.waiter_returned',
  // A vote on a step that does not yet complete it (its quorum is not met).
  'step.vote_recorded',
  // A step waited past its escalation policy: data.step_order, data.to, data.added_user_ids, data.added_team_ids.
  'step.escalated',
  // A pending step now asks other people or teams (data: step_id, step_order, from, to, comment).
  'step.reassigned',
  // Org-level, approval_id null: a delivery exhausted its retries (its subscription is disabled).
  'delivery.failed',
  // Org-level, approval_id null: an admin turned the emergency stop on or off (data: emergency_stop).
  // The dashboard's banner follows it live.
  'emergency_stop.changed',
] as const;

/**
 * The events that are decisions, each also a link of the org's audit ledger (kind `decision`): votes,
 * the final decisions (by people, keys, policies, grants, the expiry) and revocations.
 * storage/functions/events_chain_decision.sql chains exactly these.
 */
export const LEDGER_DECISION_TYPES = [
  'approval.vote_recorded',
  'approval.approved',
  'approval.rejected',
  'step.vote_recorded',
  'step.decided',
  'approval.revoked',
] as const satisfies readonly (typeof EVENT_TYPES)[number][];

/**
 * What the org audit log records: every change to who may act in the organization and to what
 * automations receive. Approval requests keep their own trail (their events); this log is the org's.
 */
export const AUDIT_EVENT_TYPES = [
  'member.added',
  'member.invited',
  'member.role_changed',
  'member.permission_changed',
  'member.removed',
  // SCIM: the identity provider set the person inactive (their membership ends as on removal) or active again.
  'member.deactivated',
  'member.reactivated',
  'scim.token_created',
  'scim.token_revoked',
  'invitation.accepted',
  'connection.created',
  'connection.revoked',
  'connection.rotated',
  'oauth_client.registered',
  'oauth_client.revoked',
  // A confidential client's secret was replaced; the previous one works until details.previous_secret_expires_at.
  'oauth_client.secret_rotated',
  // A person granted access to an application that registered itself (RFC 7591): recorded in their org.
  'oauth_client.authorized',
  'emergency_stop.enabled',
  'emergency_stop.disabled',
  'callback_secret.rotated',
  'webhook.created',
  'webhook.deleted',
  'webhook.disabled',
  'webhook.secret_rotated',
  'secrets.reencrypted',
  'session.signed_out_everywhere',
  'sign_in_link.issued',
  'retention.purged',
  'team.created',
  'team.renamed',
  'team.deleted',
  'team.member_added',
  'team.member_removed',
  'flow.created',
  'flow.updated',
  'flow.deleted',
  'routing_rules.updated',
  'policies.updated',
  // A person gave a standing grant with an approval, or someone revoked one.
  'grant.created',
  'grant.revoked',
  'org.settings_changed',
  'slack.configured',
  'slack.removed',
  'telegram.configured',
  'telegram.removed',
  // A member linked a Telegram account (details: its username) or unlinked it.
  'telegram.linked',
  'telegram.unlinked',
  'discord.configured',
  'discord.removed',
  // A member linked a Discord account (details: its username) or unlinked it.
  'discord.linked',
  'discord.unlinked',
  'msteams.configured',
  'msteams.removed',
  // A member linked a Teams account (details: its display name) or unlinked it.
  'msteams.linked',
  'msteams.unlinked',
  // A member turned push notifications on for a device, or removed one (details: the device's name and push service).
  'webpush.subscribed',
  'webpush.unsubscribed',
  'github.configured',
  'github.removed',
  'engines.configured',
  'engines.removed',
  'sso.configured',
  'sso.removed',
  // A person signed in with the org's SSO for the first time and joined it (just-in-time), with the role in details.
  'member.joined_via_sso',
  'approval.admin_override',
  // A step waited past its escalation policy and its target was added to the approvers.
  'approval.escalated',
  'notification_defaults.changed',
  'notification_preferences.changed',
  'delegation.set',
  'delegation.removed',
  'approval.step_reassigned',
  // A person who left the organization (removed, or deactivated by SCIM) was taken off a pending step.
  'approval.step_person_removed',
  // A delegate decided a step for the person away (details.on_behalf_of).
  'approval.delegate_vote',
] as const;
