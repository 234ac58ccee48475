// Baseline for P1: the bare insert app on pg. Env: PORT, DATABASE_URL. Prints "ready <ms>" when listening.
import pg from 'pg';
import { serveBareInsert } from './bare-insert.mjs';

const t0 = performance.now();
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
await serveBareInsert({ t0, query: (sql, params) => pool.query(sql, params), close: async () => {} });
