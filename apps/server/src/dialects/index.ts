/**
 * The peer APIs Greenlight also serves (the contract's dialects.ts), each a translation onto the v1
 * operations (v1.ts) and nothing more: its routes are in the contract's route table, so the router
 * authenticates, limits, authorizes and validates them as any other, and the OpenAPI document and
 * the generated authorization tests cover them.
 */
import { DIALECT_IDS, DIALECTS, type DialectId, type DialectOperationId } from '@greenlight/contract';
import type { Handlers } from '../context.ts';
import { errorHandlerFor, type ErrorRenderer } from '../http/errors.ts';
import type { ErrorRequestHandler } from 'express';
import { createHumanApprovalRequest, getHumanApprovalRequest } from './human-approval/requests.ts';
import { renderHumanApprovalError } from './human-approval/errors.ts';
import { createKaireonApproval, getKaireonApproval, listKaireonApprovals, resolveKaireonApproval } from './kaireon/approvals.ts';
import { getApprovalRun, listApprovalRuns } from './approval-runs/runs.ts';

export const dialectHandlers: Pick<Handlers, DialectOperationId> = {
  createHumanApprovalRequest,
  getHumanApprovalRequest,
  listKaireonApprovals,
  createKaireonApproval,
  getKaireonApproval,
  resolveKaireonApproval,
  listApprovalRuns,
  getApprovalRun,
};

/** The error answers of each dialect whose document defines their shape (the others answer the envelope). */
const RENDERERS: Record<DialectId, ErrorRenderer | null> = {
  'human-approval': renderHumanApprovalError,
  kaireon: null,
  'approval-runs': null,
};

/** How a dialect renders its errors; null: as the envelope. */
export const dialectErrorRenderer = (id: DialectId): ErrorRenderer | null => RENDERERS[id];

/** The path every dialect's requests start with: where the app parses their bodies as it does /api/v1's. */
export const DIALECT_MOUNTS = DIALECT_IDS.map((id) => DIALECTS[id].mount);

/** Error middleware per dialect mount whose errors have their own shape, to go ahead of the envelope's. */
export const dialectErrorHandlers = (): [string, ErrorRequestHandler][] =>
  DIALECT_IDS.flatMap((id) => {
    const render = RENDERERS[id];
    return render ? [[DIALECTS[id].mount, errorHandlerFor(render)] as [string, ErrorRequestHandler]] : [];
  });
