// Baseline for P5: the bare insert app on PGlite (on disk). Env: PORT, DATA_DIR. Prints "ready <ms>"
// (process start to listening) when listening.
import { PGlite } from '@electric-sql/pglite';
import { serveBareInsert } from './bare-insert.mjs';

const t0 = performance.now();
const db = await PGlite.create(process.env.DATA_DIR);
await serveBareInsert({ t0, query: (sql, params) => db.query(sql, params), close: () => db.close() });
