import type { ZodType } from 'zod';
import { z } from './zod.ts';
import { ApprovalStatus, Decision, EntityAction, LIMITS } from './approvals.ts';
import { BooleanQuery, Timestamp, TimestampInput, Uuid } from './common.ts';
import { DIALECT_IDS, type DialectId } from './dialect-ids.ts';

/**
 * The peer APIs of `shared/spec` that Greenlight also speaks, each at its own paths and exactly as its
 * document writes them: a thin translation onto the same requests, rules and deliveries as the v1 API
 * (the server's `dialects/<id>/`). A client of one of them works by pointing its base URL at Greenlight.
 * docs/compatibility.md says, per dialect, what Greenlight does differently.
 */
export { DIALECT_IDS, type DialectId };

export interface Dialect {
  /** What people call the API. */
  name: string;
  /** The OpenAPI tag of its routes. */
  tag: string;
  /** The document it is served from (in shared/spec). */
  document: string;
  /** Appended to Greenlight's URL, the base URL a client of the API is configured with. */
  baseUrlPath: string;
  /** Every path of the API starts with this: the server parses bodies and renders errors under it. */
  mount: string;
  /**
   * The body of its error answers, when its document defines one; null: the document is silent,
   * and Greenlight's envelope (`ErrorEnvelope`) answers, as everywhere else.
   */
  errorBody: ZodType | null;
}

// ——— Human Approval (human-approval-api-v1.txt) ———————————————————————————————————————————————————

/** Its error format: a message, and the messages of each field that was refused (`{}` when none was). */
export const HumanApprovalError = z
  .object({
    error: z.string().openapi({ example: "payload can't be blank" }),
    errors: z.record(z.string(), z.array(z.string())).openapi({ example: { payload: ["can't be blank"] } }),
  })
  .openapi('HumanApprovalError', { description: 'Every error of the Human Approval API has this shape.' });
export type HumanApprovalError = z.infer<typeof HumanApprovalError>;

const HumanPayload = z.record(z.string(), z.unknown()).openapi({ description: 'Any JSON data you need to include', example: { any: 'custom data you need' } });

export const HumanApprovalCreateBody = z
  .strictObject({
    title: z
      .string()
      .trim()
      .max(LIMITS.titleMax)
      .optional()
      .openapi({ description: 'Short summary shown in the dashboard (default: "Approval request", with the external_id when given)', example: 'Brief description of what needs approval' }),
    description: z.string().max(LIMITS.descriptionMax).optional().openapi({ description: 'Longer explanation (markdown)', example: 'Optional longer description' }),
    external_id: z.string().min(1).max(LIMITS.keyMax).optional().openapi({ description: 'Your own reference ID, unique within your organization', example: 'your-reference-id' }),
    payload: HumanPayload,
    expires_at: TimestampInput.optional().openapi({ description: 'When the request automatically expires; must be in the future', example: '2026-01-20T12:00:00Z' }),
  })
  .openapi('HumanApprovalCreateRequest');
export type HumanApprovalCreateBody = z.infer<typeof HumanApprovalCreateBody>;

export const HumanApprovalRequest = z
  .object({
    id: z.uuid(),
    status: ApprovalStatus.openapi({ description: 'pending, approved, rejected, expired; and `cancelled` for a request cancelled through another API' }),
    title: z.string(),
    description: z.string(),
    external_id: z.string().nullable(),
    payload: z.record(z.string(), z.unknown()),
    inserted_at: Timestamp,
    expires_at: Timestamp.nullable(),
    decided_at: Timestamp.nullable(),
    decided_by_id: z.uuid().nullable().openapi({ description: 'The person or API connection that decided; null while pending, and for an automatic decision at expiry' }),
    decision_note: z.string().nullable(),
  })
  .openapi('HumanApprovalRequest');
export type HumanApprovalRequest = z.infer<typeof HumanApprovalRequest>;

// ——— KaireonAI approvals (kaireon-approvals-api-v1.txt) ————————————————————————————————————————————

export const KaireonHeaders = z.object({
  'x-tenant-id': z
    .string()
    .min(1)
    .max(LIMITS.keyMax)
    .optional()
    .openapi({ description: "The tenant: optional, since the credential names the organization; when sent it must be that organization's slug or id (403 otherwise)", example: 'my-tenant' }),
});

export const KaireonListQuery = z.object({
  status: ApprovalStatus.default('pending').openapi({ description: 'pending (default), approved, rejected; also cancelled and expired' }),
});

export const KaireonCreateBody = z
  .strictObject({
    entityType: z.string().min(1).max(LIMITS.labelMax).openapi({ example: 'qualificationRule' }),
    entityId: z.string().min(1).max(LIMITS.keyMax).openapi({ example: 'qr_001' }),
    entityName: z.string().min(1).max(LIMITS.labelMax).openapi({ example: 'Credit Score Rule' }),
    action: EntityAction,
    payload: z.record(z.string(), z.unknown()).optional().openapi({ description: 'The proposed changes', example: { config: { threshold: 650 } } }),
  })
  .openapi('KaireonCreateApprovalRequest');
export type KaireonCreateBody = z.infer<typeof KaireonCreateBody>;

export const KaireonResolveBody = z
  .strictObject({
    action: Decision,
    comments: z.string().max(LIMITS.commentMax).optional().openapi({ example: 'Looks good, deploying to production' }),
  })
  .openapi('KaireonResolveApprovalRequest');
export type KaireonResolveBody = z.infer<typeof KaireonResolveBody>;

export const KaireonApproval = z
  .object({
    id: z.uuid(),
    entityType: z.string().nullable().openapi({ description: 'null for a request made through another API without an entity' }),
    entityId: z.string().nullable(),
    entityName: z.string().nullable(),
    action: EntityAction.nullable().openapi({ description: 'null when the request names another kind of action' }),
    status: ApprovalStatus,
    requesterId: z.uuid().nullable().openapi({ description: 'The person or API connection that asked' }),
    requesterName: z.string().nullable(),
    payload: z.record(z.string(), z.unknown()),
    createdAt: Timestamp,
    approverId: z.uuid().nullable().openapi({ description: 'Who decided; null while pending and for an automatic decision at expiry' }),
    approverName: z.string().nullable(),
    comments: z.string().nullable(),
    resolvedAt: Timestamp.nullable(),
  })
  .openapi('KaireonApproval');
export type KaireonApproval = z.infer<typeof KaireonApproval>;

/** A list's item: the fields the document's list example shows (who resolved it is read one by one). */
export const KaireonApprovalSummary = KaireonApproval.omit({ approverId: true, approverName: true, comments: true, resolvedAt: true }).openapi(
  'KaireonApprovalSummary',
);
export type KaireonApprovalSummary = z.infer<typeof KaireonApprovalSummary>;

export const KaireonApprovalList = z.array(KaireonApprovalSummary).openapi('KaireonApprovalList', { description: 'Newest first, at most 100' });

export const KaireonResolution = KaireonApproval.pick({ id: true, status: true, approverId: true, approverName: true, comments: true, resolvedAt: true }).openapi(
  'KaireonResolution',
  { description: 'The request after the vote: still `pending` (with null approver fields) while more approvals are needed' },
);
export type KaireonResolution = z.infer<typeof KaireonResolution>;

/** KaireonAI's list answers at most this many, newest first: its document has no pagination. */
export const KAIREON_LIST_MAX = 100;

// ——— Approval runs (approval-runs-api.txt) ——————————————————————————————————————————————————————

const OrganizationId = z
  .string()
  .min(1)
  .max(LIMITS.keyMax)
  .openapi({ param: { name: 'organizationId', in: 'path' }, description: "The organization's id or slug", example: 'acme' });

export const ApprovalRunsParams = z.object({
  organizationId: OrganizationId,
  approvalId: Uuid.openapi({
    param: { name: 'approvalId', in: 'path' },
    description: 'An approval flow (its runs: the requests started from it), or a single request (its one run)',
    example: '123e4567-e89b-12d3-a456-426614174000',
  }),
});

export const ApprovalRunParams = ApprovalRunsParams.extend({
  approvalRunId: Uuid.openapi({ param: { name: 'approvalRunId', in: 'path' }, description: "The run: the request's id", example: '123e4567-e89b-12d3-a456-426614174000' }),
});

export const APPROVAL_RUNS_LIMIT = { default: 10, max: 100 } as const;

export const ApprovalRunsQuery = z.object({
  pageToken: z.string().min(1).max(1000).optional().openapi({ description: 'Pagination token that keeps track of the current position in the list (`nextPageToken`)' }),
  limit: z.coerce.number().int().min(1).max(APPROVAL_RUNS_LIMIT.max).default(APPROVAL_RUNS_LIMIT.default).openapi({ description: 'Limits the number of results to return' }),
  reverse: BooleanQuery.openapi({ description: 'Order in which to retrieve the results: newest first by default, oldest first when true' }),
});

const RunActor = z.object({
  type: z.enum(['user', 'connection', 'system']).openapi({ description: 'A person, an API connection, or Greenlight itself' }),
  id: z.uuid().nullable(),
});

export const ApprovalRun = z
  .object({
    id: z.uuid().openapi({ description: "The request's id" }),
    approvalFlowId: z.uuid().nullable().openapi({ description: 'The approval flow the request is a run of; null for a request without a flow' }),
    organizationId: z.uuid(),
    workspaceId: z.uuid().openapi({ description: "Greenlight has no workspaces: the organization's id" }),
    status: ApprovalStatus,
    activeStep: z.number().int().nullable().openapi({ description: 'The step waiting now (from 1; a request without steps has one); null once the run is not pending' }),
    previousObject: z.record(z.string(), z.unknown()).openapi({ description: '`changes.before` of the request; {} when none' }),
    object: z.record(z.string(), z.unknown()).openapi({ description: '`changes.after` of the request; {} when none' }),
    invoker: RunActor.openapi({ description: 'Who asked' }),
    tags: z.array(z.object({ key: z.string(), value: z.string() })),
    results: z.array(
      z.object({
        reviewer: RunActor.extend({ type: z.enum(['user', 'connection']) }),
        result: z.enum(['approved', 'rejected']),
        comment: z.string().nullable(),
      }),
    ),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .openapi('ApprovalRun');
export type ApprovalRun = z.infer<typeof ApprovalRun>;

export const ApprovalRunPage = z
  .object({
    results: z.array(ApprovalRun),
    nextPageToken: z.string().optional().openapi({ description: 'Pass as `pageToken` for the next page; absent on the last page' }),
  })
  .openapi('ApprovalRunPage');
export type ApprovalRunPage = z.infer<typeof ApprovalRunPage>;

// ——— the registry ————————————————————————————————————————————————————————————————————————————————

export const DIALECTS: Record<DialectId, Dialect> = {
  'human-approval': {
    name: 'Human Approval',
    tag: 'Human Approval API',
    document: 'human-approval-api-v1.txt',
    baseUrlPath: '/human-approval/api/v1',
    mount: '/human-approval/api/v1',
    errorBody: HumanApprovalError,
  },
  kaireon: {
    name: 'KaireonAI approvals',
    tag: 'KaireonAI approvals API',
    document: 'kaireon-approvals-api-v1.txt',
    baseUrlPath: '/kaireon/api/v1',
    mount: '/kaireon/api/v1',
    errorBody: null,
  },
  'approval-runs': {
    name: 'Approval runs',
    tag: 'Approval runs API',
    document: 'approval-runs-api.txt',
    // Its document writes its paths from the host's root.
    baseUrlPath: '',
    mount: '/organizations',
    errorBody: null,
  },
};

