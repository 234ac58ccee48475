import { KAIREON_LIST_MAX, routes, type Approval, type ApprovalDetail, type KaireonApproval, type KaireonApprovalSummary, type Routes, type z } from '@greenlight/contract';
import type { AuthContext, Handler, HandlerInput } from '../../context.ts';
import { ApiError } from '../../errors.ts';
import { callV1, v1 } from '../v1.ts';

type Detail = z.infer<typeof ApprovalDetail>;

/**
 * `X-Tenant-Id`: KaireonAI names the tenant in a header; in Greenlight the credential names the
 * organization. The header may be left out; when sent it must name that organization (its slug or id).
 */
function checkTenant(tenant: string | undefined, auth: AuthContext): void {
  if (tenant === undefined || tenant === auth.org.slug || tenant === auth.org.id) return;
  throw new ApiError('FORBIDDEN', `X-Tenant-Id names another tenant: this credential acts in the organization "${auth.org.slug}"`, {
    tenant: auth.org.slug,
  });
}

/** Who decided, by name, from the reviewers' results (the name of the person, or of the API connection). */
function deciderName(detail: Detail): string | null {
  if (detail.decided_by === null) return null;
  return detail.results.findLast((r) => r.reviewer.id === detail.decided_by)?.reviewer.name ?? null;
}

/** A request as KaireonAI lists it: `resource` is its entity, `metadata` its payload. */
function summaryOf(a: Approval): KaireonApprovalSummary {
  return {
    id: a.id,
    entityType: a.resource?.type ?? null,
    entityId: a.resource?.id ?? null,
    entityName: a.resource?.name ?? null,
    action: a.action ?? null,
    status: a.status,
    requesterId: a.requested_by.id,
    requesterName: a.requested_by.name,
    payload: a.metadata,
    createdAt: a.created_at,
  };
}

/** A request as KaireonAI answers it alone: with who resolved it, when and why. */
export function toKaireon(a: Approval, approverName: string | null): KaireonApproval {
  return { ...summaryOf(a), approverId: a.decided_by, approverName, comments: a.decision_comment, resolvedAt: a.decided_at };
}

async function detailOf(input: HandlerInput<Routes['getKaireonApproval'] | Routes['resolveKaireonApproval']>): Promise<KaireonApproval> {
  const found = await callV1(v1.getApproval, routes.getApproval, input, { params: input.params });
  return toKaireon(found.body, deciderName(found.body));
}

/** `GET /approvals?status=`: the newest requests with that status, as a bare array (its document has no pages). */
export const listKaireonApprovals: Handler<Routes['listKaireonApprovals']> = async (input) => {
  checkTenant(input.headers['x-tenant-id'], input.auth);
  const page = await callV1(v1.listApprovals, routes.listApprovals, input, { query: { status: input.query.status, page_size: String(KAIREON_LIST_MAX) } });
  return {
    status: 200,
    body: page.body.data.map(summaryOf),
  };
};

/**
 * `POST /approvals`: `POST /api/v1/approvals` with the entity (`entity_type`, `entity_id`,
 * `entity_name`), `action` and `payload`, the v1 API's own spellings of them. Its document has no
 * title, description or priority: the title says the change, priority `medium`.
 */
export const createKaireonApproval: Handler<Routes['createKaireonApproval']> = async (input) => {
  checkTenant(input.headers['x-tenant-id'], input.auth);
  const { entityType, entityId, entityName, action, payload } = input.body;
  const created = await callV1(v1.createThroughKaireon, routes.createApproval, input, {
    body: {
      title: `${action} ${entityType} ${entityName}`,
      description: '',
      priority: 'medium',
      action,
      entity_type: entityType,
      entity_id: entityId,
      entity_name: entityName,
      payload: payload ?? {},
    },
  });
  return { status: 201, body: toKaireon(created.body, null) };
};

/** `GET /approvals/:id`: any request of the organization, whichever API created it. */
export const getKaireonApproval: Handler<Routes['getKaireonApproval']> = async (input) => {
  checkTenant(input.headers['x-tenant-id'], input.auth);
  return { status: 200, body: await detailOf(input) };
};

/**
 * `POST /approvals/:id`: one vote, as `PATCH /api/v1/approvals/:id` records it (steps, quorum,
 * four-eyes, callbacks: all the core's), then the request as it stands. "Admin only" is the
 * route's authorization in the contract.
 */
export const resolveKaireonApproval: Handler<Routes['resolveKaireonApproval']> = async (input) => {
  checkTenant(input.headers['x-tenant-id'], input.auth);
  const { action, comments } = input.body;
  await callV1(v1.decideApproval, routes.decideApproval, input, {
    params: input.params,
    body: { decision: action, ...(comments !== undefined && { comment: comments }) },
  });
  const { id, status, approverId, approverName, comments: note, resolvedAt } = await detailOf(input);
  return { status: 200, body: { id, status, approverId, approverName, comments: note, resolvedAt } };
};
