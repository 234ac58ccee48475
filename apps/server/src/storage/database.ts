/**
 * The one interface the rest of the server sees. Two implementations are chosen at
 * composition time: PGlite (embedded, one connection) and node-postgres (a pool).
 * Both speak the same SQL; int8 columns are cast to text or int in queries, because
 * the two drivers parse them differently.
 */
import { createHash } from 'node:crypto';

export interface QueryResult<T> {
  rows: T[];
  rowCount: number;
}

export interface QueryOptions {
  /**
   * Keep the statement prepared under this name on each connection (Postgres), so repeats skip
   * parsing and planning. For the few fixed statements on the hottest paths only: every name costs
   * memory on every pooled connection. Ignored by PGlite.
   */
  prepare?: string;
  /**
   * With `prepare`: run it from the statement's generic plan, made once per connection, even from
   * its first call. Postgres otherwise plans a kept statement for its values on its first five
   * calls, and after them as long as its cost model finds the values' plans cheaper, which for some
   * it always does: a statement whose one good plan does not depend on the values (an index that
   * hands out its rows in order, whatever they are) is then planned again at every call for nothing.
   * Never for a statement whose best plan depends on its values. Ignored by PGlite.
   */
  generic?: boolean;
  /**
   * A statement sent right behind this one on its connection, to run once this one has committed or
   * failed, in a transaction of its own: what must follow a commit at once, without waiting for the
   * answer to come back and be handled first (a decision's announcement: ANNOUNCE_OUTCOME in
   * core/approvals/state-machine.ts). Kept prepared under `name`. The caller gets this statement's
   * answer without waiting for the follower's, whose outcome is dropped: on Postgres a connection
   * whose follower failed is closed, not given back. On the database itself only (a transaction's
   * statements commit with it); never with `generic`.
   */
  followedBy?: { name: string; sql: string };
  /**
   * Statements sent right behind this one on its connection, before its answer comes back, each in a
   * transaction of its own: reads of what this one writes (a new request's, for the first attempt of
   * its notification), run by the same session as soon as this one has committed or failed, without
   * waiting for its answer to come back and be handled first, nor for a connection of their own.
   * Called once this statement is issued, with a handle on its connection; the connection goes back
   * to the pool once the promise returned has settled, so that promise must await every statement
   * issued through the handle. The caller gets this statement's answer without waiting for them. On
   * the database itself only; never with `generic` or `followedBy`.
   */
  behind?: (on: Queryable) => Promise<unknown>;
  /**
   * A read that several callers make at one moment (the waiters one notification wakes): such reads
   * issued in one burst of the process's work share a pooled connection and go to Postgres in one
   * write, each in a transaction of its own, run one after the other, instead of a connection, a
   * write and a backend woken for each (storage/postgres.ts runGathered). With `generic` and
   * `behind` as without it. On the database itself only; ignored in a transaction and by PGlite
   * (one connection, whose statements run in order anyway).
   */
  gather?: boolean;
}

/**
 * What is sent behind a statement (QueryOptions): its `behind`, or its follower (`followedBy`), which is
 * one statement sent so. A `behind` that throws before it returns a promise is a rejected promise: the
 * statement's answer is never held by it, and the connection's end is decided by its outcome as by any.
 */
export function sentBehind(options: QueryOptions | undefined): ((on: Queryable) => Promise<unknown>) | undefined {
  if (options?.followedBy && options.behind) throw new Error('followedBy and behind do not go together');
  const follower = options?.followedBy;
  if (follower) return (on) => on.query(follower.sql, [], { prepare: follower.name });
  const behind = options?.behind;
  if (!behind) return undefined;
  return (on) => {
    try {
      return behind(on);
    } catch (err) {
      return Promise.reject(err);
    }
  };
}

/**
 * The `prepare` name of a statement whose text is built at run time, from that text: Postgres refuses
 * a name prepared again with another text, so each text has its own name, the same every time it is built.
 */
export function preparedName(prefix: string, sql: string): string {
  return `${prefix}_${createHash('sha256').update(sql).digest('hex').slice(0, 16)}`;
}

export interface Queryable {
  /**
   * On a transaction, statements issued before the previous one's answer run in the order issued
   * (on Postgres they are sent together: one round trip for statements that do not depend on each
   * other); one that fails aborts the transaction, and those after it fail too.
   */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[], options?: QueryOptions): Promise<QueryResult<T>>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  /**
   * Sends a NOTIFY once what was written through this handle is committed: on a transaction, after
   * its COMMIT (nothing is sent if it rolls back); on the database itself, whose statements commit
   * on their own, as soon as possible. Never inside the writer's transaction: a NOTIFY there takes
   * the cluster's notification queue lock at commit and holds it through the commit's WAL flush,
   * which makes every notifying transaction of the cluster commit one after another.
   * Best effort: a notification lost (the process dies between commit and send, the connection
   * fails) is a wake-up lost, never data; every listener re-reads on a timer of its own.
   * `urgent`: someone holds for it (a decision a waiter or a callback waits on): sent as soon as the
   * commit allows, ahead of the spacing that gathers the others (on Postgres, NOTIFY_SPACING_MS). On a
   * Postgres transaction, the statement sent right behind its COMMIT sends it with the transaction's
   * other notifications (postgres.ts, AFTER_COMMIT), and this process's listeners hear them back
   * through LISTEN like everyone else's. A payload with a line break or of 8000 bytes or more is
   * refused when it is given.
   */
  notify(channel: string, payload: string, urgent?: boolean): void;
}

export interface TransactionOptions {
  /**
   * Statements already issued on the database itself that `fn` waits for (reads that go beside the
   * transaction). On Postgres the transaction begins at once, on a connection of its own beside them;
   * on the embedded database, one connection, it begins once they have settled (begun first, it would
   * hold that connection while they wait for it).
   */
  besides?: Promise<unknown>;
}

export interface Database extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Runs `fn` in one transaction (READ COMMITTED); rolls back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * Subscribes to a NOTIFY channel; PGlite delivers notifications of its own single process.
   * `onReconnect` runs after the listening connection was lost and is listening again: whatever
   * was notified in between is gone, so the subscriber re-reads what it watches.
   */
  /** Connections of the pool (Postgres only: PGlite is one connection in a worker thread). */
  poolStats?(): { total: number; idle: number; waiting: number; max: number };
  listen(channel: string, onMessage: (payload: string) => void, onReconnect?: () => void): Promise<() => Promise<void>>;
  /**
   * A consistent copy of the embedded database's files (a tar, gzipped unless told otherwise, that
   * PGlite's `loadDataDir` reads back), taken while it serves: queries wait for the copy. PGlite
   * only; Postgres has pg_dump.
   */
  dumpDataDir?(compression?: 'gzip' | 'none'): Promise<Uint8Array>;
  close(): Promise<void>;
}

/**
 * Hands a committed write's notification to one of this process's listeners. A listener's failure is
 * its own: the write it announces has committed, and the writer must not see an error for it.
 */
export function deliverLocally(onMessage: (payload: string) => void, payload: string): void {
  try {
    onMessage(payload);
  } catch {
    // Nothing to undo: see above.
  }
}

/**
 * Work issued side by side (statements on one transaction's connection, a read beside other work):
 * every piece settles before the caller goes on, so none is still in flight when the transaction ends
 * or the caller fails; then the first failure in the order given is thrown, else every value (typed as
 * Promise.all's).
 */
export async function sideBySide<T extends readonly unknown[] | []>(work: T): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const settled = await Promise.allSettled(work);
  for (const s of settled) if (s.status === 'rejected') throw s.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as { -readonly [K in keyof T]: Awaited<T[K]> };
}

/** SQLSTATEs that mean "try the whole transaction again". */
export const RETRYABLE_SQLSTATES = new Set(['40001', '40P01']);

export function sqlState(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

export function constraintName(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'constraint' in err && typeof err.constraint === 'string'
    ? err.constraint
    : undefined;
}
