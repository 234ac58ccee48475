import { DEFAULT_NEVER_WITHOUT_PERSON, type NeverWithoutPerson } from '@greenlight/contract';
import type { Database, Queryable } from '../../storage/database.ts';
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
 * trip nor a Cedar parse for it, as RoutingCache does for routing rules and with the same invalidation:
 * the writer drops this process's entry at once (`forget`) and announces the org on POLICIES_CHANNEL when
 * it commits, which drops the other replicas' entries within milliseconds; the time to live bounds a lost
 * notification, and a reconnected LISTEN drops everything.
 */
export class PolicyCache {
  private readonly entries = new Map<string, { set: CompiledPolicySet; expires: number }>();
  private unlisten: (() => Promise<void>) | undefined;
  /** Bumped by every drop: a load that began before a drop must not store what it read. */
  private generation = 0;

  constructor(
    private readonly ttlMs = 10_000,
    private readonly maxEntries = 10_000,
  ) {}

  async start(db: Database): Promise<void> {
    this.unlisten = await db.listen(
      POLICIES_CHANNEL,
      (orgId) => this.forget(orgId),
      () => this.clear(),
    );
  }

  async setOf(db: Queryable, orgId: string): Promise<CompiledPolicySet> {
    const hit = this.entries.get(orgId);
    if (hit && hit.expires > performance.now()) return hit.set;
    const readAt = this.generation;
    const stored = await loadPolicySet(db, orgId);
    // The same version as the entry that lapsed: its compiled set (and Cedar's parse of it) still holds.
    const set = hit && hit.set.version === stored.version ? hit.set : compilePolicySet(stored.version, stored.source, stored.never_without_person, { saved: true });
    if (readAt === this.generation) {
      if (this.entries.size >= this.maxEntries && !this.entries.has(orgId)) {
        const oldest = this.entries.keys().next();
        if (!oldest.done) this.entries.delete(oldest.value);
      }
      this.entries.set(orgId, { set, expires: performance.now() + this.ttlMs });
    }
    return set;
  }

  forget(orgId: string): void {
    this.generation++;
    this.entries.delete(orgId);
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
  }

  async close(): Promise<void> {
    this.clear();
    await this.unlisten?.().catch(() => {});
  }
}
