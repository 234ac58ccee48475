import type { NeverWithoutPerson, PolicySet } from '@greenlight/contract';
import type { AppDeps } from '../../context.ts';
import type { Queryable } from '../../storage/database.ts';
import { ApiError } from '../../errors.ts';
import { recordAudit, type AuditActor } from '../../core/audit.ts';
import { compileGlob, GlobError } from '../../core/routing.ts';
import { compilePolicySet, PolicySourceError, type CompiledPolicySet } from '../../core/deciders/policy.ts';
import { loadPolicySet, POLICIES_CHANNEL, readPolicySet } from '../../core/deciders/policy-cache.ts';

/** The org's compiled policy set, from the process cache when the app has one. */
export function policySetFor(deps: Pick<AppDeps, 'db' | 'policies'>, orgId: string): Promise<CompiledPolicySet> {
  return deps.policies ? deps.policies.setOf(deps.db, orgId) : readPolicySet(deps.db, orgId);
}

interface SetRow {
  updated_at: Date;
  updated_by_type: 'user' | 'connection' | 'system';
  updated_by_id: string | null;
  updated_by_name: string | null;
}

export async function getPolicySet(db: Queryable, orgId: string): Promise<PolicySet> {
  const stored = await loadPolicySet(db, orgId);
  const { rows } = await db.query<SetRow>(
    `SELECT s.updated_at, s.updated_by_type, s.updated_by_id,
            CASE s.updated_by_type WHEN 'user' THEN (SELECT coalesce(u.name, u.email) FROM users u WHERE u.id = s.updated_by_id)
                                   WHEN 'connection' THEN (SELECT c.name FROM connections c WHERE c.id = s.updated_by_id) END AS updated_by_name
       FROM policy_sets s WHERE s.org_id = $1`,
    [orgId],
  );
  const set = rows[0];
  // A saved set compiled when it was saved; compiled again here for its summary (never refused now).
  const compiled = compilePolicySet(stored.version, stored.source, stored.never_without_person, { saved: true });
  return {
    version: stored.version,
    source: stored.source,
    policies: compiled.policies.map((p) => ({ id: p.id, effect: p.effect, reason: p.reason, line: p.line, mode: p.mode })),
    never_without_person: stored.never_without_person,
    updated_at: set ? set.updated_at.toISOString() : null,
    updated_by: set ? { type: set.updated_by_type, id: set.updated_by_id, name: set.updated_by_name } : null,
  };
}

/** The classes as stored: without repeats, globs checked (a malformed one is a 400 naming it). */
function normalizedNever(never: NeverWithoutPerson): NeverWithoutPerson {
  never.action_types.forEach((glob, i) => {
    try {
      compileGlob(glob);
    } catch (err) {
      if (!(err instanceof GlobError)) throw err;
      throw new ApiError('VALIDATION_ERROR', `never_without_person.action_types.${i}: "${glob}" is not a valid glob: ${err.message}`, {
        location: 'body',
        issues: [{ path: `never_without_person.action_types.${i}`, code: 'custom', message: `"${glob}" is not a valid glob: ${err.message}` }],
      });
    }
  });
  return { priorities: [...new Set(never.priorities)], action_types: [...new Set(never.action_types)] };
}

/** A text refused by Cedar or by our rules, as a 400 whose every issue names its line and column. */
function sourceRefusal(err: PolicySourceError): ApiError {
  const first = err.issues[0]!;
  return new ApiError('VALIDATION_ERROR', `source: line ${first.line}, column ${first.column}: ${first.message}`, {
    location: 'body',
    issues: err.issues.map((i) => ({ path: 'source', code: 'policy', ...i })),
  });
}

/** A candidate set compiled as PUT validates it: a refusal is the same 400. */
export function compileCandidate(version: number, source: string, never: NeverWithoutPerson): CompiledPolicySet {
  try {
    return compilePolicySet(version, source, normalizedNever(never));
  } catch (err) {
    if (err instanceof PolicySourceError) throw sourceRefusal(err);
    throw err;
  }
}

/**
 * Replaces the org's policy set in one transaction: validated (a refusal leaves the saved version as it
 * was), a new version, an audit entry with the text, and the announcement that drops every process's
 * compiled copy once it commits. The org row is locked, as routing rules lock it, so two saves queue.
 */
export async function replacePolicySet(
  deps: Pick<AppDeps, 'db' | 'policies'>,
  orgId: string,
  body: { source: string; never_without_person: NeverWithoutPerson; expected_version?: number | undefined },
  actor: AuditActor,
): Promise<PolicySet> {
  const never = normalizedNever(body.never_without_person);
  const result = await deps.db.transaction(async (tx) => {
    await tx.query('SELECT 1 FROM orgs WHERE id = $1 FOR UPDATE', [orgId]);
    const before = await loadPolicySet(tx, orgId);
    const from = before.version;
    if (body.expected_version !== undefined && body.expected_version !== from) {
      throw new ApiError('VERSION_CONFLICT', `the policies were changed since version ${body.expected_version} (now version ${from}): reload them and apply your change again`, {
        expected_version: body.expected_version,
        current_version: from,
      });
    }
    const version = from + 1;
    const compiled = compileCandidate(version, body.source, never);
    await tx.query(
      `INSERT INTO policy_sets (org_id, version, source, never_without_person, updated_at, updated_by_type, updated_by_id)
       VALUES ($1, $2, $3, $4::jsonb, now(), $5, $6)
       ON CONFLICT (org_id) DO UPDATE SET version = EXCLUDED.version, source = EXCLUDED.source, never_without_person = EXCLUDED.never_without_person,
                                          updated_at = now(), updated_by_type = EXCLUDED.updated_by_type, updated_by_id = EXCLUDED.updated_by_id`,
      [orgId, version, body.source, JSON.stringify(never), actor.type, actor.type === 'system' ? null : actor.id],
    );
    const ids = (s: { policies: { id: string }[] }) => new Set(s.policies.map((p) => p.id));
    const old = ids(compilePolicySet(before.version, before.source, before.never_without_person, { saved: true }));
    const now = ids(compiled);
    await recordAudit(tx, {
      orgId,
      actor,
      type: 'policies.updated',
      target: { type: 'policies', id: orgId },
      details: {
        from_version: from,
        version,
        added: [...now].filter((id) => !old.has(id)),
        removed: [...old].filter((id) => !now.has(id)),
        source: body.source,
        never_without_person: never,
      },
    });
    tx.notify(POLICIES_CHANNEL, orgId);
    return getPolicySet(tx, orgId);
  });
  // This process at once; the others when the NOTIFY arrives.
  deps.policies?.forget(orgId);
  return result;
}
