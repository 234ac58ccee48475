import type pg from 'pg';
import type { Database, Queryable, QueryOptions } from './database.ts';
import { deliverLocally, RETRYABLE_SQLSTATES, sqlState } from './database.ts';

export interface PostgresOptions {
  connectionString: string;
  max?: number;
}

export async function openPostgres(options: PostgresOptions): Promise<Database> {
  // Loaded here, not at the top: a server on PGlite never pays for loading the driver (bench P5).
  const { default: pg } = await import('pg');
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
      const payload = msg.payload ?? '';
      // The echo of a notification this process sent through queueNotify: already handed out.
      const key = `${msg.channel}\n${payload}`;
      const echo = echoes.get(key);
      if (echo) {
        if (echo === 1) echoes.delete(key);
        else echoes.set(key, echo - 1);
        return;
      }
      for (const l of listeners.get(msg.channel) ?? []) l.onMessage(payload);
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

  // Notifications queued by committed writes, sent together: one autocommit statement per channel
  // per turn of the event loop. That statement takes no transaction id, so its commit writes no WAL
  // and holds the notification queue lock only for the moment of the send.
  // Each payload with whether its echo is counted (decided when it is queued, undone if the send fails).
  const outbox = new Map<string, Array<{ payload: string; echo: boolean }>>();
  // Notifications sent by queueNotify and already handed to this process's listeners, by
  // channel + payload: their echo through LISTEN is skipped, once each. Only counted while the LISTEN
  // connection is up (so every one comes back or fails to send); cleared when it reconnects.
  const echoes = new Map<string, number>();
  const countEcho = (key: string, by: number) => {
    const n = (echoes.get(key) ?? 0) + by;
    if (n > 0) echoes.set(key, n);
    else echoes.delete(key);
  };
  const sending = new Set<Promise<unknown>>();
  let flushQueued = false;
  function queueNotify(channel: string, payload: string) {
    if (closed) return;
    // This process's listeners learn at once, without the round trip (a revoked key is refused by
    // the very next request here); other processes learn through the NOTIFY below.
    const local = listeners.get(channel);
    for (const l of local ?? []) deliverLocally(l.onMessage, payload);
    const echo = Boolean(local?.size && listenClient);
    if (echo) countEcho(`${channel}\n${payload}`, 1);
    const list = outbox.get(channel);
    if (list) list.push({ payload, echo });
    else outbox.set(channel, [{ payload, echo }]);
    if (flushQueued) return;
    flushQueued = true;
    setImmediate(() => {
      flushQueued = false;
      for (const [ch, queued] of outbox) {
        // Lost if Postgres is unreachable right now: listeners recheck on their own timers.
        const payloads = queued.map((q) => q.payload);
        const p = pool.query('SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p', [ch, payloads]).catch(() => {
          for (const q of queued) if (q.echo) countEcho(`${ch}\n${q.payload}`, -1);
        });
        sending.add(p);
        void p.finally(() => sending.delete(p));
      }
      outbox.clear();
    });
  }

  function reconnect(attempt: number) {
    const timer = setTimeout(() => {
      if (closed || listenClient) return;
      connectListener().then(
        (client) => {
          if (closed) return void client.end().catch(() => {});
          listenClient = client;
          echoes.clear();
          for (const set of listeners.values()) for (const l of set) l.onReconnect?.();
        },
        () => reconnect(attempt + 1),
      );
    }, Math.min(100 * 2 ** attempt, 5_000));
    timer.unref();
  }

  /** One statement on the pool or on a transaction's client; named (prepared) when asked to. */
  async function run<T>(on: pg.Pool | pg.PoolClient, sql: string, params?: unknown[], options?: QueryOptions) {
    const r = await (options?.prepare ? on.query({ name: options.prepare, text: sql, values: params }) : on.query(sql, params));
    return { rows: r.rows as T[], rowCount: r.rowCount ?? 0 };
  }

  return {
    kind: 'postgres',
    query: <T>(sql: string, params?: unknown[], options?: QueryOptions) => run<T>(pool, sql, params, options),
    async exec(sql: string) {
      await pool.query(sql);
    },
    notify: queueNotify,
    async transaction(fn) {
      for (let attempt = 1; ; attempt++) {
        const client = await pool.connect();
        const afterCommit: Array<[string, string]> = [];
        const tx: Queryable = {
          notify(channel: string, payload: string) {
            afterCommit.push([channel, payload]);
          },
          async exec(sql: string) {
            await client.query(sql);
          },
          query: <T>(sql: string, params?: unknown[], options?: QueryOptions) => run<T>(client, sql, params, options),
        };
        try {
          await client.query('BEGIN');
          const result = await fn(tx);
          await client.query('COMMIT');
          client.release();
          for (const [channel, payload] of afterCommit) queueNotify(channel, payload);
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
      // Notifications of writes already committed go out before the pool closes.
      await new Promise<void>((r) => setImmediate(r));
      await Promise.all(sending);
      closed = true;
      const client = listenClient;
      listenClient = undefined;
      await client?.end().catch(() => {});
      await pool.end();
    },
  };
}
