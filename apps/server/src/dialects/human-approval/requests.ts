import { routes, type Approval, type HumanApprovalRequest, type Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { callV1, v1 } from '../v1.ts';

/** A request as Human Approval answers it: `payload` is its metadata, `inserted_at` its creation. */
export function toHumanApproval(a: Approval): HumanApprovalRequest {
  return {
    id: a.id,
    status: a.status,
    title: a.title,
    description: a.description,
    external_id: a.external_id,
    payload: a.metadata,
    inserted_at: a.created_at,
    expires_at: a.expires_at,
    decided_at: a.decided_at,
    decided_by_id: a.decided_by,
    decision_note: a.decision_comment,
  };
}

/**
 * `POST /requests`: `POST /api/v1/approvals` with Human Approval's fields. Its title and description
 * are optional there and required in Greenlight (approvers see them): a missing title becomes
 * "Approval request" (with the external_id, when given, to tell requests apart in the inbox), a
 * missing description empty. Its document has no priority: `medium`.
 */
export const createHumanApprovalRequest: Handler<Routes['createHumanApprovalRequest']> = async (input) => {
  const { title, description, external_id, payload, expires_at } = input.body;
  const created = await callV1(v1.createThroughHumanApproval, routes.createApproval, input, {
    body: {
      title: title || (external_id === undefined ? 'Approval request' : `Approval request ${external_id}`),
      description: description ?? '',
      priority: 'medium',
      metadata: payload,
      ...(external_id !== undefined && { external_id }),
      ...(expires_at !== undefined && { expires_at }),
    },
  });
  return { status: 201, body: toHumanApproval(created.body) };
};

/** `GET /requests/:id`: any request of the organization, whichever API created it. */
export const getHumanApprovalRequest: Handler<Routes['getHumanApprovalRequest']> = async (input) => {
  const found = await callV1(v1.getApproval, routes.getApproval, input, { params: input.params });
  return { status: 200, body: toHumanApproval(found.body) };
};
