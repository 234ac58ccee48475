import type { RouteDef } from '@greenlight/contract';
import type { ZodType } from 'zod';
import type { Handler, HandlerInput, HandlerResult } from '../context.ts';
import { validationError } from '../http/errors.ts';
import { createApprovalVia } from '../modules/approvals/create-approval.ts';
import { decideApproval } from '../modules/approvals/decide-approval.ts';
import { getApproval } from '../modules/approvals/get-approval.ts';
import { listApprovals } from '../modules/approvals/list-approvals.ts';

/**
 * The v1 operations a dialect translates onto: the very handlers the v1 API serves, so every rule
 * (routing, notifications, four-eyes, steps, callbacks, the audit trail, what a viewer may see) is
 * theirs and nothing is decided twice. A dialect route keeps the authorization of the operations it
 * translates onto (the contract checks so), and the router has applied it before the dialect runs.
 */
export const v1 = {
  createThroughHumanApproval: createApprovalVia('human-approval'),
  createThroughKaireon: createApprovalVia('kaireon'),
  getApproval,
  listApprovals,
  decideApproval,
};

type Parts<R extends RouteDef> = Partial<Pick<HandlerInput<R>, 'params' | 'query' | 'body' | 'headers'>>;

/**
 * Calls a v1 handler with a dialect request's caller and context, and the v1 operation's own input:
 * parsed by the v1 operation's schema (its defaults applied), as its route would. The dialect's
 * schema holds its input to the same limits, so a refusal here means the translation is wrong; it
 * is still answered as a validation error, never a 500.
 */
export async function callV1<R extends RouteDef>(
  handler: Handler<R>,
  route: R,
  from: HandlerInput<RouteDef>,
  input: { params?: unknown; query?: unknown; body?: unknown },
): Promise<HandlerResult<R>> {
  const parts: Parts<R> = {};
  for (const where of ['params', 'query', 'body', 'headers'] as const) {
    const schema = route.request[where] as ZodType | undefined;
    // No v1 header is translated: a v1 operation's headers are its defaults.
    const value = where === 'headers' ? {} : input[where];
    if (!schema || value === undefined) continue;
    const parsed = schema.safeParse(value);
    if (!parsed.success) throw validationError(parsed.error, where, value);
    (parts as Record<string, unknown>)[where] = parsed.data;
  }
  return handler({
    params: parts.params ?? {},
    query: parts.query ?? {},
    body: parts.body ?? {},
    headers: parts.headers ?? {},
    auth: from.auth,
    // The operations translated onto have no ownership rule.
    ownedBy: null,
    deps: from.deps,
    requestId: from.requestId,
    get log() {
      return from.log;
    },
    get signal() {
      return from.signal;
    },
  } as HandlerInput<R>);
}
