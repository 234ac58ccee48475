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

/** The version of the org's saved set (0 when it never had one). */
async function versionOf(db: Queryable, orgId: string): Promise<number> {
  const { rows } = await db.query<{ version: number }>('SELECT version FROM policy_sets WHERE org_id = $1', [orgId]);
  return rows[0]?.version ?? 0;
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
  /** Reads under way, by org: creates that miss the cache together wait for the one read. */
  private readonly inflight: Map<string, Promise<CompiledPolicySet>>;

  constructor(ttlMs?: number, maxEntries = 10_000) {
    /**
     * Each org's set compiled last, whether or not it is cached now: a cache cleared without a change
     * (the listener reconnecting) or a lapsed entry reuses it when its version is still the saved one,
     * rather than compiling the same set again (seconds for a large one, during which the process
     * does nothing else).
     */
    const compiled = new Map<string, CompiledPolicySet>();
    const inflight = new Map<string, Promise<CompiledPolicySet>>();
    const read = async (db: Queryable, orgId: string, lapsed: CompiledPolicySet | undefined): Promise<CompiledPolicySet> => {
      const last = lapsed ?? compiled.get(orgId);
      // The same version as the set compiled last: it (and Cedar's parse of it) still holds, and the
      // text (up to 200,000 characters) need not be read again.
      if (last && (await versionOf(db, orgId)) === last.version) return last;
      const stored = await loadPolicySet(db, orgId);
      const set = compilePolicySet(stored.version, stored.source, stored.never_without_person, { saved: true });
      compiled.delete(orgId);
      if (compiled.size >= maxEntries) compiled.delete(compiled.keys().next().value!);
      compiled.set(orgId, set);
      return set;
    };
    super(
      POLICIES_CHANNEL,
      (db, orgId, lapsed) => {
        const running = inflight.get(orgId);
        if (running) return running;
        const p = read(db, orgId, lapsed).finally(() => {
          if (inflight.get(orgId) === p) inflight.delete(orgId);
        });
        inflight.set(orgId, p);
        return p;
      },
      ttlMs,
      maxEntries,
    );
    this.inflight = inflight;
  }

  /** A change: a read already under way may predate it, so later misses start their own. */
  override forget(orgId: string): void {
    this.inflight.delete(orgId);
    super.forget(orgId);
  }

  override clear(): void {
    this.inflight.clear();
    super.clear();
  }

  setOf(db: Queryable, orgId: string): Promise<CompiledPolicySet> {
    return this.of(db, orgId);
  }
}
