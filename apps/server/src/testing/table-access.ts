import type { Queryable } from '../storage/database.ts';

/** How a statement reached some tables: scans of all their rows and by an index, rows inserted and updated. */
export interface TableAccess {
  seq: number;
  idx: number;
  ins: number;
  upd: number;
}

async function counters(tx: Queryable, tables: readonly string[]): Promise<TableAccess> {
  const { rows } = await tx.query<TableAccess>(
    `SELECT coalesce(sum(seq_scan), 0)::int AS seq, coalesce(sum(idx_scan), 0)::int AS idx,
            coalesce(sum(n_tup_ins), 0)::int AS ins, coalesce(sum(n_tup_upd), 0)::int AS upd
       FROM pg_stat_xact_user_tables WHERE relname = ANY ($1)`,
    [tables],
  );
  return rows[0]!;
}

/**
 * What `run` did to `tables`, counted by Postgres in the open transaction `tx` (Postgres and PGlite
 * alike). The backend's counters may still hold earlier transactions' counts, but nothing is reported
 * while a transaction is open: their change across `run` is run's own.
 */
export async function tableAccess<T>(tx: Queryable, tables: readonly string[], run: () => Promise<T>): Promise<{ result: T; access: TableAccess }> {
  const before = await counters(tx, tables);
  const result = await run();
  const after = await counters(tx, tables);
  return { result, access: { seq: after.seq - before.seq, idx: after.idx - before.idx, ins: after.ins - before.ins, upd: after.upd - before.upd } };
}
