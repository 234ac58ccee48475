import { z } from 'zod';
import { scimPatch, type ScimPatchOperation } from 'scim-patch';
import { SCIM_ERROR_TYPES, type ScimErrorType } from '@greenlight/contract';
import { constraintName, sqlState } from '../../storage/database.ts';
import type { AuditActor } from '../../core/audit.ts';
import { ApiError } from '../../errors.ts';
import { scimError } from './errors.ts';
import { parseScimFilter } from './filter.ts';

/** Who the audit log names for what the identity provider did. */
export const SCIM_ACTOR: AuditActor = { type: 'system', name: 'scim' };

/**
 * A boolean as identity providers send it: Entra ID sends `active` as the strings "True" and "False"
 * in PATCH operations.
 */
export const BoolLike = z.union([z.boolean(), z.string().regex(/^(true|false)$/i).transform((v) => v.toLowerCase() === 'true')]);

/** RFC 7644 §3.5.2: a PATCH body; `op` in any case (Entra capitalises it). */
export const PatchBody = z.object({
  schemas: z.array(z.string()).optional(),
  Operations: z
    .array(
      z.object({
        op: z.string().transform((op) => op.toLowerCase()).pipe(z.enum(['add', 'remove', 'replace'])),
        path: z.string().max(1000).optional(),
        value: z.unknown().optional(),
      }),
    )
    .min(1)
    .max(100),
});

/** Path segments that would reach an object's prototype through the patch library: refused outright. */
const UNSAFE_PATH = /__proto__|\bconstructor\b|\bprototype\b/;

/**
 * Applies PATCH operations (RFC 7644 §3.5.2) to a copy of a resource's current representation with
 * scim-patch; the caller validates and stores the result as it would a PUT, so PATCH and PUT share
 * one set of rules.
 */
export function applyPatch(resource: Record<string, unknown>, body: unknown): Record<string, unknown> {
  const parsed = PatchBody.safeParse(body);
  if (!parsed.success) {
    throw scimError(400, 'invalidSyntax', `not a PatchOp request: ${parsed.error.issues[0]?.path.join('.') ?? ''} ${parsed.error.issues[0]?.message ?? ''}`.trim());
  }
  for (const op of parsed.data.Operations) {
    if (op.path && UNSAFE_PATH.test(op.path)) throw scimError(400, 'invalidPath', `path ${op.path} is not an attribute`);
    if (op.op !== 'remove' && op.value === undefined) throw scimError(400, 'invalidValue', `the ${op.op} operation needs a value`);
  }
  try {
    return scimPatch(structuredClone(resource) as never, parsed.data.Operations as ScimPatchOperation[]) as Record<string, unknown>;
  } catch (err) {
    const code = (err as { scimCode?: string }).scimCode;
    const scimType: ScimErrorType = code && (SCIM_ERROR_TYPES as readonly string[]).includes(code) ? (code as ScimErrorType) : 'invalidPath';
    throw scimError(400, scimType, err instanceof Error ? err.message.replace(/^Error:\s*/, '') : 'the patch cannot be applied');
  }
}

export const LIST_COUNT = { default: 100, max: 200 } as const;

const ListQuery = z.object({
  filter: z.string().optional(),
  startIndex: z.coerce.number().int().optional(),
  count: z.coerce.number().int().optional(),
  excludedAttributes: z.string().max(1000).optional(),
  attributes: z.string().max(1000).optional(),
});

/**
 * RFC 7644 §3.4.2: filter, then page (startIndex from 1; below 1 is taken as 1; count below 0 as 0,
 * above the maximum as the maximum). The resources of an org are read whole and filtered here: an
 * org's people and teams are counted in hundreds or thousands.
 */
export function listResponse(resources: Record<string, unknown>[], query: unknown, listSchema: string) {
  const q = ListQuery.safeParse(query);
  if (!q.success) throw scimError(400, 'invalidValue', `${q.error.issues[0]?.path.join('.')}: ${q.error.issues[0]?.message ?? 'invalid'}`);
  const test = q.data.filter ? parseScimFilter(q.data.filter) : () => true;
  const matched = resources.filter(test);
  const startIndex = Math.max(1, q.data.startIndex ?? 1);
  const count = Math.min(Math.max(0, q.data.count ?? LIST_COUNT.default), LIST_COUNT.max);
  const page = matched.slice(startIndex - 1, startIndex - 1 + count);
  const excluded = new Set((q.data.excludedAttributes ?? '').split(',').map((a) => a.trim().toLowerCase()).filter(Boolean));
  const shown = excluded.size === 0 ? page : page.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !excluded.has(k.toLowerCase()))));
  return { schemas: [listSchema], totalResults: matched.length, startIndex, itemsPerPage: shown.length, Resources: shown };
}

/** Zod's refusal of a resource body, as SCIM's 400. */
export function invalidBody(error: z.ZodError): ApiError {
  const first = error.issues[0];
  const path = first?.path.join('.') ?? '';
  return scimError(400, 'invalidValue', first ? `${path ? `${path}: ` : ''}${first.message}` : 'invalid resource');
}

/** A unique index of SCIM's tables (or the account's email) hit under concurrency: 409 uniqueness. */
export async function uniquely<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (sqlState(err) === '23505') {
      const name = constraintName(err) ?? '';
      throw scimError(409, 'uniqueness', /external_id/.test(name) ? 'externalId is already in use' : /teams_org_name/.test(name) ? 'displayName is already in use' : 'userName is already in use');
    }
    throw err;
  }
}

/** Ids are UUIDs: anything else is an unknown resource (never a database error). */
export const isUuid = (id: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);
