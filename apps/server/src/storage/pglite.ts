import type { PGlite } from '@electric-sql/pglite';
import type { Database, Queryable } from './database.ts';
import { LocalListeners } from './local-listeners.ts';

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
  const listeners = new LocalListeners();
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
  const base = asQueryable(pg, listeners.deliver);
  return {
    kind: 'pglite',
    query: base.query,
    exec: base.exec,
    notify: base.notify,
    transaction(fn) {
      return listeners.afterCommit((notify) => pg.transaction((tx) => fn(asQueryable(tx, notify))));
    },
    async listen(channel, onMessage) {
      listeners.add(channel, onMessage);
      const unlisten = await pg.listen(channel, onMessage);
      return async () => {
        listeners.remove(channel, onMessage);
        // After close there is nothing left to stop listening to.
        if (!pg.closed) await unlisten();
      };
    },
    close: () => pg.close(),
  };
}
