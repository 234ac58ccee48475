import { DEFAULT_NEVER_WITHOUT_PERSON, type NeverWithoutPerson } from '@greenlight/contract';
import type { Queryable } from '../../storage/database.ts';
import { OrgCache } from '../org-cache.ts';
import { compilePolicySet, type CompiledPolicySet } from './policy.ts';

/** Announces, after commit, that an org's policy set changed (payload: the org id). */
export const POLICIES_CHANNEL = 'greenlight_policies';

export interface StoredPolicySet {
  version: number;
  source: string;
  never_without_person: NeverWithoutPerson;
}

/** The org's saved set (version 0, no text and the default classes when it never had one). */
export async function loadPolicySet(db: Queryable, orgId: string): Promise<StoredPolicySet> {
  const { rows } = await db.query<StoredPolicySet>('SELECT version, source, never_without_person FROM policy_sets WHERE org_id = $1', [orgId]);
  return rows[0] ?? { version: 0, source: '', never_without_person: DEFAULT_NEVER_WITHOUT_PERSON };
}

/** Read and compiled, uncached. */
export async function readPolicySet(db: Queryable, orgId: string): Promise<CompiledPolicySet> {
  const s = await loadPolicySet(db, orgId);
  return compilePolicySet(s.version, s.source, s.never_without_person, { saved: true });
}

/**
 * Each org's compiled policy set, cached in the process so that a create pays neither a database round
 * trip nor a Cedar parse for it, invalidated through POLICIES_CHANNEL (OrgCache) as routing rules are.
 */
export class PolicyCache extends OrgCache<CompiledPolicySet> {
  constructor(ttlMs?: number, maxEntries?: number) {
    super(
      POLICIES_CHANNEL,
      async (db, orgId, lapsed) => {
        const stored = await loadPolicySet(db, orgId);
        // The same version as the entry that lapsed: its compiled set (and Cedar's parse of it) still holds.
        return lapsed && lapsed.version === stored.version ? lapsed : compilePolicySet(stored.version, stored.source, stored.never_without_person, { saved: true });
      },
      ttlMs,
      maxEntries,
    );
  }

  setOf(db: Queryable, orgId: string): Promise<CompiledPolicySet> {
    return this.of(db, orgId);
  }
}
