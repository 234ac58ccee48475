import { deserialize, serialize } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { sentBehind, type Database, type Queryable, type QueryOptions, type QueryResult } from './database.ts';
import { LocalListeners } from './local-listeners.ts';

/**
 * The embedded database on a thread of its own. PGlite is Postgres compiled to WebAssembly and runs
 * on the thread that calls it: on the main thread, every query's planning and execution waits for
 * the server's JavaScript (HTTP parsing, JSON, routing) and the other way round, so one core does all
 * the work (bench P5). Here PGlite runs in a worker thread (pglite-worker.mjs) and this side turns
 * the `Database` interface into messages: while the database executes one statement, this thread
 * parses and answers other requests.
 *
 * Same guarantees as on the main thread: one connection, every transaction alone (PGlite's own lock,
 * taken in the worker), notifications of committed writes handed to this process's listeners
 * directly. A failure comes back as an Error with the driver's fields (`code`, `detail`, `constraint`).
 * Every request is answered or rejected: a message that is not flat carries its body serialised
 * apart from its id (see pglite-worker.mjs), so a body that cannot be serialised or read back on
 * either side rejects its own request, and JSON columns cross as text, parsed here as node-postgres
 * parses them.
 */
interface Pending {
  resolve(value: { rows?: unknown[]; rowCount?: number; dump?: Uint8Array }): void;
  reject(err: Error): void;
}

type Request =
  | { op: 'query'; sql: string; params: unknown[]; tx?: number }
  | { op: 'exec'; sql: string; tx?: number }
  | { op: 'begin' | 'commit' | 'rollback'; tx: number }
  | { op: 'listen' | 'unlisten'; channel: string }
  | { op: 'dump'; compression: 'gzip' | 'none' }
  | { op: 'close' };

interface Answer {
  rows?: Record<string, unknown>[];
  rowCount?: number;
  /** Columns of type json/jsonb, sent as their text. */
  json?: string[];
  dump?: Uint8Array;
  error?: Record<string, unknown>;
}

type Reply = ({ id: number; body: Uint8Array } | ({ id: number; body?: undefined } & Answer)) | { notify: string; payload: string };

function read(reply: { body: Uint8Array } | ({ body?: undefined } & Answer)): Answer {
  try {
    const answer = reply.body === undefined ? reply : (deserialize(reply.body) as Answer);
    if (answer.json?.length && answer.rows) {
      for (const row of answer.rows) {
        for (const name of answer.json) if (typeof row[name] === 'string') row[name] = JSON.parse(row[name]);
      }
    }
    return answer;
  } catch (err) {
    return { error: { message: `the embedded database's answer could not be read: ${(err as Error).message}` } };
  }
}

/** A value the structured clone copies without recursing into it. */
const flat = (v: unknown) => v === null || typeof v !== 'object' || v instanceof Date;
const flatParams = (request: Request) => !('params' in request) || request.params.every((p) => flat(p) || (Array.isArray(p) && p.every(flat)));

function toError(fields: Record<string, unknown>): Error {
  const err = new Error(String(fields.message));
  return Object.assign(err, fields, { stack: err.stack });
}

/**
 * `options.loadDataDir`: the path of a dump written by `dumpDataDir`, for a database that starts as a
 * copy of it (into `dataDir`, which must hold no database yet, or in memory). Starting from a dump
 * skips creating the cluster, most of PGlite's start-up.
 * `options.sharedBuffers`: the size of Postgres's buffer pool (`shared_buffers`, e.g. `16MB`); unset,
 * PGlite's 128 MB.
 */
export async function openPgliteThread(dataDir?: string, options: { loadDataDir?: string; sharedBuffers?: string } = {}): Promise<Database> {
  const worker = new Worker(new URL('./pglite-worker.mjs', import.meta.url), {
    workerData: { dataDir, loadDataDir: options.loadDataDir, sharedBuffers: options.sharedBuffers },
  });
  const pending = new Map<number, Pending>();
  const listeners = new LocalListeners();
  let nextId = 1;
  let nextTx = 1;
  let closed = false;

  const ready = new Promise<void>((resolve, reject) => {
    pending.set(0, { resolve: () => resolve(), reject });
  });
  worker.on('message', (m: Reply) => {
    if ('notify' in m) return listeners.deliver(m.notify, m.payload);
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    const answer = read(m);
    if (answer.error) p.reject(toError(answer.error));
    else p.resolve(answer);
  });
  const failAll = (err: Error) => {
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  worker.on('error', (err) => failAll(err));
  // Cannot happen with bodies serialised apart; if it did, the dropped message names no request, and
  // failing every waiting request is better than leaving one waiting forever.
  worker.on('messageerror', (err) => failAll(err));
  worker.on('exit', (code) => failAll(new Error(`the embedded database's thread exited (code ${code})`)));

  const send = (request: Request) =>
    new Promise<{ rows?: unknown[]; rowCount?: number; dump?: Uint8Array }>((resolve, reject) => {
      if (closed) return reject(new Error('the database is closed'));
      let message: { id: number; body: Buffer } | ({ id: number } & Request);
      const id = nextId++;
      if (flatParams(request)) message = { id, ...request };
      else {
        try {
          message = { id, body: serialize(request) };
        } catch (err) {
          return reject(new Error(`the request could not be sent to the embedded database: ${(err as Error).message}`));
        }
      }
      pending.set(id, { resolve, reject });
      worker.postMessage(message);
    });

  try {
    await ready;
  } catch (err) {
    await worker.terminate();
    throw err;
  }

  const queryable = (tx: number | undefined, notify: Queryable['notify']): Queryable => {
    const q: Queryable = {
      notify,
      async exec(sql) {
        await send({ op: 'exec', sql, tx });
      },
      async query<T>(sql: string, params: unknown[] = [], options?: QueryOptions): Promise<QueryResult<T>> {
        const behind = sentBehind(options);
        if (behind && tx !== undefined) throw new Error('followedBy and behind run on the database itself');
        const answer = send({ op: 'query', sql, params, tx });
        // The thread runs what it is sent in order: what is sent behind runs right after the statement.
        // What is sent behind is the caller's to wait for; the statement's answer is not held by it.
        if (behind) behind(q).catch(() => {});
        const r = await answer;
        return { rows: r.rows as T[], rowCount: r.rowCount! };
      },
    };
    return q;
  };
  const base = queryable(undefined, listeners.deliver);

  return {
    kind: 'pglite',
    query: base.query,
    exec: base.exec,
    notify: base.notify,
    async transaction(fn, options) {
      // What the transaction waits for on the database goes first: the one connection is its (TransactionOptions).
      if (options?.besides) await options.besides.catch(() => {});
      const tx = nextTx++;
      await send({ op: 'begin', tx });
      return listeners.afterCommit(async (notify) => {
        // The first statement of the transaction that failed, awaited or not: PGlite rolls back a
        // transaction a failed statement aborted when asked to commit it.
        let failed: { error: unknown } | null = null;
        const own = queryable(tx, notify);
        const tracked: Queryable = {
          ...own,
          query: <T>(sql: string, params?: unknown[], options?: QueryOptions) => {
            const answer = own.query<T>(sql, params, options);
            answer.catch((error: unknown) => void (failed ??= { error }));
            return answer;
          },
        };
        let result;
        try {
          result = await fn(tracked);
        } catch (err) {
          await send({ op: 'rollback', tx });
          throw err;
        }
        // The thread answers in order: a statement sent before the commit and not awaited has failed
        // or not by the time the commit is answered, and its error is the transaction's.
        const committing = send({ op: 'commit', tx });
        await committing.catch(() => {});
        const failure = failed as { error: unknown } | null;
        if (failure) throw failure.error;
        await committing;
        return result;
      });
    },
    async listen(channel, onMessage) {
      listeners.add(channel, onMessage);
      // LISTEN in PGlite too, so a pg_notify run as SQL reaches the same listeners.
      await send({ op: 'listen', channel });
      return async () => {
        if (listeners.remove(channel, onMessage) && !closed) await send({ op: 'unlisten', channel });
      };
    },
    async dumpDataDir(compression = 'gzip') {
      const r = await send({ op: 'dump', compression });
      if (!r.dump) throw new Error('the embedded database answered the dump without data');
      return r.dump;
    },
    async close() {
      if (closed) return;
      await send({ op: 'close' });
      closed = true;
      await worker.terminate();
    },
  };
}
