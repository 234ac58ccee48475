import type { Database, Queryable, QueryOptions } from '../storage/database.ts';

/** One statement's step as the server's code saw it: sent, answered or failed, in the order they happened. */
export interface StatementStep {
  /** `mark`: not a statement, a moment the test marked among them (`text` names it). */
  step: 'issued' | 'answered' | 'failed' | 'mark';
  text: string;
  /** The prepared statement's name, when it has one. */
  prepare: string | undefined;
  /** The values sent with it, on its `issued` step. */
  params?: readonly unknown[];
}

/** `db` for code called directly, recording the text of each statement sent through it. */
export function countingStatements(db: Queryable): { counting: Queryable; statements: string[] } {
  const statements: string[] = [];
  const counting: Queryable = Object.assign(Object.create(db) as Queryable, {
    query: ((text: string, params?: unknown[], options?: QueryOptions) => {
      statements.push(text);
      return db.query(text, params, options);
    }) as Queryable['query'],
  });
  return { counting, statements };
}

/**
 * Every statement the server sends through `db` (the running server's own database object) while
 * `work` runs, each as issued and as answered, in one order; `db` is given back as it was afterwards.
 * `mark` puts a moment of the test's own (a message arriving elsewhere) in that order.
 */
export async function statementsDuring<T>(db: Queryable, work: (mark: (text: string) => void) => Promise<T>): Promise<{ result: T; steps: StatementStep[] }> {
  const steps: StatementStep[] = [];
  const mark = (text: string) => steps.push({ step: 'mark', text, prepare: undefined });
  const patched = db as { query: Queryable['query'] };
  const original = patched.query;
  patched.query = ((text: string, params?: unknown[], options?: QueryOptions) => {
    const prepare = options?.prepare;
    steps.push({ step: 'issued', text, prepare, params });
    const answer = original.call(db, text, params, options);
    void answer.then(
      () => steps.push({ step: 'answered', text, prepare }),
      () => steps.push({ step: 'failed', text, prepare }),
    );
    return answer;
  }) as Queryable['query'];
  try {
    return { result: await work(mark), steps };
  } finally {
    patched.query = original;
  }
}

/**
 * The statements of every transaction begun on `db` (the running server's own database object) while
 * `work` runs, as `issued NAME` and `answered NAME` in the order they happened, each named by `name`
 * (null: left out); `db` is given back as it was afterwards. Shows which statements went to the
 * connection together (each issued before the one before it was answered).
 */
export async function transactionStepsDuring<T>(db: Database, name: (sql: string) => string | null, work: () => Promise<T>): Promise<{ result: T; steps: string[] }> {
  const steps: string[] = [];
  const patched = db as { transaction: Database['transaction'] };
  const original = patched.transaction;
  patched.transaction = ((fn, options) =>
    original.call(
      db,
      (tx) =>
        fn(
          Object.assign(Object.create(tx) as Queryable, {
            query: ((sql: string, params?: unknown[], opts?: QueryOptions) => {
              const n = name(sql);
              if (n) steps.push(`issued ${n}`);
              const answer = tx.query(sql, params, opts);
              if (n) void answer.then(() => steps.push(`answered ${n}`), () => {});
              return answer;
            }) as Queryable['query'],
          }),
        ),
      options,
    )) as Database['transaction'];
  try {
    return { result: await work(), steps };
  } finally {
    patched.transaction = original;
  }
}
