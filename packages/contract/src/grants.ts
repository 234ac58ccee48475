import { z } from './zod.ts';
import { ViewerPermission } from './approvals.ts';
import { Principal, Timestamp } from './common.ts';

/**
 * Standing grants: "and the same for the next hour / N times / this agent session", given by a person
 * with an approval (`grant` on `PATCH /api/v1/approvals/{id}`, the shape is GiveGrant), listed and revoked here.
 * A grant approves later requests of the connection that asked, when they match it, each use counted,
 * in the request's create transaction; a policy that decides first wins (a forbid always does).
 */
export const GRANT_STATUSES = ['active', 'all'] as const;

export const ListGrantsQuery = z.object({
  status: z
    .enum(GRANT_STATUSES)
    .default('active')
    .openapi({ description: '`active` (default): not revoked, not expired, not used up; `all`: every grant the caller may see, newest first' }),
});

export const Grant = z
  .object({
    id: z.uuid(),
    given_by: z.object({ id: z.uuid(), name: z.string() }).openapi({ description: 'The person who gave it' }),
    given_on: z.uuid().openapi({ description: 'The request whose approval it was given with' }),
    connection: z
      .object({ id: z.uuid(), name: z.string() })
      .openapi({ description: 'Whose requests it approves: the connection (API key or OAuth grant) that asked for that request' }),
    agent_session: z.string().nullable().openapi({ description: 'Only requests of this agent session (`metadata.session_id` or `run_id`); null: any' }),
    action_type: z.string().openapi({ description: 'A glob the request\'s `action_type` must match' }),
    fields: z.record(z.string(), z.string()).openapi({ description: 'Fields the request must match, each an exact value or a glob' }),
    created_at: Timestamp,
    expires_at: Timestamp,
    max_uses: z.number().int().nullable(),
    uses: z.number().int().min(0).openapi({ description: 'Requests it has approved' }),
    revoked_at: Timestamp.nullable(),
    revoked_by: Principal.nullable(),
    active: z.boolean().openapi({ description: 'Whether it still decides: not revoked, not expired, not used up' }),
    viewer_can: z
      .object({ revoke: ViewerPermission })
      .openapi({ description: 'Whether the caller may revoke it (its giver, an admin, or the owner of its connection), with the reason when not' }),
  })
  .openapi('Grant');
export type Grant = z.infer<typeof Grant>;

export const GrantList = z.object({ data: z.array(Grant) }).openapi('GrantList');
export type GrantList = z.infer<typeof GrantList>;
