// Baseline for P1: Express 5 doing one pg INSERT … RETURNING per request, nothing else.
// Env: PORT, DATABASE_URL. Prints "ready <ms>" when listening.
import express from 'express';
import pg from 'pg';

const t0 = performance.now();
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
await pool.query(`CREATE TABLE IF NOT EXISTS bare_items (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), title text NOT NULL,
  description text NOT NULL, priority text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`);
const app = express();
app.use(express.json());
app.post('/api/v1/approvals', async (req, res) => {
  const { rows } = await pool.query('INSERT INTO bare_items (title, description, priority) VALUES ($1, $2, $3) RETURNING *', [
    req.body.title,
    req.body.description,
    req.body.priority,
  ]);
  res.status(201).json(rows[0]);
});
app.listen(Number(process.env.PORT), '127.0.0.1', () => console.log(`ready ${(performance.now() - t0).toFixed(1)}`));
process.on('SIGTERM', () => process.exit(0));
