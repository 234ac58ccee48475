import { z } from './zod.ts';

/** Scopes a connection (API key or OAuth grant) can hold. Enforced on every route. */
export const SCOPES = ['approvals:read', 'approvals:write', 'comments:write'] as const;
export const Scope = z.enum(SCOPES).openapi('Scope');
export type Scope = z.infer<typeof Scope>;

export const SCOPE_DESCRIPTIONS: Record<Scope, string> = {
  'approvals:read': 'Read approval requests, their steps, comments and audit events',
  'approvals:write': 'Create, approve, reject and cancel approval requests; configure and vote on steps',
  'comments:write': 'Add comments to approval requests',
};
