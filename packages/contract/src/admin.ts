import { z } from './zod.ts';
import { Scope } from './scopes.ts';
import { EmailAddress, Timestamp, TimestampInput, Uuid } from './common.ts';
import { AdminOverride, RateLimitWindow, ResolvePolicy, Role } from './me.ts';

/** Admin-only changes to the caller's organization. */
export const UpdateOrgBody = z
  .strictObject({
    emergency_stop: z.boolean().optional().openapi({ description: 'While true, every change to approval requests answers 503 EMERGENCY_STOP' }),
    admin_override: AdminOverride.optional(),
    resolve_policy: ResolvePolicy.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: 'nothing to change' })
  .openapi('UpdateOrgRequest');
export type UpdateOrgBody = z.infer<typeof UpdateOrgBody>;

/** Exact redirect URIs (compared as strings): https, or http only for localhost; no fragment. */
export const CreateOAuthClientBody = z
  .strictObject({
    name: z.string().trim().min(1).max(200).openapi({ description: 'Shown to users on the consent page', example: 'Zapier' }),
    redirect_uris: z
      .array(z.string().max(2000))
      .min(1)
      .max(20)
      .openapi({ example: ['https://zapier.com/dashboard/auth/oauth/return/App123CLIAPI/'] }),
    scopes: z.array(Scope).min(1).optional().openapi({ description: 'Scopes the client may ask for (default: all)' }),
    rate_limit: z.number().int().min(1).max(10_000).optional().openapi({ description: 'Requests per `rate_limit_window` of each grant (default 100)' }),
    rate_limit_window: RateLimitWindow.optional().openapi({ description: 'Default hour' }),
    expires_at: TimestampInput.optional().openapi({
      description:
        'When the client stops working: it gets and refreshes no tokens after it (`invalid_client`), and its access tokens stop working. ' +
        'At least 300 seconds and at most 730 days from now, as for API keys. Default: never',
    }),
  })
  .superRefine((b, ctx) => checkExpiry(b.expires_at, ctx))
  .openapi('CreateOAuthClientRequest');
export type CreateOAuthClientBody = z.infer<typeof CreateOAuthClientBody>;

export const OAuthClient = z
  .object({
    id: z.uuid(),
    client_id: z.string(),
    name: z.string(),
    redirect_uris: z.array(z.string()),
    scopes: z.array(Scope),
    rate_limit: z.number().int(),
    rate_limit_window: RateLimitWindow,
    created_at: Timestamp,
    revoked_at: Timestamp.nullable().openapi({ description: 'For a client that registered itself: when an admin revoked it in this organization' }),
    expires_at: Timestamp.nullable().optional().openapi({ description: 'When the client stops working (null: never)' }),
    previous_secret_expires_at: Timestamp.nullable().optional().openapi({
      description: 'After a rotation of its secret: until when the previous secret still works beside the new one (null: no previous secret works)',
    }),
    registration: z.enum(['admin', 'dynamic']).openapi({
      description:
        '`admin`: registered by an admin of this organization (confidential, with a secret). `dynamic`: an application that ' +
        'registered itself (RFC 7591, e.g. an MCP client), listed here once a member of this organization has authorized it; ' +
        'revoking it ends its grants here and refuses it in this organization from then on.',
    }),
  })
  .openapi('OAuthClient');

export const OAuthClientCreated = OAuthClient.extend({
  client_secret: z.string().openapi({ description: 'Shown once; only its SHA-256 is stored' }),
}).openapi('OAuthClientCreated');

export const OAuthClientList = z.object({ data: z.array(OAuthClient) }).openapi('OAuthClientList');

export const UserIdParams = z.object({
  userId: Uuid.openapi({ param: { name: 'userId', in: 'path' }, example: 'b7e0c2f4-1a2b-4c3d-8e9f-0a1b2c3d4e5f' }),
});

export const Member = z
  .object({
    user_id: z.uuid(),
    email: z.string(),
    name: z.string().nullable(),
    role: Role,
    password_set: z.boolean().openapi({ description: 'False until the member has set a password (after their sign-in link)' }),
    see_sensitive: z.boolean().openapi({
      description: 'The permission to see fields marked sensitive (`redact`) unmasked, granted by admins; admins have it by their role',
    }),
    joined_at: Timestamp,
  })
  .openapi('Member');

export const MemberList = z.object({ data: z.array(Member) }).openapi('MemberList');

export const AddMemberBody = z
  .strictObject({
    email: EmailAddress.openapi({ example: 'jane@example.com' }),
    name: z.string().trim().min(1).max(200).optional(),
    role: Role.default('viewer').openapi({ description: 'Default viewer: the least a member can do' }),
  })
  .openapi('AddMemberRequest');

export const MemberAdded = z
  .object({
    member: Member,
    sign_in_url: z.url().nullable().openapi({
      description:
        'One-time link (works once, for an hour). For a new account, it signs in and the member sets a password. For an account ' +
        'that belongs to another organization, it is an invitation: the person, signed in, accepts it, and is a member from then on ' +
        '(the answer looks the same either way). Null for an account with a password and no other organization.',
    }),
    sign_in_expires_at: Timestamp.nullable(),
  })
  .openapi('MemberAdded');

export const UpdateMemberBody = z
  .strictObject({
    role: Role.optional(),
    see_sensitive: z.boolean().optional().openapi({ description: 'Grant or withdraw the permission to see sensitive fields unmasked' }),
  })
  .refine((b) => b.role !== undefined || b.see_sensitive !== undefined, { message: 'send role, see_sensitive or both' })
  .openapi('UpdateMemberRequest');

export const ConnectionUser = z.object({ id: z.uuid(), email: z.string(), name: z.string().nullable() });

export const Connection = z
  .object({
    id: z.uuid(),
    name: z.string(),
    auth_type: z.enum(['api_key', 'oauth']),
    key_prefix: z.string().nullable().openapi({ description: 'The start of an API key, to recognise it; null for OAuth grants' }),
    scopes: z.array(Scope),
    rate_limit: z.number().int().openapi({ description: 'Requests per `rate_limit_window`' }),
    rate_limit_window: RateLimitWindow,
    user: ConnectionUser.nullable().openapi({ description: 'The person an OAuth grant acts for; null for API keys' }),
    created_by: ConnectionUser.nullable().openapi({
      description: 'The admin who issued an API key (removing them revokes it); for an OAuth grant, its person; null when unknown',
    }),
    created_at: Timestamp,
    revoked_at: Timestamp.nullable(),
    // Optional for clients, which also talk to servers of the spec's shape (keys never expire there); Greenlight sends it.
    expires_at: Timestamp.nullable().optional().openapi({ description: 'When an API key stops working (null: never); after a rotation, the end of the overlap' }),
  })
  .openapi('Connection');

export const ConnectionList = z.object({ data: z.array(Connection) }).openapi('ConnectionList');

/** How long an API key may live, and how long a rotated key keeps working beside its successor. */
export const API_KEY_LIMITS = {
  /** The furthest `expires_at` may be: a key meant to expire should not outlive the people who made it. */
  maxLifetimeDays: 730,
  /** Shorter than this, a key would lapse before it could be put in place. */
  minLifetimeSeconds: 300,
  defaultOverlapSeconds: 86_400,
  maxOverlapSeconds: 30 * 86_400,
} as const;

const checkExpiry = (expiresAt: string | undefined, ctx: z.RefinementCtx) => {
  if (expiresAt === undefined) return;
  const left = Date.parse(expiresAt) - Date.now();
  if (left < API_KEY_LIMITS.minLifetimeSeconds * 1000) {
    ctx.addIssue({ code: 'custom', path: ['expires_at'], message: `expires_at must be at least ${API_KEY_LIMITS.minLifetimeSeconds} seconds in the future` });
  } else if (left > API_KEY_LIMITS.maxLifetimeDays * 86_400_000) {
    ctx.addIssue({ code: 'custom', path: ['expires_at'], message: `expires_at must be at most ${API_KEY_LIMITS.maxLifetimeDays} days in the future` });
  }
};

const KeyExpiresAt = TimestampInput.optional().openapi({
  description: `When the key stops working: at least ${API_KEY_LIMITS.minLifetimeSeconds} seconds and at most ${API_KEY_LIMITS.maxLifetimeDays} days from now. Default: never`,
});

export const CreateConnectionBody = z
  .strictObject({
    name: z.string().trim().min(1).max(200).openapi({ example: 'ci-deploys' }),
    scopes: z.array(Scope).min(1).optional().openapi({ description: 'Default: every scope' }),
    rate_limit: z.number().int().min(1).max(10_000).optional().openapi({ description: 'Requests per `rate_limit_window` (default 100)' }),
    rate_limit_window: RateLimitWindow.optional().openapi({ description: 'Default hour' }),
    expires_at: KeyExpiresAt,
  })
  .superRefine((b, ctx) => checkExpiry(b.expires_at, ctx))
  .openapi('CreateConnectionRequest');

/** A rotation's `overlap_seconds`: how long `old` (what the rotation replaces) keeps working beside the new one; `after`: what else ends it. */
const OverlapSeconds = (old: string, after: string) =>
  z
    .number()
    .int()
    .min(0)
    .max(API_KEY_LIMITS.maxOverlapSeconds)
    .optional()
    .openapi({
      description: `How long ${old} keeps working beside the new one (default ${API_KEY_LIMITS.defaultOverlapSeconds}, at most ${API_KEY_LIMITS.maxOverlapSeconds}); ${after}`,
    });

export const RotateConnectionBody = z
  .strictObject({
    overlap_seconds: OverlapSeconds('the old key', 'never past its own expiry'),
    expires_at: KeyExpiresAt.openapi({
      description: "When the new key stops working. Default: the old key's lifetime again from now (capped), or never if the old key had no expiry",
    }),
  })
  .superRefine((b, ctx) => checkExpiry(b.expires_at, ctx))
  .openapi('RotateConnectionRequest');

export const RotateOAuthClientSecretBody = z
  .strictObject({
    overlap_seconds: OverlapSeconds('the previous secret', '0 ends it at once'),
  })
  .openapi('RotateOAuthClientSecretRequest');

export const OAuthClientSecretRotated = OAuthClient.extend({
  client_secret: z.string().openapi({ description: 'The new secret, shown once; only its SHA-256 is stored' }),
}).openapi('OAuthClientSecretRotated', { description: 'The client with its new secret; `previous_secret_expires_at` says when the old one stops working' });

export const ConnectionRotated = z
  .object({
    connection: Connection.extend({
      api_key: z.string().openapi({ description: 'Shown once; only its SHA-256 is stored' }),
    }).openapi({ description: 'The new key: same name, scopes and limits' }),
    previous: Connection.openapi({ description: 'The old key, now expiring at the end of the overlap' }),
  })
  .openapi('ConnectionRotated');

export const ConnectionCreated = Connection.extend({
  api_key: z.string().openapi({ description: 'Shown once; only its SHA-256 is stored' }),
}).openapi('ConnectionCreated');

export const SetPasswordBody = z
  .strictObject({
    current_password: z.string().min(1).max(1024).optional().openapi({ description: 'Required when a password is already set' }),
    new_password: z.string().min(12).max(256).openapi({ description: '12 to 256 characters' }),
  })
  .openapi('SetPasswordRequest');

export const PasswordSet = z
  .object({
    password_set: z.literal(true),
    other_sessions_ended: z.number().int().min(0).openapi({ description: 'Your other signed-in sessions, signed out' }),
  })
  .openapi('PasswordSet');

export const Session = z
  .object({
    id: z.string().openapi({ description: 'Names the session in this list; not a credential' }),
    created_at: Timestamp,
    expires_at: Timestamp,
    current: z.boolean().openapi({ description: 'The session this request was made with' }),
  })
  .openapi('Session');

export const SessionList = z.object({ data: z.array(Session) }).openapi('SessionList');

export const SessionsEnded = z
  .object({ ended: z.number().int().min(0).openapi({ description: 'Sessions signed out (every one but the current)' }) })
  .openapi('SessionsEnded');
