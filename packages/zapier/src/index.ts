import zapier, { defineApp } from 'zapier-platform-core';
import packageJson from '../package.json' with { type: 'json' };
import { authentication } from './authentication.ts';
import { addBearerToken, handleErrors } from './middleware.ts';
import newApproval from './triggers/new_approval.ts';
import approvalDecided from './triggers/approval_decided.ts';
import newComment from './triggers/new_comment.ts';
import approvalChoices from './triggers/approval_choices.ts';
import pendingApprovalChoices from './triggers/pending_approval_choices.ts';
import actionTypeChoices from './triggers/action_type_choices.ts';
import requestApproval from './creates/request_approval.ts';
import requestApprovalAndWait from './creates/request_approval_and_wait.ts';
import decideApproval from './creates/decide_approval.ts';
import cancelApproval from './creates/cancel_approval.ts';
import addComment from './creates/add_comment.ts';
import findApproval from './searches/find_approval.ts';

export default defineApp({
  version: packageJson.version,
  platformVersion: zapier.version,
  authentication,
  beforeRequest: [addBearerToken],
  afterResponse: [handleErrors],
  triggers: {
    [newApproval.key]: newApproval,
    [approvalDecided.key]: approvalDecided,
    [newComment.key]: newComment,
    [approvalChoices.key]: approvalChoices,
    [pendingApprovalChoices.key]: pendingApprovalChoices,
    [actionTypeChoices.key]: actionTypeChoices,
  },
  creates: {
    [requestApproval.key]: requestApproval,
    [requestApprovalAndWait.key]: requestApprovalAndWait,
    [decideApproval.key]: decideApproval,
    [cancelApproval.key]: cancelApproval,
    [addComment.key]: addComment,
  },
  searches: {
    [findApproval.key]: findApproval,
  },
  searchOrCreates: {
    // Zapier requires the key of a search-or-create to be its search's key.
    [findApproval.key]: {
      key: findApproval.key,
      display: {
        label: 'Find or Request Approval',
        description: 'Finds an approval request by ID, external ID or idempotency key, and requests approval when there is none.',
      },
      search: findApproval.key,
      create: requestApproval.key,
    },
  },
});
