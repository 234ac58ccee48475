// Baseline for P5: Express 5 + PGlite (on disk) doing one INSERT … RETURNING per request.
// Env: PORT, DATA_DIR. Prints "ready <ms>" (process start to listening) when listening.
import express from 'express';
import { PGlite } from '@electric-sql/pglite';

const t0 = performance.now();
const db = await PGlite.create(process.env.DATA_DIR);
await db.query(`CREATE TABLE IF NOT EXISTS bare_items (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), title text NOT NULL,
  description text NOT NULL, priority text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`);
const app = express();
app.use(express.json());
app.post('/api/v1/approvals', async (req, res) => {
  const { rows } = await db.query('INSERT INTO bare_items (title, description, priority) VALUES ($1, $2, $3) RETURNING *', [
    req.body.title,
    req.body.description,
    req.body.priority,
  ]);
  res.status(201).json(rows[0]);
});
app.listen(Number(process.env.PORT), '127.0.0.1', () => console.log(`ready ${(performance.now() - t0).toFixed(1)}`));
process.on('SIGTERM', () => db.close().then(() => process.exit(0)));
