import type pg from 'pg';
import type { Database, Queryable, QueryOptions, QueryResult } from './database.ts';
import { deliverLocally, RETRYABLE_SQLSTATES, sentBehind, sqlState } from './database.ts';

export interface PostgresOptions {
  connectionString: string;
  /** Most connections the pool opens (GREENLIGHT_DB_POOL_MAX, 20). */
  max?: number;
  /** How long a connection may sit idle before the pool closes it (GREENLIGHT_DB_POOL_IDLE_MS, 5 min; 0: never). */
  idleMs?: number;
  /** The least time between two rounds of gathered notifications (NOTIFY_SPACING_MS); urgent ones are not held. */
  notifySpacingMs?: number;
}

/**
 * A Postgres backend keeps its plans for the session: the PL/pgSQL functions' statements and the
 * named prepared statements are planned once per connection. node-postgres closes a connection idle
 * for 10 s by default, and under an uneven load (requests arrive in bursts, most of the pool idles
 * between them) that opened 10–18 new backends every 30 s, each planning everything again. So idle
 * connections live 5 minutes: as long as a load with pauses lasts, and a quiet process still gives
 * its connections back. 20 at most: a create statement holds a connection for about a millisecond
 * and creates go in batches, so 20 covers several thousand requests a second, while several
 * processes on one Postgres (max_connections is 100 by default) still fit.
 */
export const POOL_DEFAULTS = { max: 20, idleMs: 300_000 } as const;

/**
 * Settings of every pooled session, sent with the connection's start (no round trip). JIT off: a
 * statement the planner costs above `jit_above_cost` (100,000 by default) is compiled with LLVM
 * first, and ours are short statements that a large table makes look expensive; compiling cost more
 * than it saved. The inbox of 10,000 waiting requests (`assigned=me`, each judged by the rule,
 * counted to 1,000) took 53 ms in Postgres with JIT and 24 ms without; counted to 10,000, 544 and 124 ms.
 * An `options` parameter in DATABASE_URL takes the place of this one (node-postgres prefers the URL's).
 */
export const SESSION_OPTIONS = '-c jit=off';

export async function openPostgres(options: PostgresOptions): Promise<Database> {
  // Loaded here, not at the top: a server on PGlite never pays for loading the driver (bench P5).
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? POOL_DEFAULTS.max,
    idleTimeoutMillis: options.idleMs ?? POOL_DEFAULTS.idleMs,
    options: SESSION_OPTIONS,
    // A transaction's independent statements, issued together, go to its connection together and
    // Postgres answers them in order (each with its own Sync): one round trip, not one each. Nothing
    // changes for a statement awaited before the next is issued. No query here reads by portal
    // (cursors, `rows`), which pipelining refuses.
    pipeline: true,
  });
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
      for (const one of payload.split(PAYLOAD_SEPARATOR)) for (const l of listeners.get(msg.channel) ?? []) l.onMessage(one);
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

  // Notifications queued by committed writes, sent together: one autocommit statement per channel,
  // at most one round of them every NOTIFY_SPACING_MS (the first after a quiet spell goes out on the
  // next turn of the event loop; an urgent one as soon as its announcer yields), and many payloads
  // joined into one notification (see joinPayloads).
  // That statement takes no transaction id, so its commit writes no WAL and holds the notification
  // queue lock only for the moment of the send. Sent one per create, it and its echo through LISTEN
  // cost the server and Postgres a fifth of a create's CPU at 450 creates/s (bench/README.md, P2);
  // coalesced, a fraction of that. Other processes hear of a write at most that much later; this
  // process's listeners hear at once.
  // Each payload with whether this process's listeners already had it (then its echo is skipped).
  const outbox = new Map<string, Array<{ payload: string; local: boolean }>>();
  // Notifications sent by flushNotifications whose payloads were already handed to this process's
  // listeners, by channel + payload: their echo through LISTEN is skipped, once each. Only counted
  // while the LISTEN connection is up (so every one comes back or fails to send); cleared when it
  // reconnects.
  const echoes = new Map<string, number>();
  const countEcho = (key: string, by: number) => {
    const n = (echoes.get(key) ?? 0) + by;
    if (n > 0) echoes.set(key, n);
    else echoes.delete(key);
  };
  const sending = new Set<Promise<unknown>>();
  const spacing = options.notifySpacingMs ?? NOTIFY_SPACING_MS;
  let cancelFlush: (() => void) | undefined;
  // Whether the flush cancelFlush would cancel is an urgent one's (a microtask): an urgent
  // notification overtakes any other (the spacing timer, the next turn).
  let urgentFlush = false;
  let lastFlush = -Infinity;
  function flushSoon(urgent: boolean) {
    urgentFlush = urgent;
    if (urgent) {
      // Someone on another replica holds for it (a waiter): it goes out as soon as the code that
      // announced it yields, not after the rest of that turn (the deciding request's callback attempt
      // and its answer: on the wire about 0.1 ms later than now). Whatever else is announced before
      // then goes with it.
      let cancelled = false;
      queueMicrotask(() => {
        if (!cancelled) flushNotifications();
      });
      cancelFlush = () => {
        cancelled = true;
      };
      return;
    }
    const immediate = setImmediate(flushNotifications);
    cancelFlush = () => clearImmediate(immediate);
  }
  function queueNotify(channel: string, payload: string, urgent = false) {
    if (closed) return;
    checkPayload(payload);
    // This process's listeners learn at once, without the round trip (a revoked key is refused by
    // the very next request here); other processes learn through the NOTIFY below.
    const local = listeners.get(channel);
    for (const l of local ?? []) deliverLocally(l.onMessage, payload);
    const list = outbox.get(channel);
    const item = { payload, local: Boolean(local?.size) };
    if (list) list.push(item);
    else outbox.set(channel, [item]);
    if (cancelFlush) {
      // Someone holds for this one (a waiter, a callback): what is queued goes out at once, not after
      // the spacing or the turn; a round still being sent is waited for all the same (order).
      if (urgent && !urgentFlush) {
        cancelFlush();
        flushSoon(true);
      }
      return;
    }
    const wait = urgent ? 0 : lastFlush + spacing - performance.now();
    if (wait > 0) {
      const timer = setTimeout(flushNotifications, wait);
      cancelFlush = () => clearTimeout(timer);
    } else flushSoon(urgent);
  }

  function flushNotifications() {
    cancelFlush = undefined;
    urgentFlush = false;
    // One round on its way at a time: a round sent while the previous one waits for a pooled
    // connection could take another and overtake it, and listeners would hear payloads out of
    // order. What is queued meanwhile goes out together once the previous round is sent.
    if (sending.size) {
      let cancelled = false;
      cancelFlush = () => {
        cancelled = true;
      };
      void Promise.allSettled([...sending]).then(() => {
        if (!cancelled) flushNotifications();
      });
      return;
    }
    lastFlush = performance.now();
    for (const [ch, queued] of outbox) {
      // The echo of what this process's listeners already had is skipped; the rest comes back to
      // them through LISTEN like anyone's. Counted only while the LISTEN connection is up.
      const echoed = Boolean(listenClient);
      const notifications = [
        ...joinPayloads(queued.filter((q) => q.local && echoed).map((q) => q.payload)).map((text) => ({ text, echo: true })),
        ...joinPayloads(queued.filter((q) => !(q.local && echoed)).map((q) => q.payload)).map((text) => ({ text, echo: false })),
      ];
      for (const n of notifications) if (n.echo) countEcho(`${ch}\n${n.text}`, 1);
      // Sent on the LISTEN connection while it is up: it is idle between notifications, so a wake-up
      // never queues behind the pool's statements when the pool is busy (a waiter on another replica
      // hears of a decision as soon as it commits), and its statements run in order. Lost if Postgres
      // is unreachable right now: listeners recheck on their own timers.
      const p = (listenClient ?? pool)
        .query({ name: 'notify_many', text: 'SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p', values: [ch, notifications.map((n) => n.text)] })
        .catch(() => {
          for (const n of notifications) if (n.echo) countEcho(`${ch}\n${n.text}`, -1);
        });
      sending.add(p);
      void p.finally(() => sending.delete(p));
    }
    outbox.clear();
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
  async function run<T>(on: pg.Pool | pg.PoolClient, sql: string, params?: unknown[], options?: QueryOptions): Promise<QueryResult<T>> {
    if (on !== pool) gatherWrites(on as pg.PoolClient);
    const behind = sentBehind(options);
    if (behind && (on !== pool || options!.generic)) throw new Error('followedBy and behind run on the database itself, and not with generic');
    const name = options?.prepare;
    const generic = name !== undefined && options!.generic === true;
    // The plain statement on the pool or a transaction's client (most of them) goes below, as it is.
    if (behind || generic || (on === pool && options?.gather)) {
      const issue = (client: pg.PoolClient): Issued<T> =>
        behind ? issueBehind<T>(client, sql, params, name, behind) : generic ? issueGeneric<T>(client, name, sql, params) : issuePlain<T>(client, sql, params, name);
      if (on !== pool) return await issue(on as pg.PoolClient).answer;
      return options?.gather ? runGathered(issue) : onOwnConnection(issue);
    }
    // Awaited here, not handed on: a transaction records its statements' first failure as they fail
    // (transaction, `failed`), which must come before its COMMIT's answer is looked at.
    const r = await (name ? on.query({ name, text: sql, values: params }) : on.query(sql, params));
    return { rows: r.rows as T[], rowCount: r.rowCount ?? 0 };
  }

  /**
   * A statement and what is sent behind it (QueryOptions.behind, or its follower: followedBy), sent
   * together (pipeline), each with its own Sync. The statement's answer is handed back at once; the
   * connection may go back to the pool once what `behind` returned has settled, and is closed if that
   * failed (a statement of it may still be in flight, or whatever a follower was to leave in its
   * session may be left there).
   */
  function issueBehind<T>(client: pg.PoolClient, sql: string, params: unknown[] | undefined, name: string | undefined, behind: (on: Queryable) => Promise<unknown>): Issued<T> {
    const statement = client.query(name ? { name, text: sql, values: params } : { text: sql, values: params });
    const on: Queryable = {
      query: <R>(text: string, values?: unknown[], options?: QueryOptions) => run<R>(client, text, values, options),
      async exec(text: string) {
        await client.query(text);
      },
      notify() {
        throw new Error('a statement sent behind another notifies nothing: each commits on its own');
      },
    };
    const after = behind(on);
    return {
      answer: statement.then((r) => ({ rows: r.rows as T[], rowCount: r.rowCount ?? 0 })),
      keep: Promise.allSettled([statement, after]).then(([, a]) => a.status === 'fulfilled'),
    };
  }

  /**
   * A kept statement run from its generic plan (QueryOptions.generic): Postgres has no per-statement
   * setting for it, so the connection's `plan_cache_mode` is set right before the statement and reset
   * right after, the three sent together (pipeline: one round trip) and issued in one synchronous
   * stretch, so nothing else of a transaction sharing the connection runs between them. The reset
   * runs whether or not the statement failed (each has its own Sync); in a transaction the statement
   * aborted, the rollback undoes the setting instead. A pooled connection whose reset failed is closed
   * rather than given back with the setting.
   */
  function issueGeneric<T>(client: pg.PoolClient, name: string, sql: string, params?: unknown[]): Issued<T> {
    // Issued before this function returns, so on a transaction's connection a statement issued and
    // not awaited before the transaction's COMMIT is on the wire before it.
    const set = client.query('SET plan_cache_mode = force_generic_plan');
    const result = client.query({ name, text: sql, values: params });
    const reset = client.query('RESET plan_cache_mode');
    const all = Promise.allSettled([set, result, reset]);
    return {
      answer: all.then(([s, r, z]) => {
        if (s.status === 'rejected') throw s.reason;
        if (r.status === 'rejected') throw r.reason;
        if (z.status === 'rejected') throw z.reason;
        return { rows: r.value.rows as T[], rowCount: r.value.rowCount ?? 0 };
      }),
      keep: all.then(([, , z]) => z.status === 'fulfilled'),
    };
  }

  /** A statement alone; a connection it failed on (its own Sync) stays usable. */
  function issuePlain<T>(client: pg.PoolClient, sql: string, params: unknown[] | undefined, name: string | undefined): Issued<T> {
    const r = client.query(name ? { name, text: sql, values: params } : { text: sql, values: params });
    return { answer: r.then((x) => ({ rows: x.rows as T[], rowCount: x.rowCount ?? 0 })), keep: r.then(() => true, () => true) };
  }

  /** Issued on a pooled connection of its own, given back (or closed) once all of it has settled. */
  async function onOwnConnection<T>(issue: (client: pg.PoolClient) => Issued<T>): Promise<QueryResult<T>> {
    const client = await pool.connect();
    gatherWrites(client);
    const issued = issuedOrFailed(issue, client);
    void issued.keep.then((keep) => client.release(keep ? undefined : true));
    return issued.answer;
  }

  /**
   * Statements flagged `gather` (QueryOptions) issued in one burst of this process's work (the code
   * running now, and every continuation it sets going, until all of them have yielded: a notification
   * that wakes several waiters) share one pooled connection and go to Postgres in one write, each
   * with its own Sync, in the order issued. The burst ends when the microtasks queued by then have run
   * (a microtask that defers the rest to process.nextTick, which Node runs once the microtask queue is
   * empty), so the first statement waits only for the others' issuing, not for another turn of the
   * event loop. The connection goes back once every one of them has settled; each answers or fails
   * on its own, and all fail if no connection can be had.
   */
  let gathered: Array<{ issue: (client: pg.PoolClient) => Issued<unknown>; resolve: (r: QueryResult<unknown>) => void; reject: (err: unknown) => void }> | null = null;
  function runGathered<T>(issue: (client: pg.PoolClient) => Issued<T>): Promise<QueryResult<T>> {
    return new Promise<QueryResult<T>>((resolve, reject) => {
      const item = { issue, resolve: resolve as (r: QueryResult<unknown>) => void, reject };
      if (gathered) return void gathered.push(item);
      const burst = (gathered = [item]);
      queueMicrotask(() =>
        process.nextTick(() => {
          gathered = null;
          pool.connect().then(
            (client) => {
              gatherWrites(client);
              const keeps = burst.map((one) => {
                const issued = issuedOrFailed(one.issue, client);
                issued.answer.then(one.resolve, one.reject);
                return issued.keep;
              });
              void Promise.all(keeps).then((kept) => client.release(kept.every(Boolean) ? undefined : true));
            },
            (err: unknown) => {
              for (const one of burst) one.reject(err);
            },
          );
        }),
      );
    });
  }

  return {
    kind: 'postgres',
    query: <T>(sql: string, params?: unknown[], options?: QueryOptions) => run<T>(pool, sql, params, options),
    async exec(sql: string) {
      await pool.query(sql);
    },
    notify: queueNotify,
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max: pool.options.max ?? 10 }),
    // `besides` (TransactionOptions) needs nothing here: the pool's other connections serve those statements.
    async transaction(fn) {
      for (let attempt = 1; ; attempt++) {
        const client = await pool.connect();
        const afterCommit: Array<[string, string, boolean]> = [];
        // The first statement of the transaction that failed, awaited or not: Postgres answers the
        // COMMIT of a transaction a failed statement aborted with ROLLBACK, not with an error.
        let failed: { error: unknown } | null = null;
        const tx: Queryable = {
          notify(channel: string, payload: string, urgent = false) {
            checkPayload(payload);
            afterCommit.push([channel, payload, urgent]);
          },
          async exec(sql: string) {
            await client.query(sql);
          },
          query: <T>(sql: string, params?: unknown[], options?: QueryOptions) => {
            const answer = run<T>(client, sql, params, options);
            answer.catch((error: unknown) => void (failed ??= { error }));
            return answer;
          },
        };
        // BEGIN is not awaited: the transaction's first statements go on the wire behind it (pipeline)
        // instead of a round trip later. It is awaited before COMMIT all the same. A BEGIN on a pooled
        // connection, idle and outside any transaction, fails only when the connection does, and then
        // every statement queued behind it fails with it: none runs outside the transaction.
        gatherWrites(client);
        const begun = client.query('BEGIN');
        begun.catch(() => {});
        // Set once COMMIT has gone out: the connection then goes back to the pool when what was sent
        // with it is answered, and nothing is left to roll back.
        let handedOff = false;
        try {
          const result = await fn(tx);
          await begun;
          gatherWrites(client);
          // Someone holds for one of these (a waiter, a callback, on this replica or another): they
          // are left in the session by the transaction's last statement and NOTIFYed by the one sent
          // right behind COMMIT (AFTER_COMMIT), all three in one round trip, so every listener hears
          // as the transaction commits, not a round trip after its answer. The setting is undone
          // with the transaction if it does not commit, and the follower then finds nothing to send.
          // This process's listeners hear them back through LISTEN, as everyone else does. Without
          // one, they are sent once the COMMIT is answered (queueNotify).
          const announced = afterCommit.some(([, , urgent]) => urgent) ? afterCommitPayload(afterCommit) : null;
          handedOff = true;
          const set = announced === null ? null : client.query({ name: 'after_commit_set', text: AFTER_COMMIT_SET, values: [announced] });
          const commit = client.query('COMMIT');
          const followed = announced === null ? null : client.query({ name: AFTER_COMMIT.name, text: AFTER_COMMIT.sql });
          void Promise.allSettled([set, commit, followed]).then(([, , f]) => client.release(f.status === 'rejected' ? true : undefined));
          // Both are answered after every statement sent before them, so a statement that failed
          // unawaited is known by then; its error is the transaction's (the setting and the COMMIT
          // behind it only fail, or roll back, because of it).
          const [setting, committing] = await Promise.allSettled([set, commit]);
          const failure = failed as { error: unknown } | null;
          if (failure) throw failure.error;
          // A failed setting aborted the transaction: the COMMIT behind it rolled back.
          if (setting.status === 'rejected') throw setting.reason;
          if (committing.status === 'rejected') throw committing.reason;
          if (committing.value.command !== 'COMMIT') throw new Error(`the transaction was not committed: Postgres answered ${committing.value.command}`);
          if (announced === null) for (const [channel, payload, urgent] of afterCommit) queueNotify(channel, payload, urgent);
          return result;
        } catch (err) {
          if (!handedOff) {
            await client.query('ROLLBACK').catch(() => {});
            client.release();
          }
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
      if (cancelFlush) {
        cancelFlush();
        while (sending.size) await Promise.allSettled([...sending]);
        flushNotifications();
      }
      await Promise.all(sending);
      closed = true;
      const client = listenClient;
      listenClient = undefined;
      await client?.end().catch(() => {});
      await pool.end();
    },
  };
}

/** A statement issued on a pooled connection: its answer, and whether the connection may go back to the pool once all of it has settled (false: close it). */
interface Issued<T> {
  answer: Promise<QueryResult<T>>;
  keep: Promise<boolean>;
}

/**
 * `issue` on `client`. One that throws as it issues fails alone, and the connection is closed rather
 * than given back: what it issued before the throw may have left a setting in the session.
 */
function issuedOrFailed<T>(issue: (client: pg.PoolClient) => Issued<T>, client: pg.PoolClient): Issued<T> {
  try {
    return issue(client);
  } catch (err) {
    return { answer: Promise.reject(err as Error), keep: Promise.resolve(false) };
  }
}

/** Connections whose writes are being gathered (gatherWrites) until the current stretch of code ends. */
const gathering = new WeakSet<object>();

/**
 * Gathers what is written to a connection until the code running now yields: the statements issued
 * in one synchronous stretch (a transaction's BEGIN and its first statements, its last statement with
 * COMMIT and the follower, statements sent side by side) leave in one write, one system call, instead
 * of one each (node-postgres writes each statement on its own). The stretch's end is a microtask, so
 * nothing waits longer than the code that issued it. On a machine where a system call is dear (a
 * virtual machine's), the writes were a tenth of the server's CPU under create load (bench/README.md).
 * Reaches into node-postgres's connection for its socket; without one it does nothing.
 */
function gatherWrites(client: pg.PoolClient): void {
  const stream = (client as unknown as { connection?: { stream?: { cork?: () => void; uncork?: () => void } } }).connection?.stream;
  if (!stream?.cork || !stream.uncork || gathering.has(client)) return;
  gathering.add(client);
  stream.cork();
  queueMicrotask(() => {
    gathering.delete(client);
    stream.uncork!();
  });
}

/** The transaction's notifications, joined per channel as a flush joins them, as `[[channel, text], …]`. */
function afterCommitPayload(notifications: Array<[string, string, boolean]>): string {
  const byChannel = new Map<string, string[]>();
  for (const [channel, payload] of notifications) {
    const list = byChannel.get(channel);
    if (list) list.push(payload);
    else byChannel.set(channel, [payload]);
  }
  return JSON.stringify([...byChannel].flatMap(([channel, payloads]) => joinPayloads(payloads).map((text) => [channel, text])));
}

/** A transaction's last statement: what AFTER_COMMIT sends once it has committed (session-wide, undone by a rollback). */
const AFTER_COMMIT_SET = `SELECT set_config('greenlight.after_commit', $1, false)`;

/**
 * Sent right behind a transaction's COMMIT: NOTIFYs what the transaction left in the session, in
 * order, and empties it. An autocommit statement of its own, like a flush's: it takes no transaction
 * id, so its commit writes no WAL and holds the notification queue lock only for the send.
 */
const AFTER_COMMIT = {
  name: 'after_commit_announce',
  sql: `SELECT count(pg_notify(n ->> 0, n ->> 1)), set_config('greenlight.after_commit', '', false)
          FROM jsonb_array_elements(coalesce(nullif(current_setting('greenlight.after_commit', true), ''), '[]')::jsonb) AS n`,
};

/** At most one round of NOTIFY statements per this many milliseconds (see queueNotify). */
export const NOTIFY_SPACING_MS = 10;
/** Joins the payloads of one notification; no payload of Greenlight's contains it (queueNotify refuses one). */
const PAYLOAD_SEPARATOR = '\n';
/** Postgres refuses a NOTIFY payload of 8000 bytes or more. */
const MAX_PAYLOAD_BYTES = 7999;

/** Greenlight's payloads are ids and type names; one that could not travel joined with others is a bug of its caller. */
function checkPayload(payload: string): void {
  if (payload.includes(PAYLOAD_SEPARATOR) || Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES) {
    throw new Error(`a notification payload has no line break and at most ${MAX_PAYLOAD_BYTES} bytes: ${payload.slice(0, 80)}`);
  }
}

/** Payloads joined into as few notifications as fit Postgres's limit, in order; none when there are none. */
export function joinPayloads(payloads: string[]): string[] {
  const out: string[] = [];
  let chunk: string[] = [];
  let bytes = 0;
  for (const p of payloads) {
    const size = Buffer.byteLength(p);
    if (chunk.length > 0 && bytes + 1 + size > MAX_PAYLOAD_BYTES) {
      out.push(chunk.join(PAYLOAD_SEPARATOR));
      chunk = [];
    }
    bytes = chunk.length === 0 ? size : bytes + 1 + size;
    chunk.push(p);
  }
  if (chunk.length > 0) out.push(chunk.join(PAYLOAD_SEPARATOR));
  return out;
}
