import type { Approval } from '@greenlight/contract';
import type { CommentItem, StepDecidedItem } from './items.ts';

/**
 * What each trigger shows before a real item exists (Zapier's `sample`, Make's `samples`, n8n's
 * manual mode without data). A test parses them with the contract's schemas, so they cannot drift.
 */
export const SAMPLE_PENDING_APPROVAL: Approval = {
  id: 'a1b2c3d4-e5f6-4890-abcd-ef1234567890',
  org_id: '5f0c6a7e-2b1d-4c3e-9f8a-7b6c5d4e3f21',
  connection_id: '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a',
  title: 'Delete user account #4821',
  description: 'Permanent deletion requested by user via support ticket',
  status: 'pending',
  priority: 'high',
  action_type: 'user.delete',
  source: 'support-bot',
  metadata: { user_id: '4821', ticket_id: 'SUP-1234', notice: 'Your account will be deleted.' },
  required_approvals: 1,
  current_approvals: 0,
  is_sequential: false,
  callback_url: 'https://your-app.com/webhooks/greenlight',
  has_callback: true,
  external_id: 'SUP-1234',
  idempotency_key: 'del-user-4821-20260324',
  tags: { env: 'production', team: 'platform' },
  changes: { before: { plan: 'pro' }, after: { plan: null } },
  resource: { type: 'user', id: '4821', name: 'Jane Doe' },
  entity_type: 'user',
  entity_id: '4821',
  entity_name: 'Jane Doe',
  action: null,
  requested_by: { type: 'connection', id: '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a', name: 'Support bot' },
  comments_count: 0,
  created_at: '2026-03-24T10:00:00.000Z',
  updated_at: '2026-03-24T10:00:00.000Z',
  expires_at: '2026-03-25T10:00:00.000Z',
  on_expiry: 'expire',
  decided_at: null,
  decided_by: null,
  decided_by_id: null,
  decided_by_type: null,
  decided_by_policy: null,
  decided_by_grant: null,
  decision_comment: null,
  decision_note: null,
  cancelled_at: null,
  expired_at: null,
  approved_content_sha256: '3f0a1c9e5b2d4f6a8c7e9b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9a1c3e5b7d9f1a',
  execution: null,
  revocable_until: null,
  revoked_at: null,
  revoked_by: null,
  revocation_reason: null,
  redact: [],
  redacted: false,
  flow_id: null,
  flow_version: null,
  routing: null,
  waiter: { state: 'present', reason: 'the callback target answered 200', since: '2026-03-24T10:05:00.000Z', checked_at: '2026-03-24T10:05:00.000Z' },
  created_via: 'v1',
  // The reviewer answers a reason and may reword the notice sent to the user: what each platform
  // shows as the answer's fields before a real request exists.
  response_schema: {
    type: 'object',
    properties: {
      reason: { type: 'string', title: 'Reason', enum: ['user_request', 'gdpr', 'fraud'] },
      notify_user: { type: 'boolean', title: 'Notify the user', default: true },
    },
    required: ['reason'],
  },
  editable: ['metadata.notice'],
  response: null,
  edits: [],
  approved_content: null,
};

export const SAMPLE_DECIDED_APPROVAL: Approval = {
  ...SAMPLE_PENDING_APPROVAL,
  status: 'approved',
  current_approvals: 1,
  comments_count: 1,
  updated_at: '2026-03-24T10:05:12.000Z',
  decided_at: '2026-03-24T10:05:12.000Z',
  decided_by: 'b7e0c2f4-1a2b-4c3d-8e9f-0a1b2c3d4e5f',
  decided_by_id: 'b7e0c2f4-1a2b-4c3d-8e9f-0a1b2c3d4e5f',
  decided_by_type: 'user',
  decided_by_policy: null,
  decided_by_grant: null,
  decision_comment: 'Verified with the user. Proceeding with deletion.',
  decision_note: 'Verified with the user. Proceeding with deletion.',
  execution: { status: 'succeeded', message: 'Account #4821 deleted', url: null, reported_at: '2026-03-24T10:06:30.000Z' },
  response: { reason: 'gdpr', notify_user: true },
  edits: [{ path: 'metadata.notice', before: 'Your account will be deleted.', after: 'Your account and its data will be deleted within 24 hours.' }],
  approved_content: {
    metadata: { user_id: '4821', ticket_id: 'SUP-1234', notice: 'Your account and its data will be deleted within 24 hours.' },
    changes: SAMPLE_PENDING_APPROVAL.changes ?? null,
  },
};

export const SAMPLE_COMMENT: CommentItem = {
  id: 'c0ffee00-1234-4abc-9def-0123456789ab',
  approval_id: SAMPLE_PENDING_APPROVAL.id,
  body: 'Checked the database — this user has no active subscriptions. Safe to proceed.',
  author: { type: 'user', id: 'b7e0c2f4-1a2b-4c3d-8e9f-0a1b2c3d4e5f', name: 'Dana Approver' },
  created_at: '2026-03-24T10:03:40.000Z',
  approval: { ...SAMPLE_PENDING_APPROVAL, comments_count: 1, updated_at: '2026-03-24T10:03:40.000Z' },
};

export const SAMPLE_STEP_DECIDED: StepDecidedItem = {
  id: 'd1e2f3a4-b5c6-4d7e-8f90-a1b2c3d4e5f6',
  approval_id: SAMPLE_PENDING_APPROVAL.id,
  step_order: 1,
  decision: 'approve',
  comment: 'LGTM',
  decided_by: { type: 'user', id: 'b7e0c2f4-1a2b-4c3d-8e9f-0a1b2c3d4e5f', name: 'Dana Approver' },
  decided_at: '2026-03-24T10:04:02.000Z',
  approval: { ...SAMPLE_PENDING_APPROVAL, is_sequential: true, current_approvals: 1, updated_at: '2026-03-24T10:04:02.000Z' },
};
