import { z } from './zod.ts';
import { ViewerPermission } from './approvals.ts';
import { PageSizeQuery, Principal, Timestamp } from './common.ts';

/**
 * Standing grants: "and the same for the next hour / N times / this agent session", given by a person
 * with an approval (`grant` on `PATCH /api/v1/approvals/{id}`, the shape is GiveGrant), listed and revoked here.
 * A grant approves later requests of the connection that asked, when they match it, each use counted,
 * in the request's create transaction; a policy that decides first wins (a forbid always does).
 */
export const GRANT_STATUSES = ['active', 'revoked', 'expired', 'used_up', 'all'] as const;

export const ListGrantsQuery = z.object({
  status: z.enum(GRANT_STATUSES).default('active').openapi({
    description:
      '`active` (default): not revoked, not expired, not used up; `revoked`; `expired` (not revoked, its time has passed); ' +
      '`used_up` (not revoked nor expired, every use taken); `all`: every grant the caller may see',
  }),
  given_by: z
    .union([z.literal('me'), z.uuid()])
    .optional()
    .openapi({ description: 'Only the grants this person gave (`me`: the caller, who must be a person)' }),
  page_size: PageSizeQuery,
  page_token: z.string().min(1).max(200).optional().openapi({ description: 'Cursor from `next_page_token`' }),
});
export type ListGrantsQuery = z.infer<typeof ListGrantsQuery>;

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

export const GrantList = z
  .object({
    data: z.array(Grant).openapi({ description: 'Newest first' }),
    next_page_token: z.string().nullable().openapi({ description: 'Pass as `page_token` for the next page; null on the last page' }),
  })
  .openapi('GrantList');
export type GrantList = z.infer<typeof GrantList>;

/** The windows the prompts-avoided counts are read over. */
export const AUTO_DECISION_WINDOWS = { '24h': 86_400, '7d': 7 * 86_400, '30d': 30 * 86_400 } as const satisfies Record<string, number>;
export const AutoDecisionWindow = z.enum(Object.keys(AUTO_DECISION_WINDOWS) as [keyof typeof AUTO_DECISION_WINDOWS, ...(keyof typeof AUTO_DECISION_WINDOWS)[]]);

export const CountAutoDecisionsQuery = z.object({
  window: AutoDecisionWindow.default('7d').openapi({ description: 'Decisions made in the last 24 hours, 7 days or 30 days' }),
});

export const AutoDecisionCounts = z
  .object({
    window: AutoDecisionWindow,
    since: Timestamp.openapi({ description: 'The start of the window' }),
    policies: z
      .array(
        z.object({
          id: z.string().openapi({ description: 'The policy\'s `@id`' }),
          approved: z.number().int().min(0),
          rejected: z.number().int().min(0),
        }),
      )
      .openapi({ description: 'Each policy that decided a request in the window, most decisions first' }),
    grants: z
      .array(
        z.object({
          id: z.uuid(),
          given_by: z.object({ id: z.uuid(), name: z.string() }),
          action_type: z.string(),
          connection: z.object({ id: z.uuid(), name: z.string() }),
          approved: z.number().int().min(0).openapi({ description: 'Requests it approved in the window' }),
        }),
      )
      .openapi({ description: 'Each grant the caller may see (as `GET /api/v1/grants`) that approved a request in the window, most first' }),
  })
  .openapi('AutoDecisionCounts', {
    description:
      'Prompts avoided: how many requests each policy and each standing grant decided, without asking anyone, over the window, counted from the stored decisions',
  });
export type AutoDecisionCounts = z.infer<typeof AutoDecisionCounts>;
