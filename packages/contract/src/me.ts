import { z } from './zod.ts';
import { Scope } from './scopes.ts';
import { Timestamp } from './common.ts';

export const ROLES = ['admin', 'approver', 'viewer'] as const;
export const Role = z.enum(ROLES).openapi('Role');

export const ResolvePolicy = z.enum(['approvers', 'admin_only']).openapi('ResolvePolicy', {
  description: '`approvers` (default): the people a request asks decide it; `admin_only`: only admins decide any request',
});
export const AdminOverride = z.boolean().openapi({
  description: 'Whether admins (and API keys) may decide a step that does not ask them; each use is recorded. Default false.',
});

export const Org = z
  .object({
    id: z.uuid(),
    slug: z.string(),
    name: z.string(),
    emergency_stop: z.boolean(),
    // Optional for clients: `GET /me` leaves them out; `PATCH /org` answers them.
    admin_override: AdminOverride.optional(),
    resolve_policy: ResolvePolicy.optional(),
  })
  .openapi('Org');

/** The span a connection's `rate_limit` counts over: a sliding window of a minute or an hour. */
export const RATE_LIMIT_WINDOWS = { minute: 60, hour: 3600 } as const;
export const RateLimitWindow = z.enum(['minute', 'hour']).openapi('RateLimitWindow', {
  description: '`rate_limit` counts requests in any minute or any hour (a sliding window, not clock-aligned)',
});
export type RateLimitWindow = z.infer<typeof RateLimitWindow>;

export const ConnectionInfo = z
  .object({
    id: z.uuid(),
    name: z.string(),
    auth_type: z.enum(['api_key', 'oauth']),
    scopes: z.array(Scope),
    rate_limit: z.number().int().openapi({ description: 'Requests per `rate_limit_window`' }),
    // Optional for clients, which also talk to servers of the spec's shape (always per hour); Greenlight sends it.
    rate_limit_window: RateLimitWindow.optional(),
    created_at: Timestamp,
    expires_at: Timestamp.nullable().optional().openapi({ description: 'When this API key stops working (null: never); Greenlight sends it' }),
  })
  .openapi('ConnectionInfo');

export const Me = z
  .object({
    org: Org,
    connection: ConnectionInfo.nullable(),
    user: z
      .object({
        id: z.uuid(),
        email: z.string(),
        name: z.string().nullable(),
        role: Role,
        see_sensitive: z.boolean().optional().openapi({ description: 'Whether this person sees fields marked sensitive unmasked (admins always do)' }),
      })
      .nullable(),
    scopes: z.array(Scope),
    // Optional for clients, which also talk to servers of the spec's shape; Greenlight sends it.
    notifications: z
      .object({
        email: z.boolean().openapi({ description: 'Whether this server emails the people asked to decide (GREENLIGHT_SMTP_URL and GREENLIGHT_MAIL_FROM are set)' }),
        slack: z.boolean().optional().openapi({ description: 'Whether the organization posts requests to Slack (an admin configured its Slack app)' }),
        telegram: z.boolean().optional().openapi({ description: 'Whether the organization has a Telegram bot members may link their account to' }),
        discord: z.boolean().optional().openapi({ description: 'Whether the organization has a Discord application members may link their account to' }),
        msteams: z.boolean().optional().openapi({ description: 'Whether the organization has a Microsoft Teams bot members may link their account to' }),
      })
      .optional(),
  })
  .openapi('Me', { description: 'The caller: its org, and the connection or user it acts as' });
export type Me = z.infer<typeof Me>;
