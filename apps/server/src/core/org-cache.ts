import type { Database, Queryable } from '../storage/database.ts';

/**
 * Something each org has, read and compiled once per process so that a create pays no database round
 * trip for it (routing rules, policy sets). Correctness rests on invalidation, as with API keys
 * (http/api-key-cache.ts): a writer drops this process's entry at once (`forget`) and announces the org
 * on `channel` when it commits, which drops the other replicas' entries when the NOTIFY arrives
 * (milliseconds, during which another replica may still use the previous version). The time to live
 * bounds the damage of a notification lost; a reconnected LISTEN drops everything.
 */
export class OrgCache<T> {
  private readonly entries = new Map<string, { value: T; expires: number }>();
  private unlisten: (() => Promise<void>) | undefined;
  /** Bumped by every drop: a load that began before a drop must not store what it read. */
  private generation = 0;

  /** `read` gets the entry that lapsed, if any, to reuse what still holds of it. */
  constructor(
    private readonly channel: string,
    private readonly read: (db: Queryable, orgId: string, lapsed: T | undefined) => Promise<T>,
    private readonly ttlMs = 10_000,
    private readonly maxEntries = 10_000,
  ) {}

  async start(db: Database): Promise<void> {
    this.unlisten = await db.listen(
      this.channel,
      (orgId) => this.forget(orgId),
      () => this.clear(),
    );
  }

  /** The org's value: cached, or read. */
  async of(db: Queryable, orgId: string): Promise<T> {
    const hit = this.entries.get(orgId);
    if (hit && hit.expires > performance.now()) return hit.value;
    const readAt = this.generation;
    const value = await this.read(db, orgId, hit?.value);
    if (readAt === this.generation) {
      if (this.entries.size >= this.maxEntries && !this.entries.has(orgId)) {
        const oldest = this.entries.keys().next();
        if (!oldest.done) this.entries.delete(oldest.value);
      }
      this.entries.set(orgId, { value, expires: performance.now() + this.ttlMs });
    }
    return value;
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
