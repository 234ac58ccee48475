import type { Database, Queryable } from '../storage/database.ts';

/** Announces, after commit, that what an API key may do has changed (revoked, org stopped). */
export const AUTH_CHANNEL = 'greenlight_auth';

/** What changed: one connection, or a whole org (its emergency stop, its name, all of its members' keys). */
export type AuthChange = { connectionId: string } | { orgId: string };

/**
 * Call in the transaction that revokes a connection or changes its org: once it commits, every
 * process drops what it cached (this one at once, the others on the NOTIFY).
 */
export function announceAuthChange(tx: Queryable, change: AuthChange): void {
  tx.notify(AUTH_CHANNEL, 'connectionId' in change ? `connection:${change.connectionId}` : `org:${change.orgId}`);
}

/**
 * API-key lookups cached in the process, so a request costs no database round trip for its key
 * (benchmark P1: the lookup was one of the two statements of a create).
 *
 * Correctness rests on invalidation, not on the time to live: every write that revokes a key or
 * changes what its caller holds (revocation of the connection, of its OAuth client or its user's
 * membership; the org's emergency stop and name) calls announceAuthChange, and the entries go the
 * moment it commits in this process and when its NOTIFY arrives elsewhere (milliseconds). The time to
 * live only bounds the damage of a notification that never arrives (the process that committed died
 * before sending it); after the LISTEN connection reconnects, everything is dropped, because what
 * was announced in between is lost. Only keys that authenticated are cached, keyed by their SHA-256,
 * so unknown keys cannot fill the cache; the oldest entry goes when it is full.
 */
/** What the cache needs to know of a cached caller: which connection and org it belongs to. */
interface Cached {
  org: { id: string };
  connection: { id: string } | null;
}

export class ApiKeyCache<T extends Cached = Cached> {
  private readonly entries = new Map<string, { auth: T; expires: number }>();
  private unlisten: (() => Promise<void>) | undefined;
  /**
   * Bumped by every drop. A lookup notes it before reading the database and may store its result only
   * if no drop came in between: otherwise a read that began before a revocation committed, and ended
   * after the announcement, would store the key as it was, valid, for the whole time to live.
   */
  private version = 0;

  constructor(
    private readonly ttlMs = 10_000,
    private readonly maxEntries = 10_000,
  ) {}

  async start(db: Database): Promise<void> {
    this.unlisten = await db.listen(
      AUTH_CHANNEL,
      (payload) => this.forget(payload),
      () => this.clear(),
    );
  }

  get(keyHash: string): T | undefined {
    const hit = this.entries.get(keyHash);
    if (!hit) return undefined;
    if (hit.expires <= performance.now()) {
      this.entries.delete(keyHash);
      return undefined;
    }
    return hit.auth;
  }

  /** The version to hand back to `set` with what the lookup read. */
  get generation(): number {
    return this.version;
  }

  set(keyHash: string, auth: T, readAt: number): void {
    if (readAt !== this.version) return;
    if (this.entries.size >= this.maxEntries && !this.entries.has(keyHash)) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(keyHash, { auth, expires: performance.now() + this.ttlMs });
  }

  /** `connection:<id>` or `org:<id>`; anything else drops everything (never keep what might be stale). */
  forget(payload: string): void {
    this.version++;
    const m = /^(connection|org):(.+)$/.exec(payload);
    if (!m) return this.clear();
    const [, kind, id] = m;
    for (const [hash, { auth }] of this.entries) {
      if (kind === 'org' ? auth.org.id === id : auth.connection?.id === id) this.entries.delete(hash);
    }
  }

  clear(): void {
    this.version++;
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  async close(): Promise<void> {
    this.clear();
    // Shutting down: a database already gone has no LISTEN left to undo.
    await this.unlisten?.().catch(() => {});
  }
}
