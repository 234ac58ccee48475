// P5's reference: PGlite's own cold start in a fresh process (create a new data directory, answer one query).
// Env: DATA_DIR. Prints "ready <ms>" measured from process start.
import { PGlite } from '@electric-sql/pglite';

const db = await PGlite.create(process.env.DATA_DIR);
await db.query('SELECT 1');
console.log(`ready ${performance.now().toFixed(1)}`);
await db.close();
