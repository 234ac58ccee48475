import type { RoutingAction, RoutingMatch } from '@greenlight/contract';
import type { Database, Queryable } from '../storage/database.ts';
import { compileRuleSet, EMPTY_RULE_SET, type CompiledRuleSet, type StoredRule } from './routing.ts';

/** Announces, after commit, that an org's routing rules changed (payload: the org id). */
export const ROUTING_CHANNEL = 'greenlight_routing';

interface RuleRow {
  version: number;
  id: string | null;
  position: number | null;
  name: string | null;
  enabled: boolean | null;
  match: RoutingMatch | null;
  action: RoutingAction | null;
}

/** The org's saved rule set, in order (version 0 and no rules when it never had any). */
export async function loadRuleSet(db: Queryable, orgId: string): Promise<{ version: number; rules: StoredRule[] }> {
  const { rows } = await db.query<RuleRow>(
    `SELECT s.version, r.id, r.position, r.name, r.enabled, r.match, r.action
       FROM routing_rule_sets s LEFT JOIN routing_rules r ON r.org_id = s.org_id
      WHERE s.org_id = $1
      ORDER BY r.position`,
    [orgId],
  );
  if (rows.length === 0) return { version: 0, rules: [] };
  return {
    version: rows[0]!.version,
    rules: rows
      .filter((r) => r.id !== null)
      .map((r) => ({ id: r.id, position: r.position!, name: r.name!, enabled: r.enabled!, match: r.match!, action: r.action! })),
  };
}

/**
 * Each org's compiled rule set, cached in the process so that a create pays no database round trip
 * for routing (benchmark P1 measures create throughput), an org without rules included.
 *
 * As with API keys (http/api-key-cache.ts), correctness rests on invalidation: a change of the rules
 * announces the org on ROUTING_CHANNEL when it commits; this process drops its entry at once
 * (`forget`, called by the writer) and the others when the NOTIFY arrives (milliseconds, during
 * which another replica may still route by the previous set). The time to live bounds the damage of a
 * notification lost; a reconnected LISTEN drops everything.
 */
export class RoutingCache {
  private readonly entries = new Map<string, { set: CompiledRuleSet; expires: number }>();
  private unlisten: (() => Promise<void>) | undefined;
  /** Bumped by every drop: a load that began before a drop must not store what it read (see ApiKeyCache). */
  private generation = 0;

  constructor(
    private readonly ttlMs = 10_000,
    private readonly maxEntries = 10_000,
  ) {}

  async start(db: Database): Promise<void> {
    this.unlisten = await db.listen(
      ROUTING_CHANNEL,
      (orgId) => this.forget(orgId),
      () => this.clear(),
    );
  }

  /** The org's rule set: cached, or read and compiled. */
  async ruleSetOf(db: Queryable, orgId: string): Promise<CompiledRuleSet> {
    const hit = this.entries.get(orgId);
    if (hit && hit.expires > performance.now()) return hit.set;
    const readAt = this.generation;
    const set = await readRuleSet(db, orgId);
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

/** Read and compiled, uncached: the path of an app built without a cache, and of the cache's misses. */
export async function readRuleSet(db: Queryable, orgId: string): Promise<CompiledRuleSet> {
  const { version, rules } = await loadRuleSet(db, orgId);
  return rules.length === 0 ? { ...EMPTY_RULE_SET, version } : compileRuleSet(version, rules);
}
