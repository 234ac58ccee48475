// Baseline for the soak: Express 5 + pg doing the mix's four operations with the simplest SQL, one
// statement each: an INSERT, a SELECT by id, the newest pending (status = 'pending' ORDER BY
// created_at DESC LIMIT n, on an index of (status, created_at)) and an UPDATE. A decision POSTs the
// callback inline when the request has one. Env: PORT, DATABASE_URL. Prints "ready <ms>".
import express from 'express';
import pg from 'pg';

const t0 = performance.now();
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 20 });
await pool.query(`CREATE TABLE IF NOT EXISTS bare_soak (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), title text NOT NULL,
  description text NOT NULL, priority text NOT NULL, status text NOT NULL DEFAULT 'pending', callback_url text,
  decided_at timestamptz, created_at timestamptz NOT NULL DEFAULT now())`);
await pool.query('CREATE INDEX IF NOT EXISTS bare_soak_status_created ON bare_soak (status, created_at DESC)');
const app = express();
app.use(express.json());
app.post('/api/v1/approvals', async (req, res) => {
  const { rows } = await pool.query('INSERT INTO bare_soak (title, description, priority, callback_url) VALUES ($1, $2, $3, $4) RETURNING *', [
    req.body.title,
    req.body.description,
    req.body.priority,
    req.body.callback_url ?? null,
  ]);
  res.status(201).json(rows[0]);
});
app.get('/api/v1/approvals/:id', async (req, res) => {
  const { rows } = await pool.query('SELECT * FROM bare_soak WHERE id = $1', [req.params.id]);
  if (!rows[0]) return void res.status(404).json({ error: 'not found' });
  res.json(rows[0]);
});
app.get('/api/v1/approvals', async (req, res) => {
  const { rows } = await pool.query('SELECT * FROM bare_soak WHERE status = $1 ORDER BY created_at DESC LIMIT $2', [
    req.query.status ?? 'pending',
    Number(req.query.page_size ?? 20),
  ]);
  res.json({ data: rows });
});
app.patch('/api/v1/approvals/:id', async (req, res) => {
  const { rows } = await pool.query(
    `UPDATE bare_soak SET status = 'approved', decided_at = now() WHERE id = $1 AND status = 'pending' RETURNING *`,
    [req.params.id],
  );
  const row = rows[0];
  if (!row) return void res.status(409).json({ error: 'not pending' });
  if (row.callback_url) {
    try {
      const r = await fetch(row.callback_url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'approval.approved', data: row }) });
      await r.arrayBuffer();
    } catch {
      // The reference does not retry.
    }
  }
  res.json(row);
});
app.listen(Number(process.env.PORT), '127.0.0.1', () => console.log(`ready ${(performance.now() - t0).toFixed(1)}`));
process.on('SIGTERM', () => process.exit(0));
