import { z } from './zod.ts';
import { Timestamp } from './common.ts';
import { Role } from './me.ts';

/**
 * Single sign-on through an organization's OpenID Connect provider (docs/sso.md). The server's own
 * pages run the browser side: `SSO_PAGE` asks for the organization (its slug or an email address of
 * one of its domains), `SSO_START_PATH` sends the browser to the provider, and the provider sends it
 * back to `SSO_CALLBACK_PATH`, the one redirect URI to register at the provider for every org.
 */
export const SSO_PAGE = '/sso';
export const SSO_START_PATH = '/sso/start';
export const SSO_CALLBACK_PATH = '/sso/callback';

/** Caps on what an admin can configure, so one org cannot make sign-in slow or the row huge. */
export const SSO_LIMITS = { emailDomains: 20, groupRoles: 100, additionalScopes: 10 } as const;

const EmailDomain = z
  .string()
  .max(253)
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'must be a domain name in lower case, such as example.com')
  .openapi({ example: 'example.com' });

const ClaimName = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9_:./-]+$/, 'must be a claim name (letters, digits, _ : . / -)');

const ScopeName = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'must be one OAuth scope (no spaces or quotes)');

export const SsoSettings = z
  .object({
    configured: z.boolean().openapi({ description: 'Whether an identity provider is set: without one, nobody signs in to this organization with SSO' }),
    issuer: z.string().nullable().openapi({ description: "The provider's issuer URL; its discovery document is read from `<issuer>/.well-known/openid-configuration`" }),
    client_id: z.string().nullable(),
    client_secret: z.object({ configured: z.boolean() }).openapi({ description: 'The client secret is never shown, only whether it is set' }),
    require_sso: z.boolean().openapi({
      description:
        "Whether the organization's members must sign in with SSO: their password sign-in is refused, admins' included " +
        '(the break-glass is the operator\'s one-time link, `greenlight-admin user sign-in-link --org --email`, which needs access to the server)',
    }),
    default_role: Role.openapi({ description: 'The role of a person who joins by signing in with SSO (just-in-time), unless a group maps to another' }),
    groups_claim: z.string().nullable().openapi({ description: 'The claim (of the ID token, else of the UserInfo answer) that lists the groups of the person; null: groups are not read' }),
    group_roles: z.record(z.string(), Role).openapi({ description: 'Group → role for a person who joins; several matching groups: the strongest role' }),
    email_domains: z.array(z.string()).openapi({ description: 'Email domains whose people are sent to this organization\'s provider from the SSO sign-in page' }),
    additional_scopes: z.array(z.string()).openapi({ description: 'Scopes asked for besides `openid email profile` (a provider that lists groups under a scope of its own)' }),
    redirect_uri: z.string().openapi({ description: 'The redirect URI to register for the client at the provider' }),
    sign_in_url: z.string().openapi({ description: "Where a member signs in with SSO to this organization (a link for the organization's own pages)" }),
    updated_at: Timestamp.nullable(),
  })
  .openapi('SsoSettings');
export type SsoSettings = z.infer<typeof SsoSettings>;

export const UpdateSsoSettingsBody = z
  .object({
    issuer: z
      .url({ protocol: /^https?$/, error: 'must be an https URL (http only where the server allows it)' })
      .max(2000)
      .optional()
      .openapi({ description: 'The issuer URL exactly as the provider names itself (its `issuer`), e.g. https://login.example.com/realms/acme' }),
    client_id: z.string().min(1).max(255).optional(),
    client_secret: z.string().min(1).max(1000).optional().openapi({ description: 'Stored encrypted and never shown again. Left out: the stored one is kept.' }),
    require_sso: z.boolean().optional(),
    default_role: Role.optional(),
    groups_claim: ClaimName.nullable().optional(),
    group_roles: z
      .record(z.string().min(1).max(255), Role)
      .refine((r) => Object.keys(r).length <= SSO_LIMITS.groupRoles, `at most ${SSO_LIMITS.groupRoles} groups`)
      .optional(),
    email_domains: z.array(EmailDomain).max(SSO_LIMITS.emailDomains).optional(),
    additional_scopes: z.array(ScopeName).max(SSO_LIMITS.additionalScopes).optional(),
  })
  .strict()
  .openapi('UpdateSsoSettingsBody', {
    description:
      'The first configuration needs issuer, client_id and client_secret; later changes may leave out anything (kept as it is). ' +
      'Turning require_sso on needs the admin making the change to have signed in with this SSO once, so a configuration that does not work cannot lock everyone out.',
  });
export type UpdateSsoSettingsBody = z.infer<typeof UpdateSsoSettingsBody>;

/** What every member may know: whether SSO is on and whether it is the only way in. */
export const SsoStatus = z
  .object({
    enabled: z.boolean(),
    require_sso: z.boolean(),
    sign_in_url: z.string().nullable().openapi({ description: 'Where to sign in with SSO; null when SSO is off' }),
  })
  .openapi('SsoStatus');
export type SsoStatus = z.infer<typeof SsoStatus>;
