import { z } from './zod.ts';
import { Scope } from './scopes.ts';
import { Timestamp } from './common.ts';

export const ROLES = ['admin', 'approver', 'viewer'] as const;
export const Role = z.enum(ROLES).openapi('Role');

export const Org = z
  .object({ id: z.uuid(), slug: z.string(), name: z.string(), emergency_stop: z.boolean() })
  .openapi('Org');

export const ConnectionInfo = z
  .object({
    id: z.uuid(),
    name: z.string(),
    auth_type: z.enum(['api_key', 'oauth']),
    scopes: z.array(Scope),
    rate_limit: z.number().int().openapi({ description: 'Requests per hour' }),
    created_at: Timestamp,
  })
  .openapi('ConnectionInfo');

export const Me = z
  .object({
    org: Org,
    connection: ConnectionInfo.nullable(),
    user: z.object({ id: z.uuid(), email: z.string(), name: z.string().nullable(), role: Role }).nullable(),
    scopes: z.array(Scope),
  })
  .openapi('Me', { description: 'The caller: its org, and the connection or user it acts as' });
export type Me = z.infer<typeof Me>;
