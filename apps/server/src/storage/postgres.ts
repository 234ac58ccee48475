import pg from 'pg';
import type { Database, Queryable } from './database.ts';
import { RETRYABLE_SQLSTATES, sqlState } from './database.ts';

export interface PostgresOptions {
  connectionString: string;
  max?: number;
}

export async function openPostgres(options: PostgresOptions): Promise<Database> {
  const pool = new pg.Pool({ connectionString: options.connectionString, max: options.max ?? 20 });
  // An idle client that loses its server (Postgres restarted) emits here; the pool drops it and
  // the next query takes a fresh connection. Without a listener the process would crash.
  pool.on('error', () => {});
  await pool.query('SELECT 1');
  interface Listener {
    onMessage: (payload: string) => void;
    onReconnect?: () => void;
  }
  const listeners = new Map<string, Set<Listener>>();
  let listenClient: pg.Client | undefined;
  let connecting: Promise<pg.Client> | undefined;
  let closed = false;

  /**
   * One dedicated connection (not from the pool) holds every LISTEN of the process. When it is lost
   * (Postgres restarted, a proxy cut it) it reconnects with backoff, LISTENs again on every channel
   * and tells the subscribers, since notifications sent in between are lost.
   */
  async function connectListener(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: options.connectionString, keepAlive: true });
    client.on('notification', (msg) => {
      for (const l of listeners.get(msg.channel) ?? []) l.onMessage(msg.payload ?? '');
    });
    // A lost connection emits 'error' (without a listener the process would crash), then 'end'.
    client.on('error', () => {});
    client.on('end', () => {
      if (listenClient !== client) return;
      listenClient = undefined;
      if (!closed) reconnect(0);
    });
    try {
      await client.connect();
      for (const channel of listeners.keys()) await client.query(`LISTEN ${channel}`);
    } catch (err) {
      await client.end().catch(() => {});
      throw err;
    }
    return client;
  }

  function reconnect(attempt: number) {
    const timer = setTimeout(() => {
      if (closed || listenClient) return;
      connectListener().then(
        (client) => {
          if (closed) return void client.end().catch(() => {});
          listenClient = client;
          for (const set of listeners.values()) for (const l of set) l.onReconnect?.();
        },
        () => reconnect(attempt + 1),
      );
    }, Math.min(100 * 2 ** attempt, 5_000));
    timer.unref();
  }

  return {
    kind: 'postgres',
    async query<T>(sql: string, params?: unknown[]) {
      const r = await pool.query(sql, params);
      return { rows: r.rows as T[], rowCount: r.rowCount ?? 0 };
    },
    async exec(sql: string) {
      await pool.query(sql);
    },
    async transaction(fn) {
      for (let attempt = 1; ; attempt++) {
        const client = await pool.connect();
        const tx: Queryable = {
          async exec(sql: string) {
            await client.query(sql);
          },
          async query<T>(sql: string, params?: unknown[]) {
            const r = await client.query(sql, params);
            return { rows: r.rows as T[], rowCount: r.rowCount ?? 0 };
          },
        };
        try {
          await client.query('BEGIN');
          const result = await fn(tx);
          await client.query('COMMIT');
          client.release();
          return result;
        } catch (err) {
          await client.query('ROLLBACK').catch(() => {});
          client.release();
          // Deadlocks and serialization failures are safe to retry: nothing was committed.
          if (attempt < 3 && RETRYABLE_SQLSTATES.has(sqlState(err) ?? '')) continue;
          throw err;
        }
      }
    },
    async listen(channel, onMessage, onReconnect) {
      if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`bad channel name ${channel}`);
      const isNew = !listeners.has(channel);
      const set = listeners.get(channel) ?? new Set<Listener>();
      listeners.set(channel, set);
      const listener: Listener = { onMessage, onReconnect };
      set.add(listener);
      try {
        if (!listenClient) {
          connecting ??= connectListener().finally(() => {
            connecting = undefined;
          });
          listenClient = await connecting;
        }
        // LISTEN twice is harmless; skipping it could miss a channel added while connecting.
        if (isNew) await listenClient.query(`LISTEN ${channel}`);
      } catch (err) {
        set.delete(listener);
        throw err;
      }
      return async () => {
        set.delete(listener);
      };
    },
    async close() {
      closed = true;
      const client = listenClient;
      listenClient = undefined;
      await client?.end().catch(() => {});
      await pool.end();
    },
  };
}
