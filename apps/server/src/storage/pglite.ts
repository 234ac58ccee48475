import type { PGlite } from '@electric-sql/pglite';
import { deliverLocally, type Database, type Queryable } from './database.ts';

/**
 * Embedded Postgres. PGlite runs every transaction alone (one connection, a mutex),
 * so the concurrency rules hold trivially here; the same code relies on row locks on Postgres.
 * `dataDir` undefined → in memory.
 */
export async function openPglite(dataDir?: string): Promise<Database> {
  // Loaded here, not at the top: a server on Postgres never loads the embedded engine.
  const { PGlite } = await import('@electric-sql/pglite');
  const pg = await PGlite.create(dataDir);
  return wrapPglite(pg);
}

export function wrapPglite(pg: PGlite): Database {
  // This process owns the database (one connection, and a data directory no other process opens), so
  // notifications of committed writes are handed to this process's listeners directly, without a
  // query. `listen` also LISTENs in PGlite, so a pg_notify run as SQL reaches the same listeners.
  const listeners = new Map<string, Set<(payload: string) => void>>();
  const deliver = (channel: string, payload: string) => {
    for (const l of listeners.get(channel) ?? []) deliverLocally(l, payload);
  };
  const asQueryable = (q: Pick<PGlite, 'query' | 'exec'>, notify: Queryable['notify']): Queryable => ({
    notify,
    async exec(sql: string) {
      await q.exec(sql);
    },
    async query<T>(sql: string, params?: unknown[]) {
      const r = await q.query<T>(sql, params);
      return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
    },
  });
  const base = asQueryable(pg, deliver);
  return {
    kind: 'pglite',
    query: base.query,
    exec: base.exec,
    notify: base.notify,
    async transaction(fn) {
      const afterCommit: Array<[string, string]> = [];
      const result = await pg.transaction((tx) => fn(asQueryable(tx, (channel, payload) => void afterCommit.push([channel, payload]))));
      for (const [channel, payload] of afterCommit) deliver(channel, payload);
      return result;
    },
    async listen(channel, onMessage) {
      const set = listeners.get(channel) ?? new Set();
      listeners.set(channel, set);
      set.add(onMessage);
      const unlisten = await pg.listen(channel, onMessage);
      return async () => {
        set.delete(onMessage);
        // After close there is nothing left to stop listening to.
        if (!pg.closed) await unlisten();
      };
    },
    close: () => pg.close(),
  };
}
