import { z } from './zod.ts';
import { Timestamp } from './common.ts';

/**
 * SCIM 2.0 provisioning (RFC 7643, RFC 7644): an org's identity provider (Okta, Microsoft Entra ID)
 * creates, updates, deactivates and deletes its members and their teams at `SCIM_BASE_PATH`. The
 * SCIM endpoints are a protocol of their own, as the OAuth endpoints are: their own credential (the
 * org's SCIM token, not an API key), media type, and error body, so they are not routes of this
 * table. The admin routes below (the token's life) are.
 */
export const SCIM_BASE_PATH = '/scim/v2';

export const SCIM_MEDIA_TYPE = 'application/scim+json';

export const SCIM_SCHEMAS = {
  user: 'urn:ietf:params:scim:schemas:core:2.0:User',
  group: 'urn:ietf:params:scim:schemas:core:2.0:Group',
  enterpriseUser: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
  listResponse: 'urn:ietf:params:scim:api:messages:2.0:ListResponse',
  patchOp: 'urn:ietf:params:scim:api:messages:2.0:PatchOp',
  error: 'urn:ietf:params:scim:api:messages:2.0:Error',
  serviceProviderConfig: 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig',
  resourceType: 'urn:ietf:params:scim:schemas:core:2.0:ResourceType',
  schema: 'urn:ietf:params:scim:schemas:core:2.0:Schema',
} as const;

/** RFC 7644 §3.12: `scimType` of a 400 (and `uniqueness` of a 409). */
export const SCIM_ERROR_TYPES = ['invalidFilter', 'tooMany', 'uniqueness', 'mutability', 'invalidSyntax', 'invalidPath', 'noTarget', 'invalidValue', 'invalidVers', 'sensitive'] as const;
export type ScimErrorType = (typeof SCIM_ERROR_TYPES)[number];

/** RFC 7644 §3.12: every error of the SCIM endpoints; `status` is a string there. */
export const ScimError = z
  .object({
    schemas: z.tuple([z.literal(SCIM_SCHEMAS.error)]),
    status: z.string().openapi({ example: '400' }),
    scimType: z.enum(SCIM_ERROR_TYPES).optional(),
    detail: z.string().optional(),
  })
  .openapi('ScimError');
export type ScimError = z.infer<typeof ScimError>;

/** `gl_scim_` + 64 hex: 256 bits from the CSPRNG, distinct from an API key at a glance (and by pattern). */
export const SCIM_TOKEN_PATTERN = /^gl_scim_[0-9a-f]{64}$/;

/** The role a person provisioned by the identity provider joins with (admins are made by an admin, never by the IdP). */
export const ScimDefaultRole = z.enum(['viewer', 'approver']).openapi({ description: 'The role a provisioned person joins with; admins are made in Greenlight, never by the identity provider' });

export const ScimSettings = z
  .object({
    enabled: z.boolean().openapi({ description: 'Whether a SCIM token is live: without one the SCIM endpoints answer 401' }),
    base_url: z.string().openapi({ description: "The SCIM connector base URL to enter in the identity provider's provisioning settings" }),
    token: z
      .object({
        prefix: z.string().openapi({ description: 'Its first characters, to tell it apart; the token itself is never shown again' }),
        default_role: ScimDefaultRole,
        created_at: Timestamp,
        last_used_at: Timestamp.nullable(),
      })
      .nullable(),
  })
  .openapi('ScimSettings');
export type ScimSettings = z.infer<typeof ScimSettings>;

export const CreateScimTokenBody = z
  .strictObject({ default_role: ScimDefaultRole.default('approver') })
  .openapi('CreateScimTokenRequest', { description: 'A new token replaces the live one at once (the old one is refused from this moment)' });
export type CreateScimTokenBody = z.infer<typeof CreateScimTokenBody>;

export const ScimTokenCreated = ScimSettings.extend({
  secret: z.string().openapi({ description: 'The bearer token for the identity provider. Shown once; only its SHA-256 is stored.', example: 'gl_scim_…' }),
}).openapi('ScimTokenCreated');
export type ScimTokenCreated = z.infer<typeof ScimTokenCreated>;
